"""Housing: the housing register (applications) and council tenancies (one XLSX workbook), and homelessness.

Homelessness cases and placements in temporary accommodation come from another system as CSV files
(``systems.homelessness``).

Formats: title, first name and last name columns, dates as Excel date cells, sex M/F, spaced NI
numbers (AB 12 34 56 C), two address lines plus town, phone numbers like (01632) 960123. At a
million residents the tenancies sheet holds about 94,000 rows, far below Excel's 1,048,576; longer
tables continue on further sheets ("Tenancies (2)", dataset ``tenancies_2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from observatory.demo import codes, identifiers
from observatory.demo.formats import ni_spaced
from observatory.demo.geography import Address
from observatory.demo.population import Household
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.systems.homelessness import Homelessness
from observatory.demo.tables import Cell, SourceInfo, Table

APPLICATIONS = DatasetRules(
    "housing", "applications", dob_optional=True, own_address=True, optional_fields=("phone", "ni_number", "postcode")
)
TENANCIES = DatasetRules("housing", "tenancies", dob_optional=True, optional_fields=("ni_number",))
WORKBOOK = "data/housing/housing_register.xlsx"
PARTNERED = ("couple", "older_couple", "family", "three_generations", "family_grown_up")
_TENANT_CHANCE = {
    "single_older": 0.25,
    "lone_parent": 0.40,
    "lone_parent_grown_up": 0.25,
    "sharers": 0.04,
    "single": 0.18,
    "older_couple": 0.14,
}
_DEFAULT_TENANT_CHANCE = 0.11


@dataclass(slots=True, eq=False)
class Application:
    """A housing register application by a household."""

    number: str
    band: str
    applied: date
    size: int
    applicants: int = 0


@dataclass(slots=True, eq=False)
class Tenancy:
    """A council tenancy of the household's current home."""

    reference: str
    property_ref: str
    tenure: str
    start: date
    rent: float
    tenants: int = 0


def _address_cells(address: Address | None, keep_postcode: bool) -> list[Cell]:
    """Address Line 1 ("Flat 2, 14 Rosebank Road"), Address Line 2, Town, Postcode."""
    if address is None:
        return ["", "", "", ""]
    lines = address.lines()[:-1]
    if address.saon and len(lines) >= 2:
        lines = [f"{lines[0]}, {lines[1]}", *lines[2:]]
    return [lines[0] if lines else "", ", ".join(lines[1:]), address.town, address.postcode if keep_postcode else ""]


class Housing(System):
    """The housing management system."""

    info = SourceInfo(
        name="housing",
        title="Housing",
        system="Housing management system",
        owner="Head of Housing Services",
        description="The housing register (applications for social housing) and current council tenancies, an "
        "Excel workbook exported by the housing team, one sheet per table; and the homelessness case management "
        "system's CSV exports of homelessness cases and placements in temporary accommodation.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "housing",
                "applications",
                "Housing register applications",
                "One row per applicant (lead and joint) on the housing register.",
                WORKBOOK,
                (
                    "Application No",
                    "Applicant No",
                    "Applicant Type",
                    "Title",
                    "First Name",
                    "Last Name",
                    "Date of Birth",
                    "Sex",
                    "NI Number",
                    "Address Line 1",
                    "Address Line 2",
                    "Town",
                    "Postcode",
                    "Household Size",
                    "Band",
                    "Application Date",
                    "Phone",
                ),
                sheet="Applications",
            ),
            Table(
                "housing",
                "tenancies",
                "Council tenancies",
                "One row per tenant (sole or joint) of a current council tenancy.",
                WORKBOOK,
                (
                    "Tenancy Ref",
                    "Tenant",
                    "Title",
                    "First Name",
                    "Last Name",
                    "Date of Birth",
                    "Sex",
                    "NI Number",
                    "Property Ref",
                    "Address Line 1",
                    "Address Line 2",
                    "Town",
                    "Postcode",
                    "Tenure",
                    "Start Date",
                    "Weekly Rent",
                ),
                sheet="Tenancies",
            ),
            Table(
                "housing",
                "homelessness",
                "Homelessness cases",
                "Households approaching the council as homeless or threatened with homelessness (H-CLIC): approach "
                "date, household type, main reason, duty owed and the postcode of the last settled home.",
                "data/housing/homelessness_cases.csv",
                ("Case Ref", "Approach Date", "Household Type", "Main Reason", "Duty Owed", "Postcode"),
            ),
            Table(
                "housing",
                "temporary_accommodation",
                "Placements in temporary accommodation",
                "Every placement of a homeless household in temporary accommodation, with start and end dates and "
                "the type of accommodation; a household that moves gets a new placement on the same case.",
                "data/housing/temporary_accommodation.csv",
                (
                    "Placement Ref",
                    "Case Ref",
                    "Placement Start",
                    "Placement End",
                    "Accommodation Type",
                    "Household Type",
                ),
            ),
        )

    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        rng = ctx.select_rng
        found: list[Draft[Any]] = []
        for household in households:
            adults = household.adults()
            if not adults:
                continue
            people = adults[:2] if household.kind in PARTNERED else adults[:1]
            address = household.address
            tenant = rng.random() < _TENANT_CHANCE.get(household.kind, _DEFAULT_TENANT_CHANCE)
            if tenant:
                tenancy = Tenancy(
                    reference=f"T{10_000_000 + ctx.serial('housing.tenancies')}",
                    property_ref=f"HP{household.property_index:09d}",
                    tenure=rng.choice(codes.TENURES),
                    start=household.moved_in,
                    rent=rng.uniform(78.0, 135.0),
                )
                found += [Draft.of(TENANCIES, person, tenancy, address) for person in people]
            if rng.random() < (0.09 if tenant else 0.05):
                application = Application(
                    number=f"HR{1_000_000 + ctx.serial('housing.applications')}",
                    band=rng.choice(codes.HOUSING_BANDS),
                    applied=self.on - timedelta(days=rng.randrange(1, 5 * 365)),
                    size=len(household.members),
                )
                found += [Draft.of(APPLICATIONS, person, application, address) for person in people]
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        applications, tenancies, cases, placements = self.tables
        Homelessness(ctx, cases, placements).write(ctx.households)
        for draft in drafts:
            person = draft.person
            names: list[Cell] = [person.title, draft.forename, draft.surname, draft.dob, person.sex]
            ni = ni_spaced(person.ni_number) if draft.has("ni_number") else ""
            address = _address_cells(draft.address, draft.has("postcode"))
            if draft.rules is TENANCIES:
                tenancy: Tenancy = draft.payload
                tenancy.tenants += 1
                key = f"{tenancy.reference}-{tenancy.tenants}"
                row = [
                    tenancy.reference,
                    tenancy.tenants,
                    *names,
                    ni,
                    tenancy.property_ref,
                    *address,
                    tenancy.tenure,
                    tenancy.start,
                    round(tenancy.rent, 2),
                ]
                ctx.add_record(tenancies, row, key, draft)
            else:
                application: Application = draft.payload
                application.applicants += 1
                key = f"{application.number}-{application.applicants}"
                phone = person.mobile or person.household.landline
                row = [
                    application.number,
                    application.applicants,
                    "Lead" if application.applicants == 1 else "Joint",
                    *names,
                    ni,
                    *address,
                    application.size,
                    application.band,
                    application.applied,
                    identifiers.phone_bracketed(phone) if phone and draft.has("phone") else "",
                ]
                ctx.add_record(applications, row, key, draft)
