"""Every CSV file in the real-data corpus, through the real pipeline, checked against facts measured independently.

Each test loads one file with ``ingest_path`` (and, where duplicates matter, ``inspect_file``), then checks the raw
table with SQL. The expected values are not copied from the pipeline: they come from each folder's SOURCE.txt and
from parsing the file's bytes here with Python's ``csv`` module. Where SOURCE.txt and the bytes disagree, the test
asserts what the bytes say and the comment says why.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory import Observatory
from observatory.engine.duckdb_engine import DuckDBEngine
from observatory.ingest.inspect import inspect_file
from observatory.ingest.loads import LoadResult, adhoc_name, ingest_path
from tests.conftest import make_project

LAMBETH_2012 = "lambeth_council/2012-06-payments.csv"
LAMBETH_2011 = "lambeth_council/2011-04-payments.csv"
LAMBETH_FOI = "lambeth_council/LBLFOIDisclosureLogJan2012.csv"
BRADFORD = "bradford_council_business_rates/bradford.csv"
KS2 = "dfe_ks2_performance_surrey/2018-936-ks2.csv"
ONSPD = "ons_postcode_directory_extract/onspd_extract_postcode.csv"
OPEN_NAMES = "os_open_names_extract/HY20.csv"
SCARBOROUGH = "scarborough_council_business_rates/scarborough.csv"
TRAFFORD = "trafford_council_land_assets/trafford_land_and_building_assets.csv"
COVERED = {LAMBETH_2012, LAMBETH_2011, LAMBETH_FOI, BRADFORD, KS2, ONSPD, OPEN_NAMES, SCARBOROUGH, TRAFFORD}

Row = tuple[str, ...]


# --- independent reading of the file (Python's csv module over the raw bytes) ---------------------------------------


def records(path: Path, encoding: str) -> list[tuple[int, list[str]]]:
    """Every CSV record with the PHYSICAL line (count of b"\\n" before it, plus one) it starts on.

    Lines are split on "\\n" only, as the pipeline counts them; a quoted field may span lines.
    """
    pieces = path.read_bytes().decode(encoding).split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    reader = csv.reader(piece + "\n" for piece in pieces)
    result = []
    start = 1
    for row in reader:
        result.append((start, row))
        start = reader.line_num + 1
    return result


def physical_lines(path: Path, encoding: str) -> list[str]:
    """The file's lines split on b"\\n", decoded, without their line endings: ``lines[n - 1]`` is line n."""
    return [line.decode(encoding).removesuffix("\r") for line in path.read_bytes().split(b"\n")]


def is_blank(row: list[str]) -> bool:
    return not any(row)


# --- the pipeline ----------------------------------------------------------------------------------------------------


def table(path: Path) -> str:
    return f'raw."adhoc__{adhoc_name(path)}"'


def load(obs: Observatory, path: Path) -> LoadResult:
    result = ingest_path(obs, path)
    assert result.status == "loaded"
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    return result


def connection(obs: Observatory) -> duckdb.DuckDBPyConnection:
    assert isinstance(obs.engine, DuckDBEngine)
    return obs.engine.connection


