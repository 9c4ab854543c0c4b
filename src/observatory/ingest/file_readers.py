"""Parquet, JSON and NDJSON files, landed as text inside DuckDB.

Every column lands as VARCHAR. Parquet scalars are cast by DuckDB (integers and decimals
exact, floating point shortest round-trip, dates and times ISO, time-zone-aware timestamps
in UTC with ``+00``, binary as ``\\x`` + hex); nested values become JSON text.

JSON records are never type-detected (which would coerce a column mixing integers and
decimals to DOUBLE): each record is kept as JSON text, its keys are collected over every
record, and values are extracted one by one as text. NDJSON is split into lines in Python
(C-speed slicing of large blocks, no per-row Python) and validated in DuckDB, so every
rejected line carries its exact line number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from observatory.config import DatasetSpec
from observatory.engine import Staging
from observatory.errors import EncodingError, IngestError
from observatory.ingest.encoding import BOM, FileScan, scan_file
from observatory.ingest.sql_text import identifier, literal
from observatory.ingest.staged import StageResult

BLOCK_BYTES = 16 * 1024 * 1024
SAMPLE_BYTES = 1024 * 1024
EXPLAINED_REJECTS = 1000
MAX_OBJECT_BYTES = 2**32 - 1
NESTED_TYPES = ("STRUCT", "MAP", "UNION")
RECORD_KEYS = frozenset({"records", "data", "rows", "items", "results", "features", "value", "values", "entries"})
JSON_KINDS = (
    "CASE json_type(text) WHEN 'OBJECT' THEN 'an object' WHEN 'ARRAY' THEN 'an array' WHEN 'NULL' THEN 'null' "
    "WHEN 'VARCHAR' THEN 'a string' WHEN 'BOOLEAN' THEN 'a boolean' ELSE 'a number' END"
)


@dataclass(frozen=True)
class JsonShape:
    """How records sit in a JSON file: ``array``, ``object`` (records under ``path``) or ``ndjson``."""

    kind: str
    path: str | None = None
    notes: list[str] = field(default_factory=list)


def distinct_names(names: list[str]) -> list[str]:
    """Column names DuckDB accepts: empty → ``column_N``; case-insensitive repeats get ``_2``, ``_3``…"""
    taken: set[str] = set()
    result = []
    for index, name in enumerate(names, start=1):
        base = name or f"column_{index}"
        candidate, suffix = base, 1
        while candidate.lower() in taken:
            suffix += 1
            candidate = f"{base}_{suffix}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def renamed_notes(original: list[str], final: list[str]) -> list[str]:
    """One note per column whose name had to change."""
    return [
        f"column {old!r} renamed to {new!r} (empty or repeated name)"
        for old, new in zip(original, final, strict=True)
        if old != new
    ]


class ColumnarFileReader:
    """A Parquet, JSON or NDJSON file, read as text."""

    def __init__(self, path: Path, spec: DatasetSpec, kind: str) -> None:
        if kind not in ("parquet", "json", "ndjson"):
            raise ValueError(f"not a columnar file kind: {kind!r}")
        self.path = path
        self.spec = spec
        self.format = kind

    @cached_property
    def scan(self) -> FileScan:
        """Hash and size; JSON text is also checked to be UTF-8 in the same pass."""
        if self.format == "parquet":
            return _binary_scan(self.path)
        return utf8_scan(self.path, self.spec.encoding)

    @cached_property
    def shape(self) -> JsonShape:
        if self.format == "ndjson":
            return JsonShape("ndjson")
        return json_shape(self.path, self.scan)

    def detect(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "format": self.format,
            "sha256": self.scan.sha256,
            "size_bytes": self.scan.size,
        }
        if self.format == "parquet":
            return {**found, **parquet_schema(self.path)}
        shape = self.shape
        return {
            **found,
            "encoding": self.scan.encoding,
            "encoding_reason": self.scan.reason,
            "json_shape": shape.kind,
            "records_path": shape.path,
            "notes": list(shape.notes),
        }

    def stage(self, staging: Staging, workdir: Path) -> StageResult:
        detection = self.detect()
        try:
            if self.format == "parquet":
                return stage_parquet(staging, self.path, detection)
            return stage_json(staging, self.path, self.scan, self.shape, detection)
        except duckdb.Error as exc:
            raise IngestError(f"cannot read the {self.format} file: {exc}", file=str(self.path)) from exc


# ---------------------------------------------------------------------------------------------- scanning


def _binary_scan(path: Path) -> FileScan:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return FileScan(path, digest.hexdigest(), size, "binary", 0, False, "binary file")


def utf8_scan(path: Path, declared: str) -> FileScan:
    """``scan_file`` insisting on UTF-8, which JSON requires (RFC 8259)."""
    if declared not in ("auto", "utf-8", "utf-8-sig"):
        raise IngestError(
            f"JSON files must be UTF-8 (RFC 8259); remove 'encoding: {declared}' from the source YAML", file=str(path)
        )
    try:
        return scan_file(path, "utf-8")
    except EncodingError as exc:
        prefix = f"{exc.file}:{exc.line}: " if exc.line else f"{exc.file}: "
        detail = exc.message.removeprefix(prefix)
        raise EncodingError(
            f"not UTF-8, and JSON files must be UTF-8 (RFC 8259): {detail}", file=exc.file, line=exc.line
        ) from exc


# ---------------------------------------------------------------------------------------------- Parquet


def parquet_schema(path: Path) -> dict[str, Any]:
    """Column names, Arrow types and row count from the footer (nothing else is read)."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    too_wide = [name for name, kind in zip(schema.names, schema.types, strict=True) if _has_wide_decimal(kind)]
    if too_wide:
        raise IngestError(
            f"column(s) {', '.join(too_wide)} hold decimals with more than 38 digits, which cannot be "
            "read exactly; export them as strings",
            file=str(path),
        )
    return {
        "columns": list(schema.names),
        "source_types": {name: str(kind) for name, kind in zip(schema.names, schema.types, strict=True)},
        "rows_in_footer": metadata.num_rows,
        "row_groups": metadata.num_row_groups,
    }


