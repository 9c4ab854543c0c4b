"""The audit trail: an append-only, hash-chained log of personal-data access and governance changes.

Each entry's ``hash`` is the SHA-256 of its own content and the previous entry's hash, so changing, removing
or reordering any entry breaks every hash after it. ``verify`` recomputes the chain and names the first entry
that does not fit. The database also refuses UPDATE and DELETE on the table (triggers, migration 0005).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from observatory.meta.models import AuditEntry
from observatory.meta.store import MetaStore

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

OUTCOMES = ("allowed", "refused", "failed")

CLI_ROLE = "cli"
"""The role recorded for changes made at the command line (which has the store's own access, not a role)."""

_ATTEMPTS = 20
_PG_LOCK = 7_263_001  # one advisory lock serialises appends on PostgreSQL


@dataclass(frozen=True)
class AuditEvent:
    """What happened: who (and in which role), did what, to what, why, and how it ended."""

    actor: str
    role: str
    action: str
    target: str
    outcome: str = "allowed"
    purpose: str | None = None
    resident_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown audit outcome {self.outcome!r}; expected one of {', '.join(OUTCOMES)}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry: its content (``hash`` aside) and ``prev_hash``."""
    content = [
        entry.seq,
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.actor,
        entry.role,
        entry.action,
        entry.target,
        entry.resident_id,
        entry.purpose,
        entry.outcome,
        entry.detail,
        entry.prev_hash,
    ]
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as it will read back from the JSON column (so the hash survives the round trip)."""
    loaded: dict[str, Any] = json.loads(_canonical(detail))
    return loaded


def append(session: Session, event: AuditEvent, *, at: datetime | None = None) -> AuditEntry:
    """Add ``event`` to the trail inside the caller's transaction (so it commits with the change it records)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    entry = AuditEntry(
        seq=seq,
        at=moment,
        actor=event.actor,
        role=event.role,
        action=event.action,
        target=event.target,
        resident_id=event.resident_id,
        purpose=event.purpose,
        outcome=event.outcome,
        detail=_jsonable(event.detail),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def record(meta: MetaStore, event: AuditEvent) -> AuditEntry:
    """Append ``event`` in a transaction of its own, retrying when another writer took the same place."""
    for attempt in range(_ATTEMPTS):
        try:
            with meta.session() as session:
                return append(session, event)
        except (IntegrityError, OperationalError):
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Verification:
    """The result of recomputing the chain: how many entries, the head hash, and the first problem."""

    entries: int
    head: str
    first_bad: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "first_bad": self.first_bad,
            "problem": self.problem,
        }


def _stream(meta: MetaStore) -> Iterator[AuditEntry]:
    with meta.session() as session:
        yield from session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2_000))


def verify(meta: MetaStore) -> Verification:
    """Recompute every hash in order; report the first entry that was changed, removed, inserted or reordered."""
    expected_seq, prev, count = 1, GENESIS, 0
    for entry in _stream(meta):
        if entry.seq != expected_seq:
            return Verification(count, prev, expected_seq, f"entry {expected_seq} is missing (next is {entry.seq})")
        if entry.prev_hash != prev:
            return Verification(count, prev, entry.seq, "its link to the entry before does not match")
        if entry_hash(entry) != entry.hash:
            return Verification(count, prev, entry.seq, "its content does not match its hash (it was changed)")
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    return Verification(count, prev)


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the trail; every value is a bound parameter."""

    actor: str | None = None
    resident_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    limit: int = 100
    offset: int = 0


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as plain data (for the CLI, the API and the audit page)."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "target": entry.target,
        "resident_id": entry.resident_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "hash": entry.hash,
    }


def entries(meta: MetaStore, query: AuditQuery = AuditQuery()) -> tuple[list[dict[str, Any]], int]:
    """Entries matching ``query``, newest first, and how many match in all."""
    conditions = []
    if query.actor:
        conditions.append(AuditEntry.actor == query.actor)
    if query.resident_id:
        conditions.append(AuditEntry.resident_id == query.resident_id)
    if query.action:
        conditions.append(AuditEntry.action == query.action)
    if query.since:
        conditions.append(AuditEntry.at >= query.since)
    with meta.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
        rows: Sequence[AuditEntry] = session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.seq.desc())
            .limit(max(1, min(query.limit, 1_000)))
            .offset(max(0, query.offset))
        ).all()
        return [entry_dict(row) for row in rows], total
