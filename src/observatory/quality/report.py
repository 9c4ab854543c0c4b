"""The quality report: one JSON-able structure per project (or dataset), read from the metadata store.

The CLI prints it (``observatory quality``), ``--json`` writes it as is, and ``quality.html``
renders it as one self-contained HTML file. Values are shares (0..1); ``None`` means not
measured. Changes are against the dataset's previous snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from observatory.meta import MetaStore
from observatory.quality.alerts import list_alerts
from observatory.quality.confidence import finding, key_measures, measure_label
from observatory.quality.measures import DIMENSIONS, Measure
from observatory.quality.snapshots import (
    MeasurePoint,
    Snapshot,
    failing_samples,
    latest_snapshot,
    measured_datasets,
    measures_history,
    previous_snapshot,
    snapshot_history,
)

TREND_POINTS = 20
"""Snapshots a trend goes back over."""


def change(now: float | None, before: float | None) -> float | None:
    """``now - before`` (rounded to 10 decimals), or ``None`` if either is unknown."""
    return None if now is None or before is None else round(now - before, 10)


def _measure(measure: Measure, before: Measure | None, key: set[str]) -> dict[str, Any]:
    previous = None if before is None else before.value
    return {
        "name": measure.name,
        "label": measure_label(measure),
        "finding": finding(measure),
        "dimension": measure.dimension,
        "field": measure.field,
        "critical": measure.critical,
        "key": measure.name in key,
        "passed": measure.passed,
        "total": measure.total,
        "failed": measure.failed,
        "value": measure.value,
        "previous_value": previous,
        "change": change(measure.value, previous),
        "description": measure.description,
    }


def _point(snapshot_id: int, run_id: int, measured_at: datetime, value: float | None) -> dict[str, Any]:
    return {"snapshot_id": snapshot_id, "run_id": run_id, "measured_at": measured_at.isoformat(), "value": value}


def _measure_points(points: list[MeasurePoint]) -> list[dict[str, Any]]:
    return [_point(p.snapshot_id, p.run_id, p.measured_at, p.value) for p in points]


def _trends(meta: MetaStore, latest: Snapshot, points: int) -> dict[str, Any]:
    history = snapshot_history(meta, latest.dataset, points)
    critical = [m for m in latest.measures if m.critical and m.field is not None]
    measured = measures_history(meta, latest.dataset, [m.name for m in critical], points)
    return {
        "score": [_point(s.id, s.run_id, s.measured_at, s.score) for s in history],
        "dimensions": {
            d: [_point(s.id, s.run_id, s.measured_at, s.dimensions.get(d)) for s in history] for d in DIMENSIONS
        },
        "measures": [
            {
                "measure": m.name,
                "label": measure_label(m),
                "field": m.field,
                "points": _measure_points(measured[m.name]),
            }
            for m in critical
        ],
    }


def dataset_report(meta: MetaStore, dataset: str, *, points: int = TREND_POINTS) -> dict[str, Any]:
    """Everything known about one dataset's quality: latest snapshot, changes, alerts, samples, trends."""
    latest = latest_snapshot(meta, dataset)
    if latest is None:
        return {"dataset": dataset, "measured": False}
    previous = previous_snapshot(meta, latest)
    before = {} if previous is None else {m.name: m for m in previous.measures}
    key = {m.name for m in key_measures(latest.measures)}
    measures = [_measure(m, before.get(m.name), key) for m in latest.measures]
    labels = {m.name: measure_label(m) for m in latest.measures}
    previous_score = None if previous is None else previous.score
    return {
        **latest.summary(),
        "measured": True,
        "dimensions": [
            {
                "dimension": d,
                "score": latest.dimensions.get(d),
                "previous": None if previous is None else previous.dimensions.get(d),
                "change": change(latest.dimensions.get(d), None if previous is None else previous.dimensions.get(d)),
            }
            for d in DIMENSIONS
        ],
        "previous": None
        if previous is None
        else {k: previous.summary()[k] for k in ("snapshot_id", "run_id", "measured_at", "score", "confidence")},
        "change": change(latest.score, previous_score),
        "measures": measures,
        "rules": [m for m in measures if m["name"].startswith(("rule:", "reference:"))],
        "alerts": [alert.to_dict() for alert in list_alerts(meta, dataset)],
        "samples": [
            {
                "measure": s.measure,
                "label": labels.get(s.measure, s.measure),
                "columns": s.columns,
                "rows": s.rows,
                "masked": s.masked,
            }
            for s in failing_samples(meta, latest.id)
        ],
        "trends": _trends(meta, latest, points),
    }


def quality_report(
    meta: MetaStore, datasets: Sequence[str] | None = None, *, title: str = "", points: int = TREND_POINTS
) -> dict[str, Any]:
    """The report over ``datasets`` (default: every measured dataset), in the order given."""
    names = measured_datasets(meta) if datasets is None else list(datasets)
    entries = [dataset_report(meta, name, points=points) for name in names]
    levels = Counter(d["confidence"] if d["measured"] else "not measured" for d in entries)
    return {
        "title": title,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": {
            "datasets": len(entries),
            "measured": sum(1 for d in entries if d["measured"]),
            "confidence": {level: levels[level] for level in ("high", "medium", "low", "not measured")},
            "open_alerts": sum(len(d.get("alerts", [])) for d in entries),
        },
        "datasets": entries,
    }
