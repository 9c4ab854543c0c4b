"""Quality snapshots saved in and read back from a real metadata store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from observatory.config.models import QualitySettingsSpec
from observatory.meta import MetaStore
from observatory.meta.models import QualityAlert, QualityMeasureRow, QualitySampleRow, QualitySnapshot
from observatory.quality.confidence import assess
from observatory.quality.measures import FailingSample
from observatory.quality.snapshots import (
    confidence_for,
    failing_samples,
    get_snapshot,
    latest_snapshot,
    latest_snapshots,
    measure_history,
    measured_datasets,
    measures_history,
    previous_snapshot,
    save_snapshot,
    snapshot_history,
)
from tests.quality.builders import START, measure, new_run, quality, save, save_series

SAMPLE = FailingSample(
    "validity:nhs_number",
    ["client_id", "nhs_number"],
    [{"client_id": "000123", "nhs_number": "999 999 999X"}, {"client_id": "000456", "nhs_number": None}],
    ["nhs_number"],
)
CLIENTS = quality(
    measure("completeness:nhs_number", 980, 1000, critical=True),
    measure("validity:nhs_number", 960, 980, critical=True, description="valid NHS numbers (mod 11)"),
    measure("uniqueness:client_id", 1000, 1000),
    measure("rule:adult", 0, 0),
    samples=[SAMPLE, FailingSample("uniqueness:client_id", ["client_id", "rows"], [], [])],
)


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    store = MetaStore(meta_url)
    store.migrate()
    yield store
    store.close()


def test_save_and_read_back(meta: MetaStore) -> None:
    run_id = new_run(meta)
    saved = save_snapshot(meta, CLIENTS, run_id, QualitySettingsSpec())
    expected = assess(CLIENTS)

    got = get_snapshot(meta, saved.snapshot.id)
    assert got == saved.snapshot
    assert got is not None
    assert (got.run_id, got.dataset, got.rows, got.owner) == (run_id, "asc.clients", 1000, "Head of Adult Social Care")
    assert got.measured_at == START and got.measured_at.utcoffset() == timedelta(0)
    assert got.measures == CLIENTS.measures
    assert got.score == float((Fraction(98, 100) + Fraction(96, 98) + 1) / 3)
    assert got.dimensions == expected.dimension_floats()
    assert got.dimensions["consistency"] is None  # the rule had nothing to check: not measured, stored as null
    assert (got.confidence, got.statement) == (expected.level, expected.statement)
    assert saved.raised == saved.closed == [] and saved.open_alerts == 0
    assert saved.to_dict()["snapshot_id"] == got.id


def test_samples_round_trip(meta: MetaStore) -> None:
    snapshot = save(meta, CLIENTS).snapshot
    assert failing_samples(meta, snapshot.id) == CLIENTS.samples
    assert failing_samples(meta, snapshot.id, "validity:nhs_number") == [SAMPLE]
    assert failing_samples(meta, snapshot.id, "completeness:nhs_number") == []


def test_latest_previous_and_history(meta: MetaStore) -> None:
    first, second, third = save_series(meta, [990, 980, 985])
    # saved last but measured first: snapshots are ordered by when they were measured
    late = save(meta, quality(measure("completeness:date_of_birth", 500, 1000), at=START - timedelta(days=1)))

    latest = latest_snapshot(meta, "asc.clients")
    assert latest is not None and latest.id == third.snapshot.id
    previous = previous_snapshot(meta, latest)
    assert previous is not None and previous.id == second.snapshot.id
    before_first = previous_snapshot(meta, first.snapshot)
    assert before_first is not None and before_first.id == late.snapshot.id
    assert previous_snapshot(meta, late.snapshot) is None

    history = measure_history(meta, "asc.clients", "completeness:date_of_birth")
    assert [p.value for p in history] == [0.5, 0.99, 0.98, 0.985]
    assert [p.snapshot_id for p in history][1:] == [first.snapshot.id, second.snapshot.id, third.snapshot.id]
    assert [p.value for p in measure_history(meta, "asc.clients", "completeness:date_of_birth", limit=2)] == [
        0.98,
        0.985,
    ]
    assert [s.id for s in snapshot_history(meta, "asc.clients", limit=3)] == [
        first.snapshot.id,
        second.snapshot.id,
        third.snapshot.id,
    ]
    assert snapshot_history(meta, "asc.clients")[0].measures == []


def test_history_of_several_measures_has_gaps_where_a_measure_is_missing(meta: MetaStore) -> None:
    save(meta, quality(measure("completeness:a", 9, 10), measure("completeness:b", 5, 10)))
    save(meta, quality(measure("completeness:a", 10, 10), at=START + timedelta(days=1)))
    history = measures_history(meta, "asc.clients", ["completeness:a", "completeness:b", "completeness:c"])
    assert {name: [p.value for p in points] for name, points in history.items()} == {
        "completeness:a": [0.9, 1.0],
        "completeness:b": [0.5],
        "completeness:c": [],
    }
    assert history["completeness:a"][0].to_dict()["passed"] == 9


def test_latest_snapshots_per_dataset(meta: MetaStore) -> None:
    save_series(meta, [900, 950])
    save(meta, quality(measure("completeness:end_date", 10, 10), dataset="asc.services"))
    assert measured_datasets(meta) == ["asc.clients", "asc.services"]
    latest = latest_snapshots(meta)
    assert {d: s.measures[0].passed for d, s in latest.items()} == {"asc.clients": 950, "asc.services": 10}
    assert set(latest_snapshots(meta, ["asc.services", "ctax.accounts"])) == {"asc.services"}
    assert latest_snapshot(meta, "ctax.accounts") is None


def test_confidence_for_several_datasets(meta: MetaStore) -> None:
    clients = save(meta, quality(measure("completeness:a", 90, 100, critical=True))).snapshot
    services = save(meta, quality(measure("completeness:b", 10, 10), dataset="asc.services")).snapshot
    assert (clients.confidence, services.confidence) == ("medium", "high")

    both = confidence_for(meta, ["asc.services", "asc.clients"])
    assert both.level == "medium"
    assert both.statement == (
        f"Confidence: medium (the lowest of 2 datasets). asc.services: {services.statement} "
        f"asc.clients: {clients.statement}"
    )
    assert confidence_for(meta, ["asc.services", "housing.tenancies"]).level == "low"


def _counts(meta: MetaStore) -> list[int]:
    with meta.session() as session:
        return [
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (QualitySnapshot, QualityMeasureRow, QualitySampleRow, QualityAlert)
        ]


def test_a_failed_save_leaves_nothing_behind(meta: MetaStore) -> None:
    stale = quality(measure("timeliness:freshness", 0, 1), samples=[SAMPLE])
    with pytest.raises(IntegrityError):
        save_snapshot(meta, stale, 999_999, QualitySettingsSpec())  # no such run
    assert _counts(meta) == [0, 0, 0, 0]

    save(meta, stale)
    assert _counts(meta) == [1, 1, 1, 1]


def test_measure_names_must_be_unique(meta: MetaStore) -> None:
    twice = quality(measure("completeness:a", 1, 1), measure("completeness:a", 0, 1))
    with pytest.raises(ValueError, match="unique"):
        save(meta, twice)
    assert _counts(meta) == [0, 0, 0, 0]
