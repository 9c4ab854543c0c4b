"""The synthetic population: households of people at properties of the gazetteer.

Households are drawn one by one from a mix of types close to the UK's (one person, couples, families
with dependent or grown-up children, lone parents, sharers, three generations). Children always live
with at least one adult at least 18 years older. Every household moved into its property on some day
and has a previous property, so a source system can still hold the old address.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from observatory.demo import identifiers
from observatory.demo.codes import ETHNICITIES, ETHNICITY_CUM_WEIGHTS, Ethnicity
from observatory.demo.geography import Address, Gazetteer
from observatory.demo.names import NamePools
from observatory.demo.randomness import below, cumulative, weighted

MAX_MEMBERS = 9
HOUSEHOLDS_PER_CHUNK_LIMIT = 10_000
"""Household numbers of chunk ``c`` start at ``c * HOUSEHOLDS_PER_CHUNK_LIMIT``; a chunk has fewer residents."""

_KINDS = (
    ("single", 15.0), ("single_older", 14.0), ("couple", 16.0), ("older_couple", 10.5), ("family", 18.0),
    ("lone_parent", 7.0), ("family_grown_up", 6.5), ("lone_parent_grown_up", 4.0), ("sharers", 6.0),
    ("three_generations", 3.0),
)  # fmt: skip
_KIND_NAMES = tuple(name for name, _ in _KINDS)
_KIND_CUM = cumulative(w for _, w in _KINDS)


def age_at(born: date, on: date) -> int:
    """Completed years from ``born`` to ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(slots=True, eq=False)
class Person:
    """A resident, with the true values every source record about them is derived from."""

    person_id: str
    index: int
    household: Household
    forename: str
    middle_names: str
    surname: str
    former_surname: str
    sex: str
    dob: date
    title: str
    ethnicity: Ethnicity
    nhs_number: str
    ni_number: str
    mobile: str
    age: int
    upn: str = ""

    def age_on(self, on: date) -> int:
        return age_at(self.dob, on)


@dataclass(slots=True, eq=False)
class Household:
    """People living together at one property."""

    household_id: str
    kind: str
    property_index: int
    address: Address
    previous_property_index: int
    moved_in: date
    landline: str
    members: list[Person] = field(default_factory=list)

    def adults(self) -> list[Person]:
        """Members aged 18 or over on the reference date."""
        return [p for p in self.members if p.age >= 18]


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """One chunk: its residents (dense indices ``first_resident`` onwards) and its range of properties."""

    index: int
    first_resident: int
    residents: int
    first_property: int
    properties: int
    total_properties: int


def _adult_age(rng: random.Random, low: int, high: int, mode: float | None = None) -> int:
    peak = (low + high) / 2 if mode is None else mode
    return min(high, max(low, int(rng.triangular(low, high + 1, peak))))


def _older_age(rng: random.Random) -> int:
    return min(101, 66 + int(rng.expovariate(1 / 9)))


def _children(rng: random.Random, youngest_parent: int, count: int, grown_up: bool) -> list[tuple[str, int]]:
    oldest = youngest_parent - 18
    low, high = (18, min(oldest, 34)) if grown_up else (0, min(oldest, 17))
    if high < low:
        return []
    return [("MF"[rng.random() < 0.51], low + below(rng, high - low + 1)) for _ in range(count)]


def _couple(rng: random.Random, low: int, high: int, mode: float | None = None) -> list[tuple[str, int]]:
    first = _adult_age(rng, low, high, mode)
    second = max(18, first - 6 + below(rng, 11))
    sexes = ("F", "M") if rng.random() < 0.95 else (("F", "F") if rng.random() < 0.5 else ("M", "M"))
    return [(sexes[0], first), (sexes[1], second)]


def _member_specs(kind: str, rng: random.Random) -> list[tuple[str, int]]:
    """(sex, age) of each member, adults first."""
    if kind == "single":
        return [("MF"[rng.random() < 0.48], _adult_age(rng, 18, 65, 52))]
    if kind == "single_older":
        return [("MF"[rng.random() < 0.62], _older_age(rng))]
    if kind == "couple":
        return _couple(rng, 22, 66, 56)
    if kind == "older_couple":
        first = _older_age(rng)
        return [("F", first), ("M", max(66, first + rng.randint(-3, 5)))]
    if kind in ("family", "three_generations"):
        adults = _couple(rng, 24, 56, 40)
        count = weighted(rng, (1, 2, 3, 4), (40, 80, 95, 100))
        members = adults + _children(rng, min(a for _, a in adults), count, grown_up=False)
        if kind == "three_generations":
            members.insert(2, ("MF"[rng.random() < 0.6], max(adults[0][1] + 20, _older_age(rng))))
        return members
    if kind == "lone_parent":
        parent = ("MF"[rng.random() < 0.88], _adult_age(rng, 19, 56))
        count = weighted(rng, (1, 2, 3), (50, 85, 100))
        return [parent, *_children(rng, parent[1], count, grown_up=False)]
    if kind == "family_grown_up":
        adults = _couple(rng, 44, 72)
        return adults + _children(rng, min(a for _, a in adults), 1 + below(rng, 2), grown_up=True)
    if kind == "lone_parent_grown_up":
        parent = ("MF"[rng.random() < 0.7], _adult_age(rng, 42, 80))
        return [parent, *_children(rng, parent[1], 1 + below(rng, 2), grown_up=True)]
    return [("MF"[rng.random() < 0.5], _adult_age(rng, 18, 40)) for _ in range(2 + below(rng, 4))]


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    year = on.year - age
    anchor = on.replace(year=year, day=28) if (on.month, on.day) == (2, 29) else on.replace(year=year)
    return anchor - timedelta(days=below(rng, 365))


