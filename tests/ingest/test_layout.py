"""Layout detection (``find_layout``) on small texts, and the CSV path end to end on crafted files (``ingest_path``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory import Observatory
from observatory.engine.duckdb_engine import DuckDBEngine
from observatory.ingest.layout import find_layout
from observatory.ingest.loads import LoadResult, adhoc_name, ingest_path

# --- find_layout -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    rows = [["id", "name", "amount", "date"]] + [[f"{i:03}", f"name {i}", f"{i}.50", "01/02/2024"] for i in range(8)]
    text = "".join(delimiter.join(row) + "\n" for row in rows)
    layout = find_layout(text, complete=True)
    assert layout.delimiter == delimiter
    assert layout.columns == ["id", "name", "amount", "date"]
    assert (layout.header_lines, layout.data_start_line) == ((1,), 2)
    assert f"delimiter {delimiter!r} (detected)" in layout.notes


def test_semicolon_file_with_decimal_commas_is_semicolon() -> None:
    text = "id;amount;note\n1;1,50;a, b\n2;2,75;c, d, e\n3;3,00;f\n4;4,25;g, h\n"
    layout = find_layout(text, complete=True)
    assert layout.delimiter == ";"
    assert layout.columns == ["id", "amount", "note"]


def test_declared_delimiter_wins() -> None:
    layout = find_layout("a|b,c\n1|2,3\n", delimiter="|", complete=True)
    assert layout.delimiter == "|"
    assert layout.columns == ["a", "b,c"]
    assert "delimiter '|' (declared)" in layout.notes


def test_preamble_padded_with_commas_is_skipped() -> None:
    text = (
        "Lambeth Invoices Over Specified Nett Amount,,,,,\n"
        ",,,,,\n"
        "Report Date:\u2020 02/07/2012\u2020 16:59:18,,,,,\n"
        ",,,,,\n"
        "Invoice Approval Date From:\u2020 01-JUN-2012,,,,,\n"
        "Body,Department,Supplier Name,Invoice Creation Date,Invoice Nett Amount,Subj Description\n"
        'Lambeth,Adults,170 Community Project,08/06/2012,"1,534.24",FLOATING SUPPORT\n'
        "Lambeth,Children,198 Contemporary Arts,06/06/2012,900,GRANTS\n"
        "Lambeth,Housing,Amber Construction,20/10/2010,1674.92,DECORATION\n"
    )
    layout = find_layout(text, complete=True)
    assert layout.columns == [
        "Body",
        "Department",
        "Supplier Name",
        "Invoice Creation Date",
        "Invoice Nett Amount",
        "Subj Description",
    ]
    assert (layout.header_lines, layout.data_start_line) == ((6,), 7)
    assert "5 line(s) of title or preamble skipped" in layout.notes


def test_two_row_header_with_a_group_caption_is_joined() -> None:
    text = "Area,Number of dwellings,,,Total\n,A,B,C,\nAdur,1,2,3,6\nArun,4,5,6,15\nBrent,7,8,9,24\n"
    layout = find_layout(text, complete=True)
    assert layout.columns == [
        "Area",
        "Number of dwellings A",
        "Number of dwellings B",
        "Number of dwellings C",
        "Total",
    ]
    assert (layout.header_lines, layout.data_start_line) == ((1, 2), 3)
    assert "2-row header joined" in layout.notes


def test_two_row_header_after_a_title() -> None:
    text = "Council tax base 2013,,,,\n,,,,\nArea,Number of dwellings,,,Total\n,A,B,C,\nAdur,1,2,3,6\nArun,4,5,6,15\n"
    layout = find_layout(text, complete=True)
    assert layout.columns[1] == "Number of dwellings A"
    assert (layout.header_lines, layout.data_start_line) == ((3, 4), 5)


def test_two_row_header_whose_caption_spans_most_columns() -> None:
    text = "Authority,Number of dwellings,,,\n,A,B,C,Total\nAdur,1,2,3,6\nArun,4,5,6,15\nBrent,7,8,9,24\n"
    layout = find_layout(text, complete=True)
    assert layout.columns == [
        "Authority",
        "Number of dwellings A",
        "Number of dwellings B",
        "Number of dwellings C",
        "Number of dwellings Total",
    ]
    assert layout.header_lines == (1, 2)


def test_first_row_with_numbers_means_no_header() -> None:
    text = (
        "osgb4000000074559490,http://data.ordnancesurvey.co.uk/id/4000000074559490,Corston,,populatedPlace,331719.836\n"
        "osgb4000000074558362,http://data.ordnancesurvey.co.uk/id/4000000074558362,Clestrain,,populatedPlace,1.5\n"
    )
    layout = find_layout(text, complete=True)
    assert layout.columns == [f"column_{i}" for i in range(1, 7)]
    assert (layout.header_lines, layout.data_start_line, layout.has_header) == ((), 1, False)
    assert "no header row: the first row holds values, so columns are numbered" in layout.notes


def test_empty_and_duplicate_names() -> None:
    layout = find_layout("id,name,,name,Name,\n1,a,b,c,d,e\n2,a,b,c,d,e\n", complete=True)
    assert layout.columns == ["id", "name", "column_3", "name_2", "Name_3", "column_6"]
    assert layout.unnamed == [False, False, True, False, False, True]


def test_names_have_whitespace_collapsed() -> None:
    layout = find_layout(" Supplier\u00a0 Name ,Total\n1,2\n", complete=True)
    assert layout.columns == ["Supplier Name", "Total"]


def test_header_caption_with_an_embedded_newline() -> None:
    layout = find_layout('"Invoice\nNett Amount",Supplier\n1,a\n2,b\n', complete=True)
    assert layout.columns == ["Invoice Nett Amount", "Supplier"]
    assert (layout.header_lines, layout.data_start_line) == ((1,), 3)


def test_declared_header_row() -> None:
    text = "Sum of Invoice Nett Amount,\nSupplier Name,Total\nLambeth Living Ltd,2909121.01\n"
    layout = find_layout(text, header_row=2, complete=True)
    assert layout.columns == ["Supplier Name", "Total"]
    assert (layout.header_lines, layout.data_start_line) == ((2,), 3)
    assert "header on line 2 (declared)" in layout.notes
    # a declared header row is taken even where detection would say "no header"
    assert find_layout("x,1\n2,3\n4,5\n", header_row=1, complete=True).columns == ["x", "1"]


def test_declared_header_row_past_the_end() -> None:
    layout = find_layout("a,b\n1,2\n", header_row=9, complete=True)
    assert layout.columns == []
    assert "header_row 9 is past the end of the file" in layout.notes


def test_declared_no_header_and_declared_columns() -> None:
    none = find_layout("id,name\n1,a\n", header_row="none", complete=True)
    assert (none.columns, none.header_lines, none.data_start_line) == (["column_1", "column_2"], (), 1)
    named = find_layout("1,a\n2,b\n", columns=["id", "name"], complete=True)
    assert (named.columns, named.header_lines, named.data_start_line) == (["id", "name"], (), 1)


def test_incomplete_sample_ignores_its_cut_last_line() -> None:
    layout = find_layout('id,name\n1,a\n2,b\n3,"cut off in the mid', complete=False)
    assert layout.columns == ["id", "name"]


def test_no_rows() -> None:
    layout = find_layout("\n\n", complete=True)
    assert layout.columns == []
    assert "no rows found" in layout.notes


# --- end to end through ingest_path ----------------------------------------------------------------------------------

# physical lines:  1 header (padded with two empty columns)
#                  2-3 a quoted LF inside a field; 4-5 a quoted CRLF inside a field; 6 a quoted bare CR
#                  7 a ragged row AFTER the multi-line records; 8 an empty line; 9 a ",,,," line; 10 last row
CRAFTED = (
    b"id,name,note,,\n"
    b'007,"multi\nline",x,,\n'
    b'0042,"crlf\r\ninside",y,,\n'
    b'0100,"bare\rcr",z,,\n'
    b"0200,short\n"
    b"\n"
    b",,,,\n"
    b"0300,last,w,,\n"
)


def ingest_bytes(obs: Observatory, tmp_path: Path, data: bytes, name: str = "crafted.csv") -> tuple[LoadResult, str]:
    path = tmp_path / name
    path.write_bytes(data)
    result = ingest_path(obs, path)
    assert result.status == "loaded"
    return result, f'raw."adhoc__{adhoc_name(path)}"'


def connection(obs: Observatory) -> duckdb.DuckDBPyConnection:
    assert isinstance(obs.engine, DuckDBEngine)
    return obs.engine.connection


def fetch(obs: Observatory, query: str) -> list[tuple[Any, ...]]:
    return connection(obs).execute(query).fetchall()


def rejects(obs: Observatory, result: LoadResult) -> list[dict[str, Any]]:
    assert result.load_id is not None
    return obs.engine.rejects("raw", result.load_id)


def test_crafted_csv_end_to_end(obs: Observatory, tmp_path: Path) -> None:
    result, table = ingest_bytes(obs, tmp_path, CRAFTED)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.blank_rows_dropped == 2  # the empty line and the ",,,," line
    assert result.empty_columns_dropped == 2
    assert result.detection["notes"][-1] == "1 empty line(s) skipped"
    cursor = connection(obs).execute(f"SELECT * FROM {table} ORDER BY id")
    assert [d[0] for d in cursor.description or []] == ["id", "name", "note"]
    assert cursor.fetchall() == [
        ("0042", "crlf\r\ninside", "y"),
        ("007", "multi\nline", "x"),
        ("0100", "bare\rcr", "z"),
        ("0300", "last", "w"),
    ]
    assert fetch(obs, f"SELECT DISTINCT typeof(id) FROM {table}") == [("VARCHAR",)]
    [reject] = rejects(obs, result)
    assert reject["line"] == 7
    assert reject["raw"] == "0200,short"
    assert reject["reason"] == "too few fields: expected 5, found 2"


def test_ragged_row_line_numbers_count_every_embedded_newline(obs: Observatory, tmp_path: Path) -> None:
    data = b'id,text\n1,"a\n\n\nb"\n2\n3,"c\nd"\n4,x,extra\n5,y\n'
    result, _ = ingest_bytes(obs, tmp_path, data)
    assert [(r["line"], r["raw"]) for r in rejects(obs, result)] == [(6, "2"), (9, "4,x,extra")]
    assert [r["reason"].split(":")[0] for r in rejects(obs, result)] == ["too few fields", "too many fields"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)


def test_crafted_csv_with_crlf_line_endings(obs: Observatory, tmp_path: Path) -> None:
    data = CRAFTED.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    result, table = ingest_bytes(obs, tmp_path, data)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    assert fetch(obs, f"SELECT name FROM {table} WHERE id = '007'") == [("multi\r\nline",)]
    [reject] = rejects(obs, result)
    assert (reject["line"], reject["raw"]) == (7, "0200,short")
    assert result.blank_rows_dropped == 2


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'"Invoice\nNett Amount",Supplier\n1,a\n2,b\n3,c\n', id="header-caption-with-newline"),
        pytest.param(b'"Report for\nJune 2012",\n,\nInvoice,Supplier\n1,a\n2,b\n3,c\n', id="multi-line-title"),
    ],
)
def test_multi_line_header_or_preamble_loses_no_row(obs: Observatory, tmp_path: Path, data: bytes) -> None:
    result, table = ingest_bytes(obs, tmp_path, data)
    assert fetch(obs, f"SELECT count(*) FROM {table}") == [(3,)]
    assert (result.rows_read, result.rows_loaded, result.blank_rows_dropped) == (3, 3, 0)


def test_reject_reason_is_one_message(obs: Observatory, tmp_path: Path) -> None:
    result, _ = ingest_bytes(obs, tmp_path, CRAFTED)
    [reject] = rejects(obs, result)
    assert reject["reason"] == "too few fields: expected 5, found 2"


def test_leading_zero_ids_and_text_stay_text(obs: Observatory, tmp_path: Path) -> None:
    data = b'uprn,postcode,phone,amount,flag\n010012797623,BD21 4RG ,01483811197,"1,534.24",NaN\n2," TS13 5BB",0,1e3,\n'
    result, table = ingest_bytes(obs, tmp_path, data)
    assert result.rows_loaded == 2
    assert fetch(obs, f"SELECT * FROM {table} ORDER BY uprn") == [
        ("010012797623", "BD21 4RG ", "01483811197", "1,534.24", "NaN"),
        ("2", " TS13 5BB", "0", "1e3", None),
    ]
