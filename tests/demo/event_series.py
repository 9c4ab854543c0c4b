"""Monthly series read back from a generated demo's ground truth, for checking its designed dynamics."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from observatory.demo import events
from observatory.demo.months import adult_age_band, month_end, month_starts
from observatory.demo.population import age_at


@dataclass(frozen=True)
class Event:
    key: str
    subject: str
    day: date
    end: date | None
    kind: str
    age_band: str
    outcome: str


def read_events(root: Path) -> dict[str, list[Event]]:
    """``kpi_events.csv`` by dataset."""
    found: dict[str, list[Event]] = defaultdict(list)
    with (root / "ground_truth" / "kpi_events.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            end = date.fromisoformat(row["end_date"]) if row["end_date"] else None
            found[row["dataset"]].append(
                Event(
                    row["record_key"],
                    row["subject"],
                    date.fromisoformat(row["date"]),
                    end,
                    row["type"],
                    row["age_band"],
                    row["outcome"],
                )
            )
    return found


def read_monthly(root: Path) -> dict[tuple[str, str], dict[date, int]]:
    """``kpi_monthly.csv`` by (dataset, measure) and period."""
    found: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    with (root / "ground_truth" / "kpi_monthly.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[(row["dataset"], row["measure"])][date.fromisoformat(row["period_start"])] = int(row["value"])
    return found


def births(root: Path) -> list[date]:
    with (root / "ground_truth" / "people.csv").open(encoding="utf-8", newline="") as handle:
        return [date.fromisoformat(row["date_of_birth"]) for row in csv.DictReader(handle)]


def per_month(found: list[Event]) -> dict[date, int]:
    """Events by the first day of their month."""
    counts: dict[date, int] = defaultdict(int)
    for event in found:
        counts[event.day.replace(day=1)] += 1
    return counts


def children(born: list[date], month: date) -> int:
    """Residents born by ``month`` and under 18 on its first day (whom a referral can be about)."""
    return sum(1 for day in born if day <= month and age_at(day, month) < 18)


def expected_requests(born: list[date], month: date) -> float:
    """Requests for adult social care support the design expects in ``month`` before its demand multiplier."""
    year_start = date(month.year if month.month >= 4 else month.year - 1, 4, 1)
    total = 0.0
    for day in born:
        if day <= year_start and age_at(day, year_start) >= 18:
            total += events.REQUESTS_PER_PERSON_YEAR[adult_age_band(age_at(day, year_start))]
    return total * events.DEMO_INTENSITY / 12


def open_at_month_ends(found: list[Event], first: date, last: date) -> dict[date, int]:
    """Distinct subjects with a spell open on the last day of each month."""
    return {
        month: len(
            {e.subject for e in found if e.day <= month_end(month) and (e.end is None or e.end > month_end(month))}
        )
        for month in month_starts(first, last)
    }


def months(first: date, last: date) -> list[date]:
    return month_starts(first, last)


YEAR = timedelta(days=365)
