"""Delimited text files: detection in Python on a sample, the full parse inside DuckDB.

DuckDB's CSV reader does the heavy lifting (parallel, streaming) with every column typed
VARCHAR, strict quoting, and rejected lines captured with their byte position, which is
turned back into the file's physical line number. Legacy-encoded files are transcoded to
UTF-8 first, strictly.
"""

from __future__ import annotations

import codecs
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from observatory.config import DatasetSpec
from observatory.engine import Staging
from observatory.errors import IngestError
from observatory.ingest.encoding import FileScan, scan_file, transcode_to_utf8
from observatory.ingest.layout import Layout, find_layout, parse_sample
from observatory.ingest.sql_text import identifier, literal
from observatory.ingest.staged import StageResult

SAMPLE_BYTES = 1024 * 1024


class CsvReader:
    """A CSV (or other delimited) file, read as text."""

    format = "csv"

    def __init__(self, path: Path, spec: DatasetSpec) -> None:
        self.path = path
        self.spec = spec

    @cached_property
    def scan(self) -> FileScan:
        return scan_file(self.path, self.spec.encoding)

    @cached_property
    def sample(self) -> str:
        """The first megabyte, decoded."""
        with self.path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        return codecs.getincrementaldecoder(self.scan.encoding)("strict").decode(sample, final=False)

    @cached_property
    def layout(self) -> Layout:
        layout = find_layout(
            self.sample,
            delimiter=self.spec.delimiter,
            header_row=self.spec.header_row,
            header_rows=self.spec.header_rows,
            columns=self.spec.columns,
            complete=self.scan.size <= SAMPLE_BYTES,
        )
        if not layout.columns:
            raise IngestError("no columns found: the file is empty or has no delimited rows", file=str(self.path))
        return layout

    def detect(self) -> dict[str, Any]:
        layout = self.layout
        return {
            "format": self.format,
            "encoding": self.scan.encoding,
            "encoding_reason": self.scan.reason,
            "sha256": self.scan.sha256,
            "size_bytes": self.scan.size,
            "delimiter": layout.delimiter,
            "header_lines": list(layout.header_lines),
            "data_start_line": layout.data_start_line,
            "columns": layout.columns,
            "notes": layout.notes,
        }

    def stage(self, staging: Staging, workdir: Path) -> StageResult:
        con = staging.connection
        layout = self.layout
        source = self.path
        if self.scan.encoding not in ("utf-8", "utf-8-sig"):
            source = workdir / f"{self.path.stem}.utf8.csv"
            transcode_to_utf8(self.path, self.scan.encoding, source)
        columns = "{" + ", ".join(f"{literal(name)}: 'VARCHAR'" for name in layout.columns) + "}"
        # DuckDB's ``skip`` counts records (a quoted caption may span lines; blank lines count), not lines
        skip = sum(1 for line, _ in parse_sample(self.sample, layout.delimiter) if line < layout.data_start_line)
        con.execute(
            f"CREATE TABLE {staging.data} AS SELECT * FROM read_csv({literal(str(source))}, "
            f"columns = {columns}, header = false, skip = {skip}, delim = {literal(layout.delimiter)}, "
            "quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, null_padding = false, "
            "allow_quoted_nulls = false, store_rejects = true, "
            f"rejects_table = '{staging.rejects}_errors', rejects_scan = '{staging.rejects}_scans')"
        )
        rejected = _copy_rejects(staging, source)
        staged = _count(con, f"SELECT count(*) FROM {staging.data}")
        blank_rows = _drop_blank_rows(staging, layout.columns)
        blank_lines = self._blank_lines(staging, layout.columns, layout.data_start_line - 1, staged + rejected)
        dropped = _drop_empty_trailing_columns(staging, layout)
        detection = self.detect()
        if blank_lines:
            detection["notes"] = [*detection["notes"], f"{blank_lines} empty line(s) skipped"]
        return StageResult(
            rows_read=staged - blank_rows + rejected,
            blank_rows_dropped=blank_rows + blank_lines,
            empty_columns_dropped=dropped,
            columns=[name for name in layout.columns if name not in dropped],
            detection=detection,
        )

    def _blank_lines(self, staging: Staging, columns: list[str], lines_before_data: int, records: int) -> int:
        """Empty lines the parser skipped, from the file's newline count (exact, cheap when there are none)."""
        newlines = self.scan.newlines + (0 if self.scan.ends_with_newline else 1)
        spare = newlines - lines_before_data - records
        if spare <= 0:
            return 0
        con = staging.connection
        embedded = " + ".join(
            f"coalesce(sum(length({identifier(c)}) - length(replace({identifier(c)}, chr(10), ''))), 0)"
            for c in columns
        )
        inside = _count(con, f"SELECT {embedded} FROM {staging.data}")
        inside += _count(
            con, f"SELECT coalesce(sum(length(raw) - length(replace(raw, chr(10), ''))), 0) FROM {staging.rejects}"
        )
        return max(spare - inside, 0)


