"""Choose the reader for a dataset from its declared format or its file extension."""

from __future__ import annotations

from pathlib import Path

from observatory.config import DatasetSpec
from observatory.errors import IngestError
from observatory.ingest.csv_reader import CsvReader
from observatory.ingest.reader import Reader

EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}


def format_of(path: Path | None, spec: DatasetSpec) -> str:
    """The declared format, else the one the extension implies."""
    if spec.format:
        return spec.format
    if path is None:
        return "sql"
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise IngestError(
            f"cannot tell the format from the extension {path.suffix!r} (known: {known}); "
            "set 'format' in the source YAML",
            file=str(path),
        )
    return found


def reader_for(path: Path | None, spec: DatasetSpec) -> Reader:
    """A reader for one dataset."""
    kind = format_of(path, spec)
    if kind != "sql" and (path is None or not path.is_file()):
        raise IngestError("file not found", file=str(path))
    if kind == "csv":
        assert path is not None
        return CsvReader(path, spec)
    if kind == "xlsx":
        from observatory.ingest.xlsx_reader import XlsxReader

        assert path is not None
        return XlsxReader(path, spec)
    if kind in ("parquet", "json", "ndjson"):
        from observatory.ingest.file_readers import ColumnarFileReader

        assert path is not None
        return ColumnarFileReader(path, spec, kind)
    from observatory.ingest.sql_reader import SqlReader

    return SqlReader(spec)
