"""Where KPI results live: definitions' versions and each run's summary in the metadata store; every value of
every series, with its SPC, in the warehouse's ``governed.kpi_values`` (all runs kept, so history and the effect
of a changed definition stay visible)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select

from observatory.config.kpis import Kpi
from observatory.engine.base import Engine
from observatory.meta.models import KpiResult, KpiVersion
from observatory.meta.store import MetaStore

VALUES_TABLE = "kpi_values"
"""``governed.kpi_values``: one row per run, KPI, period and series (the total has breakdown and member ``''``)."""
VALUES_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("kpi_id", pa.string()),
        ("version", pa.int32()),
        ("period_start", pa.date32()),
        ("period_label", pa.string()),
        ("breakdown", pa.string()),
        ("member", pa.string()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("value", pa.float64()),
        ("mean", pa.float64()),
        ("lower", pa.float64()),
        ("upper", pa.float64()),
        ("special_cause", pa.string()),
        ("rules", pa.string()),
    ]
)


@dataclass(frozen=True)
class Version:
    """A stored version of a KPI definition."""

    kpi_id: str
    version: int
    digest: str
    definition: dict[str, Any]
    first_run_id: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "digest": self.digest,
            "first_run_id": self.first_run_id,
            "created_at": self.created_at.isoformat(),
            "definition": self.definition,
        }


@dataclass(frozen=True)
class StoredResult:
    """One run's result for one KPI."""

    run_id: int
    kpi_id: str
    version: int
    status: str
    computed_at: datetime
    summary: dict[str, Any]


def _version(row: KpiVersion) -> Version:
    return Version(row.kpi_id, row.version, row.digest, row.definition, row.first_run_id, row.created_at)


def record_version(meta: MetaStore, kpi: Kpi, run_id: int) -> tuple[Version, Version | None]:
    """The version of ``kpi``'s current definition (a new one when its fingerprint is new), and the one before."""
    digest = kpi.digest
    with meta.session() as session:
        rows = list(session.scalars(select(KpiVersion).where(KpiVersion.kpi_id == kpi.id).order_by(KpiVersion.version)))
        latest = rows[-1] if rows else None
        if latest is not None and latest.digest == digest:
            before = rows[-2] if len(rows) > 1 else None
            return _version(latest), _version(before) if before else None
        row = KpiVersion(
            kpi_id=kpi.id,
            version=(latest.version + 1) if latest else 1,
            digest=digest,
            definition=kpi.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            file=str(kpi.file),
            first_run_id=run_id,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        return _version(row), _version(latest) if latest else None


def versions(meta: MetaStore, kpi_id: str) -> list[Version]:
    """Every version of a KPI's definition, oldest first."""
    with meta.session() as session:
        query = select(KpiVersion).where(KpiVersion.kpi_id == kpi_id).order_by(KpiVersion.version)
        return [_version(row) for row in session.scalars(query)]


def save_result(meta: MetaStore, run_id: int, kpi_id: str, version: int, status: str, summary: dict[str, Any]) -> None:
    with meta.session() as session:
        session.add(
            KpiResult(
                run_id=run_id,
                kpi_id=kpi_id,
                version=version,
                status=status,
                computed_at=datetime.now(UTC),
                summary=summary,
            )
        )


def _stored(row: KpiResult) -> StoredResult:
    return StoredResult(row.run_id, row.kpi_id, row.version, row.status, row.computed_at, row.summary)


def latest_results(meta: MetaStore, kpi_ids: Sequence[str] | None = None) -> dict[str, StoredResult]:
    """The newest result of every KPI (or of ``kpi_ids``)."""
    with meta.session() as session:
        newest = select(func.max(KpiResult.id).label("id")).group_by(KpiResult.kpi_id)
        if kpi_ids is not None:
            newest = newest.where(KpiResult.kpi_id.in_(list(kpi_ids)))
        sub = newest.subquery()
        rows = session.scalars(select(KpiResult).join(sub, KpiResult.id == sub.c.id))
        return {row.kpi_id: _stored(row) for row in rows}


def result_history(meta: MetaStore, kpi_id: str, limit: int = 20) -> list[StoredResult]:
    """A KPI's results, newest first."""
    with meta.session() as session:
        query = select(KpiResult).where(KpiResult.kpi_id == kpi_id).order_by(KpiResult.id.desc()).limit(limit)
        return [_stored(row) for row in session.scalars(query)]


def append_values(engine: Engine, rows: pa.Table) -> int:
    """Add this run's values to ``governed.kpi_values``, keeping every earlier run's; return the table's rows."""
    return engine.append_arrow("governed", VALUES_TABLE, rows.cast(VALUES_SCHEMA))


def run_values(engine: Engine, run_id: int, kpi_id: str) -> list[dict[str, Any]]:
    """The values one run computed for one KPI (every series), oldest period first."""
    if not engine.exists("governed", VALUES_TABLE):
        return []
    table = engine.table("governed", VALUES_TABLE)
    expr = table.filter((table.run_id == run_id) & (table.kpi_id == kpi_id)).order_by(
        ["breakdown", "member", "period_start"]
    )
    rows: list[dict[str, Any]] = engine.to_arrow(expr).to_pylist()
    return rows
