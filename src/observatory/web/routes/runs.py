"""``/runs``: every recorded run (loads, standardisation, quality, linkage, catalogue), newest first, with a
status and kind filter; ``/runs/{run_id}``: one run, its inputs and outputs, and for a load its load record and
rejected rows.

A rejected row's ``raw`` text is personal data: it is masked by shape unless the person's role may unmask and
they give a purpose (``web.purpose.unmasking``, audited). Rejects are read from the warehouse's ``raw._rejects``
table over a read-only connection; when the warehouse is busy (a build is writing) the page says so and shows
the rest. Run names, inputs and outputs name every dataset, so ``runs.view`` belongs only to roles that see
every classification (a test holds the role profiles to that).

No run writes a log file of its own (steps log to the terminal of the command that ran them), so a run's
page shows its recorded error rather than a log.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import func, select

from observatory.engine.base import CELL_ERRORS_TABLE, REJECTS_TABLE
from observatory.errors import EngineError, NotFoundError, ObservatoryError
from observatory.ingest.loads import LAYER as LOAD_LAYER
from observatory.meta.models import Load, Run
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.purpose import mask_row, unmasking
from observatory.web.render import page
from observatory.web.warehouse import fetch_dicts, qualified, read_warehouse, table_exists

router = APIRouter()

STATUSES = ("running", "succeeded", "failed")
PAGE_SIZE = 50
REJECTS_SHOWN = 100
"""Rejected rows (and cell errors) shown per load; the total is always given."""

PERSONAL_REJECT_FIELDS = {"raw"}


def run_summary(run: Run) -> dict[str, Any]:
    """One run as a row of the runs table."""
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "run_id": run.id,
        "kind": run.kind,
        "node": run.node_id,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_seconds": None if duration is None else round(duration, 3),
        "rows_out": run.rows_out,
        "error": run.error,
        "href": f"/runs/{run.id}",
    }


def _page_href(number: int, status: str, kind: str) -> str:
    query = {k: v for k, v in (("status", status), ("kind", kind)) if v}
    return "/runs?" + urlencode({**query, "page": number})


def _kinds(obs: Observatory) -> list[str]:
    with obs.meta.session() as session:
        return sorted(session.scalars(select(Run.kind).distinct()))


def list_runs(obs: Observatory, page_number: int, status: str, kind: str) -> dict[str, Any]:
    """One page of runs, newest first, filtered by ``status`` and ``kind`` (empty: any)."""
    kinds = _kinds(obs)
    if status and status not in STATUSES:
        raise ObservatoryError(f"There is no run status {status!r}: choose one of {', '.join(STATUSES)}.")
    if kind and kind not in kinds:
        raise ObservatoryError(f"There is no run kind {kind!r}: choose one of {', '.join(kinds) or 'none yet'}.")
    query = select(Run)
    if status:
        query = query.where(Run.status == status)
    if kind:
        query = query.where(Run.kind == kind)
    with obs.meta.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = session.scalars(
            query.order_by(Run.id.desc()).offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        runs = [run_summary(run) for run in found]
    pages = max(1, -(-total // PAGE_SIZE))
    return {
        "title": "Runs",
        "runs": runs,
        "total": total,
        "page": page_number,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "status": status or None,
        "kind": kind or None,
        "statuses": list(STATUSES),
        "kinds": kinds,
        "previous": _page_href(page_number - 1, status, kind) if 1 < page_number <= pages + 1 else None,
        "next": _page_href(page_number + 1, status, kind) if page_number < pages else None,
    }


@page(router, "/runs", "runs/index.html", name="runs", summary="Builds and their steps, newest first")
def runs(
    request: Request,
    who: Annotated[Principal, Depends(Need("runs.view"))],
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    status: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
) -> dict[str, Any]:
    return list_runs(request.app.state.obs, page_number, status, kind)


# --- one run --------------------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def load_record(load: Load) -> dict[str, Any]:
    return {
        "load_id": load.id,
        "source": load.source,
        "dataset": load.dataset,
        "file": load.file_name,
        "path": load.file_path,
        "format": load.format,
        "encoding": load.encoding,
        "table": load.table_name,
        "rows_read": load.rows_read,
        "rows_loaded": load.rows_loaded,
        "rows_rejected": load.rows_rejected,
        "blank_rows_dropped": load.blank_rows_dropped,
        "status": load.status,
        "is_current": load.is_current,
        "started_at": _iso(load.started_at),
        "finished_at": _iso(load.finished_at),
        "error": load.error,
    }


def _side_rows(con: Any, table: str, columns: str, load_id: int) -> tuple[int, list[dict[str, Any]]]:
    """How many rows of the side table ``table`` belong to the load, and the first ``REJECTS_SHOWN`` by line."""
    if not table_exists(con, LOAD_LAYER, table):
        return 0, []
    name = qualified(LOAD_LAYER, table)
    counted = con.execute(f"SELECT count(*) FROM {name} WHERE load_id = ?", [load_id]).fetchone()
    rows = fetch_dicts(
        con,
        f"SELECT {columns} FROM {name} WHERE load_id = ? ORDER BY line NULLS LAST LIMIT ?",
        [load_id, REJECTS_SHOWN],
    )
    return int(counted[0]) if counted else 0, rows


def read_rejects(obs: Observatory, loads: list[dict[str, Any]], unmasked: bool) -> None:
    """Add each load's rejected rows (``raw`` masked unless ``unmasked``) and spreadsheet cell errors."""
    with read_warehouse(obs) as con:
        for load in loads:
            total, rejects = _side_rows(con, REJECTS_TABLE, "file, line, reason, raw", load["load_id"])
            load["rejects_total"] = total
            load["rejects"] = [mask_row(row, PERSONAL_REJECT_FIELDS, unmasked) for row in rejects]
            total, errors = _side_rows(con, CELL_ERRORS_TABLE, "line, column_name, cell, error", load["load_id"])
            load["cell_errors_total"] = total
            load["cell_errors"] = errors


def _quality_href(run: Run) -> str | None:
    if run.kind == "quality" and run.node_id.startswith("quality."):
        return f"/quality/{run.node_id.removeprefix('quality.')}"
    return None


@page(router, "/runs/{run_id}", "runs/run.html", name="run", summary="One run: inputs, outputs, loads and rejects")
def run(
    request: Request,
    who: Annotated[Principal, Depends(Need("runs.view"))],
    run_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    unmask: bool = False,
    purpose: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    with obs.meta.session() as session:
        found = session.get(Run, run_id)
        if found is None:
            raise NotFoundError(f"There is no run {run_id}.")
        summary = run_summary(found)
        data: dict[str, Any] = {
            "title": f"Run {run_id}",
            "run": {**summary, "inputs": list(found.inputs), "outputs": list(found.outputs)},
            "version": found.version,
            "engine": found.engine,
            "quality_href": _quality_href(found),
        }
        loads = [load_record(load) for load in session.scalars(select(Load).where(Load.run_id == run_id))]
    data.update(loads=loads, unmasked=False, rejects_unavailable=None, rejects_shown=REJECTS_SHOWN)
    if not loads:
        return data
    with_rejects = any(load["rows_rejected"] for load in loads)
    unmasked = with_rejects and unmasking(
        request, who, unmask, purpose, target=f"run:{run_id}", fields=sorted(PERSONAL_REJECT_FIELDS)
    )
    try:
        read_rejects(obs, loads, unmasked)
    except EngineError as exc:
        data["rejects_unavailable"] = exc.message
    data["unmasked"] = unmasked
    return data
