"""Children's social care over time: referrals, repeat referrals and the plans that follow them.

The chunk's children are followed month by month from ``History.process_from`` (April 2014 by default):

- fresh referrals arrive at ``events.REFERRALS_PER_CHILD_YEAR`` per child (less the repeats, times the demo
  intensity), mostly for children of the households with higher needs (30% of households, six times the
  chance), never for a child referred in the last 365 days; from ``events.FRONT_DOOR_OPENED`` the new front
  door adds 25% more fresh referrals, all lower-need;
- after any referral, another follows 14 to 364 days later with ``events.REPEAT_REFERRAL_CHANCE``;
- a higher-need referral that goes to assessment may lead to a child in need plan, a child protection plan
  (more often from ``events.CP_SHIFT_FROM``) or the child becoming looked after; some protection plans end
  with the child looked after; nobody is looked after beyond their 18th birthday.

Only referrals from ``History.records_from`` (the system's go-live, April 2019) are exported, with every plan still
open on that day or started since.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from observatory.demo import codes, events
from observatory.demo.months import day_in_month, month_end, month_starts
from observatory.demo.population import Household, Person
from observatory.demo.randomness import cumulative, poisson, weighted

HIGHER_NEEDS_SHARE = 0.3
HIGHER_NEEDS_WEIGHT = 6.0
LOOKED_AFTER_CHANCE = 0.055
PROTECTION_CHANCE = 0.15
CHILD_IN_NEED_CHANCE = 0.25
PROTECTION_TO_CARE = 0.1
"""The share of protection plans that end with the child becoming looked after."""
PROTECTION_MEDIAN_MONTHS = 7.5
LOOKED_AFTER_MEAN_YEARS = 2.5
_SOURCES = ("Police", "Schools", "Health services", "Individual", "LA services", "Other legal agency", "Other")
_SOURCE_CUM = cumulative((29, 20, 14, 7, 13, 4, 13))
_HIGHER_OUTCOMES = ("Assessment", "Early help", "No further action")
_HIGHER_CUM = cumulative((75, 15, 10))
_LOWER_OUTCOMES = ("Early help", "No further action")
_LOWER_CUM = cumulative((45, 55))
_HIGHER_NEEDS = codes.PRIMARY_NEEDS[:6]
_HIGHER_NEEDS_CUM = cumulative((55, 8, 6, 15, 12, 4))
_LOWER_NEEDS = codes.PRIMARY_NEEDS[3:]
_LOWER_NEEDS_CUM = cumulative((30, 20, 8, 12, 6, 24))
_CATEGORY_CUM = cumulative((50, 38, 6, 4, 2))
Candidate = tuple[date, str, float, Person]
"""A child who may be referred: date of birth, person ID, weight (higher needs or not) and the person."""


@dataclass(slots=True)
class Referral:
    day: date
    source: str
    need: str
    outcome: str


@dataclass(slots=True)
class Plan:
    kind: str
    start: date
    end: date | None
    category: str = ""


@dataclass(slots=True)
class CaseHistory:
    """What children's social care holds about one child: referrals and plans, in date order."""

    referrals: list[Referral] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    protected_until: date = date.min
    looked_after_until: date = date.min
    last_referral: date = date.min
    pending: int = 0


def _eighteenth(born: date) -> date:
    return born.replace(year=born.year + 18) if (born.month, born.day) != (2, 29) else date(born.year + 18, 3, 1)


