"""Excel workbooks through the real pipeline: sheets, exact text, error cells, merged headers, the real corpus.

Workbooks are written with openpyxl in ``tmp_path`` (see ``xlsx_fixtures``) or come from the real-file corpus;
every load goes through ``ingest_path`` into DuckDB, and the tests read the raw table back with SQL.
"""

from __future__ import annotations

import hashlib
import time
import warnings
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from observatory import IngestError, Observatory
from observatory.config import DatasetSpec
from observatory.ingest import xlsx_reader
from observatory.ingest.layout import CellValue, Span, find_layout, layout_from_rows
from observatory.ingest.loads import LoadResult, ingest_path
from observatory.ingest.xlsx_reader import cell_text, list_sheets, read_merges
from tests.ingest.xlsx_fixtures import TYPED_VALUES, council_workbook, long_workbook

BLACKBURN = "blackburn_with_darwen_cipfa_library_return/Blackburn.xlsx"
TAXBASE = "dclg_council_taxbase/Council_Taxbase_local_authority_level_data_2013.xlsx"


def load(obs: Observatory, path: Path, name: str, **spec: Any) -> LoadResult:
    result = ingest_path(obs, path, dataset=name, spec=DatasetSpec(path=str(path), **spec))
    assert result.status == "loaded"
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    return result


def table(obs: Observatory, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = obs.engine.connection.execute(f'SELECT * FROM raw."adhoc__{name}"')  # type: ignore[attr-defined]
    return [d[0] for d in cursor.description], cursor.fetchall()


@pytest.fixture
def council(tmp_path: Path) -> Path:
    return council_workbook(tmp_path / "council.xlsx")


# ------------------------------------------------------------------------------------------------- sheets


def test_list_sheets_shows_hidden_sheets_with_their_state(council: Path) -> None:
    sheets = list_sheets(council)
    assert [(s.name, s.index, s.state) for s in sheets] == [
        ("Lookup", 0, "hidden"),
        ("Dwellings", 1, "visible"),
        ("Types", 2, "visible"),
        ("Archive", 3, "veryHidden"),
    ]
    dwellings = sheets[1].to_dict()
    assert dwellings == {
        "name": "Dwellings", "index": 1, "state": "visible", "dimensions": "A1:L9", "max_row": 9, "max_column": 12,
    }  # fmt: skip


def test_default_sheet_is_the_first_visible_one(obs: Observatory, council: Path) -> None:
    result = load(obs, council, "council")
    assert result.detection["sheet"] == "Dwellings"
    assert result.detection["sheet_index"] == 1
    assert [s["state"] for s in result.detection["sheets"]] == ["hidden", "visible", "visible", "veryHidden"]
    assert "sheet 'Dwellings' (the first visible sheet)" in result.detection["notes"]


@pytest.mark.parametrize("sheet", [2, "Types", "types", " TYPES ", "2"])
def test_sheet_by_name_or_zero_based_index(obs: Observatory, council: Path, sheet: str | int) -> None:
    result = load(obs, council, "types", sheet=sheet)
    assert result.detection["sheet"] == "Types"


def test_a_hidden_sheet_can_be_read_and_says_so(obs: Observatory, council: Path) -> None:
    result = load(obs, council, "lookup", sheet="Lookup")
    assert table(obs, "lookup") == (["code", "band"], [("A", "up to £40,000")])
    assert "sheet 'Lookup' is hidden" in result.detection["notes"]


@pytest.mark.parametrize("sheet", ["Nope", 4, -1])
def test_a_missing_sheet_names_the_file_and_the_sheets(obs: Observatory, council: Path, sheet: str | int) -> None:
    with pytest.raises(IngestError) as caught:
        ingest_path(obs, council, spec=DatasetSpec(path=str(council), sheet=sheet))
    message = str(caught.value)
    assert "not found" in message
    assert "council.xlsx" in message
    assert "0: 'Lookup' (hidden), 1: 'Dwellings', 2: 'Types', 3: 'Archive' (veryHidden)" in message


def test_a_file_that_is_not_a_workbook_is_refused_clearly(obs: Observatory, tmp_path: Path) -> None:
    legacy = tmp_path / "old.xlsx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(IngestError, match=r"Excel 97-2003 \.xls"):
        ingest_path(obs, legacy)
    text = tmp_path / "text.xlsx"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(IngestError, match="not a zip package"):
        ingest_path(obs, text)


# ------------------------------------------------------------------------------------------------- the table


def test_merged_two_row_header_data_errors_blanks_and_rejects(obs: Observatory, council: Path) -> None:
    result = load(obs, council, "council")
    detection = result.detection
    assert detection["header_rows"] == [3, 4]
    assert detection["data_start_row"] == 5
    assert detection["merged_ranges"] == 7
    columns, rows = table(obs, "council")
    assert columns == [
        "Code", "Name", "Number of dwellings A", "Number of dwellings B", "Number of dwellings C", "Total",
        "Date checked", "Ratio", "Comment",
    ]  # fmt: skip
    assert rows == [
        ("E0001", "Adur", "10", "20", "30", "60", "2024-01-31", "0.5", "checked"),
        ("00123", "Arun", "1", "2", None, "3", "2024-02-01T09:30:00", "12", "#N/A"),
        ("E0003", "Bexley", "5", "6", "7", "18", None, None, "TRUE"),
    ]
    # rows 5, 6, 8, 9 read; row 7 blank; row 9 has "stray" in L9; column J (under the merged "Comment") is empty
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert result.blank_rows_dropped == 1
    assert result.empty_columns_dropped == 1
    assert obs.engine.rejects("raw", result.load_id or 0) == [
        {"line": 9, "reason": "value beyond the last header column", "raw": "E0004,Crawley,1,1,1,3,,,,,,stray"}
    ]
    assert obs.engine.cell_errors("raw", result.load_id or 0) == [
        {"line": 6, "column_name": "Number of dwellings C", "cell": "E6", "error": "#REF!"},
        {"line": 8, "column_name": "Ratio", "cell": "H8", "error": "#DIV/0!"},
    ]


def test_cells_become_text_without_losing_anything(obs: Observatory, council: Path) -> None:
    load(obs, council, "types", sheet="Types")
    columns, rows = table(obs, "types")
    assert columns == ["kind", "value"]
    assert rows == [(kind, text) for kind, _, text in TYPED_VALUES]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", ""),
        (" 0123 ", " 0123 "),
        (True, "TRUE"),
        (0, "0"),
        (-0.0, "0"),
        (9007199254740992.0, "9007199254740992"),
        (1e16, "1e+16"),
        (2.5e-10, "2.5e-10"),
        (0.1 + 0.2, "0.30000000000000004"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 0, 0, 0, 500000), "2024-03-01T00:00:00.500000"),
        (date(1900, 1, 1), "1900-01-01"),
        (clock(23, 59, 59), "23:59:59"),
        (timedelta(days=2, seconds=1), "48:00:01"),
        (timedelta(minutes=-90), "-1:30:00"),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


