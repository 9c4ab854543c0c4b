"""School attendance: sessions possible and missed, per pupil and month, from September 2021 (UTF-8 CSV).

Every pupil who was in reception to year 11 at the council's schools in a school year since 2021/22 has a row
per month of term (September to July), under their UPN: pupils on roll now, and those who have moved on
since. Each pupil has their own propensity to miss school (a gamma distribution, so a minority miss a lot:
about one in five is persistently absent); secondary pupils miss more. ``events.absence_factor`` sets the
season (winter illness) and the year: absence falls by 12% from September 2025. About a third of absence
is unauthorised. A few rows are exported twice.

The true totals of pupils in years 1 to 11 (those absence statistics cover) go to ``kpi_monthly.csv``:
sessions possible and missed by month, and by calendar quarter the pupils with any possible session and
those who missed 10% or more of them (persistently absent).
"""

from __future__ import annotations

from datetime import date

from observatory.demo import events
from observatory.demo.faults import DUPLICATE_ROW
from observatory.demo.formats import iso_date
from observatory.demo.identifiers import UPN_LA_NUMBER
from observatory.demo.months import month_starts, school_year
from observatory.demo.population import Person, age_at
from observatory.demo.randomness import binomial
from observatory.demo.systems.base import ChunkContext
from observatory.demo.tables import Table

SESSIONS = {9: 34, 10: 32, 11: 40, 12: 30, 1: 36, 2: 32, 3: 38, 4: 26, 5: 36, 6: 40, 7: 30}
"""Sessions (two a school day) possible in each month of term, before illness or holidays are counted."""
MEAN_ABSENCE = 0.074
"""The share of sessions missed in 2022/23 (England, about 7.4%)..."""
PHASE_FACTOR = {"primary": 0.8, "secondary": 1.22}
"""...about 5.9% in primary schools and 9.0% in secondary schools."""
PROPENSITY_SHAPE = 1.4
"""Shape of the gamma distribution of pupils' propensities: lower means more pupils missing a lot."""
UNAUTHORISED_SHARE = 0.33
ABSENCE_DATASET = "schools.attendance"
DUPLICATE = ("schools", "attendance", "upn", DUPLICATE_ROW)


def _quarter(month: date) -> date:
    return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def year_group(person: Person, year: int) -> int:
    """National curriculum year (0 for reception) by age on 31 August before school year ``year``."""
    return age_at(person.dob, date(year, 8, 31)) - 4


def write_attendance(ctx: ChunkContext, pupils: list[Person], table: Table, school: dict[str, tuple[int, int]]) -> None:
    """Monthly attendance rows of ``pupils`` (people with a UPN); ``school`` gives their primary and secondary."""
    rng = ctx.stream("schools.attendance")
    months = [
        (index, iso_date(m), school_year(m), SESSIONS[m.month], events.absence_factor(m), _quarter(m))
        for index, m in enumerate(
            m for m in month_starts(events.history(ctx.on).attendance_from, ctx.on) if m.month in SESSIONS
        )
    ]
    years = sorted({year for _, _, year, _, _, _ in months})
    quarter_starts = sorted({quarter for *_, quarter in months})
    possible_by_month = [0] * len(months)
    missed_by_month = [0] * len(months)
    pupils_by_quarter = dict.fromkeys(quarter_starts, 0)
    absent_by_quarter = dict.fromkeys(quarter_starts, 0)
    rows = ctx.rows.setdefault(table.key, [])
    duplicate = ctx.faults.duplicate_event
    for person in pupils:
        propensity = rng.gammavariate(PROPENSITY_SHAPE, MEAN_ABSENCE / PROPENSITY_SHAPE)
        unauthorised = min(0.9, rng.uniform(0.5, 1.5) * UNAUTHORISED_SHARE)
        primary, secondary = school[person.person_id]
        groups = {year: year_group(person, year) for year in years}
        quarters: dict[date, list[int]] = {}
        for index, period, year, possible, factor, quarter in months:
            group = groups[year]
            if not 0 <= group <= 11:
                continue
            phase = "primary" if group <= 6 else "secondary"
            missed = binomial(rng, possible, min(0.95, propensity * PHASE_FACTOR[phase] * factor))
            unauth = binomial(rng, missed, unauthorised)
            estab = f"{UPN_LA_NUMBER}{primary if phase == 'primary' else secondary}"
            nc_year = "R" if group == 0 else str(group)
            row = [person.upn, estab, nc_year, period, str(possible), str(missed - unauth), str(unauth)]
            rows.append(row)
            if duplicate():
                rows.append(row)
                ctx.quality[DUPLICATE] += 1
            if group >= 1:
                possible_by_month[index] += possible
                missed_by_month[index] += missed
                sums = quarters.setdefault(quarter, [0, 0])
                sums[0] += possible
                sums[1] += missed
        for quarter, (possible, missed) in quarters.items():
            pupils_by_quarter[quarter] += 1
            absent_by_quarter[quarter] += int(missed * 10 >= possible)
    for index, period, *_ in months:
        ctx.totals[(ABSENCE_DATASET, period, "possible_sessions")] += possible_by_month[index]
        ctx.totals[(ABSENCE_DATASET, period, "missed_sessions")] += missed_by_month[index]
    for quarter in quarter_starts:
        ctx.totals[(ABSENCE_DATASET, quarter.isoformat(), "pupils")] += pupils_by_quarter[quarter]
        ctx.totals[(ABSENCE_DATASET, quarter.isoformat(), "persistently_absent")] += absent_by_quarter[quarter]
