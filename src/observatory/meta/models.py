"""Metadata store tables: runs, loads, quality snapshots, link review, the catalogue. Later issues add users, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time: timezone-aware in, timezone-aware (UTC) out, on every backend.

    Plain ``DateTime(timezone=True)`` is not enough: SQLite has no timezone type, so SQLAlchemy
    drops the offset on write (12:00+01:00 is stored as 12:00) and reads naive datetimes back;
    PostgreSQL silently reads a naive value in the session's TimeZone. Here naive values are
    refused, aware ones are stored as UTC, and every value read back carries ``tzinfo=UTC``.
    The DDL is unchanged (``DateTime(timezone=True)``: ``timestamptz`` / ``DATETIME``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a timezone-aware datetime, got {type(value).__name__}: {value!r}")
        if value.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got a naive one: {value!r}")
        value = value.astimezone(UTC)
        # SQLite stores text; keep it in UTC so that comparisons and ORDER BY work on instants
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every metadata table."""


class Run(Base):
    """One execution of a pipeline step (a load, a build stage): the unit lineage is derived from."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    node_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    inputs: Mapped[list[str]] = mapped_column(JSON, default=list)
    outputs: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows_out: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[str] = mapped_column(String(40))
    engine: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)


class Load(Base):
    """One versioned load of a dataset into the ``raw`` layer."""

    __tablename__ = "loads"
    __table_args__ = (Index("ix_loads_dataset_current", "source", "dataset", "is_current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    source: Mapped[str] = mapped_column(String(64))
    dataset: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(20))
    encoding: Mapped[str | None] = mapped_column(String(20))
    detection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    table_name: Mapped[str] = mapped_column(String(200))
    rows_read: Mapped[int | None] = mapped_column(BigInteger)
    rows_loaded: Mapped[int | None] = mapped_column(BigInteger)
    rows_rejected: Mapped[int | None] = mapped_column(BigInteger)
    blank_rows_dropped: Mapped[int | None] = mapped_column(BigInteger)
    empty_columns_dropped: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)


class QualitySnapshot(Base):
    """The quality of one dataset as measured by one run, with its score and stated confidence."""

    __tablename__ = "quality_snapshots"
    __table_args__ = (Index("ix_quality_snapshots_dataset_measured", "dataset", "measured_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    dataset: Mapped[str] = mapped_column(String(200))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float | None] = mapped_column(Float)
    dimension_scores: Mapped[dict[str, float | None]] = mapped_column(JSON, default=dict)
    confidence: Mapped[str] = mapped_column(String(10))
    statement: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))


class QualityMeasureRow(Base):
    """One measure of a snapshot: ``passed`` of ``total`` rows (or values) met it."""

    __tablename__ = "quality_measures"
    __table_args__ = (UniqueConstraint("snapshot_id", "name", name="uq_quality_measures_snapshot_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("quality_snapshots.id"))
    name: Mapped[str] = mapped_column(String(300))
    dimension: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(100))
    critical: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)


class QualitySampleRow(Base):
    """Some rows failing one measure of a snapshot; personal values arrive masked (``masked`` names them)."""

    __tablename__ = "quality_samples"
    __table_args__ = (Index("ix_quality_samples_snapshot_measure", "snapshot_id", "measure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("quality_snapshots.id"))
    measure: Mapped[str] = mapped_column(String(300))
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)
    masked: Mapped[list[str]] = mapped_column(JSON, default=list)


class QualityAlert(Base):
    """A measure that fell by more than the project's ``alert_drop``, or stale data; addressed to the owner."""

    __tablename__ = "quality_alerts"
    __table_args__ = (Index("ix_quality_alerts_dataset_status", "dataset", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("quality_snapshots.id"), index=True)
    dataset: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(300))
    dimension: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    previous_value: Mapped[float | None] = mapped_column(Float)
    current_value: Mapped[float] = mapped_column(Float)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    drop_by: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("quality_snapshots.id"))


