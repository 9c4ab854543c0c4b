"""A load killed with SIGKILL leaves the previous version intact and current; nothing partial is visible."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from observatory import Observatory
from observatory.ingest.loads import ingest_dataset
from tests.conftest import make_project

pytestmark = pytest.mark.slow

SOURCE = "datasets:\n  big:\n    path: data/big.csv\n"
LOADER = textwrap.dedent(
    """
    import sys
    from observatory import Observatory
    from observatory.ingest import loads
    if sys.argv[2] == "die-after-commit":
        import os, signal
        loads._finish_loaded = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    with Observatory.open(sys.argv[1]) as obs:
        loads.ingest_dataset(obs, obs.project.dataset("src.big"), force=True)
    """
)


def _write_big_csv(path: Path, rows: int) -> None:
    duckdb.sql(
        f"COPY (SELECT lpad(i::VARCHAR, 9, '0') AS id, 'name ' || i AS name, md5(i::VARCHAR) AS a, "
        f"md5((i + 1)::VARCHAR) AS b, md5((i + 2)::VARCHAR) AS c, (i % 97)::VARCHAR AS d "
        f"FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')"
    )


def _running_loads(meta: Path) -> int:
    with sqlite3.connect(meta) as con:
        return int(con.execute("SELECT count(*) FROM loads WHERE status = 'running'").fetchone()[0])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", {"src": SOURCE})
    (root / "data").mkdir()
    (root / "data" / "big.csv").write_text("id,name,a,b,c,d\n001,first,x,y,z,1\n", encoding="utf-8")
    with Observatory.open(root) as obs:
        ingest_dataset(obs, obs.project.dataset("src.big"))
    _write_big_csv(root / "data" / "big.csv", 3_000_000)
    return root


def _check_previous_version(root: Path) -> None:
    with Observatory.open(root) as obs:
        con = obs.engine.connection  # type: ignore[attr-defined]
        assert con.execute('SELECT * FROM raw."src__big"').fetchall() == [("001", "first", "x", "y", "z", "1")]
        assert [t for t in obs.engine.list_tables("raw") if t.startswith("src__big__load")] == ["src__big__load1"]
        from observatory.ingest.status import project_status

        entry = project_status(obs)["datasets"][0]
        assert entry["current"]["load_id"] == 1
        assert entry["latest"]["status"] == "failed"
        assert entry["latest"]["error"].startswith("interrupted")


def test_sigkill_mid_load_keeps_previous_version(project: Path) -> None:
    meta = project / ".observatory" / "meta.sqlite"
    process = subprocess.Popen([sys.executable, "-c", LOADER, str(project), "normal"])
    deadline = time.monotonic() + 60
    while _running_loads(meta) == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.5)  # well inside the parse of 3M rows
    assert process.poll() is None, "the load finished before it could be killed; make the file bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    _check_previous_version(project)


def test_killed_after_warehouse_commit_is_recovered_as_loaded(project: Path) -> None:
    process = subprocess.run([sys.executable, "-c", LOADER, str(project), "die-after-commit"], check=False)
    assert process.returncode == -signal.SIGKILL
    with Observatory.open(project) as obs:
        from observatory.ingest.status import project_status

        entry = project_status(obs)["datasets"][0]
        assert entry["current"]["load_id"] == 2
        assert entry["latest"]["status"] == "loaded"
        assert entry["current"]["rows_loaded"] == 3_000_000 and entry["current"]["rows_rejected"] == 0
        count = obs.engine.connection.execute('SELECT count(*) FROM raw."src__big"').fetchone()  # type: ignore[attr-defined]
        assert count == (3_000_000,)
