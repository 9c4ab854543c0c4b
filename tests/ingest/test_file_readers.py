"""Parquet, JSON and NDJSON files land as exact text, with rejects carrying line numbers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from observatory import EncodingError, IngestError, Observatory
from observatory.config import DatasetSpec
from observatory.ingest import file_readers
from observatory.ingest.file_readers import ColumnarFileReader, distinct_names
from observatory.ingest.loads import LoadResult, ingest_path


def _rows(obs: Observatory, name: str) -> list[dict[str, Any]]:
    cursor = obs.engine.connection.execute(f'SELECT * FROM raw."adhoc__{name}"')  # type: ignore[attr-defined]
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _column_types(obs: Observatory, name: str) -> set[str]:
    rows = obs.engine.connection.execute(  # type: ignore[attr-defined]
        f'DESCRIBE SELECT * FROM raw."adhoc__{name}"'
    ).fetchall()
    return {str(row[1]) for row in rows}


def _accounted(result: LoadResult) -> None:
    assert result.status == "loaded"
    assert result.rows_read == result.rows_loaded + result.rows_rejected


# ---------------------------------------------------------------------------------------------- Parquet


def _write_parquet(path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, None, 3], pa.int64()),
            "code": pa.array(["007", "", None]),
            "ratio": pa.array([0.1, 1e16, None], pa.float64()),
            "small": pa.array([0.1, 2.5, None], pa.float32()),
            "amount": pa.array([Decimal("1.50"), Decimal("-0.01"), None], pa.decimal128(10, 2)),
            "born": pa.array([dt.date(2024, 1, 2), None, dt.date(1900, 12, 31)]),
            "seen": pa.array(
                [dt.datetime(2024, 1, 2, 3, 4, 5, 123000), None, dt.datetime(2024, 1, 2)], pa.timestamp("us")
            ),
            "at": pa.array([dt.datetime(2024, 7, 2, 3, 4, 5, tzinfo=dt.UTC), None, None], pa.timestamp("us", tz="UTC")),
            "raw": pa.array([b"\x00\xff", None, b""], pa.binary()),
            "flag": pa.array([True, False, None]),
            "address": pa.array([{"line": "1 High St", "uprn": 100}, None, {"line": None, "uprn": 7}]),
            "tags": pa.array([["a", "b"], [], None]),
            "ID": pa.array(["x", "y", "z"]),
        }
    )
    pq.write_table(table, path, row_group_size=2)


def test_parquet_values_land_as_exact_text(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    _write_parquet(path)
    # the session time zone must not change how an instant is written
    obs.engine.connection.execute("SET TimeZone = 'Europe/London'")  # type: ignore[attr-defined]
    result = ingest_path(obs, path)
    _accounted(result)
    assert (result.rows_read, result.rows_rejected) == (3, 0)
    assert _column_types(obs, "people") == {"VARCHAR"}
    rows = _rows(obs, "people")
    assert list(rows[0]) == [
        "id", "code", "ratio", "small", "amount", "born", "seen", "at", "raw", "flag", "address", "tags", "ID_2",
    ]  # fmt: skip
    assert rows[0] == {
        "id": "1",
        "code": "007",
        "ratio": "0.1",
        "small": "0.1",
        "amount": "1.50",
        "born": "2024-01-02",
        "seen": "2024-01-02 03:04:05.123",
        "at": "2024-07-02 03:04:05+00",
        "raw": "\\x00ff",
        "flag": "true",
        "address": '{"line":"1 High St","uprn":100}',
        "tags": '["a","b"]',
        "ID_2": "x",
    }
    assert rows[1] == {
        "id": None,
        "code": "",
        "ratio": "1e+16",
        "small": "2.5",
        "amount": "-0.01",
        "born": None,
        "seen": None,
        "at": None,
        "raw": None,
        "flag": "false",
        "address": None,
        "tags": "[]",
        "ID_2": "y",
    }
    assert rows[2]["born"] == "1900-12-31"
    assert rows[2]["seen"] == "2024-01-02 00:00:00"
    assert rows[2]["raw"] == "\\x"
    assert rows[2]["address"] == '{"line":null,"uprn":7}'
    detection = result.detection
    assert detection["format"] == "parquet"
    assert detection["source_types"]["amount"] == "decimal128(10, 2)"
    assert any("'ID'" in note for note in detection["notes"])


def test_parquet_same_file_twice_is_a_noop_and_force_reloads(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    _write_parquet(path)
    first = ingest_path(obs, path)
    again = ingest_path(obs, path)
    assert again.status == "unchanged" and again.load_id == first.load_id
    forced = ingest_path(obs, path, force=True)
    assert forced.status == "loaded" and forced.load_id != first.load_id
    assert first.detection["sha256"] == forced.detection["sha256"]
    assert first.detection["size_bytes"] == path.stat().st_size


def test_parquet_decimals_wider_than_duckdb_are_refused(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"n": pa.array([Decimal("1" * 39 + ".5")], pa.decimal256(40, 1))}), path)
    with pytest.raises(IngestError, match="more than 38 digits"):
        ingest_path(obs, path)


def test_not_a_parquet_file(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("id,name\n1,Ann\n")
    with pytest.raises(IngestError, match="not a readable Parquet file"):
        ingest_path(obs, path)


# ---------------------------------------------------------------------------------------------- JSON


def test_json_array_of_records(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(
        "[\n"
        ' {"id": "007", "n": 12345678901234567890123, "x": 0.10, "big": 9007199254740993,'
        ' "nested": {"a": [1, null]}},\n'
        ' {"id": "008", "n": 2, "x": 1, "extra": true, "big": 1.5},\n'
        " 42,\n"
        ' {"id": null, "/odd~key": "slash"}\n'
        "]\n",
        encoding="utf-8",
    )
    result = ingest_path(obs, path)
    _accounted(result)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert result.detection["json_shape"] == "array"
    rows = _rows(obs, "cases")
    assert list(rows[0]) == ["id", "n", "x", "big", "nested", "extra", "/odd~key"]
    assert rows[0] == {
        "id": "007",
        "n": "12345678901234567890123",
        "x": "0.1",
        "big": "9007199254740993",  # not coerced to DOUBLE though the column also holds 1.5
        "nested": '{"a":[1,null]}',
        "extra": None,
        "/odd~key": None,
    }
    assert rows[1]["extra"] == "true" and rows[1]["big"] == "1.5"
    assert rows[2] == {key: None for key in rows[0]} | {"/odd~key": "slash"}
    rejects = obs.engine.rejects("raw", result.load_id or 0)
    assert rejects == [{"line": None, "reason": "record 3 of the array: a number, not a JSON object", "raw": "42"}]


def test_json_object_holding_records(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "ckan.json"
    document = {
        "help": "https://example.org/api",
        "success": True,
        "result": {"fields": [{"id": "ward"}], "records": [{"ward": "E05000001", "count": 3}, {"ward": "E05000002"}]},
    }
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    result = ingest_path(obs, path)
    _accounted(result)
    assert result.detection["json_shape"] == "object"
    assert result.detection["records_path"] == "/result/records"
    assert _rows(obs, "ckan") == [{"ward": "E05000001", "count": "3"}, {"ward": "E05000002", "count": None}]


def test_json_object_with_two_arrays_of_records_is_ambiguous(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text('{"a": [{"x": 1}], "b": [{"y": 2}]}', encoding="utf-8")
    with pytest.raises(IngestError, match="several arrays of records"):
        ingest_path(obs, path)


@pytest.mark.parametrize(("text", "problem"), [("[]", "no JSON records"), ("[{}, {}]", "have no fields")])
def test_json_with_nothing_to_load(obs: Observatory, tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "empty.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=problem):
        ingest_path(obs, path)


def test_truncated_json_array_is_refused(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[{"id": 1},\n{"id": 2},', encoding="utf-8")
    with pytest.raises(IngestError, match="not closed"):
        ingest_path(obs, path)


def test_malformed_json_array_names_the_file(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"id": 1}, {"id": 2]', encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        ingest_path(obs, path)
    assert "bad.json" in caught.value.message and "Malformed JSON" in caught.value.message


def test_non_utf8_json_is_an_encoding_error(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'[{"name": "Zo\xeb"}]')
    with pytest.raises(EncodingError) as caught:
        ingest_path(obs, path)
    message = caught.value.message
    assert "latin.json" in message and "byte 13" in message and "must be UTF-8" in message


def test_json_file_holding_one_object_per_line_is_read_as_ndjson(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    result = ingest_path(obs, path)
    assert result.detection["json_shape"] == "ndjson"
    assert _rows(obs, "lines") == [{"a": "1"}, {"a": "2"}]


# ---------------------------------------------------------------------------------------------- NDJSON


NDJSON = (
    b'\xef\xbb\xbf{"id": "001", "score": 0.1}\n'  # 1 (byte-order mark)
    b"\n"  # 2 blank
    b'{"id": "002", "score": 2, "when": "2024-01-02"}\r\n'  # 3 CRLF
    b"not json at all\n"  # 4
    b"   \t \n"  # 5 blank
    b"[1, 2]\n"  # 6 an array
    b'{"id": "003", "id": "004"}\n'  # 7 repeated key
    b'{"id": "005", "Score": 7}\n'  # 8 key differing only in case
    b'{"id": "006", "score": 3'  # 9 cut short, no final newline
)


def test_ndjson_rejects_carry_line_numbers(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(NDJSON)
    result = ingest_path(obs, path)
    _accounted(result)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.blank_rows_dropped) == (7, 3, 4, 2)
    assert result.detection["encoding"] == "utf-8-sig"
    assert _rows(obs, "events") == [
        {"id": "001", "score": "0.1", "when": None, "Score_2": None},
        {"id": "002", "score": "2", "when": "2024-01-02", "Score_2": None},
        {"id": "005", "score": None, "when": None, "Score_2": "7"},
    ]
    rejects = obs.engine.rejects("raw", result.load_id or 0)
    assert [(r["line"], r["raw"]) for r in rejects] == [
        (4, "not json at all"),
        (6, "[1, 2]"),
        (7, '{"id": "003", "id": "004"}'),
        (9, '{"id": "006", "score": 3'),
    ]
    reasons = [r["reason"] for r in rejects]
    assert reasons[0].startswith("not valid JSON: Expecting value at column 1")
    assert reasons[1] == "an array, not a JSON object"
    assert reasons[2] == "the object repeats a key: id"
    assert reasons[3].startswith("not valid JSON")
    assert "2 blank line(s) skipped" in result.detection["notes"]


def test_ndjson_line_numbers_across_blocks(obs: Observatory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_readers, "BLOCK_BYTES", 64)
    lines = []
    for number in range(1, 301):
        if number % 37 == 0:
            lines.append("{broken")
        elif number % 11 == 0:
            lines.append("")
        else:
            lines.append(json.dumps({"line": number, "pad": "x" * (number % 90)}))
    path = tmp_path / "long.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_path(obs, path)
    _accounted(result)
    bad = [n for n in range(1, 301) if n % 37 == 0]
    blank = [n for n in range(1, 301) if n % 11 == 0 and n % 37 != 0]
    assert result.rows_rejected == len(bad) and result.blank_rows_dropped == len(blank)
    assert [r["line"] for r in obs.engine.rejects("raw", result.load_id or 0)] == bad
    loaded = [int(row["line"]) for row in _rows(obs, "long")]
    assert loaded == [n for n in range(1, 301) if n not in bad and n not in blank]


def test_ndjson_same_file_twice_is_a_noop(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(NDJSON)
    first = ingest_path(obs, path)
    again = ingest_path(obs, path)
    assert again.status == "unchanged" and again.load_id == first.load_id
    forced = ingest_path(obs, path, force=True)
    assert forced.status == "loaded" and forced.load_id != first.load_id
    assert len(obs.engine.rejects("raw", forced.load_id or 0)) == 4


def test_ndjson_with_no_good_line_explains_why(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "junk.ndjson"
    path.write_text("\nnope\n", encoding="utf-8")
    with pytest.raises(IngestError, match="line 2: not valid JSON"):
        ingest_path(obs, path)


def test_detect_reports_hash_and_shape(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text('{"a": 1}\n', encoding="utf-8")
    found = ColumnarFileReader(path, DatasetSpec(path=str(path)), "ndjson").detect()
    assert found["json_shape"] == "ndjson" and found["size_bytes"] == 9 and len(found["sha256"]) == 64


def test_distinct_names() -> None:
    assert distinct_names(["a", "A", "a_2", "", "a"]) == ["a", "A_2", "a_2_2", "column_4", "a_3"]
