"""Reporting periods: weeks (Monday to Sunday), calendar months and quarters, named as councils name them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from observatory.config.kpi_models import Frequency

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: ``start`` inclusive, ``end`` exclusive."""

    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def label(self, frequency: Frequency) -> str:
        """``Apr 2025``; ``2025-26 Q1`` (financial quarters, April to June first); ``w/c 7 Apr 2025``."""
        if frequency == "monthly":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        if frequency == "quarterly":
            year = self.start.year if self.start.month >= 4 else self.start.year - 1
            quarter = ((self.start.month - 4) % 12) // 3 + 1
            return f"{year}-{(year + 1) % 100:02d} Q{quarter}"
        return f"w/c {self.start.day} {MONTHS[self.start.month - 1]} {self.start.year}"


def period_start(day: date, frequency: Frequency) -> date:
    """The first day of the period ``day`` falls in."""
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def next_start(start: date, frequency: Frequency) -> date:
    """The first day of the period after the one starting on ``start``."""
    if frequency == "weekly":
        return start + timedelta(days=7)
    months = 3 if frequency == "quarterly" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def complete_periods(frequency: Frequency, first: date, as_of: date) -> list[Period]:
    """Every whole period from the one starting on or after ``first`` to the last one ending on or before ``as_of``."""
    start = period_start(first, frequency)
    if start < first:
        start = next_start(start, frequency)
    found: list[Period] = []
    while True:
        end = next_start(start, frequency)
        if end - timedelta(days=1) > as_of:
            return found
        found.append(Period(start, end))
        start = end


def following(last: Period, frequency: Frequency, count: int) -> list[Period]:
    """The ``count`` periods after ``last`` (the horizon of a forecast)."""
    found: list[Period] = []
    start = last.end
    for _ in range(count):
        end = next_start(start, frequency)
        found.append(Period(start, end))
        start = end
    return found
