"""The Spark engine keeps the ``Engine`` contract, shares one session between projects, persists its catalog."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine.conftest import write_project
from tests.engine.contract import CHECKS, VIEW, ids_in, load, table_of

from observatory import EngineError, Observatory
from observatory.engine import Engine

pytestmark = pytest.mark.spark


@pytest.fixture
def engine(spark: Any, tmp_path: Path) -> Iterator[Any]:
    from observatory.engine.spark_engine import SparkEngine

    opened = SparkEngine(spark, tmp_path / "Council's data (2025)" / "spark-warehouse")  # quotes, spaces
    yield opened
    opened.close()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract(engine: Engine, check: Callable[[Engine], None]) -> None:
    check(engine)


def test_wildcards_in_the_path_are_refused(spark: Any, tmp_path: Path) -> None:
    from observatory.engine.spark_engine import SparkEngine

    with pytest.raises(EngineError, match="wildcards"):
        SparkEngine(spark, tmp_path / "Data [old]" / "spark-warehouse")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parquet"))


def test_failure_at_the_switch_undoes_the_load(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    load(engine, 1, ["001"], rejects=1)
    before = _files(engine.warehouse)

    def broken_switch(*_args: object) -> None:
        raise OSError("metastore went away")

    monkeypatch.setattr(type(engine), "_point", broken_switch)
    with pytest.raises(OSError, match="went away"):
        load(engine, 2, ["002"], rejects=1, cell_errors=1)
    monkeypatch.undo()
    assert engine.current_table("raw", VIEW) == table_of(1)
    assert not engine.exists("raw", table_of(2))
    assert engine.rejects("raw", 2) == [] and engine.cell_errors("raw", 2) == []
    assert _files(engine.warehouse) == before
    assert not list((engine.warehouse.parent / "tmp").iterdir())
    assert not list(engine.warehouse.glob("raw/_pending/*"))
    load(engine, 2, ["002"])
    assert ids_in(engine, VIEW) == ["002"]


def test_projects_take_turns_on_one_session(spark: Any, tmp_path: Path) -> None:
    from observatory.engine.spark_engine import SparkEngine

    first = SparkEngine(spark, tmp_path / "a" / "spark-warehouse")
    load(first, 1, ["a1", "a2"], rejects=1)
    load(first, 2, ["a3"])
    people = first.table("raw", VIEW)
    first.materialise("standard", "people", people.mutate(id=people.id + "!"))
    with pytest.raises(EngineError, match="serves the project warehouse"):
        SparkEngine(spark, tmp_path / "b" / "spark-warehouse")
    first.close()

    second = SparkEngine(spark, tmp_path / "b" / "spark-warehouse")
    assert second.list_tables("raw") == ["_cell_errors", "_rejects"]
    assert second.list_tables("standard") == ["_cell_errors", "_rejects"]
    load(second, 1, ["b1"])
    assert second.rejects("raw", 1) == []
    second.close()

    again = SparkEngine(spark, tmp_path / "a" / "spark-warehouse")  # re-registered from its warehouse folder
    try:
        assert again.list_tables("raw") == ["_cell_errors", "_rejects", VIEW, table_of(1), table_of(2)]
        assert again.current_table("raw", VIEW) == table_of(2)
        assert ids_in(again, VIEW) == ["a3"]
        assert len(again.rejects("raw", 1)) == 1
        assert again.to_arrow(again.table("standard", "people")).column("id").to_pylist() == ["a3!"]
    finally:
        again.close()


SECOND_PROCESS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from observatory import Observatory
    from observatory.engine.spark_engine import running_session, start_session
    from observatory.ingest.loads import ingest_path

    root = Path(sys.argv[1])
    with Observatory.open(root) as obs:
        result = ingest_path(obs, root / "people.csv")
    assert running_session() is None, "the engine started the session, so closing it stops it"
    # A new session on the project's metastore: what the catalog holds before any engine touches it.
    state = root / ".observatory"
    session = start_session(state / "spark-warehouse", state / "spark-metastore")
    tables = sorted(r["tableName"] for r in session.sql("SHOW TABLES IN raw").collect())
    pointer = dict(session.sql("SHOW TBLPROPERTIES raw.adhoc__people").collect())["observatory.table"]
    rows = session.table("raw.adhoc__people").count()
    print(json.dumps({"tables": tables, "pointer": pointer, "rows": rows, "load": result.load_id}))
    """
)


@pytest.mark.slow
def test_catalog_persists_across_processes(spark: Any, tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", "spark")
    (root / "people.csv").write_text("id,name\n001,Ann\n002,Bob\n003\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(root)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "tables": ["_cell_errors", "_rejects", "adhoc__people", "adhoc__people__load1"],
        "pointer": "adhoc__people__load1",
        "rows": 2,
        "load": 1,
    }
    assert (root / ".observatory" / "spark-metastore" / "derby.log").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"], "nothing written to the working directory"

    with Observatory.open(root) as obs:  # this process's session: the project is registered from its files
        engine = obs.engine
        assert engine.list_tables("raw") == seen["tables"]
        assert engine.current_table("raw", "adhoc__people") == "adhoc__people__load1"
        assert engine.count_rows("raw", "adhoc__people") == 2
        assert [r["line"] for r in engine.rejects("raw", 1)] == [4]


def test_moved_project_is_registered_again(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog that still points at the project's old folder (a persisted metastore after a move)."""
    from observatory.engine import spark_engine

    old = spark_engine.SparkEngine(spark, tmp_path / "old" / "spark-warehouse")
    load(old, 1, ["001"], rejects=1)
    old.close()
    (tmp_path / "old").rename(tmp_path / "new")
    # What a fresh process finds: the catalog's entries, but no memory of who attached them.
    monkeypatch.setattr(spark_engine, "_CATALOGS", {})
    moved = spark_engine.SparkEngine(spark, tmp_path / "new" / "spark-warehouse")
    try:
        assert moved.current_table("raw", VIEW) == table_of(1)
        assert ids_in(moved, VIEW) == ["001"]
        assert len(moved.rejects("raw", 1)) == 1
    finally:
        moved.close()
