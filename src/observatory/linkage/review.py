"""The clerical review queue: record pairs the model was unsure about, and the decisions people make on them.

A linkage run calls ``refresh_queue`` with the pairs it could not settle. Reviewers list the queue,
look at an item and ``decide`` it: ``match``, ``not_match`` or ``skip`` (not sure). Decisions are
append-only; the latest one per pair counts. A pair whose latest decision is ``match`` or ``not_match``
becomes a must-link or cannot-link constraint for the next run (``constraints``) and a label for
evaluating the model (``decision_labels``); a pair whose latest decision is ``skip`` has no
constraint and stays in (or comes back to) the queue.

Pairs are stored in one order, ``unique_id_l < unique_id_r``, whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import structlog
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta import MetaStore
from observatory.meta.audit import CLI_ROLE, AuditEvent, append
from observatory.meta.models import LinkDecision, LinkReviewItem

log = structlog.get_logger(__name__)

DECISIONS = ("match", "not_match", "skip")
"""What a reviewer can say about a pair; ``skip`` means "not sure" and sets no constraint."""
STATUSES = ("open", "decided", "withdrawn")
"""An item is ``open`` until decided; ``withdrawn`` when a later run no longer finds the pair uncertain."""
LABELS_SCHEMA = pa.schema([("unique_id_l", pa.string()), ("unique_id_r", pa.string()), ("is_match", pa.bool_())])

Pair = tuple[str, str]
ITEMS: Table = LinkReviewItem.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ReviewCandidate:
    """A pair a linkage run wants a person to look at, with the model's score and its explanation."""

    unique_id_l: str
    unique_id_r: str
    match_probability: float
    match_weight: float
    explanation: list[dict[str, object]]


@dataclass(frozen=True)
class QueueSummary:
    """What ``refresh_queue`` did: pairs newly (re)queued, open items kept, open items withdrawn."""

    queued: int
    kept: int
    withdrawn: int

    def to_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "kept": self.kept, "withdrawn": self.withdrawn}


def ordered_pair(unique_id_a: str, unique_id_b: str) -> Pair:
    """The pair in stored order (``l < r``); a record paired with itself is refused."""
    if unique_id_a == unique_id_b:
        raise ObservatoryError(f"a record cannot be paired with itself: {unique_id_a!r}")
    return (unique_id_a, unique_id_b) if unique_id_a < unique_id_b else (unique_id_b, unique_id_a)


def _now() -> datetime:
    return datetime.now(UTC)


def _check_decision(decision: str, decided_by: str) -> None:
    if decision not in DECISIONS:
        raise ObservatoryError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)}")
    if not decided_by.strip():
        raise ObservatoryError("say who made the decision (decided_by is empty)")


def _latest_decisions(session: Session) -> dict[Pair, str]:
    """The latest decision per pair (the highest id: decisions are append-only)."""
    latest = select(func.max(LinkDecision.id)).group_by(LinkDecision.unique_id_l, LinkDecision.unique_id_r)
    query = select(LinkDecision.unique_id_l, LinkDecision.unique_id_r, LinkDecision.decision).where(
        LinkDecision.id.in_(latest)
    )
    return {(left, right): decision for left, right, decision in session.execute(query)}


# --- the queue ------------------------------------------------------------------------------------


