"""The demo council's dataset contracts: owner, freshness, keys, a standard field per column, rules, references.

``sources/<source>.yml`` carries them (``observatory.config.models.DatasetSpec``). Fields are listed
in column order, named in snake_case, and typed with the standard field types; each system's own
date format is declared. Every rule, reference and key here can fail only through a quality fault
that ``ground_truth/quality_faults.csv`` counts, so a quality report of the demo can be checked exactly.

Sex and ethnicity need hardly any mapping: the systems write Male/Female, M/F, the CIN census codes
1/2, ONS 2021 labels and DfE codes, which the standard types know; only adult social care's shortened
labels of the Mixed or Multiple group are mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from observatory.config.models import FieldSpec, ReferenceSpec, RuleSpec
from observatory.demo import codes, event_contracts
from observatory.demo.systems.schools import MAX_AGE, MIN_AGE, age_cutoff

ASC_DATES = ["%d/%m/%Y"]
ISO_DATES = ["%Y-%m-%d"]
CTAX_DATES = ["%d-%b-%Y"]

TITLES = ["Mr", "Mrs", "Miss", "Ms", "Mx", "Dr"]
NC_YEARS = ["N1", "N2", "R", *(str(year) for year in range(1, 15)), "X"]
"""National curriculum years of the school census (``NCyearActual``): nursery, reception, 1 to 14, X."""
_SHORTENED_MIXED = {e.label: e.dfe_code for e in codes.ETHNICITIES if e.label.startswith("Mixed or Multiple:")}
"""Adult social care's labels of the Mixed or Multiple categories, which the ethnicity type does not know."""


@dataclass(frozen=True)
class Contract:
    """What the council expects of one dataset."""

    owner: str
    freshness: str
    keys: tuple[str, ...]
    fields: dict[str, FieldSpec]
    rules: tuple[RuleSpec, ...] = ()
    references: tuple[ReferenceSpec, ...] = ()

    @property
    def columns(self) -> tuple[str | None, ...]:
        return tuple(spec.column for spec in self.fields.values())


def _field(column: str, type_: str = "text", **options: Any) -> FieldSpec:
    """The field read from ``column`` with standard type ``type_``."""
    return FieldSpec.model_validate({"column": column, "type": type_, **options})


def _code(column: str, allowed: tuple[str, ...] | list[str], **options: Any) -> FieldSpec:
    return _field(column, "code", allowed=list(dict.fromkeys(allowed)), **options)


def _address_part(column: str) -> FieldSpec:
    """A line or part of a person's address, held as plain text (one-line addresses use the address type)."""
    return _field(column, personal=True)


_ENDS_AFTER_START = RuleSpec(
    name="ends_after_start", check="end_date >= start_date", description="ends on or after the day it starts"
)
_CLIENT = ReferenceSpec(
    name="client", fields=["person_id"], dataset="asc.clients", description="the Person ID is a client's"
)
_CHILD = ReferenceSpec(
    name="child", fields=["child_id"], dataset="csc.children", description="the ChildID is a child's"
)

