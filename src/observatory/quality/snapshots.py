"""Quality snapshots in the metadata store: save one per dataset per run, read them back over time.

``save_snapshot`` is what a build calls after measuring a dataset. In one transaction it stores
the measures and failing-row samples, updates the dataset's alerts (``quality.alerts``) and
records the score, confidence and statement (``quality.confidence``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from observatory.config.models import QualitySettingsSpec
from observatory.meta import MetaStore
from observatory.meta.models import QualityMeasureRow, QualitySampleRow, QualitySnapshot
from observatory.quality.alerts import Alert, alert_from_row, update_alerts
from observatory.quality.confidence import Confidence, DatasetConfidence, Level, assess, combine
from observatory.quality.measures import DatasetQuality, Dimension, FailingSample, Measure


@dataclass(frozen=True)
class Snapshot:
    """One stored snapshot: a dataset's measures from one run, with score and confidence."""

    id: int
    run_id: int
    dataset: str
    measured_at: datetime
    rows: int
    owner: str
    score: float | None
    dimensions: dict[str, float | None]
    confidence: Level
    statement: str
    measures: list[Measure] = field(default_factory=list)

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def summary(self) -> dict[str, Any]:
        """Everything but the measures, JSON-able."""
        return {
            "snapshot_id": self.id,
            "run_id": self.run_id,
            "dataset": self.dataset,
            "measured_at": self.measured_at.isoformat(),
            "rows": self.rows,
            "owner": self.owner,
            "score": self.score,
            "dimensions": self.dimensions,
            "confidence": self.confidence,
            "statement": self.statement,
        }


@dataclass(frozen=True)
class SnapshotSummary:
    """What ``save_snapshot`` stored: the snapshot and the alerts it raised and closed."""

    snapshot: Snapshot
    raised: list[Alert]
    closed: list[Alert]
    open_alerts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.snapshot.summary(),
            "alerts_raised": [a.to_dict() for a in self.raised],
            "alerts_closed": [a.to_dict() for a in self.closed],
            "open_alerts": self.open_alerts,
        }


@dataclass(frozen=True)
class MeasurePoint:
    """A measure's value in one snapshot: one point of its trend."""

    snapshot_id: int
    run_id: int
    measured_at: datetime
    passed: int
    total: int

    @property
    def value(self) -> float | None:
        return self.passed / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "run_id": self.run_id,
            "measured_at": self.measured_at.isoformat(),
            "passed": self.passed,
            "total": self.total,
            "value": self.value,
        }


def _measure(row: QualityMeasureRow) -> Measure:
    return Measure(
        name=row.name,
        dimension=cast(Dimension, row.dimension),
        passed=row.passed,
        total=row.total,
        field=row.field,
        critical=row.critical,
        description=row.description,
    )


def _measures(session: Session, snapshot_id: int) -> list[Measure]:
    rows = session.scalars(
        select(QualityMeasureRow).where(QualityMeasureRow.snapshot_id == snapshot_id).order_by(QualityMeasureRow.id)
    )
    return [_measure(row) for row in rows]


def _snapshot(session: Session, row: QualitySnapshot) -> Snapshot:
    return Snapshot(
        id=row.id,
        run_id=row.run_id,
        dataset=row.dataset,
        measured_at=row.measured_at,
        rows=row.rows,
        owner=row.owner,
        score=row.score,
        dimensions=dict(row.dimension_scores),
        confidence=cast(Level, row.confidence),
        statement=row.statement,
        measures=_measures(session, row.id),
    )


def _before(row: QualitySnapshot) -> ColumnElement[bool]:
    """Snapshots of the same dataset ordered before ``row`` (by time, then id)."""
    return and_(
        QualitySnapshot.dataset == row.dataset,
        or_(
            QualitySnapshot.measured_at < row.measured_at,
            and_(QualitySnapshot.measured_at == row.measured_at, QualitySnapshot.id < row.id),
        ),
    )


def _previous_row(session: Session, row: QualitySnapshot) -> QualitySnapshot | None:
    query = select(QualitySnapshot).where(_before(row))
    return session.scalars(query.order_by(QualitySnapshot.measured_at.desc(), QualitySnapshot.id.desc())).first()


def _baseline_row(session: Session, row: QualitySnapshot) -> QualitySnapshot | None:
    query = select(QualitySnapshot).where(_before(row))
    return session.scalars(query.order_by(QualitySnapshot.measured_at, QualitySnapshot.id)).first()


def save_snapshot(
    meta: MetaStore, quality: DatasetQuality, run_id: int, settings: QualitySettingsSpec
) -> SnapshotSummary:
    """Store ``quality`` as the snapshot of run ``run_id``, update alerts, score it; all in one transaction."""
    names = [m.name for m in quality.measures]
    if len(set(names)) != len(names):
        raise ValueError(f"{quality.dataset}: measure names must be unique, got {sorted(names)}")
    with meta.session() as session:
        row = QualitySnapshot(
            run_id=run_id,
            dataset=quality.dataset,
            measured_at=quality.measured_at,
            rows=quality.rows,
            owner=quality.owner,
            score=None,
            dimension_scores={},
            confidence="low",
            statement="",
        )
        session.add(row)
        session.flush()
        session.add_all(
            QualityMeasureRow(
                snapshot_id=row.id,
                name=m.name,
                dimension=m.dimension,
                field=m.field,
                critical=m.critical,
                passed=m.passed,
                total=m.total,
                description=m.description,
            )
            for m in quality.measures
        )
        session.add_all(
            QualitySampleRow(
                snapshot_id=row.id, measure=s.measure, columns=list(s.columns), rows=list(s.rows), masked=list(s.masked)
            )
            for s in quality.samples
        )
        previous, baseline = _previous_row(session, row), _baseline_row(session, row)
        changes = update_alerts(
            session,
            row,
            quality,
            {m.name: m for m in _measures(session, previous.id)} if previous else {},
            {m.name: m for m in _measures(session, baseline.id)} if baseline else {},
            settings.alert_drop,
        )
        assessment = assess(quality, changes.open_count)
        row.score = None if assessment.score is None else float(assessment.score)
        row.dimension_scores = assessment.dimension_floats()
        row.confidence = assessment.level
        row.statement = assessment.statement
        session.flush()
        return SnapshotSummary(
            _snapshot(session, row),
            [alert_from_row(a) for a in changes.raised],
            [alert_from_row(a) for a in changes.closed],
            changes.open_count,
        )


