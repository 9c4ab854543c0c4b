"""Excel workbooks (.xlsx, .xlsm): one sheet streamed with openpyxl in read-only mode, written to DuckDB via Arrow.

- ``sheet`` in the source YAML is a sheet name (exact, else ignoring case) or a 0-based index in
  the workbook's sheet order, hidden sheets included (a string of digits that names no sheet is
  taken as an index). Without it the first visible sheet is read. ``header_row`` is a 1-based
  sheet row number; ``header_rows`` and ``columns`` work as for CSV.
- Cells become text without losing information: strings as they are (leading zeros survive),
  integers as integers, floats that hold an integer up to 2**53 as integers ("12"), other floats
  in their shortest round-trip form ("0.1", "1e+16"),
  dates "2024-01-31", date-times ISO 8601 ("2024-01-31T09:30:00"; a date-time at midnight is
  written as its date), times "09:30:00", durations "26:00:00", booleans "TRUE"/"FALSE", empty
  cells NULL.
- Error values (``#REF!``, ``#N/A`` …) are not data: the cell is NULL and the error is listed in
  the load's cell errors with its sheet row, column and cell reference, wherever it is on the sheet.
- Read-only openpyxl does not expose merged ranges, so they are read from the sheet's XML
  (streamed); the header rules for them are in :mod:`observatory.ingest.layout`.
- Blank rows inside the table are dropped and counted; columns with no caption of their own and
  no value (spacers, padding, the covered part of merged cells) are dropped and counted; a row
  with a value right of the last column is rejected.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from observatory.config import DatasetSpec
from observatory.engine import Staging
from observatory.errors import IngestError
from observatory.ingest.layout import CellValue, Layout, Span, layout_from_rows
from observatory.ingest.sql_text import identifier, literal
from observatory.ingest.staged import StageResult

SAMPLE_ROWS = 1000
SAMPLE_CELLS = 50_000
BATCH_ROWS = 50_000
BATCH_CELLS = 2_000_000
CHUNK_BYTES = 1024 * 1024
_EXACT_INTEGERS = 2**53  # beyond this a double's integer digits are not all meaningful
BEYOND_HEADER = "value beyond the last header column"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]+)"')
_WORKSHEET_TYPE = "/worksheet"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
REJECTS_SCHEMA = pa.schema([("line", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])
CELL_ERRORS_SCHEMA = pa.schema(
    [("line", pa.int64()), ("column_name", pa.string()), ("cell", pa.string()), ("error", pa.string())]
)


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet as the workbook declares it; ``dimensions`` is the declared used range, if any."""

    name: str
    index: int
    state: str
    dimensions: str | None
    max_row: int | None
    max_column: int | None
    part: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the package part name."""
        facts = asdict(self)
        del facts["part"]
        return facts


def list_sheets(path: Path) -> list[SheetInfo]:
    """Every worksheet of a workbook in tab order, hidden and very hidden ones included (chart sheets are not)."""
    with _open_package(path) as archive:
        sheets = []
        for index, (name, state, part) in enumerate(_worksheet_parts(archive)):
            if part not in archive.namelist():
                raise IngestError(f"not an XLSX workbook: sheet {name!r} has no part {part}", file=str(path))
            sheets.append(SheetInfo(name, index, state, *_dimensions(archive, part), part))
        return sheets


def choose_sheet(sheets: list[SheetInfo], wanted: str | int | None, path: Path) -> SheetInfo:
    """The sheet a dataset names (by name or 0-based index), else the first visible one."""
    found: SheetInfo | None = None
    if wanted is None:
        found = next((sheet for sheet in sheets if sheet.state == "visible"), None)
    elif isinstance(wanted, int):
        found = sheets[wanted] if 0 <= wanted < len(sheets) else None
    else:
        found = next((sheet for sheet in sheets if sheet.name == wanted), None) or next(
            (sheet for sheet in sheets if sheet.name.strip().casefold() == wanted.strip().casefold()), None
        )
        if found is None and wanted.strip().isdigit() and int(wanted) < len(sheets):
            found = sheets[int(wanted)]
    if found is None:
        available = ", ".join(
            f"{s.index}: {s.name!r}" + ("" if s.state == "visible" else f" ({s.state})") for s in sheets
        )
        what = "no visible sheet" if wanted is None else f"sheet {wanted!r} not found"
        raise IngestError(f"{what}; the workbook has {available or 'no worksheets'}", file=str(path))
    return found


def read_merges(path: Path, part: str) -> list[Span]:
    """The merged ranges of one worksheet, found by streaming its XML (they follow the cell data)."""
    spans: list[Span] = []
    with _open_package(path) as archive, archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(CHUNK_BYTES):
            data = tail + chunk
            cut = data.rfind(b"<")
            spans.extend(_span(match.group(1)) for match in _MERGE.finditer(data, 0, max(cut, 0)))
            tail = data[max(cut, 0) :]
        spans.extend(_span(match.group(1)) for match in _MERGE.finditer(tail))
    return spans


def cell_text(value: object) -> str | None:
    """A cell value as text that loses nothing (see the module docstring); ``None`` for an empty cell."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) <= _EXACT_INTEGERS else repr(value)
    if isinstance(value, datetime):
        midnight = value.time() == time(0) and value.tzinfo is None
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    return str(value)


