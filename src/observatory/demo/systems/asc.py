"""Adult social care: clients, the services they receive, their reviews and requests for support (UTF-8 CSV).

Formats: one name field "SURNAME, Forename Middle", dates dd/mm/yyyy, gender Male/Female, ONS
ethnicity labels, spaced NHS numbers (943 476 5919), a one-line address with a separate postcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from observatory.demo import codes, identifiers
from observatory.demo.faults import DUPLICATE_ROW
from observatory.demo.formats import nhs_spaced, slash_date
from observatory.demo.population import Household, Person
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.asc_care import CareHistory, ClientKeys, client_key
from observatory.demo.systems.asc_contacts import write_contacts
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


@dataclass(frozen=True, slots=True)
class Client:
    """What adult social care holds beyond the person: why they are supported and since when."""

    support_reason: str
    first_contact: date


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
            Table(
                "asc",
                "contacts",
                "Requests for adult social care support",
                "Every request for support received by the front door: date, route of access, age band, postcode, "
                "locality and what happened next; the Person ID when the person is already a client.",
                "data/asc/contacts.csv",
                (
                    "Contact ID",
                    "Person ID",
                    "Contact Date",
                    "Contact Source",
                    "Age Band",
                    "Postcode",
                    "Locality",
                    "Outcome",
                ),
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
        clients, services, reviews, contacts = self.tables
        found: dict[str, ClientKeys] = {}
        people: dict[str, Person] = {}
        for draft in drafts:
            person = draft.person
            client: Client = draft.payload
            key = client_key(ctx)
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
            if person.person_id in found:
                found[person.person_id].keys.append(key)
            else:
                found[person.person_id] = ClientKeys([key], client.first_contact, client.support_reason)
            people.setdefault(person.person_id, person)
        history = CareHistory(ctx, services, reviews)
        for person_id, keys in found.items():
            history.client(people[person_id], keys)
        write_contacts(ctx, ctx.households, found, contacts)