_ASC_CLIENTS = Contract(
    owner="Head of Adult Social Care Operations",
    freshness="2d",
    keys=("person_id",),
    fields={
        "person_id": _field("Person ID", critical=True),
        "name": _field("Name", "person_name", critical=True, description="SURNAME, Forename Middle names"),
        "date_of_birth": _field("Date of Birth", "date_of_birth", formats=ASC_DATES, critical=True),
        "sex": _field("Gender", "sex"),
        "ethnicity": _field(
            "Ethnicity",
            "ethnicity",
            mapping=_SHORTENED_MIXED,
            description="ONS 2021 categories; the system shortens the Mixed group's name",
        ),
        "nhs_number": _field("NHS Number", "nhs_number", critical=True),
        "address": _field("Address", "address"),
        "postcode": _field("Postcode", "postcode", critical=True),
        "telephone": _field("Telephone", "phone"),
        "primary_support_reason": _code("Primary Support Reason", codes.SUPPORT_REASONS),
        "first_contact_date": _field("First Contact Date", "date", formats=ASC_DATES),
    },
)
_ASC_SERVICES = Contract(
    owner="Head of Adult Social Care Commissioning",
    freshness="2d",
    keys=("service_id",),
    fields={
        "service_id": _field("Service ID", critical=True),
        "person_id": _field("Person ID", critical=True),
        "service_type": _code("Service Type", tuple(name for name, _, _ in codes.SERVICE_TYPES), critical=True),
        "provider": _field("Provider"),
        "start_date": _field("Start Date", "date", formats=ASC_DATES, critical=True),
        "end_date": _field("End Date", "date", formats=ASC_DATES, description="blank while the service goes on"),
        "weekly_cost": _field("Weekly Cost", "money", description="blank for services without a weekly charge"),
    },
    rules=(_ENDS_AFTER_START,),
    references=(_CLIENT,),
)
_ASC_REVIEWS = Contract(
    owner="Principal Social Worker (Adults)",
    freshness="2d",
    keys=("review_id",),
    fields={
        "review_id": _field("Review ID", critical=True),
        "person_id": _field("Person ID", critical=True),
        "review_date": _field("Review Date", "date", formats=ASC_DATES, critical=True),
        "review_type": _code("Review Type", ("Annual Review", "Unplanned Review")),
        "outcome": _code("Outcome", codes.REVIEW_OUTCOMES),
        "team": _code("Team", codes.CARE_TEAMS),
    },
    references=(_CLIENT,),
)

_CSC_CHILDREN = Contract(
    owner="Head of Children's Social Work",
    freshness="8d",
    keys=("child_id",),
    fields={
        "child_id": _field("ChildID", critical=True),
        "forename": _field("Forename", "forename", critical=True),
        "surname": _field("Surname", "surname", critical=True),
        "date_of_birth": _field("DOB", "date_of_birth", formats=ISO_DATES, critical=True),
        "sex": _field("Gender", "sex", description="CIN census codes: 1 male, 2 female"),
        "ethnicity": _field("Ethnicity", "ethnicity", description="DfE ethnicity codes"),
        "nhs_number": _field("NHSNumber", "nhs_number", critical=True),
        "address_line_1": _address_part("AddressLine1"),
        "address_line_2": _address_part("AddressLine2"),
        "address_line_3": _address_part("AddressLine3"),
        "postcode": _field("Postcode", "postcode", critical=True),
        "contact_phone": _field("ContactPhone", "phone"),
    },
)
_CSC_REFERRALS = Contract(
    owner="Children's Front Door Service Manager",
    freshness="8d",
    keys=("referral_id",),
    fields={
        "referral_id": _field("ReferralID", critical=True),
        "child_id": _field("ChildID", critical=True),
        "referral_date": _field("ReferralDate", "date", formats=ISO_DATES, critical=True),
        "referral_source": _code("ReferralSource", codes.REFERRAL_SOURCES),
        "primary_need": _code("PrimaryNeed", codes.PRIMARY_NEEDS),
        "outcome": _code("Outcome", codes.REFERRAL_OUTCOMES),
    },
    rules=(
        RuleSpec(
            name="under_18_at_referral",
            check="age(child.date_of_birth, referral_date) < 18",
            description="children's social care works with children: under 18 on the day of the referral",
            dimension="accuracy",
        ),
    ),
    references=(_CHILD,),
)
_CSC_PLANS = Contract(
    owner="Head of Safeguarding and Quality Assurance",
    freshness="8d",
    keys=("plan_id",),
    fields={
        "plan_id": _field("PlanID", critical=True),
        "child_id": _field("ChildID", critical=True),
        "plan_type": _code("PlanType", codes.PLAN_TYPES, critical=True),
        "start_date": _field("StartDate", "date", formats=ISO_DATES, critical=True),
        "end_date": _field("EndDate", "date", formats=ISO_DATES, description="blank while the plan goes on"),
        "category": _code("Category", codes.ABUSE_CATEGORIES, description="category of abuse, for protection plans"),
    },
    rules=(_ENDS_AFTER_START,),
    references=(_CHILD,),
)

