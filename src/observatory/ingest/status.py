"""What has been loaded: per dataset, the current version and the latest attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from observatory.ingest.loads import recover_interrupted_loads
from observatory.meta import Load
from observatory.platform import Observatory


def _load_summary(load: Load | None) -> dict[str, Any] | None:
    if load is None:
        return None
    return {
        "load_id": load.id,
        "status": load.status,
        "file": load.file_name,
        "encoding": load.encoding,
        "rows_read": load.rows_read,
        "rows_loaded": load.rows_loaded,
        "rows_rejected": load.rows_rejected,
        "blank_rows_dropped": load.blank_rows_dropped,
        "started_at": load.started_at.isoformat() if load.started_at else None,
        "finished_at": load.finished_at.isoformat() if load.finished_at else None,
        "error": load.error,
    }


def project_status(obs: Observatory) -> dict[str, Any]:
    """Every configured (and ad hoc) dataset with its current version and latest attempt."""
    recover_interrupted_loads(obs)
    configured = [(d.source, d.name) for d in obs.project.all_datasets()]
    with obs.meta.session() as session:
        seen = session.execute(select(Load.source, Load.dataset).distinct()).all()
        names = configured + sorted({(s, d) for s, d in seen} - set(configured))
        datasets = []
        for source, dataset in names:
            current = session.scalars(
                select(Load).where(Load.source == source, Load.dataset == dataset, Load.is_current.is_(True))
            ).first()
            latest = session.scalars(
                select(Load).where(Load.source == source, Load.dataset == dataset).order_by(Load.id.desc())
            ).first()
            versions = session.scalar(
                select(func.count()).where(Load.source == source, Load.dataset == dataset, Load.status == "loaded")
            )
            datasets.append(
                {
                    "source": source,
                    "dataset": dataset,
                    "configured": (source, dataset) in configured,
                    "table": f"raw.{source}__{dataset}",
                    "versions": versions or 0,
                    "current": _load_summary(current),
                    "latest": _load_summary(latest),
                }
            )
    return {"project": obs.project.spec.name, "engine": obs.project.spec.engine, "datasets": datasets}
