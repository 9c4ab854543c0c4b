"""Tabular files for people: CSV that Excel opens as UTF-8, and XLSX sheets with a bold frozen header,
filters, fitted columns, wrapped text and real dates.

Sheets are written in openpyxl's write-only mode, so a dictionary of 200,000 fields streams to disk.
In both, every text goes through ``safe_cell``; an XLSX text is stored as a string cell, never a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from observatory.catalogue.exports.values import cell_text, naive_utc
from observatory.cells import safe_cell, safe_row

MAX_WIDTH = 60
"""Widest a column is made, in characters; longer text wraps."""
MIN_WIDTH = 8
EXCEL_MAX_TEXT = 32_767
"""The most characters an Excel cell holds."""

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV file Excel opens as UTF-8 (byte-order mark), every cell safe from formula injection."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(header))
        for row in rows:
            writer.writerow([csv_cell(value) for value in row])


def csv_cell(value: Any) -> str:
    """The text of a CSV cell: numbers as they are, any other value as text made safe by ``safe_cell``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return str(safe_cell(cell_text(value)))


def new_workbook() -> Workbook:
    """An empty write-only workbook."""
    return Workbook(write_only=True)


def write_sheet(
    workbook: Workbook,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    percent: Collection[str] = (),
) -> None:
    """Add sheet ``title`` with ``header`` and ``rows`` of Python values (columns named in ``percent``
    hold fractions shown as percentages)."""
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    widths = [len(label) for label in header]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _display_width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    percent_columns = {index for index, label in enumerate(header) if label in percent}
    sheet.append([_cell(sheet, label, font=_BOLD) for label in header])
    for row in rows:
        sheet.append([_cell(sheet, value, percent=i in percent_columns) for i, value in enumerate(row)])


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, font: Font | None = None, percent: bool = False) -> Any:
    """A cell value, styled only when it needs to be (styling every cell costs a third of the time)."""
    value = _sheet_value(value)
    number_format = None
    if isinstance(value, datetime):
        number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        number_format = "yyyy-mm-dd"
    elif percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        number_format = "0.0%"
    wrap = isinstance(value, str) and (len(value) > MAX_WIDTH or "\n" in value)
    if font is None and number_format is None and not wrap:
        return value  # a plain value: safe_cell has made sure no text starts a formula
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if number_format is not None:
        cell.number_format = number_format
    if wrap:
        cell.alignment = _WRAP
    if font is not None:
        cell.font = font
    return cell


def _sheet_value(value: Any) -> Any:
    """A value openpyxl stores as it is: dates and numbers kept, everything else as safe text."""
    if isinstance(value, datetime):
        return naive_utc(value)
    if isinstance(value, date) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if value is None:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))[:EXCEL_MAX_TEXT]
    return safe_cell(text) if text else None


def _display_width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = cell_text(value)
    return max((len(line) for line in text.splitlines()), default=0)
