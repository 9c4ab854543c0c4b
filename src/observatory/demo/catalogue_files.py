"""The demo council's catalogue entries: register entries per source, reports, derived datasets and a glossary.

Review dates are set relative to the extract date so that the register has assets reviewed recently,
assets whose annual review is overdue, and assets never reviewed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

PUBLIC_TASK = "6(1)(e)"
HEALTH_AND_SOCIAL_CARE = "9(2)(h)"
SUBSTANTIAL_PUBLIC_INTEREST = "9(2)(g)"


def source_registers(reference_date: date) -> dict[str, dict[str, Any]]:
    """``register:`` of each demo source (every dataset shares it unless it says otherwise)."""
    recent = (reference_date - timedelta(days=60)).isoformat()
    lapsed = (reference_date - timedelta(days=500)).isoformat()
    return {
        "asc": {
            "business_area": "Adult social care",
            "steward": "ASC Performance and Data Team",
            "purpose": "Assess needs and arrange care and support under the Care Act 2014; statutory returns.",
            "data_subjects": ["adults with care and support needs", "carers"],
            "lawful_basis": PUBLIC_TASK,
            "special_category_condition": HEALTH_AND_SOCIAL_CARE,
            "retention_period": "8 years after the case closes",
            "disposal": "destroy",
            "criticality": "high",
            "risk_rating": "high",
            "last_reviewed": recent,
            "keywords": ["adult social care", "Care Act", "SALT"],
        },
        "csc": {
            "business_area": "Children's social care",
            "steward": "Children's Services Performance Team",
            "purpose": "Safeguard and promote the welfare of children under the Children Act 1989; statutory returns.",
            "data_subjects": ["children", "parents and carers"],
            "lawful_basis": PUBLIC_TASK,
            "special_category_condition": SUBSTANTIAL_PUBLIC_INTEREST,
            "retention_period": "until the child's 25th birthday (75 years for looked-after children)",
            "disposal": "review",
            "criticality": "high",
            "risk_rating": "high",
            "last_reviewed": lapsed,
            "keywords": ["children in need", "child protection", "CIN census"],
        },
        "ctax": {
            "business_area": "Revenues and benefits",
            "steward": "Revenues Systems Team",
            "purpose": "Bill and collect council tax under the Local Government Finance Act 1992.",
            "data_subjects": ["council tax payers"],
            "lawful_basis": "6(1)(c)",
            "retention_period": "6 years after the account closes",
            "disposal": "destroy",
            "criticality": "high",
            "risk_rating": "medium",
            "keywords": ["council tax", "revenues", "CTB return"],
        },
        "housing": {
            "business_area": "Housing",
            "steward": "Housing Options Systems Officer",
            "purpose": "Allocate social housing under Part 6 of the Housing Act 1996 and manage tenancies.",
            "data_subjects": ["housing applicants", "tenants"],
            "lawful_basis": PUBLIC_TASK,
            "retention_period": "6 years after the tenancy or application ends",
            "disposal": "destroy",
            "criticality": "medium",
            "risk_rating": "medium",
            "last_reviewed": lapsed,
            "keywords": ["housing register", "allocations", "tenancies"],
        },
        "llpg": {
            "business_area": "Land and property",
            "steward": "LLPG Custodian",
            "purpose": "The council's definitive list of properties and their UPRNs (BS 7666).",
            "classification": "OFFICIAL",
            "personal_data": False,
            "retention_period": "permanent (historic records kept as such)",
            "disposal": "archive",
            "criticality": "high",
            "risk_rating": "low",
            "refresh_frequency": "daily",
            "last_reviewed": recent,
            "keywords": ["gazetteer", "UPRN", "addresses"],
        },
        "population": {
            "business_area": "Performance and intelligence",
            "steward": "Performance and Intelligence Team",
            "purpose": "Governed denominators of the council's KPIs: residents by ward, sex and age band.",
            "classification": "OFFICIAL",
            "access_rights": "open",
            "personal_data": False,
            "retention_period": "permanent (each year's estimates kept as published)",
            "disposal": "archive",
            "criticality": "medium",
            "risk_rating": "low",
            "refresh_frequency": "annually",
            "last_reviewed": recent,
            "keywords": ["population", "mid-year estimates", "ONS", "denominator"],
        },
        "schools": {
            "business_area": "Education",
            "steward": "Education Data Team",
            "purpose": "School census returns and the local authority's duties to pupils.",
            "data_subjects": ["pupils"],
            "lawful_basis": PUBLIC_TASK,
            "special_category_condition": SUBSTANTIAL_PUBLIC_INTEREST,
            "retention_period": "until the pupil's 25th birthday",
            "disposal": "destroy",
            "criticality": "medium",
            "risk_rating": "medium",
            "refresh_frequency": "quarterly",
            "keywords": ["school census", "pupils", "UPN"],
        },
    }


DATASET_REGISTERS: dict[str, dict[str, Any]] = {
    "asc.contacts": {
        "purpose": "Record and respond to requests for care and support (Care Act 2014, s.9); SALT returns; "
        "demand monitoring and forecasting.",
        "data_subjects": ["adults asking for care and support", "people contacting on their behalf"],
        "keywords": ["front door", "requests for support", "SALT STS001", "demand"],
    },
    "ctax.payments": {
        "purpose": "Collect council tax by instalments and recover arrears (Council Tax (Administration and "
        "Enforcement) Regulations 1992); in-year collection monitoring.",
        "retention_period": "6 years after the end of the financial year",
        "keywords": ["council tax", "instalments", "collection rate", "arrears"],
    },
    "housing.homelessness": {
        "business_area": "Housing options and homelessness",
        "steward": "Homelessness Systems Officer",
        "purpose": "Assess and meet homelessness duties (Part 7 of the Housing Act 1996, as amended by the "
        "Homelessness Reduction Act 2017); H-CLIC returns to MHCLG.",
        "data_subjects": ["homeless households", "households threatened with homelessness"],
        "criticality": "high",
        "risk_rating": "high",
        "keywords": ["homelessness", "H-CLIC", "prevention duty", "relief duty"],
    },
    "housing.temporary_accommodation": {
        "business_area": "Housing options and homelessness",
        "steward": "Homelessness Systems Officer",
        "purpose": "Place homeless households in temporary accommodation and move them on; H-CLIC returns.",
        "data_subjects": ["homeless households"],
        "criticality": "high",
        "risk_rating": "high",
        "keywords": ["temporary accommodation", "TA", "H-CLIC", "bed and breakfast"],
    },
    "schools.attendance": {
        "purpose": "Monitor pupils' attendance and act on absence (Working together to improve school "
        "attendance, DfE 2024); termly attendance returns.",
        "refresh_frequency": "monthly",
        "keywords": ["attendance", "absence", "persistent absence", "UPN"],
    },
}
"""``register:`` entries of the demo's event datasets where they differ from their source's."""

CATALOGUE: dict[str, Any] = {
    "review_months": 12,
    "reports": {
        "salt_return": {
            "title": "Short and Long Term (SALT) return",
            "description": "The annual statutory return of adult social care activity to NHS England.",
            "owner": "ASC Performance and Data Team",
            "depends_on": [
                "field.asc.clients.date_of_birth",
                "field.asc.clients.primary_support_reason",
                "dataset.asc.services",
                "dataset.asc.reviews",
            ],
        },
        "cin_census": {
            "title": "Children in Need census",
            "description": "The annual statutory return of referrals, assessments and plans to the DfE.",
            "owner": "Children's Services Performance Team",
            "depends_on": ["dataset.csc.referrals", "dataset.csc.plans", "field.csc.children.date_of_birth"],
        },
        "ctb_return": {
            "title": "Council Tax Base (CTB) return",
            "description": "Dwellings by council tax band and discount, returned to MHCLG every October.",
            "owner": "Revenues Systems Team",
            "depends_on": ["field.ctax.accounts.band", "field.ctax.accounts.discount"],
        },
        "household_profile": {
            "title": "Household profile for early help",
            "description": "Households known to several services, from the single view, for early help planning.",
            "owner": "Head of Early Help",
            "depends_on": ["dataset.linked.households", "dataset.linked.resident_records"],
        },
    },
    "assets": {
        "dataset.linked.residents": {
            "business_area": "Corporate data",
            "information_asset_owner": "Chief Data Officer",
            "steward": "Corporate Data Team",
            "purpose": "One view of each resident across services, to join up support and to measure demand.",
            "lawful_basis": PUBLIC_TASK,
            "special_category_condition": SUBSTANTIAL_PUBLIC_INTEREST,
            "retention_period": "rebuilt at every run; not kept beyond its sources",
            "disposal": "destroy",
            "criticality": "high",
            "risk_rating": "high",
            "keywords": ["single view", "golden record", "resident index"],
        },
        "dataset.linked.households": {
            "business_area": "Corporate data",
            "information_asset_owner": "Chief Data Officer",
            "steward": "Corporate Data Team",
            "lawful_basis": PUBLIC_TASK,
            "criticality": "medium",
            "risk_rating": "medium",
        },
        "dataset.standard.ref_postcodes": {
            "business_area": "Reference data",
            "information_asset_owner": "Chief Data Officer",
            "access_rights": "open",
            "publication_status": "published",
            "refresh_frequency": "quarterly",
            "criticality": "medium",
            "risk_rating": "low",
            "keywords": ["ONSPD", "postcode", "geography"],
        },
    },
}
"""``catalogue:`` of the demo's ``observatory.yml``."""