def _count(con: Any, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _copy_rejects(staging: Staging, source: Path) -> int:
    """Move DuckDB's rejected lines into the staging rejects table with physical line numbers."""
    con = staging.connection
    # DuckDB reports one error per missing column; the first (lowest column) says how many fields were found
    rows = con.execute(
        "SELECT line_byte_position, arg_min(error_type, column_idx), arg_min(error_message, column_idx), "
        f"any_value(csv_line) FROM {staging.rejects}_errors GROUP BY line_byte_position ORDER BY line_byte_position"
    ).fetchall()
    con.execute(f"DROP TABLE {staging.rejects}_errors")
    con.execute(f"DROP TABLE {staging.rejects}_scans")
    if not rows:
        return 0
    starts, texts = [], []
    for position, _, _, raw in rows:
        text = str(raw or "")
        stripped = text.lstrip("\r\n")  # in CRLF files DuckDB starts the line at the previous line's "\n"
        starts.append(int(position) - 1 + len(text) - len(stripped))
        texts.append(stripped)
    lines = physical_lines(source, starts)
    con.executemany(
        f"INSERT INTO {staging.rejects} VALUES (?, ?, ?)",
        [
            (line, reason(str(kind), str(message)), text)
            for line, (_, kind, message, _), text in zip(lines, rows, texts, strict=True)
        ],
    )
    return len(rows)


_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def reason(kind: str, message: str) -> str:
    """A short reason for a rejected line, e.g. 'too few fields: expected 318, found 26'."""
    counts = _COUNTS.search(message)
    label = {"MISSING COLUMNS": "too few fields", "TOO MANY COLUMNS": "too many fields"}.get(kind)
    if label and counts:
        return f"{label}: expected {counts.group(1)}, found {counts.group(2)}"
    return f"{kind.lower()}: {message}"


def physical_lines(path: Path, offsets: list[int]) -> list[int]:
    """1-based line numbers of sorted byte offsets, counting newlines in one streaming pass."""
    result: list[int] = []
    position = newlines = 0
    targets = iter(offsets)
    target = next(targets, None)
    with path.open("rb") as handle:
        while target is not None and (chunk := handle.read(SAMPLE_BYTES)):
            end = position + len(chunk)
            while target is not None and target < end:
                result.append(newlines + chunk.count(b"\n", 0, target - position) + 1)
                target = next(targets, None)
            newlines += chunk.count(b"\n")
            position = end
    result.extend(newlines + 1 for _ in range(len(offsets) - len(result)))
    return result


def _drop_blank_rows(staging: Staging, columns: list[str]) -> int:
    """Delete rows whose every field is empty; return how many."""
    condition = " AND ".join(f"coalesce({identifier(c)}, '') = ''" for c in columns)
    return _count(staging.connection, f"DELETE FROM {staging.data} WHERE {condition}")


def _drop_empty_trailing_columns(staging: Staging, layout: Layout) -> list[str]:
    """Drop trailing columns with no caption and no value (padding such as ",,,,"); return their names."""
    dropped: list[str] = []
    for index in range(len(layout.columns) - 1, 0, -1):
        name = layout.columns[index]
        if not layout.unnamed or not layout.unnamed[index]:
            break
        values = _count(
            staging.connection, f"SELECT count(*) FROM {staging.data} WHERE coalesce({identifier(name)}, '') <> ''"
        )
        if values:
            break
        staging.connection.execute(f"ALTER TABLE {staging.data} DROP COLUMN {identifier(name)}")
        dropped.append(name)
    return dropped
