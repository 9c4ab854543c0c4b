"""The ``Engine`` contract, written once and checked on each engine (DuckDB and Spark test files).

A fake reader stages rows the way the real ones do: it creates ``staging.data`` (text columns)
and fills ``staging.rejects`` / ``staging.cell_errors`` in the staging DuckDB connection.
"""

from __future__ import annotations

import pytest

from observatory.engine import Engine, Published

VIEW = "src__people"


def table_of(version: int) -> str:
    return f"{VIEW}__load{version}"


def load(
    engine: Engine,
    version: int,
    ids: list[str],
    *,
    rejects: int = 0,
    cell_errors: int = 0,
    fail: bool = False,
) -> None:
    """Stage one load (load id = ``version``) of people ``ids``; raise inside the load when ``fail``."""
    with engine.staged_load("raw", table_of(version), VIEW, version, f"people_v{version}.csv") as stage:
        con = stage.connection
        con.execute(f"CREATE TABLE {stage.data} (id VARCHAR, name VARCHAR)")
        for i in ids:
            con.execute(f"INSERT INTO {stage.data} VALUES (?, ?)", [i, f"name {i}"])
        for n in range(rejects):
            con.execute(f"INSERT INTO {stage.rejects} VALUES (?, ?, ?)", [10 + n, "too few fields", f"bad,{n}"])
        for n in range(cell_errors):
            con.execute(f"INSERT INTO {stage.cell_errors} VALUES (?, ?, ?, ?)", [20 + n, "name", "#REF!", "#REF!"])
        if fail:
            raise RuntimeError("the reader failed half way")


def ids_in(engine: Engine, name: str) -> list[str]:
    return sorted(engine.to_arrow(engine.table("raw", name)).column("id").to_pylist())


def check_publish(engine: Engine) -> None:
    """A clean load publishes its table, points the view at it, and keeps its rejects and cell errors."""
    load(engine, 1, ["001", "002"], rejects=1, cell_errors=2)
    assert engine.last_published == Published(table_of(1), 2, 1)
    assert engine.current_table("raw", VIEW) == table_of(1)
    assert engine.list_tables("raw") == ["_cell_errors", "_rejects", VIEW, table_of(1)]
    assert engine.exists("raw", VIEW) and engine.exists("raw", table_of(1))
    assert not engine.exists("raw", "missing") and engine.current_table("raw", "missing") is None
    assert ids_in(engine, VIEW) == ["001", "002"]
    assert engine.count_rows("raw", VIEW) == 2
    assert engine.rejects("raw", 1) == [{"line": 10, "reason": "too few fields", "raw": "bad,0"}]
    assert engine.cell_errors("raw", 1) == [
        {"line": 20, "column_name": "name", "cell": "#REF!", "error": "#REF!"},
        {"line": 21, "column_name": "name", "cell": "#REF!", "error": "#REF!"},
    ]
    assert engine.rejects("raw", 99) == [] and engine.cell_errors("raw", 99) == []


def check_failed_load_keeps_previous(engine: Engine) -> None:
    """An exception inside the load: no new table, no rejects, the previous version still current."""
    load(engine, 1, ["001", "002"], rejects=1)
    with pytest.raises(RuntimeError, match="half way"):
        load(engine, 2, ["003"], rejects=2, cell_errors=1, fail=True)
    assert engine.last_published is None
    assert engine.current_table("raw", VIEW) == table_of(1)
    assert not engine.exists("raw", table_of(2))
    assert engine.list_tables("raw") == ["_cell_errors", "_rejects", VIEW, table_of(1)]
    assert ids_in(engine, VIEW) == ["001", "002"]
    assert engine.rejects("raw", 2) == [] and engine.cell_errors("raw", 2) == []
    assert len(engine.rejects("raw", 1)) == 1


def check_new_version(engine: Engine) -> None:
    """A second load switches the view; the old version and each load's rejects stay apart."""
    load(engine, 1, ["001", "002"], rejects=1)
    load(engine, 2, ["003"], rejects=2)
    assert engine.last_published == Published(table_of(2), 1, 2)
    assert engine.current_table("raw", VIEW) == table_of(2)
    assert ids_in(engine, VIEW) == ["003"]
    assert ids_in(engine, table_of(1)) == ["001", "002"]
    assert [r["raw"] for r in engine.rejects("raw", 2)] == ["bad,0", "bad,1"]
    assert len(engine.rejects("raw", 1)) == 1


def check_empty_load(engine: Engine) -> None:
    """A file with a header and no rows is a valid version with zero rows."""
    load(engine, 1, [])
    assert engine.last_published == Published(table_of(1), 0, 0)
    assert engine.count_rows("raw", VIEW) == 0
    assert engine.to_arrow(engine.table("raw", VIEW)).column_names == ["id", "name"]


def check_materialise(engine: Engine) -> None:
    """``materialise`` writes an expression as a table and replaces it, even when reading from itself."""
    load(engine, 1, ["001", "002", "003"])
    people = engine.table("raw", VIEW)
    assert engine.materialise("standard", "people", people.filter(people.id != "002")) == 2
    again = engine.table("standard", "people")
    assert engine.materialise("standard", "people", again.mutate(id=again.id + "x")) == 2
    assert sorted(engine.to_arrow(engine.table("standard", "people")).column("id").to_pylist()) == ["001x", "003x"]
    assert "people" in engine.list_tables("standard")


CHECKS = [check_publish, check_failed_load_keeps_previous, check_new_version, check_empty_load, check_materialise]