class XlsxReader:
    """One sheet of an Excel workbook, read as text."""

    format = "xlsx"

    def __init__(self, path: Path, spec: DatasetSpec) -> None:
        self.path = path
        self.spec = spec

    @cached_property
    def sheets(self) -> list[SheetInfo]:
        return list_sheets(self.path)

    @cached_property
    def sheet(self) -> SheetInfo:
        return choose_sheet(self.sheets, self.spec.sheet, self.path)

    @cached_property
    def merges(self) -> list[Span]:
        return read_merges(self.path, self.sheet.part)

    @cached_property
    def file_facts(self) -> tuple[str, int]:
        """The file's SHA-256 (hex) and size in bytes, read in one streaming pass."""
        with self.path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), self.path.stat().st_size

    @cached_property
    def layout(self) -> Layout:
        with _sheet_rows(self.path, self.sheet.name) as rows:
            sample = _sample(rows)
        layout = layout_from_rows(
            sample,
            header_row=self.spec.header_row,
            header_rows=self.spec.header_rows,
            columns=self.spec.columns,
            notes=self._sheet_notes(),
            merges=self.merges,
        )
        if not layout.columns:
            reason = layout.notes[-1] if layout.notes else "no columns found"
            raise IngestError(f"sheet {self.sheet.name!r}: {reason}", file=str(self.path))
        return layout

    def _sheet_notes(self) -> list[str]:
        how = "declared" if self.spec.sheet is not None else "the first visible sheet"
        notes = [f"sheet {self.sheet.name!r} ({how})"]
        if self.sheet.state != "visible":
            notes.append(f"sheet {self.sheet.name!r} is {self.sheet.state}")
        return notes

    def detect(self) -> dict[str, Any]:
        layout = self.layout
        sha256, size = self.file_facts
        header = set(layout.header_lines)
        in_header = sum(1 for span in self.merges if any(span.first_row <= r <= span.last_row for r in header))
        below = sum(1 for span in self.merges if span.first_row >= layout.data_start_line)
        notes = list(layout.notes)
        if in_header:
            notes.append(f"{in_header} merged range(s) in the header: each caption fills its range")
        if below:
            notes.append(f"{below} merged range(s) below the header: each value is in its top-left cell only")
        return {
            "format": self.format,
            "sha256": sha256,
            "size_bytes": size,
            "sheet": self.sheet.name,
            "sheet_index": self.sheet.index,
            "sheets": [sheet.to_dict() for sheet in self.sheets],
            "header_rows": list(layout.header_lines),
            "data_start_row": layout.data_start_line,
            # the same facts under the keys every reader uses
            "header_lines": list(layout.header_lines),
            "data_start_line": layout.data_start_line,
            "columns": layout.columns,
            "merged_ranges": len(self.merges),
            "notes": notes,
        }

    def stage(self, staging: Staging, workdir: Path) -> StageResult:
        con = staging.connection
        table = _SheetTable(self.layout, workdir)
        view = "_xlsx_rows"
        with _sheet_rows(self.path, self.sheet.name) as rows:
            con.register(view, pa.RecordBatchReader.from_batches(table.schema, table.batches(rows)))
            try:
                con.execute(f"CREATE TABLE {staging.data} AS SELECT * FROM {identifier(view)}")
            except Exception as exc:
                if table.failure is None:
                    raise
                raise table.failure from exc  # DuckDB passes on only the text of what stopped the rows
            finally:
                con.unregister(view)
        table.rejects.insert_into(con, staging.rejects)
        table.errors.insert_into(con, staging.cell_errors)
        dropped = table.empty_columns(self.layout)
        for name in dropped:
            con.execute(f"ALTER TABLE {staging.data} DROP COLUMN {identifier(name)}")
        return StageResult(
            rows_read=table.rows_read,
            blank_rows_dropped=table.blank_rows,
            empty_columns_dropped=dropped,
            columns=[name for name in self.layout.columns if name not in dropped],
            detection=self.detect(),
        )