def _ethnicity(rng: random.Random) -> Ethnicity:
    return weighted(rng, ETHNICITIES, ETHNICITY_CUM_WEIGHTS)


class PopulationBuilder:
    """Draws the households of one chunk."""

    def __init__(self, pools: NamePools, gazetteer: Gazetteer, reference_date: date) -> None:
        self.pools = pools
        self.gazetteer = gazetteer
        self.on = reference_date

    def _other_surname(self, rng: random.Random, surname: str) -> str:
        other = self.pools.surname(rng)
        while other == surname:
            other = self.pools.surname(rng)
        return other

    def _middle_names(self, rng: random.Random, sex: str) -> str:
        roll = rng.random()
        count = 2 if roll < 0.1 else (1 if roll < 0.7 else 0)
        return " ".join(self.pools.forename(rng, sex) for _ in range(count))

    def _title(self, rng: random.Random, sex: str, age: int, partnered: bool) -> str:
        if age < 18:
            return ""
        if rng.random() < 0.02:
            return "Dr"
        if sex == "M":
            return "Mr"
        if partnered or age > 60:
            return "Mrs" if rng.random() < 0.8 else "Ms"
        return "Miss" if rng.random() < 0.55 else "Ms"

    def household(
        self, rng: random.Random, plan: ChunkPlan, number: int, home: int, resident: int, room: int
    ) -> Household:
        """Household ``number`` at property ``home``, with at most ``room`` members from dense index ``resident``."""
        kind = weighted(rng, _KIND_NAMES, _KIND_CUM)
        specs = _member_specs(kind, rng)[: min(room, MAX_MEMBERS)]
        adult_ages = [age for _, age in specs if age >= 18]
        years_ago = min(rng.expovariate(1 / 8), max(0.0, min(adult_ages) - 18 + rng.random()))
        previous = below(rng, plan.total_properties)
        household = Household(
            household_id=f"H{number:09d}",
            kind=kind,
            property_index=home,
            address=self.gazetteer.address(home),
            previous_property_index=previous if previous != home else (home + 1) % plan.total_properties,
            moved_in=self.on - timedelta(days=int(years_ago * 365.25)),
            landline=identifiers.landline(rng) if rng.random() < 0.55 else "",
        )
        surname = self.pools.surname(rng)
        ethnicity = _ethnicity(rng)
        partnered = kind in ("couple", "older_couple", "family", "three_generations", "family_grown_up")
        for member, (sex, age) in enumerate(specs, start=1):
            is_partner = partnered and member == 2
            own_surname = surname
            if (kind == "sharers" and member > 1) or (is_partner and rng.random() < 0.25):
                own_surname = self._other_surname(rng, surname)
            dense = resident + member - 1
            household.members.append(
                Person(
                    person_id=f"P{number:09d}{member}",
                    index=dense,
                    household=household,
                    forename=self.pools.forename(rng, sex),
                    middle_names=self._middle_names(rng, sex),
                    surname=own_surname,
                    former_surname=self._other_surname(rng, own_surname),
                    sex=sex,
                    dob=_birth_date(rng, age, self.on),
                    title=self._title(rng, sex, age, partnered and member <= 2),
                    ethnicity=_ethnicity(rng)
                    if kind == "sharers" or (is_partner and rng.random() < 0.1)
                    else ethnicity,
                    nhs_number=identifiers.nhs_number(dense),
                    ni_number=identifiers.ni_number(dense) if age >= 16 else "",
                    mobile=identifiers.mobile(rng) if age >= 14 and rng.random() < 0.85 else "",
                    age=age,
                )
            )
        return household

    def chunk(self, rng: random.Random, plan: ChunkPlan) -> list[Household]:
        """The households of a chunk, filling its quota of residents, each at a distinct property."""
        slots = list(range(plan.first_property, plan.first_property + plan.properties))
        rng.shuffle(slots)
        limit = min(len(slots), HOUSEHOLDS_PER_CHUNK_LIMIT)
        households: list[Household] = []
        placed = 0
        while placed < plan.residents and len(households) < limit:
            number = plan.index * HOUSEHOLDS_PER_CHUNK_LIMIT + len(households)
            home = slots[len(households)]
            households.append(self.household(rng, plan, number, home, plan.first_resident + placed,
                                             plan.residents - placed))  # fmt: skip
            placed += len(households[-1].members)
        return households
