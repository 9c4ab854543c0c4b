"""The DuckDB engine: one warehouse file, layers as schemas, loads committed in one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from observatory.engine.base import CELL_ERRORS_TABLE, LAYERS, REJECTS_TABLE, Engine, Published, Staging, qualified
from observatory.errors import EngineError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa
    from ibis.expr.types import Table

VERSIONS_TABLE = "main._versions"


class DuckDBEngine(Engine):
    """Warehouse in a DuckDB file (or in memory with ``path=None``)."""

    name = "duckdb"

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
        except duckdb.IOException as exc:
            raise EngineError(f"cannot open the warehouse {path}: {exc}") from exc
        self.connection.execute("SET enable_progress_bar = false")  # output belongs to the CLI (and --json)
        self.path = path
        self._ibis: ibis.BaseBackend | None = None
        if not read_only:
            self.ensure_layers()

    def ensure_layers(self) -> None:
        con = self.connection
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {qualified(layer, REJECTS_TABLE)} "
                "(load_id BIGINT, file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)"
            )
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {qualified(layer, CELL_ERRORS_TABLE)} "
                "(load_id BIGINT, file VARCHAR, line BIGINT, column_name VARCHAR, cell VARCHAR, error VARCHAR)"
            )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} "
            "(layer VARCHAR, view_name VARCHAR, table_name VARCHAR, load_id BIGINT, PRIMARY KEY (layer, view_name))"
        )

    @property
    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.connection)
        return self._ibis

    def table(self, layer: str, name: str) -> Table:
        return self.ibis.table(name, database=layer)

    def list_tables(self, layer: str) -> list[str]:
        rows = self.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", [layer]
        ).fetchall()
        return [row[0] for row in rows]

    def exists(self, layer: str, name: str) -> bool:
        row = self.connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [layer, name]
        ).fetchone()
        return bool(row and row[0])

    @contextmanager
    def staged_load(self, layer: str, table: str, view: str, load_id: int, file: str) -> Iterator[Staging]:
        con = self.connection
        stage = Staging(con, qualified(layer, table), f"_stage_rejects_{load_id}", f"_stage_cell_errors_{load_id}")
        self.last_published = None
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE TEMP TABLE {stage.rejects} (line BIGINT, reason VARCHAR, raw VARCHAR)")
            con.execute(
                f"CREATE TEMP TABLE {stage.cell_errors} (line BIGINT, column_name VARCHAR, cell VARCHAR, error VARCHAR)"
            )
            yield stage
            con.execute(
                f"INSERT INTO {qualified(layer, REJECTS_TABLE)} SELECT ?, ?, line, reason, raw FROM {stage.rejects}",
                [load_id, file],
            )
            con.execute(
                f"INSERT INTO {qualified(layer, CELL_ERRORS_TABLE)} "
                f"SELECT ?, ?, line, column_name, cell, error FROM {stage.cell_errors}",
                [load_id, file],
            )
            con.execute(f"CREATE OR REPLACE VIEW {qualified(layer, view)} AS SELECT * FROM {stage.data}")
            con.execute(f"INSERT OR REPLACE INTO {VERSIONS_TABLE} VALUES (?, ?, ?, ?)", [layer, view, table, load_id])
            loaded = _scalar(con, f"SELECT count(*) FROM {stage.data}")
            rejected = _scalar(con, f"SELECT count(*) FROM {stage.rejects}")
            con.execute(f"DROP TABLE {stage.rejects}")
            con.execute(f"DROP TABLE {stage.cell_errors}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        self.last_published = Published(table, loaded, rejected)

    def count_rows(self, layer: str, name: str) -> int:
        return _scalar(self.connection, f"SELECT count(*) FROM {qualified(layer, name)}")

    def current_table(self, layer: str, view: str) -> str | None:
        row = self.connection.execute(
            f"SELECT table_name FROM {VERSIONS_TABLE} WHERE layer = ? AND view_name = ?", [layer, view]
        ).fetchone()
        return str(row[0]) if row else None

    def materialise(self, layer: str, name: str, expr: Table) -> int:
        self.ibis.create_table(name, obj=expr, database=layer, overwrite=True)
        return _scalar(self.connection, f"SELECT count(*) FROM {qualified(layer, name)}")

    def write_arrow(self, layer: str, name: str, data: pa.Table) -> int:
        view = f"_arrow_{time.time_ns()}"
        self.connection.register(view, data)
        try:
            self.connection.execute(f"CREATE OR REPLACE TABLE {qualified(layer, name)} AS SELECT * FROM {view}")
        finally:
            self.connection.unregister(view)
        return int(data.num_rows)

    def to_arrow(self, expr: Table) -> pa.Table:
        return expr.to_pyarrow()

    def append_arrow(self, layer: str, name: str, data: pa.Table) -> int:
        if not self.exists(layer, name):
            return self.write_arrow(layer, name, data)
        view = f"_arrow_{time.time_ns()}"
        self.connection.register(view, data)
        try:
            self.connection.execute(f"INSERT INTO {qualified(layer, name)} BY NAME SELECT * FROM {view}")
        finally:
            self.connection.unregister(view)
        return self.count_rows(layer, name)

    def query(self, sql: str) -> pa.Table:
        return self.connection.sql(sql).to_arrow_table()

    def _side_table(self, layer: str, table: str, load_id: int) -> list[dict[str, Any]]:
        cursor = self.connection.execute(
            f"SELECT * EXCLUDE (load_id, file) FROM {qualified(layer, table)} WHERE load_id = ? ORDER BY line",
            [load_id],
        )
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rejects(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        return self._side_table(layer, REJECTS_TABLE, load_id)

    def cell_errors(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        return self._side_table(layer, CELL_ERRORS_TABLE, load_id)

    def close(self) -> None:
        self.connection.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])