GLOSSARY: dict[str, Any] = {
    "terms": {
        "resident": {
            "name": "Resident",
            "definition": "A person the council holds records about, identified across systems by a resident_id.",
            "owner": "Chief Data Officer",
            "synonyms": ["citizen", "person", "customer", "service user"],
            "links": ["dataset.linked.residents", "dataset.linked.resident_records"],
        },
        "household": {
            "name": "Household",
            "definition": "The people living at one address, identified by the property's UPRN where it has one.",
            "owner": "Chief Data Officer",
            "synonyms": ["family", "dwelling"],
            "links": ["dataset.linked.households"],
        },
        "uprn": {
            "name": "Unique Property Reference Number (UPRN)",
            "definition": "The identifier of every addressable location in Great Britain, kept in the LLPG.",
            "owner": "LLPG Custodian",
            "synonyms": ["property reference", "UPRN"],
            "links": ["field.llpg.properties.uprn"],
        },
        "nhs_number": {
            "name": "NHS number",
            "definition": "The ten-digit identifier of a patient in England, Wales and the Isle of Man (mod 11 check).",
            "owner": "ASC Performance and Data Team",
            "synonyms": ["NHS no", "patient number"],
            "links": ["field.asc.clients.nhs_number", "field.csc.children.nhs_number"],
        },
        "upn": {
            "name": "Unique Pupil Number (UPN)",
            "definition": "The 13-character identifier the DfE gives every pupil in a maintained school in England.",
            "owner": "Education Data Team",
            "synonyms": ["pupil number"],
            "links": ["field.schools.pupils.upn"],
        },
        "date_of_birth": {
            "name": "Date of birth",
            "definition": "The day a person was born, as the source system records it; checked for real dates.",
            "owner": "Chief Data Officer",
            "synonyms": ["DOB", "birth date", "age"],
            "links": [
                "field.asc.clients.date_of_birth",
                "field.csc.children.date_of_birth",
                "field.ctax.accounts.date_of_birth",
                "field.schools.pupils.date_of_birth",
            ],
        },
        "primary_support_reason": {
            "name": "Primary support reason",
            "definition": "The main reason an adult needs care and support, in the categories of the SALT return.",
            "owner": "ASC Performance and Data Team",
            "synonyms": ["PSR", "support need"],
            "links": ["field.asc.clients.primary_support_reason"],
        },
        "referral": {
            "name": "Referral to children's social care",
            "definition": "A request for services for a child, counted once per request in the CIN census.",
            "owner": "Children's Services Performance Team",
            "synonyms": ["contact", "request for support"],
            "links": ["dataset.csc.referrals", "field.csc.referrals.referral_date"],
        },
        "child_protection_plan": {
            "name": "Child protection plan",
            "definition": "A plan agreed at a child protection conference for a child at risk of significant harm.",
            "owner": "Children's Services Performance Team",
            "synonyms": ["CP plan", "protection plan"],
            "links": ["dataset.csc.plans", "field.csc.plans.category"],
        },
        "council_tax_band": {
            "name": "Council tax band",
            "definition": "The valuation band (A to H) of a dwelling, which sets its council tax charge.",
            "owner": "Revenues Systems Team",
            "synonyms": ["valuation band", "CT band"],
            "links": ["field.ctax.accounts.band"],
        },
        "care_review": {
            "name": "Care and support review",
            "definition": "A review of an adult's care and support plan, due at least every 12 months.",
            "owner": "ASC Performance and Data Team",
            "synonyms": ["annual review", "care plan review"],
            "links": ["dataset.asc.reviews", "field.asc.reviews.review_date"],
        },
        "tenancy": {
            "name": "Tenancy",
            "definition": "An agreement letting a council or housing association home to a tenant.",
            "owner": "Housing Options Systems Officer",
            "synonyms": ["lease", "letting"],
            "links": ["dataset.housing.tenancies"],
        },
        "request_for_support": {
            "name": "Request for adult social care support",
            "definition": "A request for care and support received by the adult social care front door, from or "
            "about an adult; SALT counts requests from new clients.",
            "owner": "ASC Performance and Data Team",
            "synonyms": ["contact", "new request", "front door contact"],
            "links": ["dataset.asc.contacts", "kpi.asc_new_requests", "kpi.asc_requests_65_per_100k"],
        },
        "repeat_referral": {
            "name": "Repeat referral",
            "definition": "A referral of a child to children's social care within 12 months of a previous referral "
            "of the same child (the DfE's re-referral measure).",
            "owner": "Children's Services Performance Team",
            "synonyms": ["re-referral"],
            "links": ["field.csc.referrals.referral_date", "kpi.csc_repeat_referrals"],
        },
        "looked_after_child": {
            "name": "Looked-after child",
            "definition": "A child in the care of the council, or provided with accommodation by it for more than "
            "24 hours (Children Act 1989).",
            "owner": "Children's Services Performance Team",
            "synonyms": ["child in care", "CLA", "LAC"],
            "links": ["dataset.csc.plans", "kpi.csc_cla_per_10k"],
        },
        "temporary_accommodation": {
            "name": "Temporary accommodation",
            "definition": "Accommodation the council arranges for a homeless household while it is owed the main "
            "housing duty or relief duty, until a settled home is found.",
            "owner": "Housing Options Systems Officer",
            "synonyms": ["TA", "emergency accommodation"],
            "links": ["dataset.housing.temporary_accommodation", "kpi.housing_ta_households"],
        },
        "persistent_absence": {
            "name": "Persistent absence",
            "definition": "A pupil missing 10% or more of their possible sessions, authorised or not (DfE).",
            "owner": "Education Data Team",
            "synonyms": ["persistently absent", "PA"],
            "links": ["dataset.schools.attendance", "kpi.schools_persistent_absence"],
        },
        "in_month_collection_rate": {
            "name": "In-month council tax collection rate",
            "definition": "Council tax received in a month against the year's charge, as a percentage of the "
            "instalments falling due in that month.",
            "owner": "Revenues Systems Team",
            "synonyms": ["collection rate", "in-month collection"],
            "links": ["dataset.ctax.payments", "kpi.ctax_in_month_collection"],
        },
        "mid_year_estimate": {
            "name": "Mid-year population estimate",
            "definition": "The ONS estimate of the usually resident population on 30 June of a year; the "
            "denominator of rates per 10,000 children or per 100,000 older people.",
            "owner": "Performance and Intelligence Team",
            "synonyms": ["MYE", "population estimate", "denominator"],
            "links": ["dataset.population.estimates"],
        },
        "statistical_process_control": {
            "name": "Statistical process control (SPC)",
            "definition": "Telling real change from noise in a KPI over time with a control chart: points beyond "
            "the limits, runs and trends are special-cause variation (NHS England's Making Data Count).",
            "owner": "Performance and Intelligence Team",
            "synonyms": ["SPC", "XmR chart", "control chart", "common cause", "special cause"],
        },
    }
}
"""The demo's ``glossary.yml``."""
