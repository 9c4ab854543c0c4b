"""Streaming writers: CSV files appended chunk by chunk, XLSX workbooks in openpyxl's write-only mode.

XLSX files are made reproducible after saving: every zip entry gets a fixed timestamp and the
document properties a fixed creation and modification time, so the same seed gives the same bytes.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from observatory.demo.chunk import ChunkOutput, encode_rows
from observatory.demo.tables import Cell, Table

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _csv_head(table: Table) -> bytes:
    preamble = "".join(line + table.line_end for line in table.preamble).encode(table.encoding)
    return preamble + encode_rows(table, [list(table.columns)])


@dataclass
class _Sheet:
    table: Table
    worksheet: Any
    rows: int = 0


@dataclass
class _Workbook:
    path: Path
    book: Any
    sheets: dict[str, list[_Sheet]] = field(default_factory=dict)


def normalise_xlsx(source: Path, target: Path, when: date) -> None:
    """Copy workbook ``source`` to ``target`` with fixed zip timestamps and document times."""
    stamp = f"{when.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if item.filename == "docProps/core.xml":
                zout.writestr(info, _CORE_TIMES.sub(rb"\g<1>" + stamp + rb"\g<3>", zin.read(item)))
                continue
            with zin.open(item) as reader, zout.open(info, "w", force_zip64=item.file_size > 2**30) as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)


class ProjectWriter:
    """Opens every output file, appends chunks in order, and closes them; counts rows per file."""

    def __init__(self, root: Path, tables: list[Table], xlsx_max_rows: int, reference_date: date) -> None:
        self.root = root
        self.tables = {table.key: table for table in tables}
        self.max_data_rows = xlsx_max_rows - 1
        self.on = reference_date
        self._csv: dict[str, IO[bytes]] = {}
        self._workbooks: dict[str, _Workbook] = {}
        self.rows: dict[str, int] = {table.path: 0 for table in tables}

    def __enter__(self) -> ProjectWriter:
        for table in self.tables.values():
            path = self.root / table.path
            path.parent.mkdir(parents=True, exist_ok=True)
            if table.format == "csv":
                handle = path.open("wb")
                handle.write(_csv_head(table))
                self._csv[table.key] = handle
            else:
                workbook = self._workbooks.get(table.path)
                if workbook is None:
                    book = Workbook(write_only=True)
                    book.properties.creator = "Housing management system"
                    workbook = self._workbooks[table.path] = _Workbook(path, book)
                workbook.sheets[table.key] = [self._new_sheet(workbook, table)]
        return self

    def _new_sheet(self, workbook: _Workbook, table: Table, part: int = 1) -> _Sheet:
        if part > 1:
            table = replace(
                table,
                dataset=f"{table.dataset}_{part}",
                sheet=f"{table.sheet} ({part})",
                title=f"{table.title} (part {part})",
                part=part,
            )
        worksheet = workbook.book.create_sheet(table.sheet)
        bold = Font(bold=True)
        header = []
        for name in table.columns:
            cell = WriteOnlyCell(worksheet, value=name)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        return _Sheet(table, worksheet)

    def write(self, output: ChunkOutput) -> None:
        """Append one chunk's rows; chunks must come in order."""
        for key, data in output.csv.items():
            self._csv[key].write(data)
            self.rows[self.tables[key].path] += output.rows[key]
        for key, rows in output.xlsx.items():
            self._append_xlsx(key, rows)

    def write_rows(self, table: Table, rows: list[list[Cell]]) -> None:
        """Append rows made in this process (not by a chunk) to CSV table ``table``."""
        self._csv[table.key].write(encode_rows(table, rows))
        self.rows[table.path] += len(rows)

    def _append_xlsx(self, key: str, rows: list[list[Cell]]) -> None:
        table = self.tables[key]
        workbook = self._workbooks[table.path]
        sheets = workbook.sheets[key]
        for row in rows:
            sheet = sheets[-1]
            if sheet.rows >= self.max_data_rows:
                sheet = self._new_sheet(workbook, table, len(sheets) + 1)
                sheets.append(sheet)
            sheet.worksheet.append(row)
            sheet.rows += 1
        self.rows[table.path] += len(rows)

    def __exit__(self, *exc: object) -> None:
        for handle in self._csv.values():
            handle.close()
        for workbook in self._workbooks.values():
            temporary = workbook.path.with_name(workbook.path.name + ".partial")
            workbook.book.save(temporary)
            try:
                if exc[0] is None:
                    normalise_xlsx(temporary, workbook.path, self.on)
            finally:
                temporary.unlink(missing_ok=True)

    def datasets(self) -> list[Table]:
        """Every dataset written, XLSX continuation sheets included, in declaration order."""
        found: list[Table] = []
        for table in self.tables.values():
            if table.format == "csv":
                found.append(table)
                continue
            found += [sheet.table for sheet in self._workbooks[table.path].sheets[table.key]]
        return found