def _explanation_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The explanation in its stored shape, with plain Python values (Splink hands back numpy ones)."""
    return [
        {"comparison": str(row["comparison"]), "level": str(row["level"]), "match_weight": float(row["match_weight"])}  # type: ignore[arg-type]
        for row in rows
    ]


def _update_by_id(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany ``UPDATE`` of the items named by each row's ``id`` (Core: no per-row ORM work)."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    statement = (
        update(ITEMS)
        .where(ITEMS.c.id == bindparam("item_id"))
        .values({name: bindparam(f"new_{name}") for name in names})
    )
    session.execute(statement, [{"item_id": row["id"]} | {f"new_{n}": row[n] for n in names} for row in rows])


def refresh_queue(meta: MetaStore, run_id: int, candidates: Iterable[ReviewCandidate]) -> QueueSummary:
    """Make the open queue the run's ``candidates``, less the pairs already decided, in one transaction.

    New pairs (and withdrawn or decided items whose latest decision is now ``skip``) are queued;
    open items still among the candidates are kept with the new score and explanation; open items
    no longer among them are withdrawn. Pairs whose latest decision is ``match`` or ``not_match``
    are not queued again. When a pair arrives twice, the last one counts.
    """
    wanted: dict[Pair, ReviewCandidate] = {}
    for candidate in candidates:
        wanted[ordered_pair(candidate.unique_id_l, candidate.unique_id_r)] = candidate
    now = _now()
    with meta.session() as session:
        settled = {pair for pair, decision in _latest_decisions(session).items() if decision != "skip"}
        existing = {
            (left, right): (item_id, status)
            for item_id, left, right, status in session.execute(
                select(LinkReviewItem.id, LinkReviewItem.unique_id_l, LinkReviewItem.unique_id_r, LinkReviewItem.status)
            )
        }
        new_rows: list[dict[str, Any]] = []
        kept_rows: list[dict[str, Any]] = []
        reopened_rows: list[dict[str, Any]] = []
        for pair, candidate in wanted.items():
            if pair in settled:
                continue
            scores = {
                "match_probability": float(candidate.match_probability),
                "match_weight": float(candidate.match_weight),
                "explanation": _explanation_rows(candidate.explanation),
            }
            found = existing.get(pair)
            if found is None:
                new_rows.append(
                    {"unique_id_l": pair[0], "unique_id_r": pair[1], "status": "open", "run_id": run_id}
                    | {"queued_at": now, "decided_at": None}
                    | scores
                )
            elif found[1] == "open":
                kept_rows.append({"id": found[0]} | scores)
            else:
                reopened_rows.append(
                    {"id": found[0], "status": "open", "run_id": run_id, "queued_at": now, "decided_at": None} | scores
                )
        keep = {pair for pair in wanted if pair not in settled}
        withdrawn_rows = [
            {"id": item_id, "status": "withdrawn"}
            for pair, (item_id, status) in existing.items()
            if status == "open" and pair not in keep
        ]
        for rows in (kept_rows, reopened_rows, withdrawn_rows):
            _update_by_id(session, rows)
        if new_rows:
            session.execute(insert(ITEMS), new_rows)
    summary = QueueSummary(len(new_rows) + len(reopened_rows), len(kept_rows), len(withdrawn_rows))
    log.info("review queue refreshed", run_id=run_id, **summary.to_dict())
    return summary


def _item_dict(item: LinkReviewItem) -> dict[str, object]:
    return {
        "id": item.id,
        "unique_id_l": item.unique_id_l,
        "unique_id_r": item.unique_id_r,
        "match_probability": item.match_probability,
        "match_weight": item.match_weight,
        "explanation": list(item.explanation),
        "status": item.status,
        "run_id": item.run_id,
        "queued_at": item.queued_at.isoformat(),
        "decided_at": None if item.decided_at is None else item.decided_at.isoformat(),
    }


def _decision_dict(row: LinkDecision) -> dict[str, object]:
    return {
        "id": row.id,
        "decision": row.decision,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat(),
        "note": row.note,
        "review_item_id": row.review_item_id,
    }


def list_queue(meta: MetaStore, status: str = "open", limit: int = 50, offset: int = 0) -> list[dict[str, object]]:
    """Items with ``status`` (or ``"all"``), most probable match first, then by id."""
    if status != "all" and status not in STATUSES:
        raise ObservatoryError(f"unknown status {status!r}: use one of {', '.join(STATUSES)} or all")
    if limit < 0 or offset < 0:
        raise ObservatoryError("limit and offset cannot be negative")
    query = select(LinkReviewItem)
    if status != "all":
        query = query.where(LinkReviewItem.status == status)
    query = query.order_by(LinkReviewItem.match_probability.desc(), LinkReviewItem.id).limit(limit).offset(offset)
    with meta.session() as session:
        return [_item_dict(item) for item in session.scalars(query)]


def count_queue(meta: MetaStore) -> dict[str, int]:
    """How many items have each status."""
    query = select(LinkReviewItem.status, func.count()).group_by(LinkReviewItem.status)
    counts = dict.fromkeys(STATUSES, 0)
    with meta.session() as session:
        counts.update({status: int(count) for status, count in session.execute(query)})
    return counts


def _get(session: Session, item_id: int) -> LinkReviewItem:
    item = session.get(LinkReviewItem, item_id)
    if item is None:
        raise NotFoundError(f"review item {item_id} not found")
    return item


def _with_history(session: Session, item: LinkReviewItem) -> dict[str, object]:
    query = select(LinkDecision).where(
        LinkDecision.unique_id_l == item.unique_id_l, LinkDecision.unique_id_r == item.unique_id_r
    )
    decisions = [_decision_dict(row) for row in session.scalars(query.order_by(LinkDecision.id))]
    return _item_dict(item) | {"decisions": decisions}


def get_item(meta: MetaStore, item_id: int) -> dict[str, object]:
    """One item with every decision made about its pair, oldest first; ``NotFoundError`` if there is none."""
    with meta.session() as session:
        return _with_history(session, _get(session, item_id))


# --- decisions ------------------------------------------------------------------------------------


def _record(
    session: Session, pair: Pair, decision: str, decided_by: str, note: str, item: LinkReviewItem | None
) -> None:
    """Append the decision and move the pair's item: decided, or open again after a ``skip`` of a decided one."""
    now = _now()
    session.add(
        LinkDecision(
            unique_id_l=pair[0],
            unique_id_r=pair[1],
            decision=decision,
            decided_by=decided_by.strip(),
            decided_at=now,
            note=note,
            review_item_id=None if item is None else item.id,
        )
    )
    if item is None:
        return
    if decision == "skip":
        if item.status == "decided":
            item.status, item.decided_at = "open", None
    else:
        item.status, item.decided_at = "decided", now
    session.flush()


