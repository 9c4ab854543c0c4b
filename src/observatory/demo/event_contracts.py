"""Contracts of the demo's event and denominator datasets: the data behind the governed KPIs.

Requests for adult social care support, council tax instalments, homelessness cases and placements in
temporary accommodation, school attendance by month and the ONS-style population estimates. Like every demo
contract, each rule, key and reference can fail only through a fault ``ground_truth/quality_faults.csv`` counts.
"""

from __future__ import annotations

from typing import Any

from observatory.config.models import FieldSpec, RuleSpec
from observatory.demo.months import ADULT_AGE_BANDS, POPULATION_AGE_BANDS
from observatory.demo.systems.asc_contacts import CONTACT_OUTCOMES, CONTACT_SOURCES
from observatory.demo.systems.homelessness import ACCOMMODATION_TYPES, DUTIES, HOUSEHOLD_TYPES, REASONS

ASC_DATES = ["%d/%m/%Y"]
ISO_DATES = ["%Y-%m-%d"]
CTAX_DATES = ["%d-%b-%Y"]
SCHOOL_YEARS = ["R", *(str(year) for year in range(1, 12))]


def _field(column: str, type_: str = "text", **options: Any) -> FieldSpec:
    return FieldSpec.model_validate({"column": column, "type": type_, **options})


def _code(column: str, allowed: tuple[str, ...] | list[str], **options: Any) -> FieldSpec:
    return _field(column, "code", allowed=list(dict.fromkeys(allowed)), **options)


def _names(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    return tuple(name for name, _ in pairs)


_ENDS_AFTER_START = RuleSpec(
    name="ends_after_start", check="end_date >= start_date", description="ends on or after the day it starts"
)

ASC_CONTACTS: dict[str, Any] = {
    "owner": "Adult Social Care Front Door Manager",
    "freshness": "2d",
    "keys": ("contact_id",),
    "fields": {
        "contact_id": _field("Contact ID", critical=True),
        "person_id": _field("Person ID", description="the client's Person ID; blank when not yet known to ASC"),
        "contact_date": _field("Contact Date", "date", formats=ASC_DATES, critical=True),
        "contact_source": _code("Contact Source", _names(CONTACT_SOURCES), description="route of access (SALT)"),
        "age_band": _code("Age Band", ADULT_AGE_BANDS, critical=True, description="age on the day of the request"),
        "postcode": _field("Postcode", "postcode", description="where the person lived on the day"),
        "locality": _code("Locality", ("North", "Central", "South"), description="locality team of the address"),
        "outcome": _code("Outcome", _names(CONTACT_OUTCOMES), critical=True, description="what happened next"),
    },
}

CTAX_PAYMENTS: dict[str, Any] = {
    "owner": "Council Tax Manager",
    "freshness": "5w",
    "keys": ("account_ref", "due_date"),
    "fields": {
        "account_ref": _field("Account Ref", critical=True),
        "financial_year": _field("Year", description="financial year, e.g. 2024/25"),
        "instalment": _field("Instalment", "integer", description="1 to 12 within the financial year"),
        "due_date": _field("Due Date", "date", formats=CTAX_DATES, critical=True),
        "amount_due": _field("Amount Due", "money", critical=True),
        "amount_received": _field(
            "Amount Received", "money", critical=True, description="received in the month of the due date"
        ),
        "balance": _field("Balance", "money", description="this year's arrears after the month"),
    },
    "rules": (
        RuleSpec(
            name="nothing_due_is_negative",
            check="amount_due >= 0 AND amount_received >= 0",
            description="instalments and receipts are never negative (refunds are recorded elsewhere)",
        ),
    ),
}

HOMELESSNESS: dict[str, Any] = {
    "owner": "Housing Options Manager",
    "freshness": "5w",
    "keys": ("case_ref",),
    "fields": {
        "case_ref": _field("Case Ref", critical=True),
        "approach_date": _field("Approach Date", "date", formats=ASC_DATES, critical=True),
        "household_type": _code("Household Type", HOUSEHOLD_TYPES, description="H-CLIC household type"),
        "reason": _code("Main Reason", REASONS, description="main reason for loss of last settled home"),
        "duty": _code("Duty Owed", DUTIES),
        "postcode": _field("Postcode", "postcode", description="the last settled home"),
    },
}

TEMPORARY_ACCOMMODATION: dict[str, Any] = {
    "owner": "Temporary Accommodation Manager",
    "freshness": "5w",
    "keys": ("placement_ref",),
    "fields": {
        "placement_ref": _field("Placement Ref", critical=True),
        "case_ref": _field("Case Ref", critical=True, description="the household's homelessness case"),
        "start_date": _field("Placement Start", "date", formats=ASC_DATES, critical=True),
        "end_date": _field("Placement End", "date", formats=ASC_DATES, description="blank while placed"),
        "accommodation_type": _code("Accommodation Type", ACCOMMODATION_TYPES, critical=True),
        "household_type": _code("Household Type", HOUSEHOLD_TYPES),
    },
    "rules": (_ENDS_AFTER_START,),
}

SCHOOL_ATTENDANCE: dict[str, Any] = {
    "owner": "Education Welfare Manager",
    "freshness": "5w",
    "keys": ("upn", "period_start"),
    "fields": {
        "upn": _field("UPN", "upn", critical=True),
        "la_estab": _field("LAEstab", description="DfE number of the school"),
        "nc_year": _code("NCyearActual", SCHOOL_YEARS, description="national curriculum year group"),
        "period_start": _field("PeriodStart", "date", formats=ISO_DATES, critical=True, description="month"),
        "possible_sessions": _field("PossibleSessions", "integer", critical=True),
        "authorised_absence": _field("AuthorisedAbsence", "integer", critical=True),
        "unauthorised_absence": _field("UnauthorisedAbsence", "integer", critical=True),
    },
    "rules": (
        RuleSpec(
            name="absence_within_sessions",
            check="authorised_absence + unauthorised_absence <= possible_sessions",
            description="a pupil cannot miss more sessions than were possible",
        ),
    ),
}

POPULATION_ESTIMATES: dict[str, Any] = {
    "owner": "Head of Performance and Intelligence",
    "freshness": "400d",
    "keys": ("year", "ward_code", "sex", "age_band"),
    "fields": {
        "year": _field("Year", "integer", critical=True, description="mid-year (30 June) of the estimate"),
        "ward_code": _field("Ward Code", critical=True, description="ONS ward code"),
        "local_authority_code": _field("Local Authority Code", description="ONS local authority code"),
        "sex": _field("Sex", "sex"),
        "age_band": _code("Age Band", POPULATION_AGE_BANDS, critical=True),
        "population": _field("Population", "integer", critical=True),
    },
}
