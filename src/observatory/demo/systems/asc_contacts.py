"""Requests for adult social care support (the "front door"): who asked, when, through whom, and what happened.

Each month, adults ask for support at a rate by age band (``events.REQUESTS_PER_PERSON_YEAR`` times the demo
intensity) that follows ``events.asc_demand``: a winter peak, and a rise of 1.75% a month from October 2024.
A request names the Person ID of the client when the person is already known to adult social care (their
first contact was earlier), the age band on the day, the postcode and locality of where they lived then,
the route of access and what happened next (SALT's categories). A few rows are exported twice.
"""

from __future__ import annotations

import random
from datetime import date

from observatory.demo import events
from observatory.demo.faults import DUPLICATE_ROW
from observatory.demo.formats import slash_date
from observatory.demo.localities import locality_of
from observatory.demo.months import adult_age_band, day_in_month, financial_year, month_starts
from observatory.demo.population import Household, Person, age_at
from observatory.demo.randomness import cumulative, pick, poisson, weighted
from observatory.demo.systems.asc_care import ClientKeys
from observatory.demo.systems.base import ChunkContext
from observatory.demo.tables import Table

CONTACT_SOURCES = (
    ("Self-referral", 24),
    ("Family, friend or neighbour", 20),
    ("GP or community health", 14),
    ("Hospital", 16),
    ("Other health service", 6),
    ("Police", 3),
    ("Housing", 4),
    ("Voluntary or community sector", 6),
    ("Other", 7),
)
CONTACT_OUTCOMES = (
    ("Information and advice", 26),
    ("Signposted to other services", 16),
    ("Short term support to maximise independence", 14),
    ("Assessment of needs", 30),
    ("Long term support", 5),
    ("No further action", 9),
)
"""What happened next, SALT STS001 style."""
RESOLVED_AT_FIRST_CONTACT = ("Information and advice", "Signposted to other services")
_SOURCES = tuple(name for name, _ in CONTACT_SOURCES)
_SOURCE_CUM = cumulative(weight for _, weight in CONTACT_SOURCES)
_OUTCOMES = tuple(name for name, _ in CONTACT_OUTCOMES)
_OUTCOME_CUM = cumulative(weight for _, weight in CONTACT_OUTCOMES)


def _adults_by_band(people: list[Person], year_start: date) -> dict[str, list[Person]]:
    """Adults (18 or over on ``year_start``) by their age band on that day."""
    found: dict[str, list[Person]] = {}
    adults = _years_before(year_start, 18)
    for person in people:
        if person.dob <= adults:
            found.setdefault(adult_age_band(age_at(person.dob, year_start)), []).append(person)
    return found


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def write_contacts(
    ctx: ChunkContext, households: list[Household], clients: dict[str, ClientKeys], contacts: Table
) -> None:
    """Every request for support made by the chunk's adults from ``History.events_from`` to the extract date."""
    rng = ctx.stream("asc.contacts")
    people = [person for household in households for person in household.members]
    bands: dict[int, dict[str, list[Person]]] = {}
    for month in month_starts(events.history(ctx.on).events_from, ctx.on):
        year = financial_year(month)
        if year not in bands:
            bands[year] = _adults_by_band(people, date(year, 4, 1))
        demand = events.asc_demand(month) * events.DEMO_INTENSITY / 12
        for band, found in bands[year].items():
            for _ in range(poisson(rng, len(found) * events.REQUESTS_PER_PERSON_YEAR[band] * demand)):
                _contact(ctx, rng, pick(rng, found), day_in_month(rng, month, ctx.on), clients, contacts)


def _contact(
    ctx: ChunkContext, rng: random.Random, person: Person, day: date, clients: dict[str, ClientKeys], table: Table
) -> None:
    key = f"CT{10_000_000 + ctx.serial('asc.contacts')}"
    client = clients.get(person.person_id)
    known = client.keys[0] if client is not None and client.first_contact <= day else ""
    band = adult_age_band(age_at(person.dob, day))
    home = ctx.home_on(person.household, day)
    postcode = ctx.gazetteer.address(home).postcode
    outcome = weighted(rng, _OUTCOMES, _OUTCOME_CUM)
    row = [
        key,
        known,
        slash_date(day),
        weighted(rng, _SOURCES, _SOURCE_CUM),
        band,
        postcode,
        locality_of(ctx.gazetteer, home),
        outcome,
    ]
    twice = ctx.faults.duplicate_event()
    faults = [DUPLICATE_ROW] if twice else []
    ctx.add_linked(table, row, key, person, faults)
    if twice:
        ctx.add(table, row)
    ctx.add_event("asc.contacts", key, known, day, age_band=band, outcome=outcome, faults=faults)