def test_declared_header_row_and_rows_are_taken_as_given(obs: Observatory, council: Path) -> None:
    result = load(obs, council, "declared", header_row=4, header_rows=1)
    assert result.detection["header_rows"] == [4]
    columns, rows = table(obs, "declared")
    # row 4 alone: the merged captions reach it (A3:A4 ...), the band letters are its own
    assert columns[:6] == ["Code", "Name", "A", "B", "C", "Total"]
    assert len(rows) == 3


def test_declared_columns_and_no_header(obs: Observatory, council: Path) -> None:
    result = load(obs, council, "named", sheet="Types", columns=["what", "how"])
    assert table(obs, "named")[0] == ["what", "how"]
    assert result.rows_loaded == len(TYPED_VALUES) + 1  # the caption row is data now
    load(obs, council, "numbered", sheet="Types", header_row="none")
    assert table(obs, "numbered")[0] == ["column_1", "column_2"]


def test_the_same_file_twice_is_a_no_op(obs: Observatory, council: Path) -> None:
    first = load(obs, council, "council")
    assert first.detection["sha256"] == hashlib.sha256(council.read_bytes()).hexdigest()
    assert first.detection["size_bytes"] == council.stat().st_size
    again = ingest_path(obs, council, dataset="council")
    assert (again.status, again.load_id) == ("unchanged", first.load_id)


