"""Find a table's layout in its first rows: delimiter, header row(s), column names.

Real council exports put titles, report parameters and pivot captions above the header,
pad every line with empty columns, and spread headers over two rows. The rules here are
deliberately simple and stated, so a steward can predict them (and override any of them in
the source YAML):

- the delimiter is the candidate (``,`` ``\\t`` ``;`` ``|``) whose field count is most
  consistent over the sample, among those that split rows at all;
- the column count is the most common field count in the sample;
- the header is the first row, within the first 50, whose non-empty cells are at least
  60% of a typical data row's and are all text (no numbers or dates); a first row with
  numbers in it means the file has no header at all;
- a header row with gaps between its captions (a group caption spanning columns) followed
  by a row of text only is a two-row header: captions are carried right over their span
  and joined with the row below ("Number of dwellings A"); so is a sparse row of two or
  more captions over a full row of captions that leaves the first caption's column empty
  (``Authority,Number of dwellings,,,`` over ``,A,B,C,Total``);
- empty and repeated names become ``column_N`` and ``name_2``.

Spreadsheets (rows given with the sheet's merged ranges) follow the same rules, plus:

- a row of column numbers (integers counting up by one, such as 1, 2, 3 …) is not taken
  for data when looking for the header; it stays above the header as preamble;
- a detected header grows upwards over rows of group captions (text only, with a caption
  merged across several columns but not the whole table); then, if it has merged cells, it
  grows downwards over text-only rows that are sparse (fewer cells than the header search
  needs) or whose every caption sits under a merged cell of the row above; at most 10 header
  rows; a declared ``header_row`` or ``header_rows`` is taken as given;
- in the header, a merged range's caption fills every cell of the range; a caption in a
  header row without merged cells is carried right over the gaps after it only when the
  next header row is a full row of captions (as in the two-row rule above);
- a column is unnamed when no header row holds a caption of its own in it (a caption that
  only reaches it through a merged range does not count);
- data starts on the row after the last header row.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

DELIMITERS = (",", "\t", ";", "|")
HEADER_SEARCH_ROWS = 50
MAX_HEADER_ROWS = 10
_NUMBER = re.compile(r"^[\s£$€(+-]*[\d.,]+%?\)?\s*$")
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\s*$|^\s*\d{1,2}-[A-Za-z]{3}-\d{2,4}\s*$")
_ORDINAL = re.compile(r"^\s*\(?(\d{1,5})\)?\s*$")
_SPACES = re.compile(r"[\s\u00a0]+")

Row = tuple[int, list[str]]
"""A row of a sample: its first physical line (or sheet row number, 1-based) and its cells."""


@dataclass
class Layout:
    """Where the table is: the delimiter, the physical header lines and the column names."""

    delimiter: str
    columns: list[str]
    header_lines: tuple[int, ...]
    data_start_line: int
    notes: list[str] = field(default_factory=list)
    unnamed: list[bool] = field(default_factory=list)

    @property
    def has_header(self) -> bool:
        return bool(self.header_lines)


@dataclass(frozen=True)
class Span:
    """A merged range of a sheet: rows and columns 1-based and inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def columns(self) -> int:
        return self.last_col - self.first_col + 1

    def has_column(self, column: int) -> bool:
        return self.first_col <= column <= self.last_col


class CellValue(str):
    """The text of a typed spreadsheet cell (a number, date or boolean): a value, never a caption."""

    __slots__ = ()


def looks_like_value(cell: str) -> bool:
    """A number, amount, percentage or date: something a header caption is not."""
    return isinstance(cell, CellValue) or bool(_NUMBER.match(cell) or _DATE.match(cell))


def clean_name(text: str) -> str:
    """A header caption with runs of whitespace (including non-breaking spaces and newlines) collapsed."""
    return _SPACES.sub(" ", text).strip()


def unique_names(names: list[str]) -> list[str]:
    """Give empty names ``column_N`` and repeated names a numeric suffix."""
    seen: Counter[str] = Counter()
    result = []
    for index, name in enumerate(names, start=1):
        base = name or f"column_{index}"
        seen[base.lower()] += 1
        result.append(base if seen[base.lower()] == 1 else f"{base}_{seen[base.lower()]}")
    return result


