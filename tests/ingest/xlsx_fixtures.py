"""Small real workbooks written with openpyxl for the XLSX reader tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook

# (kind, value written, text expected in the warehouse)
TYPED_VALUES: list[tuple[str, object, str]] = [
    ("int", 42, "42"),
    ("negative int", -7, "-7"),
    ("integral float", 12.0, "12"),
    ("float", 0.1, "0.1"),
    ("third", 1 / 3, "0.3333333333333333"),
    ("tiny", 1e-07, "1e-07"),
    ("negative float", -3.5, "-3.5"),
    ("big int", 12345678901234567890, "1.234567890123457e+19"),  # stored as a double, as Excel would
    ("date", date(2024, 1, 31), "2024-01-31"),
    ("datetime", datetime(2024, 1, 31, 9, 30, 15), "2024-01-31T09:30:15"),
    ("time", time(9, 30), "09:30:00"),
    ("duration", timedelta(hours=26, minutes=5), "26:05:00"),
    ("true", True, "TRUE"),
    ("false", False, "FALSE"),
    ("leading zeros", "007", "007"),
    ("text with newline", "line one\nline two", "line one\nline two"),
]


def council_workbook(path: Path) -> Path:
    """Four sheets: 'Lookup' (hidden), 'Dwellings' (a council table), 'Types' (typed values), 'Archive' (very hidden).

    'Dwellings': a title on row 1, a two-row header on rows 3-4 (Code, Name, Total, Date checked and Ratio merged
    down over both rows; "Number of dwellings" merged across C3:E3 over the band letters A, B, C; "Comment" merged
    over I3:J4, so column J has no caption of its own and never a value), then data:

    - row 5: an ordinary row;
    - row 6: a code with leading zeros, a ``#REF!`` error cell in E6 and the text "#N/A" (a string, not an error);
    - row 7: blank;
    - row 8: a ``#DIV/0!`` error in H8 and a boolean;
    - row 9: a stray value in L9, right of the last column (rejected).
    """
    book = Workbook()
    lookup = book.active
    assert lookup is not None
    lookup.title = "Lookup"
    lookup.sheet_state = "hidden"
    lookup.append(["code", "band"])
    lookup.append(["A", "up to £40,000"])

    sheet = book.create_sheet("Dwellings")
    sheet["A1"] = "Council tax base: dwellings by band, 2024"
    for column, caption in zip("ABFGH", ["Code", "Name", "Total", "Date checked", "Ratio"], strict=True):
        sheet[f"{column}3"] = caption
        sheet.merge_cells(f"{column}3:{column}4")
    sheet["C3"] = "Number of dwellings"
    sheet.merge_cells("C3:E3")
    sheet["C4"], sheet["D4"], sheet["E4"] = "A", "B", "C"
    sheet["I3"] = "Comment"
    sheet.merge_cells("I3:J4")
    sheet.append(["E0001", "Adur", 10, 20, 30, 60, date(2024, 1, 31), 0.5, "checked"])
    sheet.append(["00123", "Arun", 1, 2, "#REF!", 3, datetime(2024, 2, 1, 9, 30), 12.0, "#N/A"])
    sheet["I6"].data_type = "s"  # the text "#N/A", typed in by someone: a string, not an error value
    sheet.append([])
    sheet.append(["E0003", "Bexley", 5, 6, 7, 18, None, "#DIV/0!", True])
    sheet.append(["E0004", "Crawley", 1, 1, 1, 3])
    sheet["L9"] = "stray"

    types = book.create_sheet("Types")
    types.append(["kind", "value"])
    for kind, value, _ in TYPED_VALUES:
        types.append([kind, value])

    archive = book.create_sheet("Archive")
    archive.sheet_state = "veryHidden"
    archive.append(["old"])
    book.save(path)
    return path


def long_workbook(path: Path, rows: int) -> Path:
    """One sheet, header ``id, value, note`` and ``rows`` rows: every 7th value is ``#N/A``, every 10th row has a
    value in column E, right of the last column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Rows"
    sheet.append(["id", "value", "note"])
    for number in range(1, rows + 1):
        row: list[object] = [f"{number:06d}", "#N/A" if number % 7 == 0 else number * 1.5]
        row.append(f"note {number}" if number % 3 == 0 else None)
        if number % 10 == 0:
            row += [None, "beyond"]
        sheet.append(row)
    book.save(path)
    return path