class ChildrensCases:
    """Runs the referral and plan process for the children of one chunk."""

    def __init__(self, rng: random.Random, reference_date: date) -> None:
        self.rng = rng
        self.on = reference_date
        self.cases: dict[str, CaseHistory] = {}

    def run(self, households: list[Household]) -> dict[str, CaseHistory]:
        """The case history of every child of ``households`` ever referred, by person ID."""
        rng = self.rng
        start = events.history(self.on).process_from
        oldest = date(start.year - 18, 1, 1)
        weighted_children: list[Candidate] = []
        for household in households:
            children = [p for p in household.members if oldest < p.dob <= self.on]
            if not children:
                continue
            weight = HIGHER_NEEDS_WEIGHT if rng.random() < HIGHER_NEEDS_SHARE else 1.0
            weighted_children += [(child.dob, child.person_id, weight, child) for child in children]
        weighted_children.sort(key=lambda item: (item[0], item[1]))
        births = [item[0] for item in weighted_children]
        follow_ups: list[tuple[date, str, bool, int]] = []
        people = {item[1]: item[3] for item in weighted_children}
        counter = 0
        for month in month_starts(start, self.on):
            last = month_end(month)
            while follow_ups and follow_ups[0][0] <= last:
                day, person_id, higher_need, _ = heapq.heappop(follow_ups)
                self.cases[person_id].pending -= 1
                if day < _eighteenth(people[person_id].dob):
                    counter = self._refer(people[person_id], day, higher_need, follow_ups, counter)
            eligible = weighted_children[bisect_right(births, _years_before(month, 18)) : bisect_right(births, month)]
            expected = len(eligible) * events.REFERRALS_PER_CHILD_YEAR * (1 - events.REPEAT_REFERRAL_CHANCE)
            expected *= events.DEMO_INTENSITY / 12
            higher = poisson(rng, expected)
            lower = poisson(rng, expected * events.front_door_extra(month))
            stale = month - timedelta(days=365)
            candidates = [
                item
                for item in eligible
                if (known := self.cases.get(item[1])) is None or (known.last_referral < stale and not known.pending)
            ]
            for index, item in enumerate(_choose(rng, candidates, higher + lower)):
                day = day_in_month(rng, month, self.on)
                if item[3].dob <= day < _eighteenth(item[3].dob):
                    counter = self._refer(item[3], day, index < higher, follow_ups, counter)
        return self.cases

    def _refer(
        self, child: Person, day: date, higher: bool, follow_ups: list[tuple[date, str, bool, int]], counter: int
    ) -> int:
        rng = self.rng
        case = self.cases.setdefault(child.person_id, CaseHistory())
        if higher:
            outcome = weighted(rng, _HIGHER_OUTCOMES, _HIGHER_CUM)
            need = weighted(rng, _HIGHER_NEEDS, _HIGHER_NEEDS_CUM)
        else:
            outcome = weighted(rng, _LOWER_OUTCOMES, _LOWER_CUM)
            need = weighted(rng, _LOWER_NEEDS, _LOWER_NEEDS_CUM)
        case.referrals.append(Referral(day, weighted(rng, _SOURCES, _SOURCE_CUM), need, outcome))
        case.last_referral = day
        if rng.random() < events.REPEAT_REFERRAL_CHANCE:
            again = day + timedelta(days=rng.randrange(14, 365))
            if again <= self.on:
                case.pending += 1
                heapq.heappush(follow_ups, (again, child.person_id, higher, counter))
                counter += 1
        if outcome == "Assessment":
            self._plans(child, case, day)
        return counter

    def _plans(self, child: Person, case: CaseHistory, day: date) -> None:
        rng = self.rng
        roll = rng.random()
        start = day + timedelta(days=rng.randrange(10, 46))
        if start > self.on or start >= _eighteenth(child.dob):
            return
        if roll < LOOKED_AFTER_CHANCE:
            self._look_after(child, case, day + timedelta(days=rng.randrange(1, 61)))
            return
        roll -= LOOKED_AFTER_CHANCE
        protection = PROTECTION_CHANCE * events.protection_uplift(start)
        if roll < protection:
            if case.protected_until < start and case.looked_after_until < start:
                self._protect(child, case, start)
            return
        if roll - protection < CHILD_IN_NEED_CHANCE:
            end = start + timedelta(days=rng.randrange(90, 366))
            self._add(child, case, Plan("Child in Need Plan", start, end))

    def _protect(self, child: Person, case: CaseHistory, start: date) -> None:
        rng = self.rng
        months = min(36.0, max(1.0, PROTECTION_MEDIAN_MONTHS * math.exp(rng.gauss(0.0, 0.6))))
        end = min(start + timedelta(days=int(30.44 * months)), _eighteenth(child.dob))
        category = weighted(rng, codes.ABUSE_CATEGORIES, _CATEGORY_CUM)
        case.protected_until = end
        self._add(child, case, Plan("Child Protection Plan", start, end, category))
        if rng.random() < PROTECTION_TO_CARE:
            self._look_after(child, case, end)

    def _look_after(self, child: Person, case: CaseHistory, start: date) -> None:
        if start > self.on or case.looked_after_until >= start or start >= _eighteenth(child.dob):
            return
        for plan in case.plans:
            if plan.kind == "Child Protection Plan" and plan.start < start and (plan.end is None or plan.end > start):
                plan.end = start
                case.protected_until = start
        years = self.rng.expovariate(1 / LOOKED_AFTER_MEAN_YEARS)
        end = min(start + timedelta(days=max(7, int(365.25 * years))), _eighteenth(child.dob))
        case.looked_after_until = end
        self._add(child, case, Plan("Looked After", start, end))

    def _add(self, child: Person, case: CaseHistory, plan: Plan) -> None:
        if plan.start > self.on:
            return
        if plan.end is not None and plan.end > self.on:
            plan.end = None
        case.plans.append(plan)


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years) if (day.month, day.day) != (2, 29) else date(day.year - years, 2, 28)


def _choose(rng: random.Random, items: list[Candidate], count: int) -> list[Candidate]:
    """``count`` different items (all if fewer), drawn with their weights."""
    if count >= len(items):
        return list(items)
    totals = list(accumulate(item[2] for item in items))
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        chosen.setdefault(bisect(totals, rng.random() * totals[-1]), None)
    return [items[index] for index in chosen]