class _Spool:
    """Side rows (rejects, cell errors) kept off the heap in batches in a Parquet file in the load's workdir."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows: list[tuple[Any, ...]] = []
        self.writer: pq.ParquetWriter | None = None

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(str(self.path), self.schema)
        transposed = zip(*self.rows, strict=True)
        columns = [pa.array(values, type=f.type) for values, f in zip(transposed, self.schema, strict=True)]
        self.writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.schema))
        self.rows = []

    def insert_into(self, con: Any, table: str) -> None:
        """Append everything spooled to ``table`` (same columns, same order)."""
        if self.rows:
            self._flush()
        if self.writer is None:
            return
        self.writer.close()
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet({literal(str(self.path))})")


class _SheetTable:
    """Turns streamed sheet rows into Arrow batches of text, and records rejects, cell errors and blank rows."""

    def __init__(self, layout: Layout, workdir: Path) -> None:
        self.columns = layout.columns
        self.width = len(layout.columns)
        self.data_start = layout.data_start_line
        self.schema = pa.schema([pa.field(name, pa.string()) for name in self.columns])
        self.batch_rows = max(1, min(BATCH_ROWS, BATCH_CELLS // self.width))
        self.rejects = _Spool(workdir / "xlsx_rejects.parquet", REJECTS_SCHEMA)
        self.errors = _Spool(workdir / "xlsx_cell_errors.parquet", CELL_ERRORS_SCHEMA)
        self.rows_read = 0
        self.blank_rows = 0
        self._pending_blank = 0
        self._valueless = set(range(self.width))
        self.failure: Exception | None = None

    def batches(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[pa.RecordBatch]:
        """Batches of about ``BATCH_ROWS`` rows (fewer on wide sheets); a failure is kept in ``failure``."""
        try:
            yield from self._batches(rows)
        except Exception as exc:
            self.failure = exc
            raise

    def _batches(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[pa.RecordBatch]:
        buffer: list[list[str | None]] = [[] for _ in range(self.width)]
        for number, cells in rows:
            texts = self._data_row(number, cells)
            if texts is None:
                continue
            for values, text in zip(buffer, texts, strict=True):
                values.append(text)
            if len(buffer[0]) >= self.batch_rows:
                yield self._batch(buffer)
                buffer = [[] for _ in range(self.width)]
        if buffer[0]:
            yield self._batch(buffer)

    def _batch(self, buffer: list[list[str | None]]) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays([pa.array(values, type=pa.string()) for values in buffer], schema=self.schema)

    def _data_row(self, number: int, cells: Sequence[Any]) -> list[str | None] | None:
        """The row's texts, padded to the table's width, if it is a row to load; else ``None``."""
        texts: list[str | None] = []
        errors: dict[int, str] = {}
        last = -1
        for position, cell in enumerate(cells):
            value = cell.value
            if value is not None and cell.data_type == "e":
                errors[position] = str(value)
                self._cell_error(number, position, str(value))
                value = None
            text = cell_text(value)
            texts.append(text)
            if text or position in errors:
                last = position
        if number < self.data_start:
            return None
        if last < 0:
            self._pending_blank += 1
            return None
        self.blank_rows += self._pending_blank
        self._pending_blank = 0
        self.rows_read += 1
        if last >= self.width:
            raw = ",".join(errors.get(i) or text or "" for i, text in enumerate(texts[: last + 1]))
            self.rejects.add((number, BEYOND_HEADER, raw))
            return None
        texts.extend([None] * (self.width - len(texts)))
        if self._valueless:
            self._valueless = {i for i in self._valueless if not (texts[i] or i in errors)}
        return texts[: self.width]

    def _cell_error(self, number: int, position: int, code: str) -> None:
        column = self.columns[position] if position < self.width else None
        self.errors.add((number, column, f"{get_column_letter(position + 1)}{number}", code))

    def empty_columns(self, layout: Layout) -> list[str]:
        """Columns with no caption of their own and no value in any loaded row (never all of them)."""
        if not layout.unnamed:
            return []
        empty = [name for i, name in enumerate(self.columns) if layout.unnamed[i] and i in self._valueless]
        return empty if len(empty) < self.width else empty[1:]


def _sample(rows: Iterator[tuple[int, Sequence[Any]]]) -> list[tuple[int, list[str]]]:
    """The first rows for the layout rules: up to 1000 rows, fewer (not under 100) on a wide sheet."""
    sample, cells = [], 0
    for number, row in islice(rows, SAMPLE_ROWS):
        sample.append((number, _layout_cells(row)))
        cells += len(row)
        if cells >= SAMPLE_CELLS and len(sample) >= 100:
            break
    return sample


def _layout_cells(cells: Sequence[Any]) -> list[str]:
    """A row as the layout rules see it: captions as text; typed values and error values marked as values."""
    texts: list[str] = []
    for cell in cells:
        value = cell.value
        if value is None:
            texts.append("")
        elif isinstance(value, str) and cell.data_type != "e":
            texts.append(value)
        else:
            texts.append(CellValue(cell_text(value)))
    while texts and not texts[-1].strip():
        texts.pop()
    return texts


@contextmanager
def _sheet_rows(path: Path, name: str) -> Iterator[Iterator[tuple[int, Sequence[Any]]]]:
    """The sheet's rows as (sheet row number, cells), streamed; rows run to their last stored cell."""
    with _quiet():
        try:
            workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:
            raise IngestError(f"cannot read the workbook: {exc}", file=str(path)) from exc
    try:
        if name not in workbook.sheetnames:
            raise IngestError(f"openpyxl cannot find sheet {name!r} in the workbook", file=str(path))
        sheet = workbook[name]
        sheet.reset_dimensions()  # a declared used range can run far past the cells (A1:IV1034); trust the cells
        yield enumerate(_read(sheet.iter_rows(), name, path), start=1)
    finally:
        workbook.close()


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence openpyxl's warnings about sheet features it skips (headers and footers, extensions)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        yield