class LinkReviewItem(Base):
    """A record pair the linkage model was unsure about, waiting for (or given) a person's decision."""

    __tablename__ = "link_review_items"
    __table_args__ = (
        UniqueConstraint("unique_id_l", "unique_id_r", name="uq_link_review_items_pair"),
        Index("ix_link_review_items_status_probability", "status", "match_probability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unique_id_l: Mapped[str] = mapped_column(String(300))
    unique_id_r: Mapped[str] = mapped_column(String(300))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10))
    run_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LinkDecision(Base):
    """A person's decision about a record pair; append-only, the latest one per pair counts."""

    __tablename__ = "link_decisions"
    __table_args__ = (Index("ix_link_decisions_pair", "unique_id_l", "unique_id_r"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unique_id_l: Mapped[str] = mapped_column(String(300))
    unique_id_r: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("link_review_items.id"))


SEARCH_INDEX = "catalogue_search"
"""The catalogue's full-text index, made by the migration outside these models: an FTS5 virtual table on
SQLite (with its ``catalogue_search_*`` shadow tables), a table with a ``tsvector`` column and a GIN index on
PostgreSQL. ``observatory.catalogue.search`` keeps it in step with ``catalogue_assets``."""


def is_search_index(name: str | None) -> bool:
    """Whether a table belongs to the full-text index (left out of schema comparisons)."""
    return name is not None and (name == SEARCH_INDEX or name.startswith(f"{SEARCH_INDEX}_"))


class CatalogueAsset(Base):
    """A node of the catalogue: a source system, file, dataset, field, term, report, KPI or output.

    Effective values (YAML, then a person's edits, which win) are kept in columns that search filters on,
    and in full in ``register``; ``facts`` holds what builds find out (schema, rows, refresh, quality).
    """

    __tablename__ = "catalogue_assets"
    __table_args__ = (
        Index("ix_catalogue_assets_kind_layer", "kind", "layer"),
        Index("ix_catalogue_assets_parent", "parent_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    layer: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(Text, default="")
    steward: Mapped[str] = mapped_column(Text, default="")
    business_area: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[str] = mapped_column(String(20), default="OFFICIAL")
    access_rights: Mapped[str] = mapped_column(String(20), default="internal")
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    special_category: Mapped[bool] = mapped_column(Boolean, default=False)
    in_register: Mapped[bool] = mapped_column(Boolean, default=False)
    register: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    declared: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_reviewed: Mapped[date | None] = mapped_column(Date)
    next_review_due: Mapped[date | None] = mapped_column(Date)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    populated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CatalogueEdge(Base):
    """A lineage edge: ``target_id`` is made from ``source_id`` (by a recorded run, or as declared)."""

    __tablename__ = "catalogue_edges"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "via", name="uq_catalogue_edges"),
        Index("ix_catalogue_edges_target", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(Text)
    target_id: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(10))
    via: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")


class CatalogueEdit(Base):
    """A person's change to an asset (or its review), append-only: who, when, before and after."""

    __tablename__ = "catalogue_edits"
    __table_args__ = (Index("ix_catalogue_edits_asset_field", "asset_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(10))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    edited_by: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    """A local account: a role, an argon2 password hash (never the password), and whether it may sign in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of the cookie's random token is kept."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A machine's bearer token: shown once at creation, kept only as its SHA-256."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """A sign-in attempt, kept to throttle guessing across every server worker."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    succeeded: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """One entry of the append-only audit trail; ``hash`` chains it to the entry before (``seq - 1``).

    The migration adds triggers that refuse UPDATE and DELETE; ``observatory audit verify`` recomputes
    every hash, so a change made around the triggers is still found.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_resident", "resident_id"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(Text)
    resident_id: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class KpiVersion(Base):
    """A version of a KPI definition: a new one whenever the definition's fingerprint changes."""

    __tablename__ = "kpi_versions"
    __table_args__ = (UniqueConstraint("kpi_id", "version"), Index("ix_kpi_versions_digest", "kpi_id", "digest"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpi_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    file: Mapped[str] = mapped_column(Text)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KpiResult(Base):
    """What one run found for one KPI: latest value, SPC, status, confidence, caveats and forecast (``summary``)."""

    __tablename__ = "kpi_results"
    __table_args__ = (Index("ix_kpi_results_kpi_run", "kpi_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    kpi_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
