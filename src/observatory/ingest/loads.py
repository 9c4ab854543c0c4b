"""Versioned, atomic loads into the ``raw`` layer, each recorded in the metadata store.

A load stages the data inside one warehouse transaction and switches the dataset's view
to the new version only on commit; the metadata store records the load before and after.
If the process dies in between, ``recover_interrupted_loads`` reconciles the two stores on
the next run: a load whose version became current is marked loaded, any other is failed.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select, update

from observatory import __version__
from observatory.config import Dataset, DatasetSpec
from observatory.engine import Staging
from observatory.errors import IngestError, ObservatoryError
from observatory.ingest.formats import reader_for
from observatory.ingest.reader import Reader
from observatory.ingest.staged import StageResult
from observatory.meta import Load, Run
from observatory.platform import Observatory

log = structlog.get_logger(__name__)
LAYER = "raw"
ADHOC_SOURCE = "adhoc"


@dataclass
class LoadResult:
    """The outcome of one ``ingest`` of one dataset."""

    source: str
    dataset: str
    status: str
    load_id: int | None
    table: str | None
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    blank_rows_dropped: int = 0
    empty_columns_dropped: int = 0
    encoding: str | None = None
    seconds: float = 0.0
    detection: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _now() -> datetime:
    return datetime.now(UTC)


def _alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted_loads(obs: Observatory) -> list[int]:
    """Settle loads left 'running' by a process that died; return their ids."""
    settled = []
    with obs.meta.session() as session:
        running = session.scalars(select(Load).where(Load.status == "running")).all()
        for load in running:
            if _alive(load.pid, load.host) and load.pid != os.getpid():
                continue
            view = f"{load.source}__{load.dataset}"
            committed = obs.engine.current_table(LAYER, view) == load.table_name
            if committed:
                _make_current(session, load)
                load.rows_loaded = obs.engine.count_rows(LAYER, load.table_name)
                load.rows_rejected = len(obs.engine.rejects(LAYER, load.id))
                load.rows_read = load.rows_loaded + load.rows_rejected
            load.status = "loaded" if committed else "failed"
            load.error = None if committed else "interrupted: the process ended before the load committed"
            load.finished_at = load.finished_at or _now()
            run = session.get(Run, load.run_id)
            if run is not None:
                run.status = "succeeded" if committed else "failed"
                run.error = load.error
                run.finished_at = run.finished_at or _now()
            settled.append(load.id)
    for load_id in settled:
        log.warning("load.recovered", load_id=load_id)
    return settled


def _make_current(session: Any, load: Load) -> None:
    session.execute(
        update(Load).where(Load.source == load.source, Load.dataset == load.dataset).values(is_current=False)
    )
    load.is_current = True


def current_load(obs: Observatory, source: str, dataset: str) -> Load | None:
    """The load whose version is current for a dataset."""
    with obs.meta.session() as session:
        return session.scalars(
            select(Load).where(Load.source == source, Load.dataset == dataset, Load.is_current.is_(True))
        ).first()


def ingest_dataset(obs: Observatory, dataset: Dataset, *, force: bool = False) -> LoadResult:
    """Load one configured dataset; a file identical to the current version is a no-op unless ``force``."""
    reader = reader_for(dataset.path, dataset.spec)
    location = str(dataset.path) if dataset.path else (dataset.spec.table or "query")
    return _ingest(obs, dataset.source, dataset.name, reader, location, force=force)


def ingest_path(
    obs: Observatory, path: Path, *, dataset: str | None = None, force: bool = False, spec: DatasetSpec | None = None
) -> LoadResult:
    """Load one file ad hoc into ``raw.adhoc__NAME``, everything detected."""
    name = dataset or adhoc_name(path)
    spec = spec or DatasetSpec(path=str(path))
    return _ingest(obs, ADHOC_SOURCE, name, reader_for(path, spec), str(path), force=force)


def adhoc_name(path: Path) -> str:
    """A dataset name from a file name: lower case, non-alphanumerics to underscores."""
    stem = "".join(ch if ch.isalnum() else "_" for ch in path.stem.lower()).strip("_") or "file"
    name = stem if stem[0].isalpha() else f"f_{stem}"
    return name[:63]


def _ingest(obs: Observatory, source: str, dataset: str, reader: Reader, location: str, *, force: bool) -> LoadResult:
    recover_interrupted_loads(obs)
    started = time.perf_counter()
    try:
        detection = reader.detect()
    except ObservatoryError as exc:
        load_id, run_id = _start(obs, source, dataset, location, {"format": getattr(reader, "format", "?")})
        _finish_failed(obs, load_id, run_id, exc)
        raise
    sha = detection.get("sha256")
    file_name = Path(location).name
    current = current_load(obs, source, dataset)
    if sha and current is not None and current.sha256 == sha and not force:
        log.info("load.unchanged", source=source, dataset=dataset, load_id=current.id)
        return LoadResult(
            source,
            dataset,
            "unchanged",
            current.id,
            current.table_name,
            location,
            rows_read=current.rows_read or 0,
            rows_loaded=current.rows_loaded or 0,
            rows_rejected=current.rows_rejected or 0,
            encoding=current.encoding,
            detection=current.detection,
        )
    load_id, run_id = _start(obs, source, dataset, location, detection)
    view = f"{source}__{dataset}"
    table = f"{view}__load{load_id}"
    workdir = obs.project.state_dir / "tmp" / f"load{load_id}"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with obs.engine.staged_load(LAYER, table, view, load_id, file_name) as staging:
            result = reader.stage(staging, workdir)
            _check_counts(staging, result, location)
    except Exception as exc:
        _finish_failed(obs, load_id, run_id, exc)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    published = obs.engine.last_published
    assert published is not None
    if published.rows_loaded + published.rows_rejected != result.rows_read:
        raise IngestError(
            f"row accounting failed: read {result.rows_read}, loaded {published.rows_loaded}, "
            f"rejected {published.rows_rejected}",
            file=location,
        )
    outcome = LoadResult(
        source,
        dataset,
        "loaded",
        load_id,
        table,
        location,
        rows_read=result.rows_read,
        rows_loaded=published.rows_loaded,
        rows_rejected=published.rows_rejected,
        blank_rows_dropped=result.blank_rows_dropped,
        empty_columns_dropped=len(result.empty_columns_dropped),
        encoding=result.detection.get("encoding"),
        seconds=round(time.perf_counter() - started, 3),
        detection=result.detection,
    )
    _finish_loaded(obs, load_id, run_id, outcome, result)
    log.info(
        "load.done",
        source=source,
        dataset=dataset,
        load_id=load_id,
        rows=outcome.rows_loaded,
        rejected=outcome.rows_rejected,
        seconds=outcome.seconds,
    )
    return outcome


def _check_counts(staging: Staging, result: StageResult, location: str) -> None:
    """Before commit: rows read must equal rows in the new version plus rows rejected."""
    row = staging.connection.execute(
        f"SELECT (SELECT count(*) FROM {staging.data}), (SELECT count(*) FROM {staging.rejects})"
    ).fetchone()
    assert row is not None
    loaded, rejected = int(row[0]), int(row[1])
    if loaded + rejected != result.rows_read:
        raise IngestError(
            f"row accounting failed: read {result.rows_read}, loaded {loaded}, rejected {rejected}; nothing was loaded",
            file=location,
        )


def _start(obs: Observatory, source: str, dataset: str, location: str, detection: dict[str, Any]) -> tuple[int, int]:
    node = f"dataset.{source}.{dataset}"
    with obs.meta.session() as session:
        run = Run(
            kind="load",
            node_id=node,
            status="running",
            started_at=_now(),
            inputs=[f"file:{location}"],
            outputs=[f"raw.{source}__{dataset}"],
            version=__version__,
            engine=obs.engine.name,
        )
        session.add(run)
        session.flush()
        load = Load(
            run_id=run.id,
            source=source,
            dataset=dataset,
            file_name=Path(location).name,
            file_path=location,
            sha256=detection.get("sha256") or "",
            size_bytes=detection.get("size_bytes") or 0,
            format=detection.get("format", "?"),
            encoding=detection.get("encoding"),
            detection=detection,
            table_name="",
            status="running",
            is_current=False,
            started_at=_now(),
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        session.add(load)
        session.flush()
        load.table_name = f"{source}__{dataset}__load{load.id}"
        return load.id, run.id


def _finish_loaded(obs: Observatory, load_id: int, run_id: int, outcome: LoadResult, result: StageResult) -> None:
    with obs.meta.session() as session:
        load = session.get(Load, load_id)
        run = session.get(Run, run_id)
        assert load is not None and run is not None
        _make_current(session, load)
        load.status = "loaded"
        load.rows_read = outcome.rows_read
        load.rows_loaded = outcome.rows_loaded
        load.rows_rejected = outcome.rows_rejected
        load.blank_rows_dropped = outcome.blank_rows_dropped
        load.empty_columns_dropped = outcome.empty_columns_dropped
        load.encoding = outcome.encoding
        load.detection = {
            **result.detection,
            "columns": result.columns,
            "empty_columns_dropped": result.empty_columns_dropped,
        }
        load.finished_at = run.finished_at = _now()
        run.status = "succeeded"
        run.rows_out = outcome.rows_loaded


def _finish_failed(obs: Observatory, load_id: int, run_id: int, exc: Exception) -> None:
    message = exc.message if isinstance(exc, ObservatoryError) else f"{type(exc).__name__}: {exc}"
    with obs.meta.session() as session:
        load = session.get(Load, load_id)
        run = session.get(Run, run_id)
        assert load is not None and run is not None
        load.status = run.status = "failed"
        load.error = run.error = message
        load.finished_at = run.finished_at = _now()
    log.warning("load.failed", load_id=load_id, error=message)
