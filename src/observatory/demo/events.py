"""The designed dynamics of the demo council's event data: its one intensity factor, trends, shifts and seasons.

Tests and documentation cite these constants; generators read the multipliers below. Every base rate is an
approximate England figure (stated beside it) multiplied by ``DEMO_INTENSITY``, so that a council of 5,000
residents still shows readable monthly series (20 or more events a month for a count KPI). Rates per
10,000 children or per 100,000 older people are therefore about five times real ones; shapes (trends,
shifts, seasons, shares such as repeat referrals or collection rates) are realistic.

Designed events, all relative to the default extract date of 31 March 2026 (48 months of history):

==========================================  ==========================  ============================================
what                                        from                        size
==========================================  ==========================  ============================================
adult social care requests rise             October 2024                1.75% a month, compounding (about +37% by
                                                                        March 2026); winter peak +12% in January
children's social care new front door       September 2024              fresh referrals +25% (all extra referrals
                                                                        are lower-need: no plans follow from them)
child protection plans shift                January 2025                plan starts +50%; open plans rise over the
                                                                        following months
repeat referrals                            throughout                  20% of referrals are followed by another
                                                                        within a year, so about 20% are repeats
council tax cost-of-living dip              financial year 2022-23      payment chances 6 points lower for accounts
                                                                        that do not pay by direct debit
council tax March catch-up                  every March                 arrears cleared 12 times as often as in
                                                                        other months (about 100% collected)
temporary accommodation rises               April 2022                  placements 1% more a month, compounding
school absence improves                     September 2025              absence 12% lower (attendance strategy)
==========================================  ==========================  ============================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from observatory.demo.months import add_months, financial_year, months_between, school_year

DEMO_INTENSITY = 5.0
"""How many times real per-capita event rates the demo uses (see the module docstring)."""

KPI_HISTORY_MONTHS = 48
"""Months of KPI history up to the extract date: April 2022 to March 2026 by default."""


@dataclass(frozen=True)
class History:
    """Where each kind of event starts, for extracts taken on a given day (defaults below for 31 March 2026).

    ``kpis_from``: the first KPI period, 48 months before the extract's month (April 2022).
    ``events_from``: requests for adult social care, a year earlier for 12-month look-backs (April 2021).
    ``attendance_from``: school attendance, from the first September after that (September 2021).
    ``payments_from``: council tax instalments, from the financial year of the first KPI period (April 2022).
    ``records_from``: referrals and homelessness cases, the case management systems' go-live (April 2019).
    ``process_from``: children's social care is simulated from here, so open plans are settled long before
    the KPI history (April 2014); plans still open on ``records_from`` were migrated, older referrals not.
    ``first_estimate``: the first mid-year population estimate (2021); the last is the year before the extract.
    """

    kpis_from: date
    events_from: date
    attendance_from: date
    payments_from: date
    records_from: date
    process_from: date
    first_estimate: int


def history(reference_date: date) -> History:
    """Where each kind of event starts for extracts taken on ``reference_date``."""
    kpis_from = add_months(reference_date.replace(day=1), 1 - KPI_HISTORY_MONTHS)
    events_from = add_months(kpis_from, -12)
    september = date(events_from.year if events_from.month <= 9 else events_from.year + 1, 9, 1)
    return History(
        kpis_from=kpis_from,
        events_from=events_from,
        attendance_from=september,
        payments_from=date(financial_year(kpis_from), 4, 1),
        records_from=add_months(kpis_from, -36),
        process_from=add_months(kpis_from, -96),
        first_estimate=kpis_from.year - 1,
    )


# Adult social care: requests for support (SALT STS001), England 2022-23: about 2 million requests from
# new clients, about 1.8% of people aged 18-64 and 12% of people aged 65 and over a year.
REQUESTS_PER_PERSON_YEAR = {"18-64": 0.018, "65-74": 0.06, "75-84": 0.14, "85+": 0.35}
ASC_DEMAND_RISE_FROM = date(2024, 10, 1)
"""Requests for adult social care support rise from this month..."""
ASC_DEMAND_MONTHLY_RISE = 0.0175
"""...by this share a month, compounding."""
ASC_WINTER_SWING = 0.12
"""Requests are this share above average in January and below it in July (a cosine over the year)."""

# Children's social care, England 2022-23: about 545 referrals per 10,000 children a year, 22% of them
# within 12 months of a previous one; about 56 child protection plans started per 10,000 children and 43 open
# at the year end; about 28 children started to be looked after per 10,000 and 71 were looked after.
REFERRALS_PER_CHILD_YEAR = 0.0545
REPEAT_REFERRAL_CHANCE = 0.2
"""The chance that a referral is followed by another within a year (14 to 364 days later)."""
FRONT_DOOR_OPENED = date(2024, 9, 1)
"""A new children's front door (a multi-agency safeguarding hub) opens..."""
FRONT_DOOR_UPLIFT = 0.25
"""...and records this many more fresh referrals, all lower-need."""
CP_SHIFT_FROM = date(2025, 1, 1)
"""Child protection plans start more often from this month (a change of conference chairs and thresholds)..."""
CP_SHIFT_UPLIFT = 0.5
"""...by this share."""