_CTAX_ACCOUNTS = Contract(
    owner="Council Tax Manager",
    freshness="5w",
    keys=("account_ref", "liable_party"),
    fields={
        "account_ref": _field("Account Ref", critical=True),
        "liable_party": _field("Liable Party", "integer", critical=True),
        "name": _field("Name", "person_name", critical=True, description="Title Forename Surname"),
        "date_of_birth": _field("Date of Birth", "date_of_birth", formats=CTAX_DATES),
        "ni_number": _field("NI Number", "ni_number"),
        "address_1": _address_part("Address 1"),
        "address_2": _address_part("Address 2"),
        "address_3": _address_part("Address 3"),
        "address_4": _address_part("Address 4"),
        "postcode": _field("Post Code", "postcode", critical=True),
        "band": _code("Band", tuple(band for band, _, _ in codes.COUNCIL_TAX_BANDS), critical=True),
        "annual_charge": _field("Annual Charge", "money"),
        "discount": _code("Discount", ("Single Person Discount 25%",)),
        "liable_from": _field("Liable From", "date", formats=CTAX_DATES),
        "telephone": _field("Telephone", "phone"),
    },
)

_HOUSING_PERSON = {
    "title": _code("Title", TITLES),
    "forename": _field("First Name", "forename", critical=True),
    "surname": _field("Last Name", "surname", critical=True),
    "date_of_birth": _field("Date of Birth", "date_of_birth", formats=ISO_DATES),
    "sex": _field("Sex", "sex"),
    "ni_number": _field("NI Number", "ni_number"),
}
_HOUSING_ADDRESS = {
    "address_line_1": _address_part("Address Line 1"),
    "address_line_2": _address_part("Address Line 2"),
    "town": _field("Town"),
    "postcode": _field("Postcode", "postcode", critical=True),
}
_HOUSING_APPLICATIONS = Contract(
    owner="Housing Options Manager",
    freshness="5w",
    keys=("application_no", "applicant_no"),
    fields={
        "application_no": _field("Application No", critical=True),
        "applicant_no": _field("Applicant No", "integer", critical=True),
        "applicant_type": _code("Applicant Type", ("Lead", "Joint")),
        **_HOUSING_PERSON,
        **_HOUSING_ADDRESS,
        "household_size": _field("Household Size", "integer"),
        "band": _code("Band", codes.HOUSING_BANDS, description="housing need band"),
        "application_date": _field("Application Date", "date", formats=ISO_DATES),
        "phone": _field("Phone", "phone"),
    },
)
_HOUSING_TENANCIES = Contract(
    owner="Tenancy Services Manager",
    freshness="5w",
    keys=("tenancy_ref", "tenant"),
    fields={
        "tenancy_ref": _field("Tenancy Ref", critical=True),
        "tenant": _field("Tenant", "integer", critical=True),
        **_HOUSING_PERSON,
        "property_ref": _field("Property Ref", critical=True),
        **_HOUSING_ADDRESS,
        "tenure": _code("Tenure", codes.TENURES),
        "start_date": _field("Start Date", "date", formats=ISO_DATES),
        "weekly_rent": _field("Weekly Rent", "money"),
    },
)

_SCHOOLS_PUPILS = Contract(
    owner="Education Data and Census Manager",
    freshness="20w",
    keys=("pupil_id",),
    fields={
        "pupil_id": _field("PupilID", critical=True),
        "upn": _field("UPN", "upn", critical=True),
        "surname": _field("Surname", "surname", critical=True),
        "forename": _field("Forename", "forename", critical=True),
        "middle_names": _field("MiddleNames", personal=True),
        "preferred_surname": _field("PreferredSurname", "surname"),
        "date_of_birth": _field("DOB", "date_of_birth", formats=ISO_DATES, critical=True),
        "sex": _field("Gender", "sex"),
        "ethnicity": _field("Ethnicity", "ethnicity", description="DfE ethnicity codes"),
        "nc_year": _code("NCyearActual", NC_YEARS, description="national curriculum year group"),
        "school_la_estab": _field("SchoolLAEstab", description="DfE number: LA number and establishment number"),
        "school_name": _field("SchoolName"),
        "saon": _address_part("SAON"),
        "paon": _address_part("PAON"),
        "street": _address_part("Street"),
        "locality": _address_part("Locality"),
        "town": _field("Town"),
        "postcode": _field("PostCode", "postcode", critical=True),
        "fsm_eligible": _field("FSMeligible", "boolean", description="eligible for free school meals"),
        "sen_provision": _code(
            "SENprovision", ("N", "K", "E"), description="N no special need, K SEN support, E EHC plan"
        ),
    },
)

