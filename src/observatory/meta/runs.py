"""Record a pipeline step as a ``Run``: started, then finished as succeeded or failed, with its error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version

from observatory.meta.models import Run
from observatory.meta.store import MetaStore


@dataclass
class RunHandle:
    """The id of a run in progress and the row count to record when it finishes."""

    id: int
    rows_out: int | None = None


@contextmanager
def recorded_run(
    meta: MetaStore, *, kind: str, node_id: str, inputs: list[str], outputs: list[str], engine: str
) -> Iterator[RunHandle]:
    """A ``Run`` row marked ``running`` now, ``succeeded`` on clean exit and ``failed`` (with the error) otherwise."""
    with meta.session() as session:
        run = Run(
            kind=kind,
            node_id=node_id,
            status="running",
            started_at=datetime.now(UTC),
            inputs=inputs,
            outputs=outputs,
            version=version("observatory"),
            engine=engine,
        )
        session.add(run)
        session.flush()
        handle = RunHandle(run.id)
    try:
        yield handle
    except BaseException as exc:
        _finish(meta, handle, "failed", f"{type(exc).__name__}: {exc}")
        raise
    _finish(meta, handle, "succeeded", None)


def _finish(meta: MetaStore, handle: RunHandle, status: str, error: str | None) -> None:
    with meta.session() as session:
        run = session.get(Run, handle.id)
        assert run is not None
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.rows_out = handle.rows_out
        run.error = error
