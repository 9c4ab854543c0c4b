"""Homelessness: households approaching the council, and their placements in temporary accommodation (UTF-8 CSV).

Exports of the homelessness case management system in H-CLIC's categories, dates dd/mm/yyyy. Each month
households approach as homeless or threatened with homelessness at a rate by household type (about 2.5% of
households a year, times the demo intensity). Some are placed in temporary accommodation a few
days later, a chance that rises 1% a month from April 2022 (``events.ta_growth``), so the number of households
in temporary accommodation at month end rises. A stay lasts about a year; households placed first in a bed
and breakfast, a hostel or nightly paid rooms often move on to leased or social homes during their stay, each
move a new placement of the same case. A few case rows are exported twice; a few placements end before they
start (a keying error).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from observatory.demo import events
from observatory.demo.faults import DUPLICATE_ROW
from observatory.demo.formats import slash_date
from observatory.demo.months import day_in_month, month_starts
from observatory.demo.population import Household
from observatory.demo.randomness import cumulative, pick, poisson, weighted
from observatory.demo.systems.base import ChunkContext
from observatory.demo.tables import Table

APPROACHES_PER_HOUSEHOLD_YEAR = {
    "single": 0.05,
    "lone_parent": 0.07,
    "sharers": 0.04,
    "family": 0.02,
    "couple": 0.013,
    "single_older": 0.01,
    "older_couple": 0.005,
    "family_grown_up": 0.017,
    "lone_parent_grown_up": 0.024,
    "three_generations": 0.02,
}
"""Approaches a year per household, by household type (about 2.5% over all households)."""
TA_CHANCE = 0.125
"""The chance that an approaching household is placed in temporary accommodation (April 2022's level)."""
TA_MEDIAN_DAYS = 300
HOUSEHOLD_TYPES = (
    "Single adult male",
    "Single adult female",
    "Single parent with dependent children",
    "Couple with dependent children",
    "Couple or two adults without dependent children",
    "Three or more adults without dependent children",
)
_TYPE_OF_KIND = {
    "lone_parent": HOUSEHOLD_TYPES[2],
    "family": HOUSEHOLD_TYPES[3],
    "three_generations": HOUSEHOLD_TYPES[3],
    "couple": HOUSEHOLD_TYPES[4],
    "older_couple": HOUSEHOLD_TYPES[4],
    "lone_parent_grown_up": HOUSEHOLD_TYPES[4],
    "sharers": HOUSEHOLD_TYPES[5],
    "family_grown_up": HOUSEHOLD_TYPES[5],
}
REASONS = (
    "End of private rented tenancy - assured shorthold",
    "Family or friends no longer willing or able to accommodate",
    "Domestic abuse",
    "Non-violent relationship breakdown with partner",
    "End of social rented tenancy",
    "Eviction from supported housing",
    "Left institution with no accommodation available",
    "Other reasons",
)
_REASON_CUM = cumulative((25, 28, 10, 8, 5, 4, 4, 16))
DUTIES = ("Prevention duty owed", "Relief duty owed", "Not owed a prevention or relief duty")
_DUTY_CUM = cumulative((55, 38, 7))
ACCOMMODATION_TYPES = (
    "Bed and breakfast hotel",
    "Nightly paid, privately managed accommodation",
    "Hostel",
    "Private sector accommodation leased by the authority",
    "Local authority or housing association stock",
    "Any other type of accommodation",
)
_FIRST_PLACEMENT_CUM = cumulative((35, 30, 20, 0, 12, 3))
_MOVE_ON = ACCOMMODATION_TYPES[3:5]


def household_type(household: Household) -> str:
    """The H-CLIC household type of ``household``."""
    found = _TYPE_OF_KIND.get(household.kind)
    if found is not None:
        return found
    adults = household.adults() or household.members
    return HOUSEHOLD_TYPES[0] if adults[0].sex == "M" else HOUSEHOLD_TYPES[1]


class Homelessness:
    """Writes one chunk's homelessness cases and placements."""

    def __init__(self, ctx: ChunkContext, cases: Table, placements: Table) -> None:
        self.ctx = ctx
        self.rng = ctx.stream("housing.homelessness")
        self.cases = cases
        self.placements = placements

    def write(self, households: list[Household]) -> None:
        rng = self.rng
        by_kind: dict[str, list[Household]] = {}
        for household in households:
            if household.adults():
                by_kind.setdefault(household.kind, []).append(household)
        for month in month_starts(events.history(self.ctx.on).records_from, self.ctx.on):
            for kind, found in sorted(by_kind.items()):
                expected = len(found) * APPROACHES_PER_HOUSEHOLD_YEAR[kind] * events.DEMO_INTENSITY / 12
                for _ in range(poisson(rng, expected)):
                    self._case(pick(rng, found), day_in_month(rng, month, self.ctx.on), month)

    def _case(self, household: Household, day: date, month: date) -> None:
        ctx, rng = self.ctx, self.rng
        key = f"HL{1_000_000 + ctx.serial('housing.homelessness')}"
        kind = household_type(household)
        reason = weighted(rng, REASONS, _REASON_CUM)
        postcode = ctx.gazetteer.address(ctx.home_on(household, day)).postcode
        row = [key, slash_date(day), kind, reason, weighted(rng, DUTIES, _DUTY_CUM), postcode]
        lead = (household.adults() or household.members)[0]
        faults = [DUPLICATE_ROW] if ctx.faults.duplicate_event() else []
        ctx.add_linked(self.cases, row, key, lead, faults)
        if faults:
            ctx.add(self.cases, row)
        ctx.add_event("housing.homelessness", key, key, day, kind=kind, outcome=reason, faults=faults)
        if rng.random() < TA_CHANCE * events.ta_growth(month):
            self._placements(household, key, kind, day + timedelta(days=rng.randrange(0, 15)))

    def _placements(self, household: Household, case: str, kind: str, start: date) -> None:
        rng = self.rng
        on = self.ctx.on
        leaves = start + timedelta(days=max(3, int(TA_MEDIAN_DAYS * math.exp(rng.gauss(0.0, 0.7)))))
        accommodation = weighted(rng, ACCOMMODATION_TYPES, _FIRST_PLACEMENT_CUM)
        while start <= on:
            ends = leaves
            moving = accommodation not in _MOVE_ON and rng.random() < 0.6
            if moving:
                ends = min(leaves, start + timedelta(days=rng.randrange(21, 71)))
            self._placement(household, case, kind, start, ends if ends <= on else None, accommodation)
            if ends >= leaves:
                return
            start, accommodation = ends, rng.choice(_MOVE_ON)

    def _placement(
        self, household: Household, case: str, kind: str, start: date, ends: date | None, accommodation: str
    ) -> None:
        ctx = self.ctx
        key = f"TA{1_000_000 + ctx.serial('housing.temporary_accommodation')}"
        faults: list[str] = []
        recorded = ctx.faults.end_date(start, ends, faults)
        row = [key, case, slash_date(start), slash_date(recorded), accommodation, kind]
        lead = (household.adults() or household.members)[0]
        ctx.add_linked(self.placements, row, key, lead, faults)
        ctx.add_event("housing.temporary_accommodation", key, case, start, recorded, kind=accommodation, faults=faults)