def test_many_rows_in_small_batches(obs: Observatory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows, rejects and cell errors cross batch boundaries (Arrow batches, Parquet spools) without loss."""
    path = long_workbook(tmp_path / "long.xlsx", 1000)
    monkeypatch.setattr(xlsx_reader, "BATCH_ROWS", 64)
    result = load(obs, path, "long")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1000, 900, 100)
    columns, rows = table(obs, "long")
    assert columns == ["id", "value", "note"]
    assert rows[0] == ("000001", "1.5", None)
    assert rows[1] == ("000002", "3", None)
    assert rows[5] == ("000006", "9", "note 6")
    assert rows[6] == ("000007", None, None)  # #N/A
    errors = obs.engine.cell_errors("raw", result.load_id or 0)
    assert len(errors) == 1000 // 7
    assert errors[0] == {"line": 8, "column_name": "value", "cell": "B8", "error": "#N/A"}
    rejects = obs.engine.rejects("raw", result.load_id or 0)
    assert [r["line"] for r in rejects] == [n + 1 for n in range(10, 1001, 10)]
    assert rejects[0]["raw"] == "000010,15,,,beyond"


def test_merged_ranges_are_read_from_the_sheet_xml(council: Path) -> None:
    part = list_sheets(council)[1].part
    spans = read_merges(council, part)
    assert Span(3, 3, 3, 5) in spans  # C3:E3
    assert Span(3, 9, 4, 10) in spans  # I3:J4
    with zipfile.ZipFile(council) as archive:
        assert archive.read(part).count(b"<mergeCell ") == len(spans) == 7


def test_empty_sheet_header_only_sheet_and_header_past_the_end(obs: Observatory, tmp_path: Path) -> None:
    book = Workbook()
    empty = book.active
    assert empty is not None
    empty.title = "Empty"
    book.create_sheet("Header").append(["id", "name"])
    path = tmp_path / "edges.xlsx"
    book.save(path)
    with pytest.raises(IngestError, match="sheet 'Empty': no rows found"):
        ingest_path(obs, path, spec=DatasetSpec(path=str(path)))
    result = load(obs, path, "header", sheet="Header")
    assert (result.rows_read, table(obs, "header")) == (0, (["id", "name"], []))
    with pytest.raises(IngestError, match="header_row 5 is past the end of the sheet"):
        ingest_path(obs, path, spec=DatasetSpec(path=str(path), sheet="Header", header_row=5))


def test_a_sheet_that_breaks_off_fails_the_load_and_says_where(obs: Observatory, tmp_path: Path) -> None:
    """Cut the sheet's XML inside row 1500 (past the rows detection reads): the load fails, nothing is visible."""
    whole = long_workbook(tmp_path / "whole.xlsx", 2000)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b'<row r="1500"') + 20]
            target.writestr(item, data)
    with pytest.raises(IngestError, match=r"cannot read sheet 'Rows' after row 1499: ParseError"):
        ingest_path(obs, broken, dataset="broken")
    assert not obs.engine.exists("raw", "adhoc__broken")


# ------------------------------------------------------------------------------------------------- layout rules


def test_layout_rules_for_sheets() -> None:
    """Column numbers above a header are passed over; group captions merged above it join it."""
    number = CellValue
    rows: list[tuple[int, list[str]]] = [
        (1, ["Source", "", number("1"), number("2"), number("3"), number("4")]),
        (2, ["", "", "Households", "", "People", ""]),
        (3, ["Area", "Code", "Owned", "Rented", "Adults", "Children"]),
        *[(line, [f"Ward {line}", f"W{line}", *(number(str(line * k)) for k in range(1, 5))]) for line in range(4, 9)],
    ]
    merges = [Span(2, 3, 2, 4), Span(2, 5, 2, 6)]
    layout = layout_from_rows(rows, merges=merges)
    assert layout.header_lines == (2, 3)
    assert layout.columns == [
        "Area",
        "Code",
        "Households Owned",
        "Households Rented",
        "People Adults",
        "People Children",
    ]
    assert layout.data_start_line == 4
    assert "row 1 holds column numbers (kept out of the header)" in layout.notes
    # the same rows as a CSV: a numbers row first means no header at all
    assert layout_from_rows(rows).header_lines == ()


