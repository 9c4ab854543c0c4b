"""``observatory inspect``: run a reader's detection and a full parse in a throwaway in-memory DuckDB.

Nothing is written to any project: the report says what a load would find.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from observatory.config import DatasetSpec
from observatory.engine.duckdb_engine import DuckDBEngine
from observatory.ingest.formats import reader_for
from observatory.ingest.sql_text import identifier

SAMPLE_REJECTS = 20


def inspect_file(path: Path, spec: DatasetSpec | None = None) -> dict[str, Any]:
    """Detection, row counts, rejects and exact duplicate rows of one file, as a JSON-ready dict."""
    spec = spec or DatasetSpec(path=str(path))
    reader = reader_for(path, spec)
    engine = DuckDBEngine(None)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="observatory-inspect-") as work,
            engine.staged_load("raw", "inspected", "inspected_view", 0, path.name) as staging,
        ):
            result = reader.stage(staging, Path(work))
        con = engine.connection
        columns = [identifier(c) for c in result.columns]
        row = con.execute(
            f"SELECT count(*), count(*) - (SELECT count(*) FROM (SELECT DISTINCT {', '.join(columns)} "
            'FROM raw."inspected")) FROM raw."inspected"'
        ).fetchone()
        assert row is not None
        rejects = engine.rejects("raw", 0)
        cell_errors = engine.cell_errors("raw", 0)
    finally:
        engine.close()
    return {
        "file": str(path),
        **result.detection,
        "columns": result.columns,
        "rows_read": result.rows_read,
        "rows_ok": int(row[0]),
        "rows_rejected": len(rejects),
        "blank_rows_dropped": result.blank_rows_dropped,
        "empty_columns_dropped": result.empty_columns_dropped,
        "duplicate_rows": int(row[1]),
        "rejects": rejects[:SAMPLE_REJECTS],
        "cell_errors": cell_errors[:SAMPLE_REJECTS],
        "cell_error_count": len(cell_errors),
    }