def sql(obs: Observatory, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return connection(obs).execute(query, params or []).fetchall()


def scalar(obs: Observatory, query: str, params: list[Any] | None = None) -> Any:
    return sql(obs, query, params)[0][0]


def column_names(obs: Observatory, path: Path) -> list[str]:
    cursor = connection(obs).execute(f"SELECT * FROM {table(path)} LIMIT 0")
    return [d[0] for d in cursor.description or []]


def loaded_rows(obs: Observatory, path: Path) -> Counter[Row]:
    """The raw table as a multiset of rows; NULL (unquoted empty field) compared as ""."""
    return Counter(tuple("" if v is None else v for v in row) for row in sql(obs, f"SELECT * FROM {table(path)}"))


def column_types(obs: Observatory, path: Path) -> set[str]:
    cursor = connection(obs).execute(f"DESCRIBE {table(path)}")
    return {row[1] for row in cursor.fetchall()}


def rejects(obs: Observatory, result: LoadResult) -> list[dict[str, Any]]:
    assert result.load_id is not None
    return obs.engine.rejects("raw", result.load_id)


def assert_loaded_exactly(obs: Observatory, path: Path, expected: list[list[str]]) -> None:
    """The raw table holds exactly these rows (as a multiset): nothing re-encoded, trimmed or coerced."""
    assert loaded_rows(obs, path) == Counter(tuple(row) for row in expected)


# --- the corpus is covered -------------------------------------------------------------------------------------------


def test_every_csv_in_the_corpus_has_a_test(realdata: Path) -> None:
    found = {str(p.relative_to(realdata)) for p in realdata.glob("*/*.csv")}
    assert found == COVERED, "a CSV file was added to or removed from the corpus: give it a test here"


# --- Lambeth ---------------------------------------------------------------------------------------------------------


def test_lambeth_2012_06_payments(obs: Observatory, realdata: Path) -> None:
    path = realdata / LAMBETH_2012
    parsed = records(path, "utf-8")
    header_line, header = parsed[9]
    assert header_line == 10
    assert all(is_blank(row[1:]) for _, row in parsed[:9]), "lines 1-9 are preamble padded with ',,,,,'"
    data = [row for _, row in parsed[10:]]
    blank = [row for row in data if is_blank(row)]
    kept = [row for row in data if not is_blank(row)]
    # SOURCE.txt says 431 exact duplicate data records: that counts the 4 identical ",,,,," rows as 3 more.
    duplicates_with_blank = len(data) - len({tuple(row) for row in data})
    duplicates = len(kept) - len({tuple(row) for row in kept})
    assert (len(data), len(blank), len(kept)) == (3161, 4, 3157)
    assert (duplicates_with_blank, duplicates) == (431, 428)

    result = load(obs, path)
    assert result.encoding == "utf-8"
    assert result.detection["header_lines"] == [10]
    assert result.detection["data_start_line"] == 11
    assert "9 line(s) of title or preamble skipped" in result.detection["notes"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3157, 3157, 0)
    assert result.blank_rows_dropped == 4
    assert result.empty_columns_dropped == 0
    assert column_names(obs, path) == [
        "Body",
        "Department",
        "Supplier Name",
        "Invoice Creation Date",
        "Invoice Nett Amount",
        "Subj Description",
    ]
    assert column_names(obs, path) == header
    assert column_types(obs, path) == {"VARCHAR"}
    assert_loaded_exactly(obs, path, kept)

    t = table(path)
    amounts = [row[4] for row in kept]
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Invoice Nett Amount" = '1,534.24'""") == amounts.count(
        "1,534.24"
    )
    assert sql(obs, f"""SELECT "Supplier Name" FROM {t} WHERE "Invoice Nett Amount" = '1,534.24' ORDER BY 1""") == [
        ("170 Community Project",),
        ("Eaves Housing For Women Ltd",),
    ]
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Invoice Nett Amount" = '900'""") == amounts.count("900")
    # the footer row is data for the raw layer, daggers (U+2020) and trailing space intact
    assert sql(obs, f"""SELECT "Department", "Invoice Nett Amount" FROM {t} WHERE "Body" = 'Total'""") == [
        ("\u2020" * 6 + " ", "40,292,334.84")
    ]
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Subj Description" = 'GAS -\u2020 GENERAL'""") == sum(
        1 for row in kept if row[5] == "GAS -\u2020 GENERAL"
    )

    inspected = inspect_file(path)
    assert inspected["duplicate_rows"] == 428
    assert inspected["blank_rows_dropped"] == 4
    assert inspected["rows_ok"] == 3157


