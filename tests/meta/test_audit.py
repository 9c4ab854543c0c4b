"""The hash-chained audit trail on both backends: the chain, tampering of every kind, append-only triggers,
concurrent writers (threads and processes), and reading it back.

Tampering is done as an attacker with the database file (or a superuser) would: drop the triggers that refuse
UPDATE and DELETE, then change the rows. ``verify`` must name the first entry that no longer fits.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from observatory.meta.audit import (
    GENESIS,
    AuditEvent,
    AuditQuery,
    append,
    entries,
    entry_hash,
    iter_entries,
    record,
    recorded_actions,
    verify,
)
from observatory.meta.models import AuditEntry, LoginAttempt
from observatory.meta.store import MetaStore

ENTRIES = 8


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    store = MetaStore(meta_url)
    store.migrate()
    yield store
    store.close()


def _event(number: int, **overrides: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "actor": f"user{number % 3}",
        "role": "steward",
        "action": "resident.view" if number % 2 else "catalogue.edit",
        "target": f"resident:R{number:04d}" if number % 2 else "dataset.asc.clients",
        "purpose": "safeguarding" if number % 2 else None,
        "resident_id": f"R{number:04d}" if number % 2 else None,
        "detail": {"n": number, "name": "Zoë", "nested": {"b": [1, 2.5, None], "a": True}},
    }
    return AuditEvent(**(values | overrides))


@pytest.fixture
def trail(meta: MetaStore) -> MetaStore:
    """A store with ``ENTRIES`` entries."""
    for number in range(1, ENTRIES + 1):
        record(meta, _event(number))
    return meta


def _drop_guards(meta: MetaStore) -> None:
    """What an attacker with the database would do first: remove the append-only triggers."""
    statements = (
        ["DROP TRIGGER audit_log_no_change ON audit_log"]
        if meta.engine.dialect.name == "postgresql"
        else ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    )
    with meta.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _sql(meta: MetaStore, statement: str, **params: Any) -> None:
    with meta.engine.begin() as connection:
        connection.execute(text(statement), params)


def _entry(meta: MetaStore, seq: int) -> AuditEntry:
    with meta.session() as session:
        found = session.get(AuditEntry, seq)
        assert found is not None
        session.expunge(found)
        return found


# --- the chain -------------------------------------------------------------------------------------


def test_an_empty_trail_verifies(meta: MetaStore) -> None:
    result = verify(meta)
    assert (result.ok, result.entries, result.head) == (True, 0, GENESIS)


def test_the_chain_links_every_entry_to_the_one_before(trail: MetaStore) -> None:
    result = verify(trail)
    assert result.ok and result.entries == ENTRIES
    previous = GENESIS
    for seq in range(1, ENTRIES + 1):
        entry = _entry(trail, seq)
        assert entry.prev_hash == previous and entry.hash == entry_hash(entry)
        previous = entry.hash
    assert result.head == previous
    assert result.to_dict() == {"ok": True, "entries": ENTRIES, "head": previous, "first_bad": None, "problem": ""}


def test_details_survive_the_round_trip_through_the_json_column(trail: MetaStore) -> None:
    entry = _entry(trail, 3)
    assert entry.detail == {"n": 3, "name": "Zoë", "nested": {"b": [1, 2.5, None], "a": True}}
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    with trail.session() as session:
        append(session, _event(99, detail={"at": when, "set": ("a", "b")}), at=when)
    assert verify(trail).ok
    assert _entry(trail, ENTRIES + 1).detail == {"at": "2026-01-02 03:04:05.678901+00:00", "set": ["a", "b"]}


def test_an_entry_rolled_back_with_its_change_leaves_no_gap(trail: MetaStore) -> None:
    with pytest.raises(RuntimeError), trail.session() as session:
        append(session, _event(100))
        raise RuntimeError("the change failed")
    record(trail, _event(101))
    result = verify(trail)
    assert result.ok and result.entries == ENTRIES + 1
    assert _entry(trail, ENTRIES + 1).detail["n"] == 101


def test_values_longer_than_their_columns_are_cut_to_fit(trail: MetaStore) -> None:
    """A purpose or resident id a client sends may be longer than its column (PostgreSQL refuses such values):
    the entry, often the record of a refusal, is still written, each value cut to its column's length."""
    event = _event(1, actor="a" * 150, role="r" * 30, action="x" * 80, purpose="p" * 100, resident_id="R" * 150)
    record(trail, replace(event, outcome="refused"))
    entry = _entry(trail, ENTRIES + 1)
    assert (entry.actor, entry.role, entry.action) == ("a" * 100, "r" * 20, "x" * 60)
    assert (entry.purpose, entry.resident_id, entry.outcome) == ("p" * 60, "R" * 100, "refused")
    assert verify(trail).ok