_LLPG_PROPERTIES = Contract(
    owner="LLPG Custodian",
    freshness="30d",
    keys=("uprn",),
    fields={
        "uprn": _field("UPRN", "uprn", critical=True),
        "usrn": _field("USRN", "usrn", critical=True),
        "saon": _field("SAON"),
        "paon": _field("PAON"),
        "street": _field("STREET_DESCRIPTION", critical=True),
        "locality": _field("LOCALITY"),
        "town": _field("TOWN_NAME"),
        "postcode": _field("POSTCODE_LOCATOR", "postcode", critical=True),
        "easting": _field("X_COORDINATE", "decimal", description="British National Grid, metres"),
        "northing": _field("Y_COORDINATE", "decimal", description="British National Grid, metres"),
        "classification": _field("CLASSIFICATION_CODE", description="AddressBase classification"),
        "logical_status": _code(
            "LOGICAL_STATUS",
            ("1", "3", "6", "8"),
            description="BS7666: 1 approved, 3 alternative, 6 provisional, 8 historical",
        ),
        "start_date": _field("START_DATE", "date", formats=ISO_DATES),
    },
)

CONTRACTS: dict[str, Contract] = {
    "asc.clients": _ASC_CLIENTS,
    "asc.services": _ASC_SERVICES,
    "asc.reviews": _ASC_REVIEWS,
    "asc.contacts": Contract(**event_contracts.ASC_CONTACTS),
    "csc.children": _CSC_CHILDREN,
    "csc.referrals": _CSC_REFERRALS,
    "csc.plans": _CSC_PLANS,
    "ctax.accounts": _CTAX_ACCOUNTS,
    "ctax.payments": Contract(**event_contracts.CTAX_PAYMENTS),
    "housing.applications": _HOUSING_APPLICATIONS,
    "housing.tenancies": _HOUSING_TENANCIES,
    "housing.homelessness": Contract(**event_contracts.HOMELESSNESS),
    "housing.temporary_accommodation": Contract(**event_contracts.TEMPORARY_ACCOMMODATION),
    "schools.pupils": _SCHOOLS_PUPILS,
    "schools.attendance": Contract(**event_contracts.SCHOOL_ATTENDANCE),
    "llpg.properties": _LLPG_PROPERTIES,
    "population.estimates": Contract(**event_contracts.POPULATION_ESTIMATES),
}
"""Contract of every demo dataset, by ``source.dataset`` (of a table's first part)."""


def _school_age(census_day: date) -> tuple[RuleSpec, ...]:
    cutoff = age_cutoff(census_day)
    return (
        RuleSpec(
            name="school_age",
            check=f"age(date_of_birth, DATE '{cutoff.isoformat()}') BETWEEN {MIN_AGE} AND {MAX_AGE}",
            description=f"pupils from reception to year 13 are {MIN_AGE} to {MAX_AGE} on {cutoff.day} "
            f"{cutoff:%B %Y}, the day that decides their year group",
            dimension="accuracy",
        ),
    )


DATED_RULES: dict[str, Callable[[date], tuple[RuleSpec, ...]]] = {"schools.pupils": _school_age}
"""Rules that depend on the day the extracts were taken, by dataset."""


def contract(key: str, reference_date: date) -> Contract:
    """The contract of dataset ``key`` (``source.dataset``) for extracts taken on ``reference_date``."""
    found = CONTRACTS[key]
    dated = DATED_RULES.get(key)
    return replace(found, rules=(*found.rules, *dated(reference_date))) if dated else found
