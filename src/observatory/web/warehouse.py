"""Reading the warehouse from the web: a read-only DuckDB connection per request, so that builds can run
while the site is up and several server workers can read at once. Queries take bound parameters only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from observatory.engine.base import qualified
from observatory.errors import EngineError
from observatory.platform import Observatory


class WarehouseBusyError(EngineError):
    """The warehouse is being written (a build or load is running); reading must wait."""

    status = 503
    code = "warehouse_busy"


@contextmanager
def read_warehouse(obs: Observatory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the project's DuckDB warehouse, closed afterwards."""
    spec = obs.project.spec
    if spec.engine != "duckdb":
        raise EngineError("the web pages read the warehouse with DuckDB; this project uses " + spec.engine)
    path = obs.project.warehouse_path
    if not path.exists():
        raise EngineError("the warehouse has not been built yet: run `observatory build`")
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        raise WarehouseBusyError(
            "The warehouse is being updated (a build or load is running). Try again in a minute."
        ) from exc
    try:
        yield connection
    finally:
        connection.close()


def table_exists(connection: duckdb.DuckDBPyConnection, layer: str, table: str) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [layer, table]
    ).fetchone()
    return bool(row and row[0])


def fetch_dicts(connection: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of a parameterised query as dicts (``sql`` is Observatory's own text, never a request's)."""
    cursor = connection.execute(sql, params)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


__all__ = ["WarehouseBusyError", "fetch_dicts", "qualified", "read_warehouse", "table_exists"]