def _has_wide_decimal(kind: pa.DataType) -> bool:
    if isinstance(kind, pa.Decimal256Type) and kind.precision > 38:
        return True
    return any(_has_wide_decimal(kind.field(i).type) for i in range(kind.num_fields))


def as_text_sql(column: str, duck_type: str) -> str:
    """A SQL expression rendering one column of ``duck_type`` as exact text."""
    name = identifier(column)
    if duck_type == "VARCHAR":
        return name
    if duck_type == "BLOB":
        return f"'\\x' || lower(hex({name}))"
    if duck_type == "TIMESTAMP WITH TIME ZONE":
        # the instant in UTC, whatever the session's TimeZone setting
        return f"CAST(make_timestamp(epoch_us({name})) AS VARCHAR) || '+00'"
    if duck_type.startswith(NESTED_TYPES) or duck_type.endswith("]"):
        return f"CAST(to_json({name}) AS VARCHAR)"
    return f"CAST({name} AS VARCHAR)"


def stage_parquet(staging: Staging, path: Path, detection: dict[str, Any]) -> StageResult:
    """``CREATE TABLE data AS`` every column of the file cast to text, under the file's own column names."""
    con = staging.connection
    source = f"read_parquet({literal(str(path))})"
    described = [(str(row[0]), str(row[1])) for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    in_file: list[str] = detection["columns"]
    original = in_file if len(in_file) == len(described) else [name for name, _ in described]
    names = distinct_names(original)
    select = ", ".join(
        f"{as_text_sql(column, duck_type)} AS {identifier(name)}"
        for (column, duck_type), name in zip(described, names, strict=True)
    )
    con.execute(f"CREATE TABLE {staging.data} AS SELECT {select} FROM {source}")
    rows = _count(con, f"SELECT count(*) FROM {staging.data}")
    notes = renamed_notes(original, names)
    return StageResult(rows_read=rows, columns=names, detection={**detection, "columns": names, "notes": notes})


# ---------------------------------------------------------------------------------------------- JSON shape


def json_shape(path: Path, scan: FileScan) -> JsonShape:
    """Array of records, object holding one array of records, or one object per line."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    sample = sample.removeprefix(BOM)
    text = sample.lstrip(b" \t\r\n")
    if not text:
        raise IngestError("the file is empty: no JSON records", file=str(path))
    if text.startswith(b"["):
        _check_array_closed(path)
        return JsonShape("array")
    if not text.startswith(b"{"):
        raise IngestError(
            "expected a JSON array of records, an object holding one, or one object per line; "
            f"the file starts with {text[:20]!r}",
            file=str(path),
        )
    if _looks_like_lines(text, complete=scan.size <= SAMPLE_BYTES):
        return JsonShape("ndjson", notes=["one JSON object per line (NDJSON), read as such"])
    path_found, notes = records_path(path, scan.size)
    return JsonShape("object", path_found, notes)


def _check_array_closed(path: Path) -> None:
    """DuckDB's streaming array reader accepts ``[{...},`` cut short; insist on the closing bracket."""
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 4096, 0))
        tail = handle.read().rstrip(b" \t\r\n")
    if not tail.endswith(b"]"):
        raise IngestError(
            "the JSON array is not closed: the file ends before its final ']' (truncated?)", file=str(path)
        )