def decide(
    meta: MetaStore, item_id: int, decision: str, decided_by: str, note: str = "", *, role: str = CLI_ROLE
) -> dict[str, object]:
    """Record a decision on a queued item and return the item as it now is.

    ``match`` and ``not_match`` mark it decided (also when it was withdrawn: the decision still
    becomes a constraint); ``skip`` leaves an open or withdrawn item as it is and reopens a decided one.
    """
    _check_decision(decision, decided_by)
    with meta.session() as session:
        item = _get(session, item_id)
        _record(session, (item.unique_id_l, item.unique_id_r), decision, decided_by, note, item)
        _audit(session, (item.unique_id_l, item.unique_id_r), decision, decided_by, role, note, item_id)
        log.info("review decision", item_id=item_id, decision=decision)
        return _with_history(session, item)


def decide_pair(
    meta: MetaStore,
    unique_id_l: str,
    unique_id_r: str,
    decision: str,
    decided_by: str,
    note: str = "",
    *,
    role: str = CLI_ROLE,
) -> None:
    """Record a decision about any pair, queued or not (a queued pair's item moves as with ``decide``)."""
    _check_decision(decision, decided_by)
    pair = ordered_pair(unique_id_l, unique_id_r)
    with meta.session() as session:
        item = session.scalars(
            select(LinkReviewItem).where(LinkReviewItem.unique_id_l == pair[0], LinkReviewItem.unique_id_r == pair[1])
        ).one_or_none()
        _record(session, pair, decision, decided_by, note, item)
        _audit(session, pair, decision, decided_by, role, note, None if item is None else item.id)


def _audit(session: Session, pair: Pair, decision: str, by: str, role: str, note: str, item_id: int | None) -> None:
    detail = {"decision": decision, "records": list(pair), "item": item_id, "note": note}
    append(session, AuditEvent(by.strip(), role, "review.decide", f"pair:{pair[0]}|{pair[1]}", detail=detail))


def _settled(meta: MetaStore) -> list[tuple[str, str, bool]]:
    with meta.session() as session:
        latest = _latest_decisions(session)
    return sorted(
        (left, right, decision == "match") for (left, right), decision in latest.items() if decision != "skip"
    )


def constraints(meta: MetaStore) -> tuple[list[Pair], list[Pair]]:
    """``(must_link, cannot_link)`` pairs from each pair's latest decision (a latest ``skip`` sets none)."""
    settled = _settled(meta)
    must_link = [(left, right) for left, right, is_match in settled if is_match]
    cannot_link = [(left, right) for left, right, is_match in settled if not is_match]
    return must_link, cannot_link


def decision_labels(meta: MetaStore) -> pa.Table:
    """Labels for evaluating or training the model: ``unique_id_l``, ``unique_id_r``, ``is_match``."""
    settled = _settled(meta)
    return pa.table(
        {
            "unique_id_l": [left for left, _, _ in settled],
            "unique_id_r": [right for _, right, _ in settled],
            "is_match": [is_match for _, _, is_match in settled],
        },
        schema=LABELS_SCHEMA,
    )
