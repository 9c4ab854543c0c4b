"""Versioned, atomic loads: versions, no-op reloads, failures that keep the previous version."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory import EncodingError, Observatory
from observatory.ingest.loads import current_load, ingest_dataset, ingest_path
from observatory.ingest.status import project_status
from tests.conftest import make_project

SOURCE = "datasets:\n  clients:\n    path: data/clients.csv\n"


def _rows(obs: Observatory, view: str) -> list[tuple[str | None, ...]]:
    return obs.engine.connection.execute(f'SELECT * FROM raw."{view}"').fetchall()  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", {"asc": SOURCE})
    (root / "data").mkdir()
    (root / "data" / "clients.csv").write_text("id,name\n007,Ann\n008,Bob\n", encoding="utf-8")
    return root


def test_load_versions_and_noop(project: Path) -> None:
    with Observatory.open(project) as obs:
        dataset = obs.project.dataset("asc.clients")
        first = ingest_dataset(obs, dataset)
        assert first.status == "loaded"
        assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (2, 2, 0)
        assert _rows(obs, "asc__clients") == [("007", "Ann"), ("008", "Bob")]

        again = ingest_dataset(obs, dataset)
        assert again.status == "unchanged"
        assert again.load_id == first.load_id

        forced = ingest_dataset(obs, dataset, force=True)
        assert forced.status == "loaded" and forced.load_id != first.load_id

        (project / "data" / "clients.csv").write_text("id,name\n009,Cy\n", encoding="utf-8")
        second = ingest_dataset(obs, dataset)
        assert second.status == "loaded"
        assert _rows(obs, "asc__clients") == [("009", "Cy")]
        assert obs.engine.current_table("raw", "asc__clients") == second.table
        # older versions stay in the warehouse, addressable by their table
        assert _rows(obs, f"asc__clients__load{first.load_id}") == [("007", "Ann"), ("008", "Bob")]
        current = current_load(obs, "asc", "clients")
        assert current is not None and current.id == second.load_id


def test_failed_load_keeps_previous_version_visible(project: Path) -> None:
    with Observatory.open(project) as obs:
        dataset = obs.project.dataset("asc.clients")
        good = ingest_dataset(obs, dataset)
        (project / "data" / "clients.csv").write_bytes("id,name\n1,Zoë\n2,".encode() + b"\xe9\n")
        with pytest.raises(EncodingError) as caught:
            ingest_dataset(obs, dataset)
        assert "clients.csv:3" in caught.value.message and "byte 17 is not UTF-8" in caught.value.message
        assert _rows(obs, "asc__clients") == [("007", "Ann"), ("008", "Bob")]
        status = project_status(obs)
        entry = next(d for d in status["datasets"] if d["dataset"] == "clients")
        assert entry["current"]["load_id"] == good.load_id
        assert entry["latest"]["status"] == "failed"
        assert "does not" in entry["latest"]["error"] or "mixed encodings" in entry["latest"]["error"]


def test_error_inside_the_stage_rolls_back(project: Path) -> None:
    with Observatory.open(project) as obs:
        dataset = obs.project.dataset("asc.clients")
        good = ingest_dataset(obs, dataset)
        (project / "data" / "clients.csv").write_text("id,name\n010,Di\n", encoding="utf-8")
        from observatory.ingest import csv_reader

        original = csv_reader.CsvReader.stage

        def broken(self: csv_reader.CsvReader, staging, workdir):  # type: ignore[no-untyped-def]
            original(self, staging, workdir)
            raise RuntimeError("disk full")

        csv_reader.CsvReader.stage = broken  # type: ignore[method-assign]
        try:
            with pytest.raises(RuntimeError):
                ingest_dataset(obs, dataset)
        finally:
            csv_reader.CsvReader.stage = original  # type: ignore[method-assign]
        assert _rows(obs, "asc__clients") == [("007", "Ann"), ("008", "Bob")]
        assert obs.engine.current_table("raw", "asc__clients") == good.table
        tables = obs.engine.list_tables("raw")
        assert [t for t in tables if t.startswith("asc__clients__load")] == [good.table]


def test_adhoc_path_and_rejects(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "Spend 2024.csv"
    path.write_text('a,b,c\n1,"x\ny",z\n2,short\n3,ok,ok\n', encoding="utf-8")
    result = ingest_path(obs, path)
    assert result.dataset == "spend_2024" and result.source == "adhoc"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert result.load_id is not None
    rejects = obs.engine.rejects("raw", result.load_id)
    assert rejects == [{"line": 4, "reason": rejects[0]["reason"], "raw": "2,short"}]
    assert rejects[0]["reason"].startswith("too few fields")