def test_unknown_outcomes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown audit outcome"):
        AuditEvent("a", "admin", "x", "y", outcome="maybe")


# --- append-only at the database -------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "UPDATE audit_log SET outcome = 'allowed'",
        "DELETE FROM audit_log WHERE seq = 8",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_update_and_delete(trail: MetaStore, statement: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _sql(trail, statement)
    assert verify(trail).entries == ENTRIES


def test_emptying_the_table_at_once_is_refused(trail: MetaStore) -> None:
    """PostgreSQL's TRUNCATE skips row triggers (a statement trigger catches it); SQLite has no TRUNCATE, and
    its truncate optimisation for a bare DELETE is off for tables with triggers."""
    postgres = trail.engine.dialect.name == "postgresql"
    with pytest.raises(DatabaseError, match="append-only"):
        _sql(trail, "TRUNCATE audit_log" if postgres else "DELETE FROM audit_log")
    assert verify(trail).entries == ENTRIES


# --- tampering -------------------------------------------------------------------------------------

CHANGES: dict[str, tuple[str, dict[str, Any]]] = {
    "actor": ("UPDATE audit_log SET actor = :value WHERE seq = :seq", {"value": "someone-else"}),
    "role": ("UPDATE audit_log SET role = :value WHERE seq = :seq", {"value": "admin"}),
    "action": ("UPDATE audit_log SET action = :value WHERE seq = :seq", {"value": "home.view"}),
    "target": ("UPDATE audit_log SET target = :value WHERE seq = :seq", {"value": "resident:R9999"}),
    "resident": ("UPDATE audit_log SET resident_id = :value WHERE seq = :seq", {"value": "R9999"}),
    "purpose": ("UPDATE audit_log SET purpose = :value WHERE seq = :seq", {"value": "data_quality"}),
    "outcome": ("UPDATE audit_log SET outcome = :value WHERE seq = :seq", {"value": "refused"}),
    "detail": ("UPDATE audit_log SET detail = :value WHERE seq = :seq", {"value": '{"n": 0}'}),
    "at": ("UPDATE audit_log SET at = :value WHERE seq = :seq", {"value": datetime(2020, 1, 1, tzinfo=UTC)}),
}


@pytest.mark.parametrize("seq", [1, 5, ENTRIES])
@pytest.mark.parametrize("column", sorted(CHANGES))
def test_changing_any_field_of_any_entry_is_found(trail: MetaStore, column: str, seq: int) -> None:
    _drop_guards(trail)
    statement, params = CHANGES[column]
    if column == "at" and trail.engine.dialect.name == "sqlite":
        params = {"value": "2020-01-01 00:00:00.000000"}
    _sql(trail, statement, seq=seq, **params)
    result = verify(trail)
    assert (result.ok, result.first_bad, result.entries) == (False, seq, seq - 1)
    assert "changed" in result.problem


def test_a_changed_hash_is_found(trail: MetaStore) -> None:
    _drop_guards(trail)
    _sql(trail, "UPDATE audit_log SET hash = :value WHERE seq = 4", value="f" * 64)
    result = verify(trail)
    assert result.first_bad == 4


@pytest.mark.parametrize("seq", [1, 4, ENTRIES - 1])
def test_a_deleted_entry_is_found(trail: MetaStore, seq: int) -> None:
    _drop_guards(trail)
    _sql(trail, "DELETE FROM audit_log WHERE seq = :seq", seq=seq)
    result = verify(trail)
    assert (result.ok, result.first_bad) == (False, seq)
    assert f"entry {seq} is missing" in result.problem


def test_reordered_entries_are_found(trail: MetaStore) -> None:
    _drop_guards(trail)
    for old, new in ((3, -1), (6, 3), (-1, 6)):
        _sql(trail, "UPDATE audit_log SET seq = :new WHERE seq = :old", old=old, new=new)
    result = verify(trail)
    assert (result.ok, result.first_bad) == (False, 3)


def test_an_inserted_forged_entry_breaks_the_link_of_the_next(trail: MetaStore) -> None:
    """A forged entry at 4, with a valid hash on the real entry 3, pushes the real 4.. along by one."""
    _drop_guards(trail)
    for seq in range(ENTRIES, 3, -1):
        _sql(trail, "UPDATE audit_log SET seq = :new WHERE seq = :old", old=seq, new=seq + 1)
    third = _entry(trail, 3)
    forged = AuditEntry(
        seq=4,
        at=third.at + timedelta(seconds=1),
        actor="alibi",
        role="admin",
        action="user.role",
        target="user:mallory",
        resident_id=None,
        purpose=None,
        outcome="allowed",
        detail={},
        prev_hash=third.hash,
        hash="",
    )
    forged.hash = entry_hash(forged)
    with trail.session() as session:
        session.add(forged)
    result = verify(trail)
    assert (result.ok, result.first_bad) == (False, 5)
    assert "its link to entry 4 does not match" in result.problem
    assert result.entries == 4, "the forged entry itself fits: it is found by the entry after it"


def test_a_changed_entry_with_a_recomputed_hash_breaks_the_next_link(trail: MetaStore) -> None:
    _drop_guards(trail)
    entry = _entry(trail, 4)
    entry.actor = "someone-else"
    _sql(
        trail,
        "UPDATE audit_log SET actor = :actor, hash = :hash WHERE seq = 4",
        actor=entry.actor,
        hash=entry_hash(entry),
    )
    result = verify(trail)
    assert (result.ok, result.first_bad) == (False, 5)
    assert "link" in result.problem


def test_removing_the_newest_entries_is_found_only_against_a_kept_head(trail: MetaStore) -> None:
    kept = verify(trail).head
    _drop_guards(trail)
    _sql(trail, "DELETE FROM audit_log WHERE seq > 6")
    shorter = verify(trail)
    assert shorter.ok and shorter.entries == 6, "a shorter chain is still whole"
    result = verify(trail, anchor=kept)
    assert (result.ok, result.first_bad) == (False, 7)
    assert kept in result.problem
    assert verify(trail, anchor=_entry(trail, 5).hash).ok, "an older head still present is fine"


def test_rewriting_every_hash_after_a_change_is_found_only_against_a_kept_head(trail: MetaStore) -> None:
    """Someone who recomputes the whole tail makes a chain that is whole again; only an outside copy of the
    head shows it (which is why the head hash is printed for keeping elsewhere)."""
    kept = verify(trail).head
    _drop_guards(trail)
    previous = _entry(trail, 2).hash
    for seq in range(3, ENTRIES + 1):
        entry = _entry(trail, seq)
        if seq == 3:
            entry.actor = "someone-else"
        entry.prev_hash = previous
        previous = entry_hash(entry)
        _sql(
            trail,
            "UPDATE audit_log SET actor = :actor, prev_hash = :prev, hash = :hash WHERE seq = :seq",
            actor=entry.actor,
            prev=entry.prev_hash,
            hash=previous,
            seq=seq,
        )
    assert verify(trail).ok
    assert not verify(trail, anchor=kept).ok


def test_resuming_reads_only_new_entries_but_notices_a_shorter_trail(trail: MetaStore) -> None:
    earlier = verify(trail)
    record(trail, _event(50))
    resumed = verify(trail, resume=earlier)
    assert resumed.ok and resumed.entries == ENTRIES + 1 and resumed == verify(trail)
    _drop_guards(trail)
    _sql(trail, "DELETE FROM audit_log WHERE seq >= :seq", seq=ENTRIES)
    result = verify(trail, resume=resumed)
    assert (result.ok, result.first_bad) == (False, ENTRIES + 1)
    with pytest.raises(ValueError, match="intact"):
        verify(trail, resume=result)


# --- concurrent writers ----------------------------------------------------------------------------

THREADS = 6
PER_WRITER = 15


def _in_threads(work: Callable[[int], None]) -> None:
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            work(number)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def _assert_whole_chain(meta: MetaStore, expected: int) -> None:
    result = verify(meta)
    assert result.ok, result.problem
    assert result.entries == expected
    with meta.session() as session:
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, expected + 1))


