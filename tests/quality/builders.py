"""Hand-built quality results and a metadata store to save them in (no engine involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from observatory.config.models import QualitySettingsSpec
from observatory.meta import MetaStore, Run
from observatory.quality.measures import DatasetQuality, Dimension, FailingSample, Measure
from observatory.quality.snapshots import SnapshotSummary, save_snapshot

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
OWNER = "Head of Adult Social Care"
DIMENSION_OF: dict[str, Dimension] = {
    "completeness": "completeness",
    "validity": "validity",
    "allowed": "validity",
    "accuracy": "accuracy",
    "uniqueness": "uniqueness",
    "reference": "consistency",
    "rule": "consistency",
    "timeliness": "timeliness",
}
FIELD_KINDS = {"completeness", "validity", "allowed", "accuracy"}


def measure(
    name: str, passed: int, total: int, *, critical: bool = False, dimension: Dimension | None = None, **extra: Any
) -> Measure:
    """``measure("completeness:postcode", 95, 100)``: dimension and field follow the naming convention."""
    kind, _, subject = name.partition(":")
    field = subject if kind in FIELD_KINDS else None
    return Measure(name, dimension or DIMENSION_OF[kind], passed, total, field=field, critical=critical, **extra)


def quality(
    *measures: Measure,
    dataset: str = "asc.clients",
    rows: int = 1000,
    at: datetime = START,
    owner: str = OWNER,
    samples: list[FailingSample] | None = None,
) -> DatasetQuality:
    return DatasetQuality(dataset, rows, list(measures), samples or [], at, owner)


def new_run(meta: MetaStore, node_id: str = "quality.asc.clients") -> int:
    with meta.session() as session:
        run = Run(
            kind="quality", node_id=node_id, status="succeeded", started_at=START, version="0.1.0", engine="duckdb"
        )
        session.add(run)
        session.flush()
        return run.id


def save(meta: MetaStore, result: DatasetQuality, alert_drop: float = 0.02) -> SnapshotSummary:
    """Save ``result`` as the snapshot of a new run."""
    return save_snapshot(meta, result, new_run(meta), QualitySettingsSpec(alert_drop=alert_drop))


def save_series(
    meta: MetaStore,
    values: list[int],
    name: str = "completeness:date_of_birth",
    *,
    alert_drop: float = 0.02,
    **kwargs: Any,
) -> list[SnapshotSummary]:
    """One snapshot per day with ``name`` at ``value`` of 1000 (critical), in order."""
    return [
        save(
            meta,
            quality(measure(name, value, 1000, critical=True), at=START + timedelta(days=day), **kwargs),
            alert_drop,
        )
        for day, value in enumerate(values)
    ]
