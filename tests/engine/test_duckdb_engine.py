"""The DuckDB engine keeps the ``Engine`` contract: atomic versioned loads, catalogue, rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from tests.engine.contract import CHECKS, VIEW, ids_in, load, table_of

from observatory.engine import Engine
from observatory.engine.duckdb_engine import DuckDBEngine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[DuckDBEngine]:
    opened = DuckDBEngine(tmp_path / "warehouse.duckdb")
    yield opened
    opened.close()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract(engine: DuckDBEngine, check: Callable[[Engine], None]) -> None:
    check(engine)


def test_failed_load_leaves_no_staging_tables(engine: DuckDBEngine) -> None:
    load(engine, 1, ["001"])
    with pytest.raises(RuntimeError):
        load(engine, 2, ["002"], rejects=1, fail=True)
    temp = engine.connection.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert temp == (0,)
    load(engine, 2, ["002"], rejects=1)  # the same load id can be retried after a failure
    assert engine.current_table("raw", VIEW) == table_of(2)


def test_versions_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    first = DuckDBEngine(path)
    load(first, 1, ["001"], rejects=1)
    load(first, 2, ["002", "003"])
    first.close()
    again = DuckDBEngine(path)
    try:
        assert again.current_table("raw", VIEW) == table_of(2)
        assert ids_in(again, VIEW) == ["002", "003"]
        assert again.rejects("raw", 1) == [{"line": 10, "reason": "too few fields", "raw": "bad,0"}]
        assert again.list_tables("raw") == ["_cell_errors", "_rejects", VIEW, table_of(1), table_of(2)]
    finally:
        again.close()


def test_read_only_engine_sees_published_versions(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    writer = DuckDBEngine(path)
    load(writer, 1, ["001"])
    writer.close()
    reader = DuckDBEngine(path, read_only=True)
    try:
        assert reader.current_table("raw", VIEW) == table_of(1)
        with pytest.raises(duckdb.Error):
            load(reader, 2, ["002"])
        assert reader.current_table("raw", VIEW) == table_of(1)
    finally:
        reader.close()


def test_in_memory_engine(tmp_path: Path) -> None:
    engine = DuckDBEngine(None)
    try:
        load(engine, 1, ["001"])
        assert engine.current_table("raw", VIEW) == table_of(1)
        assert engine.path is None
    finally:
        engine.close()