def test_lambeth_2011_04_payments(obs: Observatory, realdata: Path) -> None:
    path = realdata / LAMBETH_2011
    parsed = records(path, "utf-8")
    assert [row for _, row in parsed[:2]] == [["Sum of Invoice Nett Amount", ""], ["Supplier Name", "Total"]]
    data = [row for _, row in parsed[2:]]
    assert len(data) == 966
    assert all(row[1].startswith("£") for row in data)

    result = load(obs, path)
    assert result.encoding == "utf-8"
    assert result.detection["header_lines"] == [2]
    assert "1 line(s) of title or preamble skipped" in result.detection["notes"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.blank_rows_dropped) == (966, 966, 0, 0)
    assert column_names(obs, path) == ["Supplier Name", "Total"]
    assert_loaded_exactly(obs, path, data)
    t = table(path)
    assert sql(obs, f"""SELECT "Total" FROM {t} WHERE "Supplier Name" = 'Lambeth Living Ltd'""") == [("£2,909,121.01",)]
    assert sql(obs, f"""SELECT "Total" FROM {t} WHERE "Supplier Name" = 'Grand Total'""") == [("£37,361,284.82",)]
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Total" NOT LIKE '£%'""") == 0


def test_lambeth_foi_disclosure_log(obs: Observatory, realdata: Path) -> None:
    path = realdata / LAMBETH_FOI
    raw = path.read_bytes()
    assert {byte for byte in raw if 0x80 <= byte <= 0x9F} == {0x91, 0x92, 0x93, 0x94, 0x96}
    parsed = records(path, "cp1252")
    assert parsed[1] == (2, ["Ref", "Received", "Summary"])
    data = [row for _, row in parsed[2:]]
    assert len(data) == 142

    result = load(obs, path)
    assert result.encoding == "windows-1252"
    assert result.detection["header_lines"] == [2]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (142, 142, 0)
    assert column_names(obs, path) == ["Ref", "Received", "Summary"]
    assert_loaded_exactly(obs, path, data)

    def summary(ref: str) -> str:
        rows = sql(obs, f"""SELECT "Summary" FROM {table(path)} WHERE "Ref" = ?""", [ref])
        assert len(rows) == 1
        return str(rows[0][0])

    assert summary("154021").startswith("I would like details about \u2018celebrity\u2019 appearances")  # 0x91 0x92
    assert "senior management team\u2019s job descriptions" in summary("154509")  # 0x92
    assert "(\u201cVeolia\u201d)" in summary("154656")  # 0x93 0x94
    assert "(e.g. SE21 \u2013 5,000 , SE27 \u2013 3000 etc)" in summary("154713")  # 0x96 en dash
    assert "The credit totals over \u00a32,000." in summary("154011")  # 0xA3
    assert summary("154040").startswith("\u00b7The number of racially motivated incidents")  # 0xB7
    # nothing decoded as Latin-1 C1 controls, nothing replaced
    assert (
        scalar(obs, f"""SELECT count(*) FROM {table(path)} WHERE regexp_matches("Summary", '[\\x80-\\x9f\ufffd]')""")
        == 0
    )


# --- Bradford --------------------------------------------------------------------------------------------------------


def test_bradford_business_rates(obs: Observatory, realdata: Path) -> None:
    path = realdata / BRADFORD
    raw = path.read_bytes()
    assert b"Moda B\xe9b\xe9 Ltd" in raw and b"Cafe Chester\xbfS Limited" in raw
    assert not any(0x80 <= byte <= 0x9F for byte in raw), "no Windows-1252-only bytes: Latin-1 by the stated rule"
    parsed = records(path, "latin-1")
    header = parsed[0][1]
    assert len(header) == 20
    data = parsed[1:]
    ragged = [(line, row) for line, row in data if len(row) != 20]
    good = [row for _, row in data if len(row) == 20]
    assert (len(data), len(ragged), len(good)) == (19323, 72, 19251)
    assert {len(row) for _, row in ragged} == {19}
    assert [line for line, _ in ragged][:5] == [242, 526, 665, 1445, 1571]

    result = load(obs, path)
    assert result.encoding == "latin-1"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (19323, 19251, 72)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert column_names(obs, path) == header
    assert_loaded_exactly(obs, path, good)

    rejected = rejects(obs, result)
    assert len(rejected) == 72
    assert [r["line"] for r in rejected] == [line for line, _ in ragged]
    lines = physical_lines(path, "latin-1")
    for r in rejected:
        assert r["reason"] == "too few fields: expected 20, found 19"
        assert r["raw"] == lines[r["line"] - 1]  # the file's own line at that number, decoded
    assert rejected[0]["raw"].startswith("848,Branshaw Golf Club,")

    t = table(path)
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE \"Ratepayer\" = 'Moda Bébé Ltd'") == 1
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE \"Ratepayer\" = 'Cafe Chester¿S Limited'") == 1
    assert sql(obs, f"""SELECT "Postcode" FROM {t} WHERE "Property reference number" = '9010006'""") == [("BD21 4RG ",)]
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Postcode" LIKE '% '""") == 1
    # property reference numbers of varying width (1 to 7 digits) stay as written
    widths = sql(obs, f'SELECT DISTINCT length("Property reference number") FROM {t} ORDER BY 1')
    assert [w[0] for w in widths] == sorted({len(row[0]) for row in good}) == [1, 2, 3, 4, 5, 7]


