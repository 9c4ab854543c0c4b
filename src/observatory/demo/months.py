"""Calendar helpers of the event generators: months, financial years, school years and age bands."""

from __future__ import annotations

import random
from calendar import monthrange
from datetime import date, timedelta

from observatory.demo.randomness import below


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from the month of ``first`` to the month of ``last``."""
    found: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        found.append(month)
        month = add_months(month, 1)
    return found


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from the month of ``earlier`` to the month of ``later``."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def month_end(day: date) -> date:
    """The last day of the month of ``day``."""
    return day.replace(day=monthrange(day.year, day.month)[1])


def day_in_month(rng: random.Random, month: date, last: date) -> date:
    """A day of ``month``, uniformly, no later than ``last``."""
    days = monthrange(month.year, month.month)[1]
    if last < month_end(month):
        days = (last - month).days + 1
    return month + timedelta(days=below(rng, days))


def financial_year(day: date) -> int:
    """The financial year (April to March) of ``day``, by the year it starts: 2024 for 2024-25."""
    return day.year if day.month >= 4 else day.year - 1


def school_year(day: date) -> int:
    """The school year (September to August) of ``day``, by the year it starts: 2025 for 2025/26."""
    return day.year if day.month >= 9 else day.year - 1


ADULT_AGE_BANDS = ("18-64", "65-74", "75-84", "85+")
"""Age bands adult social care records on a request for support (SALT's)."""
POPULATION_AGE_BANDS = ("0-4", "5-10", "11-15", "16-17", "18-24", "25-49", "50-64", "65-74", "75-84", "85+")
"""Age bands of the population estimates: they add up to children (0-17) and to people aged 65 and over."""
OLDER_AGE_BANDS = ("65-74", "75-84", "85+")
CHILD_AGE_BANDS = ("0-4", "5-10", "11-15", "16-17")
_POPULATION_LOWER = (0, 5, 11, 16, 18, 25, 50, 65, 75, 85)


def adult_age_band(age: int) -> str:
    """The SALT age band of an adult aged ``age`` (18 or over)."""
    if age >= 85:
        return "85+"
    if age >= 75:
        return "75-84"
    if age >= 65:
        return "65-74"
    return "18-64"


def population_age_band(age: int) -> str:
    """The population estimates' age band of someone aged ``age``."""
    band = POPULATION_AGE_BANDS[0]
    for lower, name in zip(_POPULATION_LOWER, POPULATION_AGE_BANDS, strict=True):
        if age >= lower:
            band = name
    return band