# --- reading back -------------------------------------------------------------------------------


def get_snapshot(meta: MetaStore, snapshot_id: int) -> Snapshot | None:
    with meta.session() as session:
        row = session.get(QualitySnapshot, snapshot_id)
        return None if row is None else _snapshot(session, row)


def latest_snapshot(meta: MetaStore, dataset: str) -> Snapshot | None:
    """The newest snapshot of ``dataset`` (``source.dataset``), or ``None`` if it was never measured."""
    query = select(QualitySnapshot).where(QualitySnapshot.dataset == dataset)
    with meta.session() as session:
        row = session.scalars(query.order_by(QualitySnapshot.measured_at.desc(), QualitySnapshot.id.desc())).first()
        return None if row is None else _snapshot(session, row)


def measured_datasets(meta: MetaStore) -> list[str]:
    """Every dataset with at least one snapshot, sorted."""
    with meta.session() as session:
        return sorted(session.scalars(select(QualitySnapshot.dataset).distinct()))


def latest_snapshots(meta: MetaStore, datasets: Sequence[str] | None = None) -> dict[str, Snapshot]:
    """The newest snapshot of each of ``datasets`` (default: every measured dataset); unmeasured ones are absent."""
    found = {}
    for dataset in measured_datasets(meta) if datasets is None else datasets:
        snapshot = latest_snapshot(meta, dataset)
        if snapshot is not None:
            found[dataset] = snapshot
    return found


def previous_snapshot(meta: MetaStore, snapshot: Snapshot) -> Snapshot | None:
    """The snapshot of the same dataset just before ``snapshot``."""
    with meta.session() as session:
        row = session.get(QualitySnapshot, snapshot.id)
        previous = None if row is None else _previous_row(session, row)
        return None if previous is None else _snapshot(session, previous)


def snapshot_history(meta: MetaStore, dataset: str, limit: int = 20) -> list[Snapshot]:
    """The last ``limit`` snapshots of ``dataset``, oldest first, without their measures."""
    query = select(QualitySnapshot).where(QualitySnapshot.dataset == dataset)
    query = query.order_by(QualitySnapshot.measured_at.desc(), QualitySnapshot.id.desc()).limit(limit)
    with meta.session() as session:
        rows = list(session.scalars(query))
    return [
        Snapshot(
            r.id,
            r.run_id,
            r.dataset,
            r.measured_at,
            r.rows,
            r.owner,
            r.score,
            dict(r.dimension_scores),
            cast(Level, r.confidence),
            r.statement,
        )
        for r in reversed(rows)
    ]


def measures_history(
    meta: MetaStore, dataset: str, measures: Sequence[str], limit: int = 20
) -> dict[str, list[MeasurePoint]]:
    """For each named measure, its value in the last ``limit`` snapshots of ``dataset`` that have it, oldest first."""
    recent = (
        select(QualitySnapshot.id)
        .where(QualitySnapshot.dataset == dataset)
        .order_by(QualitySnapshot.measured_at.desc(), QualitySnapshot.id.desc())
        .limit(limit)
        .scalar_subquery()
    )
    query = (
        select(QualityMeasureRow.name, QualitySnapshot, QualityMeasureRow.passed, QualityMeasureRow.total)
        .join(QualitySnapshot, QualitySnapshot.id == QualityMeasureRow.snapshot_id)
        .where(QualitySnapshot.id.in_(recent), QualityMeasureRow.name.in_(list(measures)))
        .order_by(QualitySnapshot.measured_at, QualitySnapshot.id)
    )
    history: dict[str, list[MeasurePoint]] = {name: [] for name in measures}
    with meta.session() as session:
        for name, snap, passed, total in session.execute(query):
            history[name].append(MeasurePoint(snap.id, snap.run_id, snap.measured_at, passed, total))
    return history


def measure_history(meta: MetaStore, dataset: str, measure: str, limit: int = 20) -> list[MeasurePoint]:
    """One measure's value in the last ``limit`` snapshots of ``dataset`` that have it, oldest first."""
    return measures_history(meta, dataset, [measure], limit)[measure]


def failing_samples(meta: MetaStore, snapshot_id: int, measure: str | None = None) -> list[FailingSample]:
    """The failing-row samples stored with a snapshot (of one measure, or all)."""
    query = select(QualitySampleRow).where(QualitySampleRow.snapshot_id == snapshot_id)
    if measure is not None:
        query = query.where(QualitySampleRow.measure == measure)
    with meta.session() as session:
        return [
            FailingSample(row.measure, list(row.columns), list(row.rows), list(row.masked))
            for row in session.scalars(query.order_by(QualitySampleRow.id))
        ]


def confidence_for(meta: MetaStore, datasets: Sequence[str]) -> Confidence:
    """The confidence of something built from ``datasets``: the lowest of their latest levels, each one quoted."""
    latest = latest_snapshots(meta, datasets)
    return combine(
        [
            DatasetConfidence(d, latest[d].confidence, latest[d].statement)
            if d in latest
            else DatasetConfidence(d, None, "")
            for d in datasets
        ]
    )