# Council tax: in-year collection in England about 96% (2022-23 and 2023-24).
COST_OF_LIVING_YEAR = 2022
"""The financial year (2022-23) in which households paying other than by direct debit paid less often..."""
COST_OF_LIVING_DIP = 0.06
"""...by this many points of their chance of paying an instalment in full in its month."""
MARCH_CATCH_UP = 0.12
"""The chance that an account in arrears clears them in March (year-end reminders and summonses)..."""
MONTHLY_CATCH_UP = 0.01
"""...and in other months."""

# Homelessness, England 2023-24: about 1.6% of households a year are assessed as homeless or threatened with
# homelessness (more approach for advice); about 0.45% of households are in temporary accommodation at any time.
TA_RISE_FROM = date(2022, 4, 1)
"""Placements in temporary accommodation rise from this month (move-on homes get scarcer)..."""
TA_MONTHLY_RISE = 0.01
"""...by this share a month, compounding."""

# School absence, England 2022-23: about 7.4% of sessions missed, about 21% of pupils persistently absent.
ABSENCE_BY_SCHOOL_YEAR = {2020: 1.08, 2021: 1.08, 2022: 1.0, 2023: 0.96, 2024: 0.95}
"""Absence relative to 2022/23, by school year (2021/22 still had Covid absence); later years as 2024/25."""
ATTENDANCE_IMPROVEMENT_FROM = date(2025, 9, 1)
"""From this school year the council's attendance strategy (and the DfE's guidance) takes effect..."""
ATTENDANCE_IMPROVEMENT = 0.12
"""...and absence is this share lower than the year before."""
ABSENCE_BY_MONTH = {9: 0.78, 10: 0.96, 11: 1.02, 12: 1.22, 1: 1.08, 2: 1.1, 3: 1.0, 4: 0.9, 5: 0.9, 6: 0.95, 7: 1.12}
"""Absence by month of the school year relative to the year's average: winter illness, summer term's end."""


def winter(month: date, swing: float) -> float:
    """``1 + swing`` in January, ``1 - swing`` in July, a cosine between."""
    return 1.0 + swing * math.cos(2 * math.pi * (month.month - 1) / 12)


def asc_demand(month: date) -> float:
    """How many times the base rate of requests for adult social care support ``month`` sees."""
    rise = max(0, months_between(ASC_DEMAND_RISE_FROM, month) + 1)
    return winter(month, ASC_WINTER_SWING) * (1.0 + ASC_DEMAND_MONTHLY_RISE) ** rise


def front_door_extra(month: date) -> float:
    """Extra lower-need fresh referrals of ``month``, as a share of the usual ones (0 before the front door)."""
    return FRONT_DOOR_UPLIFT if month >= FRONT_DOOR_OPENED else 0.0


def protection_uplift(day: date) -> float:
    """How many times the base chance of a child protection plan applies on ``day``."""
    return 1.0 + CP_SHIFT_UPLIFT if day >= CP_SHIFT_FROM else 1.0


def ta_growth(month: date) -> float:
    """How many times the base chance of a placement in temporary accommodation applies in ``month``."""
    return (1.0 + TA_MONTHLY_RISE) ** max(0, months_between(TA_RISE_FROM, month))


def absence_factor(month: date) -> float:
    """How many times the base absence rate applies in ``month`` (school year and season)."""
    year = school_year(month)
    if month >= ATTENDANCE_IMPROVEMENT_FROM:
        level = ABSENCE_BY_SCHOOL_YEAR[max(ABSENCE_BY_SCHOOL_YEAR)] * (1.0 - ATTENDANCE_IMPROVEMENT)
    else:
        level = ABSENCE_BY_SCHOOL_YEAR.get(year, ABSENCE_BY_SCHOOL_YEAR[max(ABSENCE_BY_SCHOOL_YEAR)])
    return level * ABSENCE_BY_MONTH.get(month.month, 0.0)


def cost_of_living(day: date) -> float:
    """Points off the payment chance of accounts not paying by direct debit on ``day``."""
    return COST_OF_LIVING_DIP if financial_year(day) == COST_OF_LIVING_YEAR else 0.0
