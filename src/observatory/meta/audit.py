"""The audit trail: an append-only, hash-chained log of personal-data access and governance changes.

Each entry's ``hash`` is the SHA-256 of its own content and the previous entry's hash, so changing, removing
or reordering any entry breaks every hash after it. ``verify`` recomputes the chain and names the first entry
that does not fit. The database also refuses UPDATE and DELETE on the table (triggers, migration 0005).

Entries removed from the *end* leave a shorter chain that is still whole; only a head hash kept elsewhere
shows it (``verify(meta, anchor=...)``, ``observatory audit verify --head HASH``).

    append(session, event)     inside the caller's transaction (the entry commits with the change)
    record(meta, event)        in a transaction of its own
    verify(meta)               recompute the chain
    entries(meta, query)       one page of entries, newest first; ``iter_entries`` streams them all
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
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


HASHED = ("seq", "at", "actor", "role", "action", "target", "resident_id", "purpose", "outcome", "detail", "prev_hash")
"""The columns an entry's hash covers, in order (every column but ``hash`` itself)."""


def _content_hash(values: Sequence[Any]) -> str:
    """SHA-256 of the canonical JSON of ``values`` (the ``HASHED`` columns, ``at`` as a UTC ISO string)."""
    content = list(values)
    content[1] = content[1].astimezone(UTC).isoformat(timespec="microseconds")
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry: its content (``hash`` aside) and ``prev_hash``."""
    return _content_hash([getattr(entry, column) for column in HASHED])


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as it will read back from the JSON column (so the hash survives the round trip)."""
    loaded: dict[str, Any] = json.loads(_canonical(detail))
    return loaded


def _fit(column: str, value: str | None) -> str | None:
    """``value`` cut to its column's length: a purpose or resident id a client sent may be longer, and the entry
    (often the record of a refusal) must still be written (PostgreSQL refuses an over-long value)."""
    length: int | None = getattr(AuditEntry.__table__.c[column].type, "length", None)
    return value[:length] if value is not None and length else value


def _lock_head(session: Session) -> None:
    """Hold the trail's write lock until the transaction ends, so two writers never read the same head.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write that changes nothing starts the write
    transaction (waiting up to the busy timeout), after which no other connection can append.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    else:
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0 = 1"))


def append(session: Session, event: AuditEvent, *, at: datetime | None = None) -> AuditEntry:
    """Add ``event`` to the trail inside the caller's transaction (so it commits with the change it records)."""
    _lock_head(session)
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    entry = AuditEntry(
        seq=seq,
        at=moment,
        actor=_fit("actor", event.actor),
        role=_fit("role", event.role),
        action=_fit("action", event.action),
        target=event.target,
        resident_id=_fit("resident_id", event.resident_id),
        purpose=_fit("purpose", event.purpose),
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
    """Append ``event`` in a transaction of its own, retrying (after a short random pause) if the store is busy."""
    for attempt in range(_ATTEMPTS):
        try:
            with meta.session() as session:
                return append(session, event)
        except (IntegrityError, OperationalError):
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # noqa: S311 (jitter, not a secret)
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


def _stream(meta: MetaStore, after: int) -> Iterator[Any]:
    """Entries after ``seq`` ``after`` in chain order, as plain rows (several times faster than ORM objects)."""
    columns = [getattr(AuditEntry, column) for column in HASHED] + [AuditEntry.hash]
    statement = select(*columns).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
    with meta.engine.connect() as connection:
        yield from connection.execution_options(yield_per=5_000).execute(statement)


def _hash_at(meta: MetaStore, seq: int) -> str | None:
    with meta.session() as session:
        return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))


def verify(meta: MetaStore, *, anchor: str | None = None, resume: Verification | None = None) -> Verification:
    """Recompute every hash in order; report the first entry that was changed, removed, inserted or reordered.

    ``anchor`` is a head hash kept from an earlier verification: if no entry carries it any more, entries
    were removed from the end (which leaves a chain that is otherwise whole). ``resume`` continues an earlier
    intact verification, reading only the entries appended since (those it covered are not read again).
    """
    if resume is not None and (not resume.ok or anchor is not None):
        raise ValueError("resume needs an intact verification and no anchor")
    start = resume or Verification(0, GENESIS)
    if start.entries and _hash_at(meta, start.entries) != start.head:
        return Verification(
            0, GENESIS, start.entries, f"entry {start.entries}, intact when last checked, is gone or was changed"
        )
    expected_seq, prev, count = start.entries + 1, start.head, start.entries
    anchored = anchor is None or anchor == GENESIS
    for row in _stream(meta, start.entries):
        seq = row[0]
        if seq != expected_seq:  # rows come in seq order, so a jump means entries are gone
            return Verification(count, prev, expected_seq, f"entry {expected_seq} is missing (the next one is {seq})")
        if row.prev_hash != prev:
            before = f"entry {seq - 1}" if seq > 1 else "the start of the trail"
            return Verification(
                count, prev, seq, f"its link to {before} does not match (that entry or this one was replaced)"
            )
        if _content_hash(row[: len(HASHED)]) != row.hash:
            return Verification(count, prev, seq, "its content does not match its hash (it was changed)")
        anchored = anchored or row.hash == anchor
        prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    if not anchored:
        return Verification(
            count,
            prev,
            count + 1,
            f"no entry has the head hash {anchor} kept earlier (entries were removed from the end)",
        )
    return Verification(count, prev)


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the trail; every value is a bound parameter."""

    actor: str | None = None
    resident_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    limit: int = 100
    offset: int = 0

    def conditions(self) -> list[ColumnElement[bool]]:
        filters = {
            AuditEntry.actor: self.actor,
            AuditEntry.resident_id: self.resident_id,
            AuditEntry.action: self.action,
            AuditEntry.outcome: self.outcome,
        }
        found = [column == value for column, value in filters.items() if value]
        if self.since:
            found.append(AuditEntry.at >= self.since)
        return found


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
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def entries(meta: MetaStore, query: AuditQuery = AuditQuery()) -> tuple[list[dict[str, Any]], int]:
    """Entries matching ``query``, newest first (at most 1,000), and how many match in all."""
    conditions = query.conditions()
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


def iter_entries(meta: MetaStore, query: AuditQuery = AuditQuery()) -> Iterator[dict[str, Any]]:
    """Every entry matching ``query`` (``limit`` and ``offset`` aside) in chain order, streamed (for exports)."""
    with meta.session() as session:
        statement = select(AuditEntry).where(*query.conditions()).order_by(AuditEntry.seq)
        for entry in session.scalars(statement.execution_options(yield_per=2_000)):
            yield entry_dict(entry)


def recorded_actions(meta: MetaStore) -> list[str]:
    """The actions that occur in the trail, alphabetically (for filter forms)."""
    with meta.session() as session:
        return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
