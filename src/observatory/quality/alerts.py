"""Quality alerts: a measure that fell, or data that is out of date, addressed to the dataset's owner.

When a snapshot is saved, each of its measures (with something to measure) is checked:

- *stale*: a timeliness measure below 1 (the latest load is older than the declared freshness)
  raises an alert, even on a dataset's first snapshot;
- *drop*: a measure whose value is lower than in the *previous* snapshot or the *baseline* (the
  dataset's first snapshot) by more than ``alert_drop`` raises an alert; the comparison with
  the larger fall is the one reported. A first snapshot has nothing to compare with.

A measure has at most one open alert. While it is open no other is raised for that measure;
it closes (with the snapshot that closed it) when the measure recovers: a stale alert when the
data is fresh again, a drop alert when the value is back within ``alert_drop`` of the value it
fell from (the alert's ``expected_value``), or when the measure is no longer measured at all.
A measure with nothing to measure (``total == 0``) neither raises nor closes alerts.
Differences within ``EPS`` of the threshold count as not more than it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from observatory.meta import MetaStore
from observatory.meta.models import QualityAlert, QualitySnapshot
from observatory.quality.confidence import measure_label, percent, points
from observatory.quality.measures import DatasetQuality, Measure

EPS = 1e-9
AlertKind = Literal["drop", "stale"]


@dataclass(frozen=True)
class Alert:
    """A stored alert, as read back from the metadata store."""

    id: int
    snapshot_id: int
    dataset: str
    measure: str
    dimension: str
    kind: str
    previous_value: float | None
    current_value: float
    baseline_value: float | None
    expected_value: float
    drop_by: float
    threshold: float
    owner: str
    message: str
    raised_at: datetime
    status: str
    closed_at: datetime | None
    closed_by_snapshot_id: int | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["raised_at"] = self.raised_at.isoformat()
        data["closed_at"] = self.closed_at.isoformat() if self.closed_at else None
        return data


def alert_from_row(row: QualityAlert) -> Alert:
    return Alert(
        id=row.id,
        snapshot_id=row.snapshot_id,
        dataset=row.dataset,
        measure=row.measure,
        dimension=row.dimension,
        kind=row.kind,
        previous_value=row.previous_value,
        current_value=row.current_value,
        baseline_value=row.baseline_value,
        expected_value=row.expected_value,
        drop_by=row.drop_by,
        threshold=row.threshold,
        owner=row.owner,
        message=row.message,
        raised_at=row.raised_at,
        status=row.status,
        closed_at=row.closed_at,
        closed_by_snapshot_id=row.closed_by_snapshot_id,
    )


@dataclass(frozen=True)
class Fall:
    """Why a measure needs an alert: what it is now and the value it fell from."""

    measure: Measure
    kind: AlertKind
    current: float
    previous: float | None
    baseline: float | None
    expected: float
    against: Literal["previous", "baseline", "freshness"]

    @property
    def drop(self) -> float:
        return self.expected - self.current


def _value(measure: Measure | None) -> float | None:
    return None if measure is None else measure.value


def fall(measure: Measure, previous: Measure | None, baseline: Measure | None, alert_drop: float) -> Fall | None:
    """The alert ``measure`` calls for against ``previous`` and ``baseline`` (same measure, earlier), if any."""
    current = measure.value
    if current is None:
        return None
    before, first = _value(previous), _value(baseline)
    if measure.dimension == "timeliness":
        return Fall(measure, "stale", current, before, first, 1.0, "freshness") if current < 1 else None
    candidates = [(value, name) for value, name in ((before, "previous"), (first, "baseline")) if value is not None]
    if not candidates:
        return None
    expected, against = max(candidates, key=lambda c: c[0])
    if expected - current <= alert_drop + EPS:
        return None
    return Fall(measure, "drop", current, before, first, expected, "previous" if against == "previous" else "baseline")


def recovered(alert: QualityAlert, measure: Measure) -> bool:
    """Whether ``measure`` (in a later snapshot) no longer calls for ``alert``."""
    current = measure.value
    if current is None:
        return False
    if alert.kind == "stale":
        return measure.failed == 0
    return alert.expected_value - current <= alert.threshold + EPS


def _message(dataset: str, found: Fall, alert_drop: float) -> str:
    if found.kind == "stale":
        why = f"expected {found.measure.description}" if found.measure.description else "its latest load is too old"
        return f"{dataset} is out of date: {why}."
    label = measure_label(found.measure)
    where = "the previous snapshot" if found.against == "previous" else "the baseline (first snapshot)"
    return (
        f"{label[0].upper()}{label[1:]} in {dataset} fell from {percent(found.expected)} at {where} to "
        f"{percent(found.current)}, down {points(found.drop)} (alerts are raised above {points(alert_drop)})."
    )


@dataclass(frozen=True)
class AlertChanges:
    """What saving one snapshot did to its dataset's alerts."""

    raised: list[QualityAlert]
    closed: list[QualityAlert]
    still_open: list[QualityAlert]

    @property
    def open_count(self) -> int:
        return len(self.raised) + len(self.still_open)


def update_alerts(
    session: Session,
    snapshot: QualitySnapshot,
    quality: DatasetQuality,
    previous: Mapping[str, Measure],
    baseline: Mapping[str, Measure],
    alert_drop: float,
) -> AlertChanges:
    """Close the dataset's open alerts that recovered, and raise new ones for ``snapshot`` (inside ``session``)."""
    current = {m.name: m for m in quality.measures}
    open_rows = session.scalars(
        select(QualityAlert)
        .where(QualityAlert.dataset == quality.dataset, QualityAlert.status == "open")
        .order_by(QualityAlert.id)
    ).all()
    closed, still_open = [], []
    for row in open_rows:
        measure = current.get(row.measure)
        if measure is None or recovered(row, measure):
            row.status, row.closed_at, row.closed_by_snapshot_id = "closed", snapshot.measured_at, snapshot.id
            closed.append(row)
        else:
            still_open.append(row)
    alerted = {row.measure for row in still_open}
    raised = []
    for measure in quality.measures:
        if measure.name in alerted:
            continue
        found = fall(measure, previous.get(measure.name), baseline.get(measure.name), alert_drop)
        if found is None:
            continue
        row = QualityAlert(
            snapshot_id=snapshot.id,
            dataset=quality.dataset,
            measure=measure.name,
            dimension=measure.dimension,
            kind=found.kind,
            previous_value=found.previous,
            current_value=found.current,
            baseline_value=found.baseline,
            expected_value=found.expected,
            drop_by=found.drop,
            threshold=alert_drop,
            owner=quality.owner,
            message=_message(quality.dataset, found, alert_drop),
            raised_at=snapshot.measured_at,
            status="open",
        )
        session.add(row)
        raised.append(row)
    session.flush()
    return AlertChanges(raised, closed, still_open)


def list_alerts(meta: MetaStore, dataset: str | None = None, *, status: str | None = "open") -> list[Alert]:
    """Alerts (open ones by default) of one dataset or of all, oldest first."""
    query = select(QualityAlert).order_by(QualityAlert.raised_at, QualityAlert.id)
    if dataset is not None:
        query = query.where(QualityAlert.dataset == dataset)
    if status is not None:
        query = query.where(QualityAlert.status == status)
    with meta.session() as session:
        return [alert_from_row(row) for row in session.scalars(query)]