def _read(rows: Iterator[Sequence[Any]], name: str, path: Path) -> Iterator[Sequence[Any]]:
    """The rows, each read with openpyxl's warnings silenced; a failure to read says after which row."""
    number = 0
    while True:
        try:
            with _quiet():
                row = next(rows, None)
        except Exception as exc:
            where = f"after row {number}" if number else "at its start"
            message = f"cannot read sheet {name!r} {where}: {type(exc).__name__}: {exc}"
            raise IngestError(message, file=str(path)) from exc
        if row is None:
            return
        number += 1
        yield row


@contextmanager
def _open_package(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        with path.open("rb") as handle:
            legacy = handle.read(4) == _OLE2_MAGIC
        hint = (
            "an Excel 97-2003 .xls file or an encrypted workbook; save it as .xlsx" if legacy else "not a zip package"
        )
        raise IngestError(f"not an XLSX workbook ({hint})", file=str(path)) from exc
    with archive:
        yield archive


def _xml(archive: zipfile.ZipFile, part: str) -> ET.Element:
    try:
        # the package's own small XML parts; expat refuses external entities and limits entity expansion
        return ET.fromstring(archive.read(part))  # noqa: S314
    except (KeyError, ET.ParseError) as exc:
        raise IngestError(f"not an XLSX workbook: cannot read {part} ({exc})", file=archive.filename) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part path)."""
    folder, name = posixpath.split(part)
    rels = _xml(archive, posixpath.join(folder, "_rels", f"{name}.rels"))
    result = {}
    for rel in rels:
        target = rel.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        result[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return result


def _worksheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(name, state, part) of each worksheet, in the workbook's tab order."""
    workbook = next(
        (target for kind, target in _relationships(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    rels = _relationships(archive, workbook)
    parts = []
    for element in _xml(archive, workbook).iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((value for key, value in element.attrib.items() if _local(key) == "id"), "")
        kind, target = rels.get(rel_id, ("", ""))
        if kind.endswith(_WORKSHEET_TYPE):
            parts.append((element.get("name", ""), element.get("state", "visible"), target))
    return parts


def _dimensions(archive: zipfile.ZipFile, part: str) -> tuple[str | None, int | None, int | None]:
    """The declared used range at the head of a worksheet's XML, with its last row and column."""
    with archive.open(part) as stream:
        match = _DIMENSION.search(stream.read(64 * 1024))
    if match is None:
        return None, None, None
    ref = match.group(1).decode("ascii", "replace")
    try:
        _, _, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return ref, None, None
    return ref, max_row, max_col


def _span(ref: bytes) -> Span:
    first_col, first_row, last_col, last_row = range_boundaries(ref.decode("ascii"))
    return Span(first_row, first_col, last_row, last_col)


def _duration(value: timedelta) -> str:
    """A duration as hours:minutes:seconds, hours unbounded ("26:00:00"), as Excel shows ``[h]:mm:ss``."""
    micros = abs(value) // timedelta(microseconds=1)
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    sign = "-" if value < timedelta(0) else ""
    return f"{sign}{hours}:{minute:02d}:{second:02d}" + (f".{fraction:06d}" if fraction else "")
