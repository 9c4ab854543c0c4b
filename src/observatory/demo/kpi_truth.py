"""The true value of every demo KPI's total series, computed from the ground truth alone.

``expected_totals(project_dir)`` reads ``ground_truth/kpi_events.csv`` (events and spells as their source rows
record them, one row per record however often it was exported), ``ground_truth/kpi_monthly.csv`` (true totals
of council tax instalments and school attendance) and ``ground_truth/people.csv`` (the true population), never
the warehouse or the KPI's SQL. How faults are treated, as the KPI definitions treat them:

- rows exported twice count once (the definitions count distinct ids, or drop repeated rows before summing);
- a record naming a deleted client or child (an orphan) counts under the ID it names;
- a spell whose end date was keyed before its start date is never open at a month end;
- requests, referrals and plans count under the Person ID or ChildID they record, so a person with two client
  or child records can be counted twice, as the source system would.

The population denominators are the residents on 30 June of each year (the mid-year estimate applies from
1 July to the next 30 June; the latest one onwards), counted from ``people.csv``, not from the estimates file.
A period whose denominator is zero has no value and is left out: August for school absence (no sessions).
Values are unrounded.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from observatory.demo.months import OLDER_AGE_BANDS, add_months, month_end
from observatory.demo.systems.asc_care import LONG_TERM
from observatory.demo.systems.asc_contacts import RESOLVED_AT_FIRST_CONTACT

YEAR = timedelta(days=365)
Series = dict[date, float]


@dataclass(frozen=True)
class Event:
    """A row of ``kpi_events.csv``."""

    key: str
    subject: str
    day: date
    end: date | None
    kind: str
    age_band: str
    outcome: str


@dataclass
class Truth:
    """The ground truth a KPI's value is computed from."""

    events: dict[str, list[Event]] = field(default_factory=dict)
    monthly: dict[tuple[str, str], dict[date, int]] = field(default_factory=dict)
    births: list[date] = field(default_factory=list)
    periods: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    """Each frequency's periods: (first day, last day)."""
    last_estimate: int = 0
    """The mid-year of the latest population estimate."""

    def population(self, day: date, low: int, high: int | None) -> int:
        """Residents aged ``low`` to ``high`` (no upper limit if ``None``) by the estimate in force on ``day``."""
        year = day.year if day >= date(day.year, 7, 1) else day.year - 1
        mid = date(min(year, self.last_estimate), 6, 30)
        youngest = _years_before(mid, low)
        oldest = _years_before(mid, high + 1) if high is not None else date.min
        return bisect_right(self.births, youngest) - bisect_right(self.births, oldest)


def _years_before(day: date, years: int) -> date:
    """The latest birth date of someone aged ``years`` or more on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _periods(frequency: str, first: date, as_of: date) -> list[tuple[date, date]]:
    step = 3 if frequency == "quarterly" else 1
    start = first if first.day == 1 and (step == 1 or first.month % 3 == 1) else None
    if start is None:
        start = add_months(first, 1)
        while step == 3 and start.month % 3 != 1:
            start = add_months(start, 1)
    found: list[tuple[date, date]] = []
    while True:
        last = month_end(add_months(start, step - 1))
        if last > as_of:
            return found
        found.append((start, last))
        start = add_months(start, step)


def read_truth(project_dir: Path) -> Truth:
    """The ground truth of the demo project in ``project_dir``."""
    truth_dir = project_dir / "ground_truth"
    truth = Truth()
    with (truth_dir / "kpi_events.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            day = _date(row["date"])
            assert day is not None
            end = _date(row["end_date"])
            event = Event(row["record_key"], row["subject"], day, end, row["type"], row["age_band"], row["outcome"])
            truth.events.setdefault(row["dataset"], []).append(event)
    with (truth_dir / "kpi_monthly.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            period = date.fromisoformat(row["period_start"])
            truth.monthly.setdefault((row["dataset"], row["measure"]), {})[period] = int(row["value"])
    with (truth_dir / "people.csv").open(encoding="utf-8", newline="") as handle:
        truth.births = sorted(date.fromisoformat(row["date_of_birth"]) for row in csv.DictReader(handle))
    project = yaml.safe_load((project_dir / "observatory.yml").read_text(encoding="utf-8"))
    metrics = project.get("metrics") or {}
    as_of, first = metrics["as_of"], metrics["start"]
    truth.last_estimate = as_of.year - 1
    truth.periods = {frequency: _periods(frequency, first, as_of) for frequency in ("monthly", "quarterly")}
    return truth


def _count_by_period(events: Iterable[Event], periods: list[tuple[date, date]]) -> Series:
    counts: dict[date, set[str]] = defaultdict(set)
    starts = [start for start, _ in periods]
    for event in events:
        index = bisect_right(starts, event.day) - 1
        if index >= 0 and event.day <= periods[index][1]:
            counts[starts[index]].add(event.key)
    return {start: float(len(counts[start])) for start in starts}


def _open_at_end(events: list[Event], periods: list[tuple[date, date]]) -> Series:
    """Distinct subjects with a spell open at each period's last day."""
    found: Series = {}
    for start, last in periods:
        found[start] = float(len({e.subject for e in events if e.day <= last and (e.end is None or e.end > last)}))
    return found


def _ratio(numerator: Series, denominator: Series, scale: float) -> Series:
    return {start: numerator[start] / value * scale for start, value in denominator.items() if value}


def _per_population(truth: Truth, numerator: Series, low: int, high: int | None, scale: float) -> Series:
    ends = dict(truth.periods["monthly"])
    denominator = {start: float(truth.population(ends[start], low, high)) for start in numerator}
    return _ratio(numerator, denominator, scale)