def _looks_like_lines(sample: bytes, *, complete: bool) -> bool:
    """True when the first two non-blank lines are each a whole JSON object on their own."""
    lines = [line for line in sample.split(b"\n") if line.strip()]
    if not complete:
        lines = lines[:-1]
    if len(lines) < 2:
        return False
    try:
        return all(isinstance(json.loads(line), dict) for line in lines[:2])
    except ValueError:
        return False


def records_path(path: Path, size: int) -> tuple[str, list[str]]:
    """The JSON pointer of the one array of records inside a top-level object (searched two levels deep)."""
    if size > MAX_OBJECT_BYTES:
        raise IngestError("a JSON document over 4 GiB cannot be read; export the records as NDJSON", file=str(path))
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE doc AS SELECT json FROM read_json_objects(?, format = 'unstructured', "
            "maximum_object_size = ?)",
            [str(path), min(size + 1, MAX_OBJECT_BYTES)],
        )
        values = _count(con, "SELECT count(*) FROM doc")
        if values != 1:
            raise IngestError(
                f"the file holds {values} JSON values one after another, not one document; "
                "set 'format: ndjson' if it has one object per line",
                file=str(path),
            )
        candidates = _array_children(con, "")
        if not candidates:
            candidates = [found for child in _object_children(con, "") for found in _array_children(con, child)]
    except duckdb.Error as exc:
        raise IngestError(f"not valid JSON: {exc}", file=str(path)) from exc
    finally:
        con.close()
    return _choose_array(candidates, path)


def _choose_array(candidates: list[tuple[str, str]], path: Path) -> tuple[str, list[str]]:
    """The one array of records; among several, the one under a usual name such as ``records`` or ``data``."""
    named = [found for found in candidates if found[1].lower() in RECORD_KEYS]
    if len(candidates) == 1 or len(named) == 1:
        chosen = candidates[0][0] if len(candidates) == 1 else named[0][0]
        others = [pointer for pointer, _ in candidates if pointer != chosen]
        notes = [f"records read from the array at {chosen}; the rest of the JSON object is not loaded"]
        if others:
            notes.append(f"other arrays not loaded: {', '.join(others)}")
        return chosen, notes
    if candidates:
        listed = ", ".join(pointer for pointer, _ in candidates)
        raise IngestError(
            f"the JSON object holds several arrays of records ({listed}) and none is the obvious one; "
            "export the records on their own",
            file=str(path),
        )
    raise IngestError(
        "the JSON object holds no array of records; expected an array of objects, "
        "an object holding one, or one object per line",
        file=str(path),
    )