def parse_sample(text: str, delimiter: str) -> list[Row]:
    """Rows of the sample with the physical line each starts on (1-based)."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
    )
    rows = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error:
        pass
    return rows


def choose_delimiter(text: str) -> str:
    """The delimiter whose field counts are most consistent over the sample."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(row) for _, row in parse_sample(text, delimiter) if any(cell.strip() for cell in row)]
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = frequency / len(counts) + min(mode, 50) / 1000
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _non_empty(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _is_caption_row(row: list[str]) -> bool:
    cells = [cell for cell in row if cell.strip()]
    return bool(cells) and not any(looks_like_value(cell) for cell in cells)


def _has_gaps(row: list[str]) -> bool:
    filled = [index for index, cell in enumerate(row) if cell.strip()]
    return len(filled) >= 2 and filled[-1] - filled[0] + 1 > len(filled)


def is_numbering_row(row: list[str]) -> bool:
    """Column numbers: at least three integers, counting up by one, making up most of the row."""
    numbers = [int(match.group(1)) for cell in row if (match := _ORDINAL.match(cell))]
    if len(numbers) < 3 or len(numbers) * 2 < _non_empty(row):
        return False
    return all(after == before + 1 for before, after in pairwise(numbers))


def find_layout(
    text: str,
    *,
    delimiter: str = "auto",
    header_row: int | str = "auto",
    header_rows: int = 1,
    columns: list[str] | None = None,
    complete: bool = False,
) -> Layout:
    """Detect the layout of a decoded sample of a delimited file.

    ``complete`` says the sample is the whole file (so its last line is not cut off).
    """
    chosen = choose_delimiter(text) if delimiter == "auto" else delimiter
    rows = parse_sample(text, chosen)
    if rows and not complete:
        rows = rows[:-1]
    notes = [f"delimiter {chosen!r}" + (" (detected)" if delimiter == "auto" else " (declared)")]
    return layout_from_rows(
        rows, header_row=header_row, header_rows=header_rows, columns=columns, delimiter=chosen, notes=notes
    )


def layout_from_rows(
    rows: list[Row],
    *,
    header_row: int | str = "auto",
    header_rows: int = 1,
    columns: list[str] | None = None,
    delimiter: str = "",
    notes: list[str] | None = None,
    merges: list[Span] | None = None,
) -> Layout:
    """Find the header and name the columns of sample rows, by the rules in the module docstring.

    ``merges`` marks the rows as a spreadsheet's (one entry per sheet row, in order, no row
    spanning lines) and lists the sheet's merged ranges; the spreadsheet rules then apply.
    """
    grid = _Grid(rows, merges) if merges is not None else None
    unit = "row" if grid else "line"
    notes = list(notes or [])
    content = [(line, row) for line, row in rows if _non_empty(row)]
    if not content:
        return Layout(delimiter, list(columns or []), (), 1, [*notes, "no rows found"])
    width = Counter(len(row) for _, row in content).most_common(1)[0][0]
    typical = sorted(_non_empty(row) for _, row in content[len(content) // 2 :] or content)
    needed = max(1, math.ceil(typical[len(typical) // 2] * 0.6))

    if columns is not None or header_row == "none":
        names = unique_names(list(columns) if columns else [f"column_{i}" for i in range(1, width + 1)])
        return Layout(delimiter, names, (), content[0][0], [*notes, "no header row (declared)"])

    if isinstance(header_row, int):
        index = next((i for i, (line, _) in enumerate(rows) if line >= header_row), None)
        if index is None:
            end = f"header_row {header_row} is past the end of the {'sheet' if grid else 'file'}"
            return Layout(delimiter, [], (), header_row, [*notes, end])
        count = header_rows
        notes.append(f"header on {unit} {header_row} (declared)")
    else:
        index, count, numbering = _detect_header(rows, needed, header_rows, skip_numbering=grid is not None)
        if index is None:
            names = unique_names([f"column_{i}" for i in range(1, width + 1)])
            notes.append("no header row: the first row holds values, so columns are numbered")
            return Layout(delimiter, names, (), content[0][0], notes)
        if grid is not None and header_rows == 1:
            index, count = grid.extend_header(index, count, needed, width)
        notes.extend(f"{unit} {line} holds column numbers (kept out of the header)" for line in numbering)
        notes.append(f"header on {unit} {rows[index][0]} (detected)")
        if rows[index][0] > 1:
            notes.append(f"{rows[index][0] - 1} {unit}(s) of title or preamble skipped")
    header = rows[index : index + count]
    if grid is not None:
        raw_names, unnamed = grid.header_names(header, width, needed)
    else:
        raw_names = _combine(header, width)
        unnamed = [not name for name in raw_names]
    last_line, last_row = header[-1]
    data_start = last_line + 1 if grid else last_line + sum(cell.count("\n") for cell in last_row) + 1
    if len(header) > 1:
        notes.append(f"{len(header)}-row header joined")
    return Layout(delimiter, unique_names(raw_names), tuple(line for line, _ in header), data_start, notes, unnamed)


def _detect_header(
    rows: list[Row], needed: int, header_rows: int, *, skip_numbering: bool = False
) -> tuple[int | None, int, list[int]]:
    """The first header row's index and the header's row count; also the column-number rows passed over."""
    numbering: list[int] = []
    for index, (line, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not skip_numbering and header_rows == 1 and _sparse_caption_above(rows, index, needed):
            return index, 2, numbering
        if _non_empty(row) < needed:
            continue
        if skip_numbering and is_numbering_row(row):
            numbering.append(line)
            continue
        if not _is_caption_row(row):
            return None, 1, numbering
        count = header_rows
        if header_rows == 1 and index + 1 < len(rows):
            below = rows[index + 1][1]
            if _has_gaps(row) and _is_caption_row(below) and _non_empty(below) >= needed:
                count = 2
        return index, count, numbering
    return None, 1, numbering


def _sparse_caption_above(rows: list[Row], index: int, needed: int) -> bool:
    """A sparse row of group captions over a full row of sub-captions that leaves its first caption's column empty.

    ``Authority,Number of dwellings,,,`` over ``,A,B,C,Total`` is one two-row header.
    """
    row = rows[index][1]
    if index + 1 >= len(rows) or _non_empty(row) < 2 or _non_empty(row) >= needed or not _is_caption_row(row):
        return False
    below = rows[index + 1][1]
    if _non_empty(below) < needed or not _is_caption_row(below):
        return False
    first = next(i for i, cell in enumerate(row) if cell.strip())
    return first >= len(below) or not below[first].strip()


def _carry_right(cells: list[str]) -> list[str]:
    carried, last = [], ""
    for cell in cells:
        last = cell or last
        carried.append(last)
    return carried


def _join_columns(filled: list[list[str]]) -> list[str]:
    """Each column's captions from top to bottom, repeats in a row dropped, joined by spaces."""
    names = []
    for column in range(max(len(cells) for cells in filled)):
        parts = [cells[column] for cells in filled if column < len(cells) and cells[column]]
        deduped = [part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1]]
        names.append(" ".join(deduped))
    return names


def _combine(header: list[Row], width: int) -> list[str]:
    """Carry group captions right over their span and join the header rows."""
    filled: list[list[str]] = []
    for position, (_, row) in enumerate(header):
        cells = [clean_name(cell) for cell in row] + [""] * max(0, width - len(row))
        filled.append(_carry_right(cells) if position < len(header) - 1 else cells)
    return _join_columns(filled)


class _Grid:
    """A spreadsheet's sample rows with their merged ranges, for the spreadsheet header rules."""

    def __init__(self, rows: list[Row], merges: list[Span]) -> None:
        self.rows = rows
        self.cells = dict(rows)
        last = rows[-1][0] if rows else 0
        self.max_col = max((len(cells) for _, cells in rows), default=0)
        self.spans: dict[int, list[Span]] = {}
        for span in merges:
            for line in range(span.first_row, min(span.last_row, last) + 1):
                self.spans.setdefault(line, []).append(span)

    def anchor(self, span: Span) -> str:
        """The caption of a merged range: the text of its top-left cell."""
        row = self.cells.get(span.first_row, [])
        return row[span.first_col - 1] if span.first_col <= len(row) else ""

    def extend_header(self, index: int, count: int, needed: int, width: int) -> tuple[int, int]:
        """Grow a detected header with merged cells over the rows that belong to it (see module docstring)."""
        while index > 0 and count < MAX_HEADER_ROWS and self._group_captions(self.rows[index - 1], width):
            index, count = index - 1, count + 1
        if not any(self.spans.get(line) for line, _ in self.rows[index : index + count]):
            return index, count
        end = index + count
        while end < len(self.rows) and count < MAX_HEADER_ROWS and self._continues(end, needed):
            end, count = end + 1, count + 1
        return index, count

    def _group_captions(self, row: Row, width: int) -> bool:
        line, cells = row
        return _is_caption_row(cells) and any(
            1 < span.columns < width and self.anchor(span).strip() for span in self.spans.get(line, [])
        )

    def _continues(self, index: int, needed: int) -> bool:
        _, cells = self.rows[index]
        if not _is_caption_row(cells):
            return False
        if _non_empty(cells) < needed:
            return True
        above = self.spans.get(self.rows[index - 1][0], [])
        filled = [column for column, cell in enumerate(cells, start=1) if cell.strip()]
        return all(any(span.has_column(column) for span in above) for column in filled)

    def header_names(self, header: list[Row], width: int, needed: int) -> tuple[list[str], list[bool]]:
        """Column names from header rows with merged captions filled in; and which columns have no own caption."""
        filled: list[list[str]] = []
        own: set[int] = set()
        for position, (line, row) in enumerate(header):
            spans = self.spans.get(line, [])
            extent = max([len(row), width, *(min(span.last_col, self.max_col) for span in spans)])
            cells = [clean_name(cell) for cell in row] + [""] * (extent - len(row))
            own.update(column for column, cell in enumerate(cells, start=1) if cell and not self._covered(line, column))
            for span in spans:
                caption = clean_name(self.anchor(span))
                for column in range(span.first_col, min(span.last_col, extent) + 1):
                    cells[column - 1] = caption
            below = header[position + 1][1] if position + 1 < len(header) else []
            if not spans and _is_caption_row(below) and _non_empty(below) >= needed:
                cells = _carry_right(cells)
            filled.append(cells)
        names = _join_columns(filled)
        return names, [column not in own for column in range(1, len(names) + 1)]

    def _covered(self, line: int, column: int) -> bool:
        """Whether a cell lies inside a merged range without being its top-left cell."""
        return any(
            span.has_column(column) and (line, column) != (span.first_row, span.first_col)
            for span in self.spans.get(line, [])
        )
