"""Find a table's layout in the first rows of a file: delimiter, header row(s), column names.

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
  and joined with the row below ("Number of dwellings A");
- empty and repeated names become ``column_N`` and ``name_2``.
"""

from __future__ import annotations

import csv
import math
import io
import re
from collections import Counter
from dataclasses import dataclass, field

DELIMITERS = (",", "\t", ";", "|")
HEADER_SEARCH_ROWS = 50
_NUMBER = re.compile(r"^[\s£$€(+-]*[\d.,]+%?\)?\s*$")
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\s*$|^\s*\d{1,2}-[A-Za-z]{3}-\d{2,4}\s*$")
_SPACES = re.compile(r"[\s\u00a0]+")


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


def looks_like_value(cell: str) -> bool:
    """A number, amount, percentage or date: something a header caption is not."""
    return bool(_NUMBER.match(cell) or _DATE.match(cell))


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


def parse_sample(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Rows of the sample with the physical line each starts on (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
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
    content = [(line, row) for line, row in rows if _non_empty(row)]
    if not content:
        return Layout(chosen, list(columns or []), (), 1, [*notes, "no rows found"])
    width = Counter(len(row) for _, row in content).most_common(1)[0][0]
    typical = sorted(_non_empty(row) for _, row in content[len(content) // 2 :] or content)
    typical_filled = typical[len(typical) // 2]

    if columns is not None or header_row == "none":
        names = unique_names(list(columns) if columns else [f"column_{i}" for i in range(1, width + 1)])
        return Layout(chosen, names, (), content[0][0], [*notes, "no header row (declared)"])

    if isinstance(header_row, int):
        index = next((i for i, (line, _) in enumerate(rows) if line >= header_row), None)
        if index is None:
            return Layout(chosen, [], (), header_row, [*notes, f"header_row {header_row} is past the end of the file"])
        count = header_rows
        notes.append(f"header on line {header_row} (declared)")
    else:
        index, count = _detect_header(rows, width, typical_filled, header_rows)
        if index is None:
            names = unique_names([f"column_{i}" for i in range(1, width + 1)])
            notes.append("no header row: the first row holds values, so columns are numbered")
            return Layout(chosen, names, (), content[0][0], notes)
        notes.append(f"header on line {rows[index][0]} (detected)")
        if rows[index][0] > 1:
            notes.append(f"{rows[index][0] - 1} line(s) of title or preamble skipped")
    header = rows[index : index + count]
    raw_names = _combine(header, width)
    names = unique_names(raw_names)
    last_line, last_row = rows[index + count - 1]
    data_start = last_line + sum(cell.count("\n") for cell in last_row) + 1
    if count > 1:
        notes.append(f"{count}-row header joined")
    unnamed = [not name for name in raw_names]
    return Layout(chosen, names, tuple(line for line, _ in header), data_start, notes, unnamed)


def _detect_header(
    rows: list[tuple[int, list[str]]], width: int, typical_filled: int, header_rows: int
) -> tuple[int | None, int]:
    needed = max(1, math.ceil(typical_filled * 0.6))
    for index, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if _non_empty(row) < needed:
            continue
        if not _is_caption_row(row):
            return None, 1
        count = header_rows
        if header_rows == 1 and index + 1 < len(rows):
            below = rows[index + 1][1]
            if _has_gaps(row) and _is_caption_row(below) and _non_empty(below) >= needed:
                count = 2
        return index, count
    return None, 1


def _combine(header: list[tuple[int, list[str]]], width: int) -> list[str]:
    """Carry group captions right over their span and join the header rows."""
    filled: list[list[str]] = []
    for position, (_, row) in enumerate(header):
        cells = [clean_name(cell) for cell in row] + [""] * max(0, width - len(row))
        if position < len(header) - 1:
            carried, last = [], ""
            for cell in cells:
                last = cell or last
                carried.append(last)
            cells = carried
        filled.append(cells)
    total = max(len(cells) for cells in filled)
    names = []
    for column in range(total):
        parts = [cells[column] for cells in filled if column < len(cells) and cells[column]]
        deduped = [part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1]]
        names.append(" ".join(deduped))
    return names