def test_threads_recording_at_once_make_one_whole_chain(meta: MetaStore) -> None:
    def work(number: int) -> None:
        for count in range(PER_WRITER):
            record(meta, _event(count, actor=f"thread{number}"))

    _in_threads(work)
    _assert_whole_chain(meta, THREADS * PER_WRITER)


def test_appends_inside_callers_transactions_never_collide(meta: MetaStore) -> None:
    """No retry here: each append holds the trail's lock until its transaction ends, with or without a write
    before it in the same transaction."""

    def work(number: int) -> None:
        for count in range(PER_WRITER):
            with meta.session() as session:
                if count % 2:
                    session.add(
                        LoginAttempt(
                            username=f"t{number}", address="test", attempted_at=datetime.now(UTC), succeeded=True
                        )
                    )
                    session.flush()
                append(session, _event(count, actor=f"thread{number}"))

    _in_threads(work)
    _assert_whole_chain(meta, THREADS * PER_WRITER)


def _record_from_process(url: str, name: str, count: int, start: Any) -> None:
    store = MetaStore(url)
    try:
        start.wait(timeout=240)  # every writer begins at the same moment
        for number in range(count):
            record(store, _event(number, actor=name))
    finally:
        store.close()


@pytest.mark.slow
def test_two_processes_recording_at_once_make_one_whole_chain(meta: MetaStore) -> None:
    url = meta.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    processes = [context.Process(target=_record_from_process, args=(url, f"p{n}", 40, start)) for n in range(2)]
    for process in processes:
        process.start()
    start.wait(timeout=240)
    for number in range(40):
        record(meta, _event(number, actor="parent"))
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    _assert_whole_chain(meta, 120)
    by_actor = {actor: entries(meta, AuditQuery(actor=actor))[1] for actor in ("p0", "p1", "parent")}
    assert by_actor == {"p0": 40, "p1": 40, "parent": 40}