KpiTruth = Callable[[Truth], Series]


def asc_new_requests(truth: Truth) -> Series:
    return _count_by_period(truth.events["asc.contacts"], truth.periods["monthly"])


def asc_requests_65_per_100k(truth: Truth) -> Series:
    older = [e for e in truth.events["asc.contacts"] if e.age_band in OLDER_AGE_BANDS]
    return _per_population(truth, _count_by_period(older, truth.periods["monthly"]), 65, None, 100_000)


def asc_resolved_at_first_contact(truth: Truth) -> Series:
    contacts = truth.events["asc.contacts"]
    resolved = [e for e in contacts if e.outcome in RESOLVED_AT_FIRST_CONTACT]
    periods = truth.periods["monthly"]
    return _ratio(_count_by_period(resolved, periods), _count_by_period(contacts, periods), 100)


def asc_reviews_overdue(truth: Truth) -> Series:
    """Clients with long-term support for 12 months or more at month end; those with no review in the 365 days to it."""
    long_term = [e for e in truth.events["asc.services"] if e.kind in LONG_TERM]
    reviews: dict[str, list[date]] = defaultdict(list)
    for review in truth.events["asc.reviews"]:
        reviews[review.subject].append(review.day)
    numerator: Series = {}
    denominator: Series = {}
    for start, last in truth.periods["monthly"]:
        eligible = {e.subject for e in long_term if e.day + YEAR <= last and (e.end is None or e.end > last)}
        overdue = {s for s in eligible if not any(last - YEAR < day <= last for day in reviews.get(s, ()))}
        numerator[start], denominator[start] = float(len(overdue)), float(len(eligible))
    return _ratio(numerator, denominator, 100)


def csc_referrals(truth: Truth) -> Series:
    return _count_by_period(truth.events["csc.referrals"], truth.periods["monthly"])


def csc_repeat_referrals(truth: Truth) -> Series:
    """Referrals of a child (by recorded ChildID) with an earlier referral in the 365 days before."""
    referrals = truth.events["csc.referrals"]
    by_child: dict[str, list[date]] = defaultdict(list)
    for referral in referrals:
        by_child[referral.subject].append(referral.day)
    repeats = [r for r in referrals if any(r.day - YEAR <= day < r.day for day in by_child[r.subject])]
    periods = truth.periods["monthly"]
    return _ratio(_count_by_period(repeats, periods), _count_by_period(referrals, periods), 100)


def _plans(truth: Truth, kind: str) -> Series:
    plans = [e for e in truth.events["csc.plans"] if e.kind == kind]
    return _per_population(truth, _open_at_end(plans, truth.periods["monthly"]), 0, 17, 10_000)


def csc_cp_per_10k(truth: Truth) -> Series:
    return _plans(truth, "Child Protection Plan")


def csc_cla_per_10k(truth: Truth) -> Series:
    return _plans(truth, "Looked After")


def ctax_in_month_collection(truth: Truth) -> Series:
    due = truth.monthly[("ctax.payments", "amount_due_pence")]
    received = truth.monthly[("ctax.payments", "amount_received_pence")]
    starts = [start for start, _ in truth.periods["monthly"]]
    return _ratio({s: float(received.get(s, 0)) for s in starts}, {s: float(due.get(s, 0)) for s in starts}, 100)


def housing_ta_households(truth: Truth) -> Series:
    return _open_at_end(truth.events["housing.temporary_accommodation"], truth.periods["monthly"])


def housing_homelessness_approaches(truth: Truth) -> Series:
    return _count_by_period(truth.events["housing.homelessness"], truth.periods["monthly"])


def schools_absence_rate(truth: Truth) -> Series:
    possible = truth.monthly[("schools.attendance", "possible_sessions")]
    missed = truth.monthly[("schools.attendance", "missed_sessions")]
    starts = [start for start, _ in truth.periods["monthly"]]
    return _ratio({s: float(missed.get(s, 0)) for s in starts}, {s: float(possible.get(s, 0)) for s in starts}, 100)


def schools_persistent_absence(truth: Truth) -> Series:
    pupils = truth.monthly[("schools.attendance", "pupils")]
    absent = truth.monthly[("schools.attendance", "persistently_absent")]
    starts = [start for start, _ in truth.periods["quarterly"]]
    return _ratio({s: float(absent.get(s, 0)) for s in starts}, {s: float(pupils.get(s, 0)) for s in starts}, 100)


KPI_TRUTHS: dict[str, KpiTruth] = {
    "asc_new_requests": asc_new_requests,
    "asc_requests_65_per_100k": asc_requests_65_per_100k,
    "asc_resolved_at_first_contact": asc_resolved_at_first_contact,
    "asc_reviews_overdue": asc_reviews_overdue,
    "csc_referrals": csc_referrals,
    "csc_repeat_referrals": csc_repeat_referrals,
    "csc_cp_per_10k": csc_cp_per_10k,
    "csc_cla_per_10k": csc_cla_per_10k,
    "ctax_in_month_collection": ctax_in_month_collection,
    "housing_ta_households": housing_ta_households,
    "housing_homelessness_approaches": housing_homelessness_approaches,
    "schools_absence_rate": schools_absence_rate,
    "schools_persistent_absence": schools_persistent_absence,
}
"""How each demo KPI's true total is computed, by KPI id."""


def expected_totals(project_dir: Path) -> dict[str, dict[date, float]]:
    """Every demo KPI's true total per period start (unrounded), for the project generated in ``project_dir``."""
    truth = read_truth(project_dir)
    return {kpi: compute(truth) for kpi, compute in KPI_TRUTHS.items()}