def test_find_layout_still_joins_csv_group_captions() -> None:
    """The CSV path of the shared rules: captions carried right over gaps, no merged ranges involved."""
    text = "Title\n\nArea,Group A,,Group B,\nid,x,y,x,y\n1,2,3,4,5\n6,7,8,9,10\n"
    layout = find_layout(text, complete=True)
    assert layout.header_lines == (3, 4)
    assert layout.columns == ["Area id", "Group A x", "Group A y", "Group B x", "Group B y"]
    assert layout.data_start_line == 5
    assert layout.notes == [
        "delimiter ',' (detected)", "header on line 3 (detected)", "2 line(s) of title or preamble skipped",
        "2-row header joined",
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------- real workbooks


def _cached_errors(path: Path, sheet: str) -> list[tuple[str, str]]:
    """Error cells of a sheet, read independently with openpyxl's full (not read-only) loader."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Cannot parse header or footer"
        book = load_workbook(path, data_only=True)
    return [(c.coordinate, str(c.value)) for row in book[sheet].iter_rows() for c in row if c.data_type == "e"]


@pytest.mark.realdata
def test_blackburn_library_return(obs: Observatory, realdata: Path) -> None:
    """A printed form (1,373 merged ranges): the service-point table's merged header on rows 3-5 names its columns.

    Row 3 holds the captions, row 4 continues two of them ("… statutory" / "service?", "Type of Library" /
    "For definitions, click here") and row 5 labels the columns (i)-(vi); each caption is merged across several
    columns (D3:G3, H3:V3 …) and so are the rows below it, so all three rows are one header block and the
    roman-numeral labels stay in the names. Data starts on row 6 (SOURCE.txt); the other tables stacked on
    the sheet load as further rows.
    """
    path = realdata / BLACKBURN
    assert [(s.name, s.state, s.dimensions) for s in list_sheets(path)] == [("Table 1", "visible", "A1:AS283")]
    result = load(obs, path, "blackburn")
    detection = result.detection
    assert detection["sheet"] == "Table 1"
    assert detection["header_rows"] == [3, 4, 5]
    assert detection["data_start_row"] == 6
    assert detection["merged_ranges"] == 1373
    columns, rows = table(obs, "blackburn")
    for name in [
        "Service Point (i)",
        "Library Name (ii)",
        "Type (Static/ Mobile) (iii)",
        "Scheduled Opening Hours per Week (iv)",
        "Type of Library For definitions, click here (v)",  # U+00A0 between the words in the file
        "Do you consider this to be part of your statutory service? (vi)",
    ]:
        assert name in columns
    assert columns[0] == "column_1"  # column A: the "E" markers, no caption
    first = dict(zip(columns, rows[0], strict=True))
    assert first["column_1"] == "E"
    assert first["Service Point (i)"] == "1"
    assert first["Library Name (ii)"] == "Blackburn Central Library"
    assert first["Type (Static/ Mobile) (iii)"] == "Static"
    assert first["Scheduled Opening Hours per Week (iv)"] == "45"
    assert first["Type of Library For definitions, click here (v)"] == "Authority Run Library"
    assert first["Do you consider this to be part of your statutory service? (vi)"] == "Yes"
    libraries = [dict(zip(columns, row, strict=True))["Library Name (ii)"] for row in rows[:5]]
    assert libraries == [
        "Blackburn Central Library", "Darwen Library", "Livesey Library", "Mill Hill Library", "Roman Road Library",
    ]  # fmt: skip
    # the parts of merged captions that never hold a value (E-G under D3:G3 …) are dropped, and counted
    assert "Service Point (i)_2" not in columns
    assert result.empty_columns_dropped == len(detection["columns"]) - len(columns) > 0
    assert result.rows_rejected == 0
    assert obs.engine.cell_errors("raw", result.load_id or 0) == []


@pytest.mark.realdata
def test_council_taxbase_sheets(realdata: Path) -> None:
    """Seven sheets, four of them hidden (SOURCE.txt), listed in tab order with their declared used ranges."""
    sheets = list_sheets(realdata / TAXBASE)
    assert [(s.name, s.state) for s in sheets] == [
        ("Title", "hidden"),
        ("CTB Form", "visible"),
        ("CTB Supplementary Form", "visible"),
        ("Data", "visible"),
        ("CT Support", "hidden"),
        ("Flex Empty", "hidden"),
        ("Sheet2", "hidden"),
    ]
    data = sheets[3]
    assert (data.dimensions, data.max_row, data.max_column) == ("A1:IV1034", 1034, 256)


@pytest.mark.realdata
def test_council_taxbase_data_sheet(obs: Observatory, realdata: Path) -> None:
    """The "Data" sheet's header is spread over rows 1-5 (SOURCE.txt).

    Row 1 holds "CTB*", the source and the column numbers 2, 3, 4 …: detection passes over it. Rows 2-5 are the
    header: group captions merged across nine or ten columns on row 2 ("Number of dwellings" over N2:V2), band
    letters on row 3, and the notes " below" (A4) and "Class" / "Region" (B5, C5) on rows 4-5. The authority
    name (column D) has no caption anywhere. The 333 authorities and the totals follow from row 6; the two
    supplementary tables further down the sheet load as further rows.
    """
    path = realdata / TAXBASE
    started = time.perf_counter()
    result = load(obs, path, "taxbase", sheet="Data")
    seconds = time.perf_counter() - started
    detection = result.detection
    assert detection["header_rows"] == [2, 3, 4, 5]
    assert detection["data_start_row"] == 6
    assert "row 1 holds column numbers (kept out of the header)" in detection["notes"]
    columns, rows = table(obs, "taxbase")
    assert len(columns) == 222  # A..HN: the used range runs to IV, the cells stop at HN
    assert columns[:4] == ["CTB* *for supplementary data see table below", "CTB* Class", "Region", "column_4"]
    assert columns[4:14] == [f"Total number {band}" for band in [*"ABCDEFGH", "Total"]] + ["Number of dwellings A"]
    assert "Number of dwellings H" in columns
    assert "Chargeable A" in columns and "Chargeable A_2" in columns  # "Chargeable" heads two groups
    assert columns[-2:] == ["Contributions in lieu Total", "Tax base for Revenue Support Grant Total"]
    adur = dict(zip(columns, rows[0], strict=True))
    assert (adur["CTB* *for supplementary data see table below"], adur["column_4"]) == ("E3831", "Adur")
    assert (adur["CTB* Class"], adur["Region"]) == ("SD", "SE")
    assert adur["Total number A"] == "2688"
    assert adur["Number of dwellings A"] == "50"
    york = next(row for row in rows if row[3] == "York UA")
    assert york[0] == "E2701"
    assert result.rows_rejected == 0
    assert obs.engine.cell_errors("raw", result.load_id or 0) == []
    assert seconds < 120  # a sanity bound, not a benchmark


@pytest.mark.realdata
def test_council_taxbase_data_sheet_override(obs: Observatory, realdata: Path) -> None:
    """Declaring the header gives exactly the rows asked for; header_row=2, header_rows=4 matches detection."""
    path = realdata / TAXBASE
    detected = load(obs, path, "detected", sheet="Data")
    declared = load(obs, path, "declared", sheet="Data", header_row=2, header_rows=4)
    assert declared.detection["header_rows"] == [2, 3, 4, 5]
    assert declared.detection["columns"] == detected.detection["columns"]
    letters = load(obs, path, "letters", sheet=3, header_row=3)
    assert letters.detection["header_rows"] == [3]
    columns, rows = table(obs, "letters")
    assert columns[:7] == ["*for supplementary data see table", "column_2", "column_3", "column_4", "A", "B", "C"]
    assert rows[0][:3] == (" below", None, None)  # rows 4 and 5 are data now
    assert rows[1][:3] == (None, "Class", "Region")
    assert letters.rows_loaded == detected.rows_loaded + 2


@pytest.mark.realdata
def test_council_taxbase_cached_ref_errors(obs: Observatory, realdata: Path) -> None:
    """The hidden "CT Support" sheet has 11 cached #REF! results: 11 cell errors, never text in the data."""
    path = realdata / TAXBASE
    expected = _cached_errors(path, "CT Support")
    assert len(expected) == 11
    result = load(obs, path, "ct_support", sheet="CT Support")
    detection = result.detection
    assert "sheet 'CT Support' is hidden" in detection["notes"]
    assert detection["header_rows"] == [7]
    errors = obs.engine.cell_errors("raw", result.load_id or 0)
    assert sorted((e["cell"], e["error"]) for e in errors) == sorted(expected)
    assert {e["line"] for e in errors} == {2, 13, 15}
    by_cell = {e["cell"]: e["column_name"] for e in errors}
    assert by_cell["D13"] == "Band A entitled to disabled relief reduction Column 1"
    assert by_cell["B2"] == "Amount of council tax forgone"  # above the header: still recorded
    columns, rows = table(obs, "ct_support")
    # column A is empty (dropped); C sits under the merged caption B7:C7 and holds the #REF! of C15 (kept)
    assert columns[:3] == [
        "Amount of council tax forgone",
        "Amount of council tax forgone_2",
        "Band A entitled to disabled relief reduction Column 1",
    ]
    assert result.empty_columns_dropped == 1
    assert not any(cell == "#REF!" for row in rows for cell in row)
    average = next(row for row in rows if row[0] == "Average Band council tax for area (inc Parish precepts) (£)")
    assert average[2:11] == (None,) * 9