# --- reading ---------------------------------------------------------------------------------------


def test_entries_are_filtered_newest_first_and_paged(trail: MetaStore) -> None:
    found, total = entries(trail)
    assert total == ENTRIES and [e["seq"] for e in found] == list(range(ENTRIES, 0, -1))
    found, total = entries(trail, AuditQuery(actor="user1"))
    assert total == 3 and {e["actor"] for e in found} == {"user1"}
    found, total = entries(trail, AuditQuery(resident_id="R0003"))
    assert [e["seq"] for e in found] == [3] and found[0]["purpose"] == "safeguarding"
    found, total = entries(trail, AuditQuery(action="catalogue.edit", limit=2, offset=1))
    assert total == 4 and [e["seq"] for e in found] == [6, 4]
    record(trail, _event(9, outcome="refused"))
    assert [e["seq"] for e in entries(trail, AuditQuery(outcome="refused"))[0]] == [ENTRIES + 1]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert entries(trail, AuditQuery(since=tomorrow)) == ([], 0)
    assert entries(trail, AuditQuery(since=tomorrow - timedelta(days=2)))[1] == ENTRIES + 1


def test_filter_values_are_data_not_sql(trail: MetaStore) -> None:
    assert entries(trail, AuditQuery(actor="x' OR '1'='1")) == ([], 0)
    assert verify(trail).entries == ENTRIES


def test_iter_entries_streams_in_chain_order_and_actions_are_listed(trail: MetaStore) -> None:
    assert [e["seq"] for e in iter_entries(trail)] == list(range(1, ENTRIES + 1))
    assert [e["seq"] for e in iter_entries(trail, AuditQuery(actor="user0", limit=1))] == [3, 6]
    assert recorded_actions(trail) == ["catalogue.edit", "resident.view"]