def pointer(*keys: str) -> str:
    """A JSON pointer (RFC 6901) to nested keys."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def _children(con: duckdb.DuckDBPyConnection, prefix: str) -> list[tuple[str, str | None, str | None]]:
    rows = con.execute(
        "SELECT key, json_type(json, ? || '/' || replace(replace(key, '~', '~0'), '/', '~1')), "
        "json_type(json, ? || '/' || replace(replace(key, '~', '~0'), '/', '~1') || '/0') "
        "FROM doc, unnest(json_keys(json, ?)) AS k(key)",
        [prefix, prefix, prefix or "$"],
    ).fetchall()
    return [(str(row[0]), row[1], row[2]) for row in rows]


def _array_children(con: duckdb.DuckDBPyConnection, prefix: str) -> list[tuple[str, str]]:
    """(pointer, key) of arrays under ``prefix`` whose first element is an object, or that are empty."""
    found = [(key, first) for key, kind, first in _children(con, prefix) if kind == "ARRAY"]
    return sorted((prefix + pointer(key), key) for key, first in found if first in ("OBJECT", None))


def _object_children(con: duckdb.DuckDBPyConnection, prefix: str) -> list[str]:
    return sorted(prefix + pointer(key) for key, kind, _ in _children(con, prefix) if kind == "OBJECT")


# ---------------------------------------------------------------------------------------------- JSON staging


def stage_json(
    staging: Staging, path: Path, scan: FileScan, shape: JsonShape, detection: dict[str, Any]
) -> StageResult:
    """Records → one text column per key; invalid lines and non-object records → rejects."""
    con = staging.connection
    records = f"{staging.rejects}_records"
    con.execute(f"CREATE TEMP TABLE {records}_in (pos BIGINT, text VARCHAR)")
    _fill_records(con, f"{records}_in", path, scan, shape)
    blank, rejected = _classify(con, staging, records, shape)
    keys = _keys(con, records)
    good = _count(con, f"SELECT count(*) FROM {records} WHERE kind = 'object'")
    if not keys:
        raise IngestError(_no_fields(con, staging, good, rejected, blank), file=str(path))
    names = distinct_names(keys)
    _create_data(con, staging, records, keys, names)
    con.execute(f"DROP TABLE {records}")
    notes = [*detection["notes"], *renamed_notes(keys, names)]
    if blank:
        notes.append(f"{blank} blank line(s) skipped")
    return StageResult(
        rows_read=good + rejected,
        blank_rows_dropped=blank,
        columns=names,
        detection={**detection, "columns": names, "notes": notes},
    )


def _no_fields(con: duckdb.DuckDBPyConnection, staging: Staging, good: int, rejected: int, blank: int) -> str:
    """Why nothing can be loaded: records without keys, or no usable records at all."""
    if good:
        return f"the {good} JSON record(s) have no fields: nothing to load"
    if not rejected:
        return "the file holds no JSON records: nothing to load"
    message = f"no JSON object records to load ({rejected} rejected, {blank} blank line(s))"
    first = con.execute(f"SELECT line, reason FROM {staging.rejects} ORDER BY line LIMIT 1").fetchone()
    if first is not None:
        where = f"line {first[0]}: " if first[0] is not None else ""
        message += f"; first problem: {where}{first[1]}"
    return message


def _fill_records(con: duckdb.DuckDBPyConnection, records: str, path: Path, scan: FileScan, shape: JsonShape) -> None:
    """Load every record (NDJSON: every line, with its line number) as text into ``records``."""
    if shape.kind == "ndjson":
        for first_line, block in line_blocks(path, bom=scan.encoding == "utf-8-sig"):
            con.execute(
                f"INSERT INTO {records} SELECT ? + i - 1, if(suffix(s, chr(13)), s[:-2], s) "
                "FROM unnest(string_split(?, chr(10))) WITH ORDINALITY AS t(s, i)",
                [first_line, block],
            )
        return
    size = min(scan.size + 1, MAX_OBJECT_BYTES)
    if shape.kind == "array":
        con.execute(
            f"INSERT INTO {records} SELECT pos, json FROM read_json_objects(?, format = 'array', "
            "maximum_object_size = ?) WITH ORDINALITY AS t(json, pos)",
            [str(path), size],
        )
        return
    con.execute(
        f"INSERT INTO {records} SELECT pos, text FROM read_json_objects(?, format = 'unstructured', "
        "maximum_object_size = ?) AS r, "
        "unnest(CAST(json_extract(r.json, ?) AS JSON[])) WITH ORDINALITY AS t(text, pos) ORDER BY pos",
        [str(path), size, shape.path],
    )


def line_blocks(path: Path, *, bom: bool) -> Iterator[tuple[int, str]]:
    """Blocks of whole lines (without the final newline) and the 1-based number of each block's first line."""
    line = 1
    rest = b""
    with path.open("rb") as handle:
        if bom:
            handle.read(len(BOM))
        while True:
            chunk = handle.read(BLOCK_BYTES)
            data = rest + chunk
            if chunk:
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut + 1 :]
            elif not data:
                return
            else:
                rest = b""
            yield line, data.decode("utf-8")
            line += data.count(b"\n") + 1
            if not chunk:
                return


