"""The clerical review queue: migration, queue refresh, decisions, constraints, labels and the CLI.

The store tests run through ``meta_url`` on SQLite and on the throwaway PostgreSQL server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
import typer
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from observatory import Observatory
from observatory.cli.link_review import review_app
from observatory.errors import NotFoundError, ObservatoryError
from observatory.linkage.review import (
    QueueSummary,
    ReviewCandidate,
    constraints,
    count_queue,
    decide,
    decide_pair,
    decision_labels,
    get_item,
    list_queue,
    refresh_queue,
)
from observatory.logs import configure_logging
from observatory.meta import MetaStore
from observatory.meta.models import LinkDecision, LinkReviewItem
from observatory.meta.store import alembic_config
from tests.conftest import make_project

EXPLANATION: list[dict[str, object]] = [
    {"comparison": "surname", "level": "exact", "match_weight": 3.5},
    {"comparison": "date_of_birth", "level": "one digit different", "match_weight": -4.25},
]


def _candidate(left: str, right: str, probability: float = 0.5, weight: float = 0.0) -> ReviewCandidate:
    return ReviewCandidate(left, right, probability, weight, EXPLANATION)


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    """A migrated store on a fresh database, SQLite and PostgreSQL."""
    store = MetaStore(meta_url)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def sqlite_meta(tmp_path: Path) -> Iterator[MetaStore]:
    """A migrated store on SQLite only, for tests about Python values rather than the database."""
    store = MetaStore(f"sqlite:///{tmp_path / 'meta.sqlite'}")
    store.migrate()
    yield store
    store.close()


def _open(meta: MetaStore) -> dict[tuple[str, str], dict[str, object]]:
    return {(str(i["unique_id_l"]), str(i["unique_id_r"])): i for i in list_queue(meta, limit=1000)}


def _item_id(meta: MetaStore, left: str, right: str) -> int:
    with meta.session() as session:
        return session.scalars(
            select(LinkReviewItem.id).where(LinkReviewItem.unique_id_l == left, LinkReviewItem.unique_id_r == right)
        ).one()


# --- migration ------------------------------------------------------------------------------------


def test_migration_creates_and_drops_the_review_tables(meta_url: str) -> None:
    store = MetaStore(meta_url)
    try:
        store.migrate()
        tables = set(inspect(store.engine).get_table_names())
        assert {"link_review_items", "link_decisions"} <= tables
        columns = {c["name"]: c for c in inspect(store.engine).get_columns("link_review_items")}
        assert set(columns) == {
            "id",
            "unique_id_l",
            "unique_id_r",
            "match_probability",
            "match_weight",
            "explanation",
            "status",
            "run_id",
            "queued_at",
            "decided_at",
        }
        assert columns["decided_at"]["nullable"] and not columns["queued_at"]["nullable"]
        uniques = inspect(store.engine).get_unique_constraints("link_review_items")
        assert [u["column_names"] for u in uniques] == [["unique_id_l", "unique_id_r"]]
        foreign = inspect(store.engine).get_foreign_keys("link_decisions")
        assert [(f["constrained_columns"], f["referred_table"]) for f in foreign] == [
            (["review_item_id"], "link_review_items")
        ]

        from alembic import command

        config = alembic_config(store.engine.url.render_as_string(hide_password=False))
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert not {"link_review_items", "link_decisions"} & set(inspect(store.engine).get_table_names())
        store.migrate()
        assert {"link_review_items", "link_decisions"} <= set(inspect(store.engine).get_table_names())
    finally:
        store.close()


# --- the queue --------------------------------------------------------------------------------------


def test_refresh_queues_keeps_updates_and_withdraws(meta: MetaStore) -> None:
    first = refresh_queue(meta, 1, [_candidate("a:1", "b:1", 0.6), _candidate("a:2", "b:2", 0.4, -1.0)])
    assert first == QueueSummary(queued=2, kept=0, withdrawn=0)
    before = _open(meta)[("a:1", "b:1")]
    assert before["run_id"] == 1
    assert before["explanation"] == EXPLANATION

    explained = [{"comparison": "postcode", "level": "exact", "match_weight": 2.0}]
    second = refresh_queue(
        meta, 2, [ReviewCandidate("a:1", "b:1", 0.75, 1.5, explained), _candidate("a:3", "b:3", 0.3)]
    )
    assert second == QueueSummary(queued=1, kept=1, withdrawn=1)
    queue = _open(meta)
    assert set(queue) == {("a:1", "b:1"), ("a:3", "b:3")}
    kept = queue[("a:1", "b:1")]
    assert (kept["id"], kept["match_probability"], kept["match_weight"]) == (before["id"], 0.75, 1.5)
    assert kept["explanation"] == explained
    assert kept["run_id"] == 1  # the run that queued it
    assert queue[("a:3", "b:3")]["run_id"] == 2
    [withdrawn] = list_queue(meta, "withdrawn")
    assert (withdrawn["unique_id_l"], withdrawn["unique_id_r"]) == ("a:2", "b:2")
    assert count_queue(meta) == {"open": 2, "decided": 0, "withdrawn": 1}

    # a withdrawn pair that comes back is queued again, in the same item
    third = refresh_queue(meta, 3, [_candidate("a:2", "b:2", 0.55)])
    assert third == QueueSummary(queued=1, kept=0, withdrawn=2)
    [back] = list_queue(meta)
    assert (back["id"], back["run_id"], back["match_probability"]) == (withdrawn["id"], 3, 0.55)


def test_pairs_are_stored_in_one_order(meta: MetaStore) -> None:
    assert refresh_queue(meta, 1, [_candidate("z:9", "a:1")]).queued == 1
    [item] = list_queue(meta)
    assert (item["unique_id_l"], item["unique_id_r"]) == ("a:1", "z:9")
    # the same pair the other way round is the same item
    assert refresh_queue(meta, 2, [_candidate("a:1", "z:9", 0.9)]) == QueueSummary(0, 1, 0)
    # and twice in one run counts once, the last one winning
    assert refresh_queue(meta, 3, [_candidate("z:9", "a:1", 0.2), _candidate("a:1", "z:9", 0.3)]) == QueueSummary(
        0, 1, 0
    )
    assert [i["match_probability"] for i in list_queue(meta)] == [0.3]
    with pytest.raises(ObservatoryError, match="paired with itself"):
        refresh_queue(meta, 4, [_candidate("a:1", "a:1")])


def test_decided_pairs_are_not_queued_again_but_skipped_ones_are(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1"), _candidate("a:2", "b:2"), _candidate("a:3", "b:3")])
    decide(meta, _item_id(meta, "a:1", "b:1"), "match", "alice")
    decide(meta, _item_id(meta, "a:2", "b:2"), "not_match", "alice")
    skipped = decide(meta, _item_id(meta, "a:3", "b:3"), "skip", "alice")
    assert skipped["status"] == "open"
    assert skipped["decided_at"] is None

    summary = refresh_queue(meta, 2, [_candidate("b:1", "a:1"), _candidate("a:2", "b:2"), _candidate("a:3", "b:3")])
    assert summary == QueueSummary(queued=0, kept=1, withdrawn=0)
    assert set(_open(meta)) == {("a:3", "b:3")}
    assert [(i["unique_id_l"], i["status"]) for i in list_queue(meta, "decided")] == [
        ("a:1", "decided"),
        ("a:2", "decided"),
    ]

    # a decided pair whose latest decision becomes "skip" is open again, and stays queued
    reopened: dict[str, Any] = decide(meta, _item_id(meta, "a:1", "b:1"), "skip", "bob", note="not sure after all")
    assert reopened["status"] == "open"
    assert [d["decision"] for d in reopened["decisions"]] == ["match", "skip"]
    assert refresh_queue(meta, 3, [_candidate("a:1", "b:1"), _candidate("a:3", "b:3")]) == QueueSummary(0, 2, 0)

    # a pair decided outside the queue is never queued
    decide_pair(meta, "c:1", "d:1", "not_match", "carol")
    assert refresh_queue(meta, 4, [_candidate("d:1", "c:1")]) == QueueSummary(queued=0, kept=0, withdrawn=2)
    assert list_queue(meta) == []


def test_a_withdrawn_pair_skipped_is_queued_again(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1")])
    refresh_queue(meta, 2, [])
    item_id = _item_id(meta, "a:1", "b:1")
    assert decide(meta, item_id, "skip", "alice")["status"] == "withdrawn"
    assert refresh_queue(meta, 3, [_candidate("a:1", "b:1")]) == QueueSummary(1, 0, 0)
    assert get_item(meta, item_id)["status"] == "open"


def test_list_orders_by_probability_then_id_and_pages(meta: MetaStore) -> None:
    refresh_queue(
        meta,
        1,
        [_candidate("a:1", "b:1", 0.5), _candidate("a:2", "b:2", 0.9), _candidate("a:3", "b:3", 0.5)],
    )
    refresh_queue(meta, 2, [_candidate("a:1", "b:1", 0.5), _candidate("a:2", "b:2", 0.9)])
    order = [i["unique_id_l"] for i in list_queue(meta)]
    assert order == ["a:2", "a:1"]
    assert [i["unique_id_l"] for i in list_queue(meta, "all")] == ["a:2", "a:1", "a:3"]
    assert [i["unique_id_l"] for i in list_queue(meta, "all", limit=1, offset=1)] == ["a:1"]
    with pytest.raises(ObservatoryError, match="unknown status 'closed'"):
        list_queue(meta, "closed")


def test_a_refresh_of_50000_pairs_takes_seconds(meta: MetaStore) -> None:
    candidates = [_candidate(f"asc.clients:{n}", f"hb.claims:{n}", (n % 1000) / 1000) for n in range(50_000)]
    started = time.perf_counter()
    assert refresh_queue(meta, 1, candidates) == QueueSummary(50_000, 0, 0)
    shifted = candidates[10_000:] + [_candidate(f"x:{n}", f"y:{n}") for n in range(5_000)]
    assert refresh_queue(meta, 2, shifted) == QueueSummary(5_000, 40_000, 10_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"two refreshes of 50,000 pairs took {elapsed:.1f} s"
    assert count_queue(meta) == {"open": 45_000, "decided": 0, "withdrawn": 10_000}


# --- decisions --------------------------------------------------------------------------------------


def test_decide_validates_and_reports_missing_items(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1")])
    item_id = _item_id(meta, "a:1", "b:1")
    with pytest.raises(ObservatoryError, match="unknown decision 'yes'"):
        decide(meta, item_id, "yes", "alice")
    with pytest.raises(ObservatoryError, match="who made the decision"):
        decide(meta, item_id, "match", "  ")
    with pytest.raises(NotFoundError, match="review item 999 not found"):
        decide(meta, 999, "match", "alice")
    with pytest.raises(NotFoundError):
        get_item(meta, 999)
    with pytest.raises(ObservatoryError, match="unknown decision"):
        decide_pair(meta, "a:1", "b:1", "not-match", "alice")
    with pytest.raises(ObservatoryError, match="paired with itself"):
        decide_pair(meta, "a:1", "a:1", "match", "alice")
    with meta.session() as session:
        assert session.scalars(select(LinkDecision)).all() == []  # nothing was written


def test_decide_records_who_when_and_why(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1")])
    item_id = _item_id(meta, "a:1", "b:1")
    item: dict[str, Any] = decide(meta, item_id, "not_match", "alice", note="different dates of birth")
    assert item["status"] == "decided"
    assert item["decided_at"] is not None
    [decision] = item["decisions"]
    assert decision["decision"] == "not_match"
    assert (decision["decided_by"], decision["note"], decision["review_item_id"]) == (
        "alice",
        "different dates of birth",
        item_id,
    )
    assert get_item(meta, item_id) == item


def test_deciding_a_withdrawn_item_still_sets_a_constraint(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1")])
    refresh_queue(meta, 2, [])
    item = decide(meta, _item_id(meta, "a:1", "b:1"), "match", "alice")
    assert item["status"] == "decided"
    assert constraints(meta) == ([("a:1", "b:1")], [])


def test_decide_pair_moves_a_queued_item(meta: MetaStore) -> None:
    refresh_queue(meta, 1, [_candidate("a:1", "b:1")])
    decide_pair(meta, "b:1", "a:1", "match", "alice")
    item: dict[str, Any] = get_item(meta, _item_id(meta, "a:1", "b:1"))
    assert item["status"] == "decided"
    assert [d["review_item_id"] for d in item["decisions"]] == [item["id"]]


def test_constraints_follow_the_latest_decision_per_pair(meta: MetaStore) -> None:
    decide_pair(meta, "a:1", "b:1", "match", "alice")
    decide_pair(meta, "b:1", "a:1", "not_match", "bob")  # supersedes, whatever the order given
    decide_pair(meta, "c:1", "d:1", "not_match", "alice")
    decide_pair(meta, "c:1", "d:1", "match", "bob")
    decide_pair(meta, "e:1", "f:1", "match", "alice")
    decide_pair(meta, "e:1", "f:1", "skip", "bob")  # a latest skip sets no constraint
    decide_pair(meta, "g:1", "h:1", "skip", "alice")
    assert constraints(meta) == ([("c:1", "d:1")], [("a:1", "b:1")])
    with meta.session() as session:
        assert len(session.scalars(select(LinkDecision)).all()) == 7  # history is kept


def test_decision_labels(meta: MetaStore) -> None:
    empty = decision_labels(meta)
    assert empty.num_rows == 0
    assert empty.schema == pa.schema(
        [("unique_id_l", pa.string()), ("unique_id_r", pa.string()), ("is_match", pa.bool_())]
    )
    decide_pair(meta, "b:1", "a:1", "match", "alice")
    decide_pair(meta, "c:1", "d:1", "not_match", "alice")
    decide_pair(meta, "e:1", "f:1", "skip", "alice")
    assert decision_labels(meta).to_pylist() == [
        {"unique_id_l": "a:1", "unique_id_r": "b:1", "is_match": True},
        {"unique_id_l": "c:1", "unique_id_r": "d:1", "is_match": False},
    ]


# --- the CLI ----------------------------------------------------------------------------------------

runner = CliRunner()
cli = typer.Typer()
cli.callback()(configure_logging)  # as the ``observatory`` command does: logs to stderr, never into --json output
cli.add_typer(review_app, name="review")


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["review", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "council")
    with Observatory.open(root) as obs:
        refresh_queue(
            obs.meta,
            7,
            [_candidate("asc.clients:1", "hb.claims:9", 0.62, 0.7), _candidate("asc.clients:2", "hb.claims:8", 0.91)],
        )
    return root


def _person(unique_id: str, forename: str, surname: str) -> dict[str, object]:
    return {"unique_id": unique_id, "forename": forename, "surname": surname, "postcode": "AB10 1AA"}


def test_cli_list_and_decide(project: Path) -> None:
    code, out, _ = _invoke("list", "-p", str(project), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["counts"] == {"open": 2, "decided": 0, "withdrawn": 0}
    first, second = data["items"]
    assert (first["unique_id_l"], second["unique_id_l"]) == ("asc.clients:2", "asc.clients:1")

    code, out, _ = _invoke("list", "-p", str(project))
    assert code == 0, out
    assert "2 open, 0 decided, 0 withdrawn" in out
    assert "hb.claims:9" in out and "0.620" in out

    code, out, _ = _invoke("decide", str(first["id"]), "not-match", "-p", str(project), "--by", "alice", "--json")
    assert code == 0, out
    decided = json.loads(out)
    assert decided["status"] == "decided"
    assert decided["decisions"][-1]["decision"] == "not_match"
    assert decided["decisions"][-1]["decided_by"] == "alice"

    code, out, _ = _invoke(
        "decide", str(second["id"]), "skip", "-p", str(project), "--note", "ask ASC", env={"USER": "bob"}
    )
    assert code == 0, out
    assert f"Item {second['id']}: skip by bob (now open)." in out

    code, out, _ = _invoke("list", "-p", str(project), "--status", "all", "--json")
    assert [i["status"] for i in json.loads(out)["items"]] == ["decided", "open"]
    with Observatory.open(project) as obs:
        assert constraints(obs.meta) == ([], [("asc.clients:2", "hb.claims:8")])


def test_cli_errors(project: Path) -> None:
    code, out, _ = _invoke("decide", "999", "match", "-p", str(project), "--by", "alice", "--json")
    assert code == 2
    assert json.loads(out)["error"]["message"] == "review item 999 not found"
    code, _, _ = _invoke("decide", "1", "maybe", "-p", str(project), "--by", "alice")
    assert code == 2  # not one of the choices: Typer's usage error
    code, out, _ = _invoke("list", "-p", str(project), "--status", "withdrawn")
    assert code == 0
    assert "No withdrawn items." in out


def test_cli_show_needs_the_linked_records(project: Path) -> None:
    code, _, err = _invoke("show", "1", "-p", str(project))
    assert code == 2
    assert "run `observatory link` first" in err


def test_cli_show_puts_the_pair_side_by_side(project: Path) -> None:
    with Observatory.open(project) as obs:
        records = ibis.memtable(
            [
                _person("asc.clients:1", "JON", "SMITH"),
                _person("hb.claims:9", "JOHN", "SMITH"),
                _person("hb.claims:8", "ANNE", "JONES"),
            ]
        )
        obs.engine.materialise("linked", "person_records", records)
        item_id = _item_id(obs.meta, "asc.clients:1", "hb.claims:9")

    code, out, _ = _invoke("show", str(item_id), "-p", str(project), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["records"]["left"] == _person("asc.clients:1", "JON", "SMITH")
    assert data["records"]["right"] == _person("hb.claims:9", "JOHN", "SMITH")
    assert [row["comparison"] for row in data["explanation"]] == ["date_of_birth", "surname"]  # by |weight|
    assert data["total_match_weight"] == 0.7

    code, out, _ = _invoke("show", str(item_id), "-p", str(project))
    assert code == 0, out
    for text in ("JON", "JOHN", "AB10 1AA", "date_of_birth", "one digit different", "-4.25", "+3.50", "+0.70"):
        assert text in out
    assert "prior and unlisted" in out and "+1.45" in out  # 0.7 - (3.5 - 4.25)


def test_explanations_are_stored_as_plain_values(sqlite_meta: MetaStore) -> None:
    import numpy as np

    explanation: list[dict[str, object]] = [
        {"comparison": "surname", "level": np.str_("exact"), "match_weight": np.float32(2.5)},
        {"comparison": "sex", "level": "exact", "match_weight": np.int64(1)},
    ]
    refresh_queue(sqlite_meta, 1, [ReviewCandidate("a:1", "b:1", np.float64(0.5), np.float64(1.0), explanation)])
    [item] = list_queue(sqlite_meta)
    assert item["explanation"] == [
        {"comparison": "surname", "level": "exact", "match_weight": 2.5},
        {"comparison": "sex", "level": "exact", "match_weight": 1.0},
    ]