# --- DfE KS2 Surrey --------------------------------------------------------------------------------------------------


@dataclass
class Ks2:
    path: Path
    header: list[str]
    data: list[tuple[int, list[str]]]
    obs: Observatory
    result: LoadResult


@pytest.fixture(scope="module")
def ks2(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ks2]:
    """The KS2 file parsed here and loaded once into one project, shared by the KS2 tests (it is the slow one)."""
    path = realdata / KS2
    parsed = records(path, "utf-8-sig")
    with Observatory.open(make_project(tmp_path_factory.mktemp("ks2") / "project")) as obs:
        yield Ks2(path, parsed[0][1], parsed[1:], obs, load(obs, path))


def test_ks2_surrey(ks2: Ks2) -> None:
    path, header, data, obs, result = ks2.path, ks2.header, ks2.data, ks2.obs, ks2.result
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfRECTYPE,")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 242
    assert len(header) == 318
    ragged = [(line, len(row)) for line, row in data if len(row) != 318]
    good = [row for _, row in data if len(row) == 318]
    assert ragged == [
        (9, 26),
        (23, 26),
        (31, 26),
        (32, 25),
        (33, 25),
        (34, 25),
        (36, 26),
        (40, 26),
        (160, 26),
        (209, 26),
        (225, 315),
        (230, 26),
    ]
    assert (len(data), len(good)) == (242, 230)

    assert result.encoding == "utf-8-sig"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (242, 230, 12)
    names = column_names(obs, path)
    assert len(names) == 318
    assert names[0] == "RECTYPE"  # no BOM in the first name
    assert names == header
    assert column_types(obs, path) == {"VARCHAR"}
    assert_loaded_exactly(obs, path, good)
    rejected = rejects(obs, result)
    assert len(rejected) == 12
    assert all(r["reason"].startswith("too few fields") for r in rejected)

    t = table(path)
    assert sql(obs, f"""SELECT "RECTYPE", count(*) FROM {t} GROUP BY 1 ORDER BY 1""") == [
        ("1", 213),
        ("2", 14),
        ("3", 1),
        ("4", 1),
        ("5", 1),
    ]
    # summary rows keep single-space cells as " " (not trimmed, not NULL)
    assert sql(
        obs, f"""SELECT "RECTYPE", "SCHNAME", "TELNUM" FROM {t} WHERE "RECTYPE" IN ('3', '4', '5') ORDER BY 1"""
    ) == [
        ("3", "Surrey", " "),
        ("4", " ", " "),
        ("5", " ", " "),
    ]
    blanks = " + ".join(f"""count(*) FILTER (WHERE "{name}" = ' ')""" for name in names)
    assert scalar(obs, f"SELECT {blanks} FROM {t}") == sum(row.count(" ") for row in good) == 106
    # telephone numbers keep the leading zero
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "TELNUM" = '01483811197'""") == 1
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "TELNUM" LIKE '0%'""") == 227
    supp = " + ".join(f"""count(*) FILTER (WHERE "{name}" = 'SUPP')""" for name in names)
    assert scalar(obs, f"SELECT {supp} FROM {t}") == 9608  # every "SUPP" of SOURCE.txt sits in a full row
    percent = header.index("PTRWM_EXP")
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE ends_with("PTRWM_EXP", '%')""") == sum(
        1 for row in good if row[percent].endswith("%")
    )  # percentages stay text
    assert sql(obs, f"""SELECT "PTRWM_EXP" FROM {t} WHERE "URN" = '145543'""") == [("78%",)]


def test_ks2_reject_lines_are_physical_lines(ks2: Ks2) -> None:
    expected = [line for line, row in ks2.data if len(row) != 318]
    assert [r["line"] for r in rejects(ks2.obs, ks2.result)] == expected


def test_ks2_reject_raw_text_is_the_file_line(ks2: Ks2) -> None:
    lines = physical_lines(ks2.path, "utf-8-sig")
    expected = [lines[line - 1] for line, row in ks2.data if len(row) != 318]
    assert [r["raw"] for r in rejects(ks2.obs, ks2.result)] == expected


def test_ks2_reject_reason_is_one_message_with_the_field_count(ks2: Ks2) -> None:
    counts = [len(row) for _, row in ks2.data if len(row) != 318]
    reasons = [r["reason"] for r in rejects(ks2.obs, ks2.result)]
    assert len(reasons) == len(counts) == 12
    for reason, count in zip(reasons, counts, strict=True):
        assert reason.count("too few fields") == 1, reason[:200]
        assert reason == f"too few fields: expected 318, found {count}"


# --- ONS Postcode Directory extract ----------------------------------------------------------------------------------


def test_onspd_extract(obs: Observatory, realdata: Path) -> None:
    path = realdata / ONSPD
    parsed = records(path, "ascii")
    header = parsed[0][1]
    data = [row for _, row in parsed[1:]]
    doterm = header.index("doterm")
    assert (len(header), len(data)) == (52, 8048)
    assert sum(1 for row in data if row[doterm]) == 3811

    result = load(obs, path)
    assert result.encoding == "utf-8"
    assert "ASCII" in result.detection["encoding_reason"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8048, 8048, 0)
    assert column_names(obs, path) == header
    assert header[:5] == ["pcd7", "pcd8", "pcds", "dointr", "doterm"]
    assert_loaded_exactly(obs, path, data)
    t = table(path)
    assert sql(obs, f"SELECT pcd7, pcds, dointr, doterm FROM {t} WHERE pcd8 = 'AB1  0AA'") == [
        ("AB1 0AA", "AB1 0AA", "198001", "199606")
    ]
    assert sql(obs, f"SELECT pcd7, pcd8 FROM {t} WHERE pcds = 'M1 1AD'") == [("M1  1AD", "M1   1AD")]
    assert sql(obs, f"SELECT pcd7 FROM {t} WHERE pcds = 'SE1P 5ZZ'") == [("SE1P5ZZ",)]
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE coalesce(doterm, '') <> ''") == 3811
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE length(pcd8) <> 8") == 0


# --- OS Open Names HY20 ----------------------------------------------------------------------------------------------


def test_os_open_names_hy20(obs: Observatory, realdata: Path) -> None:
    path = realdata / OPEN_NAMES
    assert path.read_bytes().startswith(b"\xef\xbb\xbfosgb4000000074559490,")
    parsed = records(path, "utf-8-sig")
    data = [row for _, row in parsed]
    assert len(data) == 2544
    assert {len(row) for row in data} == {34}

    result = load(obs, path)
    assert result.encoding == "utf-8-sig"
    assert result.detection["header_lines"] == []
    assert result.detection["data_start_line"] == 1
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2544, 2544, 0)
    assert column_names(obs, path) == [f"column_{i}" for i in range(1, 35)]
    assert_loaded_exactly(obs, path, data)
    t = table(path)
    # the first line is data: its id is loaded, without the BOM
    assert sql(obs, f"SELECT column_3, column_7, column_8 FROM {t} WHERE column_1 = 'osgb4000000074559490'") == [
        ("Corston", "populatedPlace", "Suburban Area")
    ]
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE column_1 LIKE '%\ufeff%'") == 0
    assert sql(obs, f"SELECT column_8, count(*) FROM {t} GROUP BY 1 ORDER BY 2 DESC, 1") == [
        ("Postcode", 1580),
        ("Named Road", 744),
        ("Section Of Named Road", 85),
        ("Other Settlement", 44),
        ("Hamlet", 26),
        ("Numbered Road", 18),
        ("Suburban Area", 17),
        ("Village", 14),
        # SOURCE.txt's breakdown stops here (2,528 rows); the file also has these 16
        ("Section Of Numbered Road", 12),
        ("Town", 3),
        ("City", 1),
    ]
    assert scalar(obs, f"SELECT count(*) FROM {t} WHERE column_3 = 'Mynydd-llêch'") == 1  # UTF-8 decoded


# --- Scarborough -----------------------------------------------------------------------------------------------------


def test_scarborough_business_rates(obs: Observatory, realdata: Path) -> None:
    path = realdata / SCARBOROUGH
    parsed = records(path, "ascii")
    header = parsed[0][1]
    data = [row for _, row in parsed[1:]]
    assert (len(header), len(data)) == (19, 2381)
    assert len(data) - len({tuple(row) for row in data}) == 49
    # SOURCE.txt says 4 blank postcodes; the file has 7 (all distinct rows, all in Whitby/Saltburn/Flixton areas)
    assert sum(1 for row in data if row[4] == "") == 7

    result = load(obs, path)
    assert result.encoding == "utf-8"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2381, 2381, 0)
    assert column_names(obs, path) == header
    assert_loaded_exactly(obs, path, data)
    t = table(path)
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Postcode" = ' TS13 5BB'""") == sum(
        1 for row in data if row[4] == " TS13 5BB"
    )
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Postcode" = ' TS13 5BB'""") >= 2
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Postcode" = ' Whitby'""") == 5
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Rateable value" = 'NaN'""") == 13
    assert (
        scalar(obs, f"""SELECT count(*) FROM {t} WHERE regexp_full_match("Occupied", '\\d\\d/\\d\\d/\\d{{4}}')""") == 13
    )
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "Postcode" IS NULL""") == 7

    inspected = inspect_file(path)
    assert inspected["duplicate_rows"] == 49
    assert inspected["columns"] == header


# --- Trafford --------------------------------------------------------------------------------------------------------


def test_trafford_land_assets(obs: Observatory, realdata: Path) -> None:
    path = realdata / TRAFFORD
    parsed = records(path, "utf-8")
    header = parsed[0][1]
    data = [row for _, row in parsed[1:]]
    uprn = header.index("UPRN")
    uprns = [row[uprn] for row in data if row[uprn]]
    assert (len(header), len(data), len(data) - len(uprns)) == (20, 608, 336)
    assert len(uprns) - len(set(uprns)) == 33

    result = load(obs, path)
    assert result.encoding == "utf-8"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (608, 608, 0)
    assert column_names(obs, path) == header
    assert column_types(obs, path) == {"VARCHAR"}
    assert_loaded_exactly(obs, path, data)
    t = table(path)
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE coalesce("UPRN", '') = ''""") == 336
    assert Counter(v for (v,) in sql(obs, f'SELECT "UPRN" FROM {t} WHERE "UPRN" IS NOT NULL')) == Counter(uprns)
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "UPRN" LIKE '%.%' OR "UPRN" LIKE '%e%'""") == 0
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "UPRN" = '100012797623'""") == 1
    # the published file carries a double-encoded pound sign; raw keeps it byte for byte
    assert scalar(obs, f"""SELECT count(*) FROM {t} WHERE "PropertyName" LIKE '%Rent Charge of Â£62%'""") == 1
