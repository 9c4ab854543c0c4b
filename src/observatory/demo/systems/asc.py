"""Adult social care: clients, the services they receive and their reviews (UTF-8 CSV).

Formats: one name field "SURNAME, Forename Middle", dates dd/mm/yyyy, gender Male/Female, ONS
ethnicity labels, spaced NHS numbers (943 476 5919), a one-line address with a separate postcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from observatory.demo import codes, identifiers
from observatory.demo.faults import DUPLICATE_ROW, ORPHAN_REFERENCE
from observatory.demo.formats import nhs_spaced, slash_date
from observatory.demo.population import Household, Person
from observatory.demo.randomness import cumulative, weighted
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.tables import SourceInfo, Table

CLIENTS = DatasetRules(
    "asc",
    "clients",
    dob_optional=True,
    own_address=True,
    optional_fields=("phone", "postcode", "ethnicity", "nhs_number"),
    holds_nhs_number=True,
)
_SERVICE_NAMES = tuple(name for name, _, _ in codes.SERVICE_TYPES)
_SERVICE_CUM = cumulative(s[1] for s in codes.SERVICE_TYPES)
_SERVICE_COST = {name: cost for name, _, cost in codes.SERVICE_TYPES}


@dataclass(frozen=True, slots=True)
class Client:
    """What adult social care holds beyond the person: why they are supported and since when."""

    support_reason: str
    first_contact: date


def _client_key(ctx: ChunkContext) -> str:
    return str(1_000_000 + ctx.serial("asc.clients"))


def _client_of(ctx: ChunkContext, key: str) -> tuple[str, list[str]]:
    """The client ID a service or review shows: ``key``, or for an orphan one no client row has."""
    if ctx.faults.orphan():
        return _client_key(ctx), [ORPHAN_REFERENCE]
    return key, []


def _chance_of_care(age: int) -> float:
    if age >= 85:
        return 0.28
    if age >= 75:
        return 0.12
    if age >= 65:
        return 0.05
    return 0.012


class AdultSocialCare(System):
    """The adult social care case management system."""

    info = SourceInfo(
        name="asc",
        title="Adult social care",
        system="Adult social care case management system",
        owner="Director of Adult Social Services",
        description="People known to adult social care, the services arranged for them and their reviews. "
        "Nightly CSV export.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "asc",
                "clients",
                "Adult social care clients",
                "One row per client record: name, date of birth, gender, ethnicity, NHS number, address.",
                "data/asc/clients.csv",
                (
                    "Person ID",
                    "Name",
                    "Date of Birth",
                    "Gender",
                    "Ethnicity",
                    "NHS Number",
                    "Address",
                    "Postcode",
                    "Telephone",
                    "Primary Support Reason",
                    "First Contact Date",
                ),
            ),
            Table(
                "asc",
                "services",
                "Adult social care services",
                "Services arranged for clients, with provider, dates and weekly cost.",
                "data/asc/services.csv",
                ("Service ID", "Person ID", "Service Type", "Provider", "Start Date", "End Date", "Weekly Cost"),
            ),
            Table(
                "asc",
                "reviews",
                "Adult social care reviews",
                "Reviews of clients' care and support, with outcome and team.",
                "data/asc/reviews.csv",
                ("Review ID", "Person ID", "Review Date", "Review Type", "Outcome", "Team"),
            ),
        )

    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        rng = ctx.select_rng
        found: list[Draft[Any]] = []
        for household in households:
            for person in household.members:
                age = person.age
                if age < 18 or rng.random() >= _chance_of_care(age):
                    continue
                years = min(age - 18, 12)
                client = Client(
                    support_reason=rng.choice(codes.SUPPORT_REASONS),
                    first_contact=self.on - timedelta(days=rng.randrange(30, 365 * years + 60)),
                )
                found.append(Draft.of(CLIENTS, person, client, household.address))
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        clients, services, reviews = self.tables
        by_person: dict[str, list[str]] = {}
        people: dict[str, Person] = {}
        for draft in drafts:
            person = draft.person
            client: Client = draft.payload
            key = _client_key(ctx)
            twice = ctx.faults.duplicate_row()
            if twice:
                draft.faults.append(DUPLICATE_ROW)
            address = draft.address
            phone = person.mobile or person.household.landline
            name = f"{draft.surname.upper()}, {draft.forename}"
            row = [
                key,
                f"{name} {draft.middle_names}" if draft.middle_names else name,
                slash_date(draft.dob),
                "Male" if person.sex == "M" else "Female",
                person.ethnicity.label if draft.has("ethnicity") else "",
                nhs_spaced(draft.nhs_number) if draft.has("nhs_number") else "",
                address.one_line() if address else "",
                address.postcode if address and draft.has("postcode") else "",
                identifiers.phone_spaced(phone) if phone and draft.has("phone") else "",
                client.support_reason,
                slash_date(client.first_contact),
            ]
            ctx.add_record(clients, row, key, draft)
            if twice:
                ctx.add(clients, row)
            by_person.setdefault(person.person_id, []).append(key)
            people.setdefault(person.person_id, person)
        for person_id, keys in by_person.items():
            self._services_and_reviews(ctx, people[person_id], keys, services, reviews)

    def _services_and_reviews(
        self, ctx: ChunkContext, person: Person, keys: list[str], services: Table, reviews: Table
    ) -> None:
        rng = ctx.render_rng
        for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
            kind = weighted(rng, _SERVICE_NAMES, _SERVICE_CUM)
            start = self.on - timedelta(days=rng.randrange(7, 3 * 365))
            ended = start + timedelta(days=rng.randrange(14, 400)) if rng.random() < 0.3 else None
            cost = _SERVICE_COST[kind] * rng.uniform(0.8, 1.3)
            key = f"S{10_000_000 + ctx.serial('asc.services')}"
            client, faults = _client_of(ctx, rng.choice(keys))
            provider = rng.choice(codes.CARE_PROVIDERS)
            ended = ctx.faults.end_date(start, ended if ended and ended < self.on else None, faults)
            row = [key, client, kind, provider, slash_date(start), slash_date(ended), f"{cost:.2f}" if cost else ""]
            ctx.add_linked(services, row, key, person, faults)
        for _ in range(rng.randrange(4)):
            key = f"R{10_000_000 + ctx.serial('asc.reviews')}"
            when = self.on - timedelta(days=rng.randrange(1, 3 * 365))
            kind = "Annual Review" if rng.random() < 0.75 else "Unplanned Review"
            client, faults = _client_of(ctx, rng.choice(keys))
            outcome = rng.choice(codes.REVIEW_OUTCOMES)
            row = [key, client, slash_date(when), kind, outcome, rng.choice(codes.CARE_TEAMS)]
            ctx.add_linked(reviews, row, key, person, faults)
