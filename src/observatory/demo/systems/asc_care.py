"""Adult social care services and reviews over time: who gets which support from when, and when it is reviewed.

A client's support starts a few weeks after their first contact: sometimes reablement first, then (for most)
long-term support that goes on to the extract date, changing type now and then (home care to a care home,
say). Long-term support is reviewed six to twelve weeks after it starts and then about once a year; the
interval is drawn so that roughly a quarter of clients receiving long-term support for 12 months or more have
had no review in the last 12 months at any month end (the "reviews overdue" KPI). Unplanned reviews
(after a fall or a hospital stay) come in between.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from observatory.demo import codes
from observatory.demo.faults import ORPHAN_REFERENCE
from observatory.demo.formats import slash_date
from observatory.demo.localities import locality_of
from observatory.demo.population import Person
from observatory.demo.randomness import cumulative, weighted
from observatory.demo.systems.base import ChunkContext
from observatory.demo.tables import Table

LONG_TERM = ("Home Care", "Residential Care", "Nursing Care", "Day Care", "Direct Payment", "Supported Living")
"""Service types that are long-term support (SALT); reablement and equipment are short-term or one-off."""
_LONG_TERM_WEIGHTS = cumulative((35, 14, 7, 10, 16, 6))
_COST = {name: cost for name, _, cost in codes.SERVICE_TYPES}
REVIEW_INTERVAL_MEDIAN_DAYS = 420
REVIEW_INTERVAL_SPREAD = 0.4
"""Annual review intervals are log-normal around the median, with this standard deviation of the logarithm."""
UNPLANNED_REVIEWS_PER_YEAR = 0.12


@dataclass(frozen=True)
class ClientKeys:
    """A person's client records: their Person IDs and the day they first contacted adult social care."""

    keys: list[str]
    first_contact: date
    support_reason: str


def client_key(ctx: ChunkContext) -> str:
    return str(1_000_000 + ctx.serial("asc.clients"))


def client_of(ctx: ChunkContext, rng: random.Random, keys: list[str]) -> tuple[str, list[str]]:
    """The Person ID a service or review shows: one of ``keys``, or for an orphan one no client row has."""
    if ctx.faults.orphan():
        return client_key(ctx), [ORPHAN_REFERENCE]
    return rng.choice(keys), []


class CareHistory:
    """Writes the services and reviews of one chunk's clients."""

    def __init__(self, ctx: ChunkContext, services: Table, reviews: Table) -> None:
        self.ctx = ctx
        self.on = ctx.on
        self.rng = ctx.stream("asc.care")
        self.services = services
        self.reviews = reviews

    def client(self, person: Person, client: ClientKeys) -> None:
        rng = self.rng
        start = client.first_contact + timedelta(days=rng.randrange(7, 90))
        if start > self.on:
            return
        if rng.random() < 0.35:
            reabled = start + timedelta(days=rng.randrange(21, 57))
            self._service(person, client, "Reablement", start, reabled if reabled < self.on else None)
            start = reabled + timedelta(days=1)
        if rng.random() < 0.3:
            self._service(person, client, "Equipment", start + timedelta(days=rng.randrange(0, 30)), None)
        if start > self.on or rng.random() >= 0.85:
            return
        self._reviews(person, client, start)
        kind = self._long_term_kind(person)
        while True:
            ends: date | None = start + timedelta(days=rng.randrange(60, 1500)) if rng.random() < 0.3 else None
            if ends is not None and ends >= self.on:
                ends = None
            self._service(person, client, kind, start, ends)
            if ends is None:
                return
            start = ends + timedelta(days=1)
            kind = self._long_term_kind(person)

    def _long_term_kind(self, person: Person) -> str:
        kind = weighted(self.rng, LONG_TERM, _LONG_TERM_WEIGHTS)
        if kind == "Supported Living" and person.age >= 75:
            return "Home Care"
        return kind

    def _service(self, person: Person, client: ClientKeys, kind: str, start: date, ends: date | None) -> None:
        ctx = self.ctx
        key = f"S{10_000_000 + ctx.serial('asc.services')}"
        subject, faults = client_of(ctx, self.rng, client.keys)
        ends = ctx.faults.end_date(start, ends, faults)
        cost = _COST[kind] * self.rng.uniform(0.8, 1.3)
        provider = self.rng.choice(codes.CARE_PROVIDERS)
        row = [key, subject, kind, provider, slash_date(start), slash_date(ends), f"{cost:.2f}" if cost else ""]
        ctx.add_linked(self.services, row, key, person, faults)
        ctx.add_event("asc.services", key, subject, start, ends, kind=kind, faults=faults)

    def _reviews(self, person: Person, client: ClientKeys, support_from: date) -> None:
        """Reviews of long-term support starting on ``support_from``: a first one, then about yearly."""
        rng = self.rng
        locality = locality_of(self.ctx.gazetteer, person.household.property_index)
        team = (
            "Learning Disability" if client.support_reason == "Learning Disability Support" else f"{locality} Locality"
        )
        planned = support_from + timedelta(days=rng.randrange(42, 91))
        unplanned = self._next_unplanned(support_from)
        while min(planned, unplanned) <= self.on:
            if unplanned < planned:
                when, kind = unplanned, "Unplanned Review"
            else:
                when, kind = planned, "Annual Review"
            self._review(person, client, when, kind, team)
            interval = REVIEW_INTERVAL_MEDIAN_DAYS * math.exp(rng.gauss(0.0, REVIEW_INTERVAL_SPREAD))
            planned = when + timedelta(days=int(interval))
            unplanned = self._next_unplanned(when)

    def _next_unplanned(self, after: date) -> date:
        return after + timedelta(days=1 + int(365 * self.rng.expovariate(UNPLANNED_REVIEWS_PER_YEAR)))

    def _review(self, person: Person, client: ClientKeys, when: date, kind: str, team: str) -> None:
        ctx = self.ctx
        key = f"R{10_000_000 + ctx.serial('asc.reviews')}"
        subject, faults = client_of(ctx, self.rng, client.keys)
        outcome = self.rng.choice(codes.REVIEW_OUTCOMES)
        row = [key, subject, slash_date(when), kind, outcome, team]
        ctx.add_linked(self.reviews, row, key, person, faults)
        ctx.add_event("asc.reviews", key, subject, when, kind=kind, faults=faults)
