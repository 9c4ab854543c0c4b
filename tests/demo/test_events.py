"""The designed dynamics of the demo's events are really in the generated data, by the designed amounts.

Each test measures a generated council's ground truth (``kpi_events.csv``, ``kpi_monthly.csv``, ``people.csv``)
and compares it with the constants of ``observatory.demo.events``; tolerances are about two standard errors
of the measurement, and each excludes the value seen without the designed event. Per-capita measures divide
by the residents of the right age each month, because the demo's fixed population of 2026 has more children
and older people in later years (nobody dies or leaves).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from statistics import mean

import pytest

from observatory.demo import events, generate
from observatory.demo.months import month_end
from tests.demo.event_series import (
    YEAR,
    Event,
    births,
    children,
    expected_requests,
    months,
    open_at_month_ends,
    per_month,
    read_events,
    read_monthly,
)

KPI_FIRST, KPI_LAST = date(2022, 4, 1), date(2026, 3, 1)
LARGE = 20_000
"""Residents of the council for the rarer events (protection plans, placements in temporary accommodation)."""


@pytest.fixture(scope="module")
def truth(root: Path) -> dict[str, list[Event]]:
    return read_events(root)


@pytest.fixture(scope="module")
def born(root: Path) -> list[date]:
    return births(root)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large") / "council"
    generate(folder, residents=LARGE, seed=42)
    return folder


def _per_child(counts: dict[date, int], born: list[date], window: list[date]) -> float:
    return sum(counts.get(m, 0) for m in window) / sum(children(born, m) for m in window)


def test_requests_for_adult_care_rise_from_october_2024(truth: dict[str, list[Event]], born: list[date]) -> None:
    found = per_month(truth["asc.contacts"])
    before = months(KPI_FIRST, date(2024, 9, 1))
    after = months(date(2025, 10, 1), KPI_LAST)
    base = {m: expected_requests(born, m) for m in before + after}

    def seasonal(window: list[date]) -> float:
        return sum(found[m] for m in window) / sum(base[m] * events.winter(m, events.ASC_WINTER_SWING) for m in window)

    designed = sum(base[m] * events.asc_demand(m) for m in after)
    designed /= sum(base[m] * events.winter(m, events.ASC_WINTER_SWING) for m in after)
    assert designed == pytest.approx(1.31, abs=0.02)  # 1.75% a month for 13 to 18 months
    assert seasonal(before) == pytest.approx(1.0, abs=0.06), "before the rise requests follow the base rates"
    assert seasonal(after) / seasonal(before) == pytest.approx(designed, abs=0.15)


def test_requests_for_adult_care_peak_in_winter(truth: dict[str, list[Event]], born: list[date]) -> None:
    found = per_month(truth["asc.contacts"])
    steady = months(date(2021, 4, 1), date(2024, 9, 1))
    winter = [m for m in steady if m.month in (12, 1, 2)]
    summer = [m for m in steady if m.month in (6, 7, 8)]

    def ratio(window: list[date]) -> float:
        return sum(found[m] for m in window) / sum(expected_requests(born, m) for m in window)

    designed = mean(events.winter(m, events.ASC_WINTER_SWING) for m in winter[:3])
    designed /= mean(events.winter(m, events.ASC_WINTER_SWING) for m in summer[:3])
    assert ratio(winter) / ratio(summer) == pytest.approx(designed, abs=0.1)
    assert designed > 1.15


def test_the_new_front_door_raises_referrals_by_a_quarter(truth: dict[str, list[Event]], born: list[date]) -> None:
    found = per_month(truth["csc.referrals"])
    before = _per_child(found, born, months(KPI_FIRST, date(2024, 8, 1)))
    after = _per_child(found, born, months(date(2025, 1, 1), KPI_LAST))  # once repeat referrals have caught up
    assert events.FRONT_DOOR_UPLIFT >= 0.2, "a shift SPC can see"
    assert after / before == pytest.approx(1 + events.FRONT_DOOR_UPLIFT, abs=0.14)


def test_about_a_fifth_of_referrals_are_repeats_within_a_year(truth: dict[str, list[Event]]) -> None:
    referrals = truth["csc.referrals"]
    by_child: dict[str, list[date]] = defaultdict(list)
    for referral in referrals:
        by_child[referral.subject].append(referral.day)
    counted = [r for r in referrals if r.day >= KPI_FIRST]
    repeats = [r for r in counted if any(r.day - YEAR <= day < r.day for day in by_child[r.subject])]
    assert len(counted) > 1000
    assert len(repeats) / len(counted) == pytest.approx(events.REPEAT_REFERRAL_CHANCE, abs=0.035)


def test_child_protection_plans_start_more_often_from_january_2025(large: Path) -> None:
    born = births(large)
    plans = [e for e in read_events(large)["csc.plans"] if e.kind == "Child Protection Plan"]
    starts = per_month(plans)
    before = _per_child(starts, born, months(KPI_FIRST, date(2024, 12, 1)))
    after = _per_child(starts, born, months(date(2025, 2, 1), KPI_LAST))
    assert events.CP_SHIFT_UPLIFT >= 0.3, "a shift SPC can see"
    assert after / before == pytest.approx(1 + events.CP_SHIFT_UPLIFT, abs=0.3)
    open_plans = open_at_month_ends(plans, KPI_FIRST, KPI_LAST)
    assert mean(open_plans[m] for m in months(date(2025, 7, 1), KPI_LAST)) > 1.2 * mean(
        open_plans[m] for m in months(date(2023, 4, 1), date(2024, 12, 1))
    )


def test_households_in_temporary_accommodation_rise(large: Path) -> None:
    placements = read_events(large)["housing.temporary_accommodation"]
    first: dict[str, date] = {}
    for placement in placements:
        first[placement.subject] = min(placement.day, first.get(placement.subject, placement.day))
    starts: dict[date, int] = defaultdict(int)
    for day in first.values():
        starts[day.replace(day=1)] += 1
    early, late = months(KPI_FIRST, date(2024, 3, 1)), months(date(2024, 4, 1), KPI_LAST)
    designed = sum((1 + events.TA_MONTHLY_RISE) ** i for i in range(24, 48))
    designed /= sum((1 + events.TA_MONTHLY_RISE) ** i for i in range(24))
    assert sum(starts[m] for m in late) / sum(starts[m] for m in early) == pytest.approx(designed, abs=0.15)
    housed = open_at_month_ends(placements, KPI_FIRST, KPI_LAST)
    values = [housed[m] for m in months(KPI_FIRST, KPI_LAST)]
    assert mean(values[-6:]) > 1.3 * mean(values[:6])


def test_school_absence_falls_from_september_2025(root: Path) -> None:
    monthly = read_monthly(root)
    possible = monthly[("schools.attendance", "possible_sessions")]
    missed = monthly[("schools.attendance", "missed_sessions")]

    def rate(window: list[date]) -> float:
        return sum(missed[m] for m in window) / sum(possible[m] for m in window)

    before = rate(months(date(2024, 9, 1), date(2025, 3, 1)))
    after = rate(months(date(2025, 9, 1), KPI_LAST))
    assert after / before == pytest.approx(1 - events.ATTENDANCE_IMPROVEMENT, abs=0.04)
    assert 0.06 < rate(months(date(2022, 9, 1), date(2023, 7, 1))) < 0.085, "about 7.4% in 2022/23"
    winter = rate([m for m in months(date(2022, 9, 1), date(2025, 7, 1)) if m.month in (12, 1, 2)])
    autumn = rate([m for m in months(date(2022, 9, 1), date(2025, 7, 1)) if m.month in (9, 10)])
    assert winter > 1.2 * autumn


def test_council_tax_collection_dips_in_2022_and_catches_up_every_march(root: Path) -> None:
    monthly = read_monthly(root)
    due = monthly[("ctax.payments", "amount_due_pence")]
    received = monthly[("ctax.payments", "amount_received_pence")]

    def rate(window: list[date]) -> float:
        return 100 * sum(received[m] for m in window) / sum(due[m] for m in window)

    usual = {year: rate(months(date(year, 4, 1), date(year + 1, 2, 1))) for year in (2022, 2023, 2024, 2025)}
    for year, value in usual.items():
        assert 95 < value < 98, year
        assert rate([date(year + 1, 3, 1)]) > value + 2, f"March {year + 1} catches up"
    assert usual[events.COST_OF_LIVING_YEAR] < min(usual[2023], usual[2024], usual[2025]) - 0.5


def test_monthly_counts_are_readable_at_5000_residents(truth: dict[str, list[Event]], born: list[date]) -> None:
    window = months(KPI_FIRST, KPI_LAST)
    for dataset in ("asc.contacts", "csc.referrals", "housing.homelessness"):
        found = per_month(truth[dataset])
        assert mean(found.get(m, 0) for m in window) >= 20, dataset
    for dataset, kind in (("csc.plans", "Child Protection Plan"), ("csc.plans", "Looked After")):
        spells = open_at_month_ends([e for e in truth[dataset] if e.kind == kind], KPI_FIRST, KPI_LAST)
        assert mean(spells.values()) >= 15, kind
    housed = open_at_month_ends(truth["housing.temporary_accommodation"], KPI_FIRST, KPI_LAST)
    assert min(housed.values()) >= 20


def test_events_cover_48_months_to_the_extract_date(truth: dict[str, list[Event]]) -> None:
    for dataset in ("asc.contacts", "csc.referrals", "housing.homelessness"):
        days = [e.day for e in truth[dataset]]
        assert min(days) <= KPI_FIRST and max(days) > date(2026, 3, 1), dataset
        assert max(days) <= month_end(KPI_LAST)
