"""Metadata store tables: runs and loads. Later issues add catalogue, quality, users, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base for every metadata table."""


class Run(Base):
    """One execution of a pipeline step (a load, a build stage): the unit lineage is derived from."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    node_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