def _classify(con: duckdb.DuckDBPyConnection, staging: Staging, records: str, shape: JsonShape) -> tuple[int, int]:
    """Mark each record's kind into ``records``; bad records go to rejects; return (blank lines, rejected)."""
    con.execute(
        f"CREATE TEMP TABLE {records} AS SELECT pos, text, "
        "CASE WHEN trim(text, ' ' || chr(9) || chr(13)) = '' THEN 'blank' WHEN NOT json_valid(text) THEN 'invalid' "
        f"ELSE {JSON_KINDS} END AS shape, CASE WHEN shape = 'an object' THEN json_keys(text) END AS keys, "
        "CASE WHEN shape <> 'an object' THEN shape WHEN len(keys) = len(list_distinct(keys)) THEN 'object' "
        f"ELSE 'duplicate' END AS kind FROM {records}_in"
    )
    con.execute(f"DROP TABLE {records}_in")
    blank = _count(con, f"DELETE FROM {records} WHERE kind = 'blank'")
    reason = (
        "CASE kind WHEN 'invalid' THEN 'not valid JSON' "
        "WHEN 'duplicate' THEN 'the object repeats a key: ' || array_to_string(list_filter(list_distinct(keys), "
        "k -> len(list_filter(keys, x -> x = k)) > 1), ', ') "
        "ELSE kind || ', not a JSON object' END"
    )
    line = "pos"
    if shape.kind != "ndjson":
        line, reason = "NULL", f"'record ' || pos || ' of the array: ' || {reason}"
    rejected = _count(
        con,
        f"INSERT INTO {staging.rejects} SELECT {line}, {reason}, text FROM {records} "
        "WHERE kind <> 'object' ORDER BY pos",
    )
    if shape.kind == "ndjson":
        _explain_invalid(con, staging, records)
    return blank, rejected


def _explain_invalid(con: duckdb.DuckDBPyConnection, staging: Staging, records: str) -> None:
    """Replace 'not valid JSON' with the parser's reason for the first invalid lines."""
    rows = con.execute(
        f"SELECT pos, text FROM {records} WHERE kind = 'invalid' ORDER BY pos LIMIT {EXPLAINED_REJECTS}"
    ).fetchall()
    reasons = []
    for line, text in rows:
        try:
            json.loads(text)
        except ValueError as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            column = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            reasons.append((f"not valid JSON: {detail}{column}", line))
    if reasons:
        con.executemany(f"UPDATE {staging.rejects} SET reason = ? WHERE line = ?", reasons)


def _keys(con: duckdb.DuckDBPyConnection, records: str) -> list[str]:
    """Every key of every object record, in order of first appearance."""
    rows = con.execute(
        "SELECT key FROM (SELECT first, unnest(keys) AS key, generate_subscripts(keys, 1) AS i "
        f"FROM (SELECT keys, min(pos) AS first FROM {records} WHERE kind = 'object' GROUP BY keys)) "
        "GROUP BY key ORDER BY min([first, i])"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _create_data(
    con: duckdb.DuckDBPyConnection, staging: Staging, records: str, keys: list[str], names: list[str]
) -> None:
    """``CREATE TABLE data``: one VARCHAR column per key, each record parsed once.

    ``records`` was filled in file order and DuckDB preserves insertion order, so no sort is needed.
    """
    pointers = "[" + ", ".join(literal(pointer(key)) for key in keys) + "]"
    columns = ", ".join(f"v[{index}] AS {identifier(name)}" for index, name in enumerate(names, start=1))
    con.execute(
        f"CREATE TABLE {staging.data} AS SELECT {columns} FROM (SELECT pos, json_extract_string(text, {pointers}) AS v "
        f"FROM {records} WHERE kind = 'object')"
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
