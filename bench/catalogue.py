"""Benchmark: catalogue search over 10,000 datasets and 200,000 fields, on SQLite, PostgreSQL and tantivy.

A council catalogue is generated (seeded): 400 source systems of 16 service areas (Mosaic, Northgate,
Idox Uniform, Whitespace...), 10,000 datasets (9,000 of sources in the standard layer, 1,000 in the
raw, linked, governed and published layers), 200,000 fields named the way council extracts name them
(``date_of_birth``, ``nhs_number``, ``postcode``, ``referral_date``, ``tenancy_start``...) with a sentence
or two of description each, and 300 glossary terms with synonyms linked to fields and datasets.
It is written with ``write_catalogue`` (which rebuilds the search index) into:

- **Observatory on SQLite** (FTS5), a fresh metadata file;
- **Observatory on PostgreSQL** (``tsvector`` + GIN), a throwaway server started from the machine's
  binaries (``tests/support/postgres.py``);
- **tantivy** (the strongest alternative: a Lucene-style engine in Rust), indexing the same four
  columns of the same documents, English stemming, BM25 with the same column boosts, the same
  filters as indexed fields, and the same words: each stemmed, matching exactly (BM25) or as a
  prefix (constant score, as Lucene scores prefix queries), all of them required.

Then 1,000 generated queries (one or two words, a quarter of them typed-ahead prefixes, a third with a
filter) run one after another, after a warm-up of 100, each asking for the first page of 20 hits with
the total and snippets; p50, p95 and p99 of the wall time per query are reported, and index build times.

    .venv/bin/python bench/catalogue.py [--datasets 10000] [--fields 200000] [--queries 1000] [--only search]

tantivy is in the ``bench`` dependency group. Results are printed as markdown.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests.support.postgres

from observatory.catalogue.ids import dataset_id, field_id, source_id, term_id  # noqa: E402
from observatory.catalogue.records import AssetRecord  # noqa: E402

WARM_UP = 100
PAGE = 20


# ------------------------------------------------------------------------------------------- the catalogue

AREAS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # area: (short name, systems, entities, fields of the area)
    "Adult Social Care": ("adults", ("Mosaic", "LiquidLogic LAS", "CareFirst", "ContrOCC"), (
        "clients", "referrals", "assessments", "care_packages", "service_provisions", "reviews", "carers",
        "safeguarding_concerns", "direct_payments", "financial_assessments", "providers", "placements"),
        ("primary_support_reason", "weekly_cost", "package_start", "package_end", "care_setting", "funding_source",
         "eligibility_outcome", "mental_capacity", "client_contribution")),
    "Children's Services": ("children", ("Mosaic", "LiquidLogic LCS", "Protocol ICS"), (
        "children", "referrals", "assessments", "child_protection_plans", "looked_after_children", "placements",
        "care_leavers", "contacts", "early_help_episodes", "foster_carers"),
        ("legal_status", "placement_type", "category_of_abuse", "plan_start", "plan_end", "social_worker",
         "unaccompanied_asylum_seeker", "school_urn")),
    "Housing": ("housing", ("Northgate Housing", "Civica Cx", "Orchard", "Capita Open Housing"), (
        "tenancies", "properties", "repairs", "rent_accounts", "waiting_list_applications", "homelessness_cases",
        "anti_social_behaviour_cases", "void_properties", "gas_safety_checks", "allocations"),
        ("tenancy_start", "tenancy_end", "tenure_type", "rent_balance", "arrears_amount", "property_type", "bedrooms",
         "priority_band", "repair_priority", "estate")),
    "Revenues and Benefits": ("revenues", ("Northgate Revenues", "Capita Academy", "Civica OpenRevenues"), (
        "council_tax_accounts", "business_rates_accounts", "housing_benefit_claims", "council_tax_support_claims",
        "discounts", "recovery_actions", "payments", "overpayments"),
        ("council_tax_band", "liability_start", "liability_end", "single_person_discount", "rateable_value",
         "claim_date", "weekly_award", "payment_method", "balance_outstanding")),
    "Education": ("education", ("Capita One", "Arbor", "SIMS"), (
        "pupils", "schools", "exclusions", "attendance", "school_admissions", "send_plans", "free_school_meals",
        "elective_home_education"),
        ("unique_pupil_number", "year_group", "school_urn", "sen_provision", "ehcp_start", "exclusion_type",
         "sessions_missed", "fsm_eligible", "admission_date")),
    "Waste and Recycling": ("waste", ("Whitespace", "Bartec Collective"), (
        "bin_collections", "missed_bins", "fly_tipping_reports", "garden_waste_subscriptions",
        "bulky_waste_bookings", "collection_rounds"),
        ("round_name", "bin_type", "collection_day", "container_size", "waste_stream", "tonnage", "crew")),
    "Planning": ("planning", ("Idox Uniform", "Arcus"), (
        "planning_applications", "building_control_applications", "enforcement_cases", "land_charges",
        "tree_preservation_orders", "appeals"),
        ("application_number", "decision_date", "decision", "development_description", "site_address",
         "case_officer", "ward", "conservation_area")),
    "Highways and Transport": ("highways", ("Symology", "Confirm", "Yotta"), (
        "potholes", "street_lights", "road_works_permits", "parking_permits", "penalty_charge_notices",
        "blue_badges", "concessionary_passes", "gritting_routes"),
        ("street_name", "usrn", "defect_type", "repair_due", "vehicle_registration", "contravention_code",
         "permit_zone", "easting", "northing")),
    "Public Health": ("health", ("SystmOne", "Lillie", "EMIS"), (
        "health_checks", "smoking_cessation_referrals", "substance_misuse_treatment", "sexual_health_appointments",
        "immunisations", "weight_management_referrals"),
        ("gp_practice", "quit_date", "treatment_start", "treatment_outcome", "bmi", "clinic")),
    "Environmental Health": ("envhealth", ("Tascomi", "Idox Uniform", "APP Civica"), (
        "food_hygiene_inspections", "noise_complaints", "pest_control_jobs", "private_sector_housing_inspections",
        "air_quality_readings"),
        ("food_hygiene_rating", "inspection_date", "premises_name", "hazard_category", "monitoring_site",
         "nitrogen_dioxide")),
    "Licensing": ("licensing", ("Idox Uniform", "Tascomi"), (
        "premises_licences", "taxi_drivers", "taxi_vehicles", "gambling_permits", "street_trading_consents"),
        ("licence_number", "licence_expiry", "licensable_activity", "badge_number", "dbs_check_date")),
    "Customer Services": ("customer", ("Firmstep", "Jadu", "Granicus", "Salesforce"), (
        "contacts", "complaints", "compliments", "freedom_of_information_requests", "subject_access_requests",
        "web_forms"),
        ("channel", "received_date", "response_due", "responded_date", "complaint_stage", "service_area")),
    "Finance": ("finance", ("Unit4 Business World", "Oracle Fusion", "SAP"), (
        "invoices", "purchase_orders", "suppliers", "budgets", "debtors", "creditors"),
        ("cost_centre", "account_code", "net_amount", "vat_amount", "supplier_name", "invoice_date", "due_date")),
    "Human Resources": ("hr", ("iTrent", "ResourceLink", "Oracle HCM"), (
        "employees", "absences", "vacancies", "training_records", "payroll", "grievances"),
        ("employee_number", "job_title", "grade", "fte", "absence_reason", "salary", "line_manager")),
    "Electoral Services": ("electoral", ("Xpress", "Democracy Counts"), (
        "electors", "polling_stations", "postal_votes", "canvass_responses"),
        ("elector_number", "polling_district", "franchise_marker", "postal_vote_status")),
    "Libraries and Culture": ("libraries", ("Spydus", "Sierra"), (
        "library_members", "loans", "events", "room_bookings"),
        ("membership_number", "branch", "item_barcode", "loan_date", "return_date")),
}  # fmt: skip

PERSON_FIELDS = {
    "person_id": "Identifier of the person in the source system.",
    "forename": "The person's first name.",
    "surname": "The person's family name.",
    "date_of_birth": "The person's date of birth, as recorded at first contact.",
    "gender": "Gender as the person describes it.",
    "ethnicity": "Ethnic group, from the 2021 Census categories.",
    "nhs_number": "NHS number: ten digits, the last a modulus 11 check digit.",
    "national_insurance_number": "National Insurance number, two letters, six digits and a letter.",
    "address_line_1": "First line of the postal address.",
    "address_line_2": "Second line of the postal address.",
    "town": "Post town of the address.",
    "postcode": "Postcode of the home address, as given.",
    "uprn": "Unique Property Reference Number of the address, from the local land and property gazetteer.",
    "email": "Email address the person gave for contact.",
    "phone_number": "Telephone number for contact, landline or mobile.",
    "date_of_death": "Date of death, when the council has been told of it.",
    "preferred_language": "Language the person prefers to be contacted in.",
}
GENERIC_FIELDS = {
    "created_at": "When the record was created in {system}.",
    "updated_at": "When the record was last changed in {system}.",
    "created_by": "User who created the record.",
    "notes": "Free-text notes; may hold personal information and is never published.",
    "source_reference": "Reference of the record in {system}.",
    "record_status": "Whether the record is active, closed or deleted.",
    "ward": "Electoral ward of the address.",
    "lsoa_code": "Lower layer super output area of the address, from the ONS postcode directory.",
}
ENTITY_SUFFIXES = {
    "id": "Identifier of the {thing} in {system}.",
    "reference": "Reference number of the {thing}, quoted to residents.",
    "date": "Date the {thing} was recorded.",
    "start": "Date the {thing} started.",
    "end": "Date the {thing} ended, blank while it is open.",
    "status": "Current status of the {thing}: open, pending or closed.",
    "type": "Type of {thing}, from the {system} code list.",
    "reason": "Reason given for the {thing}.",
    "outcome": "Outcome of the {thing} once it is closed.",
    "officer": "Officer responsible for the {thing}.",
    "team": "Team handling the {thing}.",
    "priority": "Priority given to the {thing} at triage.",
}
SECOND_SENTENCES = (
    "Blank for records migrated from the legacy system.", "Used in the monthly performance return.",
    "Validated against the {system} code list.", "Mandatory since the 2019 upgrade.",
    "Reported to the government in the annual statutory return.", "Often missing before 2016.",
    "Shown to residents in the online account.", "Checked by the data quality team every quarter.",
)  # fmt: skip
DATASET_SUFFIXES = ("", "_history", "_archive", "_monthly", "_snapshot", "_extract", "_legacy", "_2019", "_audit")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "nightly")
OWNERS = (
    "Priya Shah", "Tom Okafor", "Helen Davies", "Mark Whitfield", "Aisha Khan", "Gareth Jones", "Sarah O'Neill",
    "David Nowak", "Fiona MacLeod", "James Patel", "Rachel Green", "Imran Hussain", "Claire Hughes", "Peter Walsh",
    "Nadia Begum", "Owen Rhys", "Lucy Turner", "Samuel Adeyemi", "Karen Wood", "Chris Evans", "Zoë Martin",
    "Andrew Clarke", "Emma Robinson", "Daniel Kowalski", "Hannah Singh", "Robert Hall", "Joanne Ward", "Ben Hughes",
    "Margaret Thompson", "Michael Edwards", "Siobhan Kelly", "Tariq Ahmed", "Laura Fitzgerald", "Neil Harris",
    "Rebecca Cooper", "Stephen Hill", "Yasmin Ali", "Paul Wright", "Gemma White", "Adam Roberts",
)  # fmt: skip
SPECIAL_AREAS = {"Adult Social Care", "Children's Services", "Public Health"}
LAYER_DATASETS = {
    "raw": 600, "linked": 150, "governed": 150, "published": 100,
}  # fmt: skip
LINKED_NAMES = ("residents", "households", "person_records", "addresses", "resident_services", "property_occupancy")
GOVERNED_NAMES = ("monthly_activity", "performance_indicators", "caseload_summary", "demand_forecast", "waiting_times")

BASE_TERMS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Date of birth", "The date a person was born, as they or their records state it.", ("DOB", "birth date"),
     ("date_of_birth",)),
    ("NHS number", "The ten-digit number that identifies a patient across the NHS in England and Wales.",
     ("NHS no", "health service number"), ("nhs_number",)),
    ("Postcode", "The Royal Mail code for a group of addresses.", ("post code", "postal code", "zip code"),
     ("postcode",)),
    ("Unique Property Reference Number", "The identifier of a property in the national address gazetteer.",
     ("UPRN", "property reference"), ("uprn",)),
    ("Unique Street Reference Number", "The identifier of a street in the national street gazetteer.",
     ("USRN", "street reference"), ("usrn",)),
    ("Resident", "A person who lives in the borough, whatever services they use.", ("citizen", "inhabitant"),
     ("person_id",)),
    ("Service user", "A person who receives a service from the council.", ("client", "customer", "person supported"),
     ("person_id",)),
    ("Tenant", "A person who holds a tenancy of a council or housing association home.", ("leaseholder", "occupier"),
     ("tenancy_start", "tenancy_end")),
    ("Looked after child", "A child in the care of the local authority under the Children Act 1989.",
     ("child in care", "LAC", "CLA"), ("legal_status", "placement_type")),
    ("Household", "The people who live together at one address and share living arrangements.",
     ("family unit", "occupants"), ("uprn",)),
    ("Council tax band", "The valuation band, A to H, that sets a home's council tax.", ("valuation band",),
     ("council_tax_band",)),
    ("Arrears", "Money owed to the council after the date it was due.", ("debt", "amount owed"),
     ("arrears_amount", "rent_balance", "balance_outstanding")),
    ("Education, health and care plan", "A legal document describing a child's special educational needs.",
     ("EHCP", "SEND plan"), ("ehcp_start", "sen_provision")),
    ("Free school meals", "Meals provided at no cost to eligible pupils.", ("FSM", "pupil premium eligibility"),
     ("fsm_eligible",)),
    ("Fly-tipping", "The illegal dumping of waste on land.", ("illegal dumping", "flytip"), ("waste_stream",)),
    ("Penalty charge notice", "A notice of a parking or traffic contravention.", ("PCN", "parking ticket"),
     ("contravention_code", "vehicle_registration")),
    ("Blue badge", "A permit for disabled people to park near where they need to go.", ("disabled parking permit",),
     ("permit_zone",)),
    ("Direct payment", "Money paid to a person to arrange their own care and support.",
     ("personal budget", "cash payment"), ("weekly_cost", "funding_source")),
    ("Care package", "The services arranged to meet a person's eligible care needs.",
     ("package of care", "support plan"), ("package_start", "package_end", "weekly_cost")),
    ("Gender", "How a person describes their gender.", ("sex",), ("gender",)),
    ("Ethnicity", "The ethnic group a person identifies with.", ("ethnic origin", "ethnic group"), ("ethnicity",)),
    ("National Insurance number", "The reference number of a person's National Insurance account.",
     ("NINO", "NI number"), ("national_insurance_number",)),
    ("Email address", "An address for electronic mail.", ("e-mail",), ("email",)),
    ("Telephone number", "A number to call a person on.", ("phone", "mobile"), ("phone_number",)),
    ("Ward", "An electoral division of the borough.", ("electoral ward", "division"), ("ward",)),
    ("Lower layer super output area", "A small statistical area of about 1,500 residents.", ("LSOA",),
     ("lsoa_code",)),
    ("Food hygiene rating", "The score, 0 to 5, a food business gets at inspection.", ("scores on the doors",),
     ("food_hygiene_rating",)),
    ("Rateable value", "The value the Valuation Office Agency gives a business property.", ("RV",),
     ("rateable_value",)),
    ("Full-time equivalent", "Hours worked as a share of a full-time week.", ("FTE",), ("fte",)),
    ("Unique pupil number", "The identifier of a pupil in English schools.", ("UPN",), ("unique_pupil_number",)),
)  # fmt: skip
CONCEPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("case", ("file", "record")), ("referral", ("request for support",)), ("contact", ("enquiry",)),
    ("complaint", ("grievance",)), ("assessment", ("needs assessment",)), ("review", ("annual review",)),
    ("outcome", ("result",)), ("caseload", ("workload",)), ("budget", ("spend",)), ("backlog", ("queue",)),
    ("waiting time", ("wait",)), ("service request", ("job",)), ("visit", ("appointment",)),
    ("performance indicator", ("KPI", "measure")), ("data return", ("statutory return",)),
    ("risk", ("hazard",)), ("eligibility", ("entitlement",)),
)  # fmt: skip
MISSES = ("zebra", "helicopter", "quantum flux", "spaceship", "glacier melt", "xylophone")


@dataclass(frozen=True)
class Query:
    """One benchmark query: the text typed and the filters chosen."""

    text: str
    filters: dict[str, Any]
    kind: str

    def describe(self) -> str:
        shown = ", ".join(f"{name}={value}" for name, value in self.filters.items())
        return f"`{self.text}`" + (f" ({shown})" if shown else "")


@dataclass
class Catalogue:
    assets: list[AssetRecord]
    queries: list[Query]

    def summary(self) -> str:
        kinds = Counter(asset.kind for asset in self.assets)
        return ", ".join(f"{count:,} {kind}s" for kind, count in kinds.items())

    def query_mix(self) -> str:
        kinds = Counter(query.kind for query in self.queries)
        filtered = sum(bool(query.filters) for query in self.queries)
        return ", ".join(f"{count} {kind}" for kind, count in kinds.most_common()) + f"; {filtered} with a filter"


def _singular(entity: str) -> str:
    head, _, last = entity.rpartition("_")
    if last == "children":
        last = "child"
    elif last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("sses", "ches")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return f"{head}_{last}" if head else last


def _title(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _field_counts(random: Random, datasets: int, fields: int) -> list[int]:
    counts = [random.randint(8, 32) for _ in range(datasets)]
    while (gap := fields - sum(counts)) != 0:
        index = random.randrange(datasets)
        step = 1 if gap > 0 else -1
        if 4 <= counts[index] + step <= 40:
            counts[index] += step
    return counts


def _field_pool(area: str, entity: str, system: str) -> dict[str, str]:
    """Field name → description, for a dataset of ``entity`` in ``system``."""
    thing = _singular(entity)
    pool = {
        f"{thing}_{suffix}": text.format(thing=thing.replace("_", " "), system=system)
        for suffix, text in ENTITY_SUFFIXES.items()
    }
    for name in AREAS[area][3]:
        pool[name] = f"{_title(name)} of the {thing.replace('_', ' ')}, as held in {system}."
    pool.update(PERSON_FIELDS)
    pool.update({name: text.format(system=system) for name, text in GENERIC_FIELDS.items()})
    return pool


def _dataset_fields(
    random: Random, dataset: AssetRecord, area: str, entity: str, system: str, count: int
) -> list[AssetRecord]:
    pool = _field_pool(area, entity, system)
    thing = _singular(entity)
    first = [f"{thing}_id", "person_id"] if "person_id" in pool else [f"{thing}_id"]
    names = first + random.sample([name for name in pool if name not in first], count - len(first))
    fields = []
    for name in names[:count]:
        description = pool[name]
        if random.random() < 0.4:
            description += " " + random.choice(SECOND_SENTENCES).format(system=system)
        personal = name in PERSON_FIELDS and name not in ("person_id",)
        fields.append(
            AssetRecord(
                id=field_id(dataset.id, name),
                kind="field",
                name=name,
                title=_title(name),
                description=description,
                layer=dataset.layer,
                parent_id=dataset.id,
                owner=dataset.owner,
                steward=dataset.steward,
                business_area=area,
                classification=dataset.classification,
                personal=personal,
            )
        )
    return fields


def generate(datasets: int, fields: int, terms: int, queries: int, *, seed: int) -> Catalogue:
    """A council catalogue of ``datasets`` datasets holding ``fields`` fields in all, with glossary and queries."""
    random = Random(seed)
    counts = _field_counts(random, datasets, fields)
    per_layer = {layer: share * datasets // 10_000 for layer, share in LAYER_DATASETS.items()}
    layered = sum(per_layer.values())
    per_source = 25
    sources = max(1, (datasets - layered) // per_source)
    assets: list[AssetRecord] = []
    made: list[tuple[AssetRecord, str, str, str]] = []  # dataset, area, entity, system
    area_names = list(AREAS)
    for number in range(sources):
        area = area_names[number % len(area_names)]
        short, systems, entities, _ = AREAS[area]
        system = random.choice(systems)
        source = f"{re.sub(r'[^a-z0-9]+', '_', system.lower()).strip('_')}_{short}_{number}"
        owner = random.choice(OWNERS)
        assets.append(
            AssetRecord(
                id=source_id(source),
                kind="source",
                name=source,
                title=f"{system} ({area}, extract {number})",
                description=f"Extracts from {system}, the {area.lower()} case management system.",
                owner=owner,
                business_area=area,
            )
        )
        combos = [(entity, suffix) for suffix in DATASET_SUFFIXES for entity in entities][:per_source]
        last = datasets - layered if number == sources - 1 else (number + 1) * per_source
        while len(made) + len(combos[: last - len(made)]) < last and len(combos) < len(entities) * 20:
            combos.append((random.choice(entities), f"_{len(combos)}"))
        for entity, suffix in combos[: last - len(made)]:
            name = entity + suffix
            special = area in SPECIAL_AREAS
            dataset = AssetRecord(
                id=dataset_id(source, name),
                kind="dataset",
                name=name,
                title=_title(entity) + (f" ({suffix.strip('_')})" if suffix else ""),
                description=(
                    f"{_title(entity)} recorded in {system} by {area}. One row per "
                    f"{_singular(entity).replace('_', ' ')}; refreshed {random.choice(FREQUENCIES)}."
                ),
                layer="standard",
                owner=owner,
                steward=random.choice(OWNERS),
                business_area=area,
                classification="OFFICIAL-SENSITIVE" if special else "OFFICIAL",
                personal=True,
                special_category=special,
                in_register=True,
                register={
                    "purpose": f"To deliver {area.lower()} services and meet statutory duties.",
                    "keywords": [area.lower(), system.lower()],
                },
            )
            made.append((dataset, area, entity, system))
    copied = random.sample(made, min(len(made), layered))
    for layer, share in per_layer.items():
        for number in range(share):
            base, area, entity, system = copied.pop() if layer == "raw" else random.choice(made[: datasets - layered])
            if layer == "raw":
                name = base.id.removeprefix("dataset.").replace(".", "__")
            else:
                name = f"{random.choice(LINKED_NAMES if layer == 'linked' else GOVERNED_NAMES)}_{number}"
            dataset = AssetRecord(
                id=f"dataset.{layer}.{name}",
                kind="dataset",
                name=name,
                title=_title(name),
                description=f"The {layer} layer's {_title(name).lower()}, built from {base.title.lower()}.",
                layer=layer,
                owner=base.owner,
                steward=base.steward,
                business_area=area,
                classification=base.classification,
                personal=True,
                special_category=base.special_category,
            )
            made.append((dataset, area, entity, system))
    for (dataset, area, entity, system), count in zip(made, counts, strict=True):
        assets.append(dataset)
        assets.extend(_dataset_fields(random, dataset, area, entity, system, count))
    assets.extend(_terms(random, assets, terms))
    return Catalogue(assets, _queries(random, assets, queries))


def _terms(random: Random, assets: list[AssetRecord], count: int) -> list[AssetRecord]:
    by_name: dict[str, list[str]] = {}
    by_area: dict[str, list[str]] = {}
    for asset in assets:
        if asset.kind == "field":
            by_name.setdefault(asset.name, []).append(asset.id)
        elif asset.kind == "dataset":
            by_area.setdefault(asset.business_area, []).append(asset.id)
    specs = [
        (name, definition, synonyms, [f for n in names for f in by_name.get(n, [])], "Data Governance")
        for name, definition, synonyms, names in BASE_TERMS
    ]
    for area, (short, *_rest) in AREAS.items():
        for concept, synonyms in CONCEPTS:
            specs.append(
                (
                    f"{area} {concept}",
                    f"A {concept} in {area.lower()}, as the service counts it.",
                    tuple(f"{short} {synonym}" for synonym in synonyms),
                    by_area.get(area, []),
                    area,
                )
            )
    terms = []
    for name, definition, synonyms, links, area in specs[:count]:
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        chosen = random.sample(links, min(len(links), 60))
        terms.append(
            AssetRecord(
                id=term_id(slug),
                kind="term",
                name=slug,
                title=name,
                description=definition,
                owner=random.choice(OWNERS),
                business_area=area,
                register={"synonyms": list(synonyms), "links": sorted(chosen)},
            )
        )
    return terms


def _filter_value(random: Random, name: str, owners: list[str]) -> Any:
    """A value to filter on, as a user would type it (a business area in lower case)."""
    choices: dict[str, list[Any]] = {
        "kind": ["dataset", "field", "term"],
        "business_area": [area.lower() for area in AREAS],
        "personal": [True],
        "layer": ["standard", "raw", "linked"],
        "classification": ["OFFICIAL-SENSITIVE"],
        "owner": owners,
    }
    return random.choice(choices[name])


def _queries(random: Random, assets: list[AssetRecord], count: int) -> list[Query]:
    field_names = sorted({a.name for a in assets if a.kind == "field"})
    entities = sorted({entity for _s, _y, ents, _f in AREAS.values() for entity in ents})
    systems = sorted({system for _s, syss, _e, _f in AREAS.values() for system in syss})
    synonyms = sorted({s for _n, _d, syns, _f in BASE_TERMS for s in syns})
    vocabulary = sorted({w for name in field_names + entities for w in name.split("_") if len(w) > 4})
    owners = sorted({a.owner for a in assets if a.owner})

    def two_words(name: str) -> str:
        words = [w for w in re.split(r"[_\s]+", name) if w]
        start = random.randrange(max(1, len(words) - 1))
        return " ".join(words[start : start + random.choice((1, 2))])

    made = []
    for _ in range(count):
        roll = random.random()
        if roll < 0.35:
            text, kind = two_words(random.choice(field_names)), "field names"
        elif roll < 0.55:
            text, kind = two_words(random.choice(entities)), "dataset words"
        elif roll < 0.62:
            text, kind = random.choice(systems).split()[0].lower(), "systems"
        elif roll < 0.72:
            text, kind = random.choice(synonyms).lower(), "synonyms"
        elif roll < 0.97:
            word = random.choice(vocabulary)
            text, kind = word[: random.randint(3, min(6, len(word) - 1))], "prefixes"
        else:
            text, kind = random.choice(MISSES), "misses"
        filters: dict[str, Any] = {}
        if random.random() < 1 / 3:
            choice = random.choice(("kind", "kind", "business_area", "personal", "layer", "classification", "owner"))
            filters[choice] = _filter_value(random, choice, owners)
        made.append(Query(text, filters, kind))
    return made


# ---------------------------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """Per-query wall times of one engine, and what it found."""

    engine: str
    build_seconds: float
    index_seconds: float
    times: list[float]
    totals: list[int]
    pages: list[list[str]]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _time_queries(
    run: Callable[[Query], tuple[int, list[str]]], queries: list[Query]
) -> tuple[list[float], list[int], list[list[str]]]:
    for query in queries[:WARM_UP]:
        run(query)
    times, totals, pages = [], [], []
    for query in queries:
        started = time.perf_counter()
        total, ids = run(query)
        times.append(time.perf_counter() - started)
        totals.append(total)
        pages.append(ids)
    return times, totals, pages


def observatory_timing(engine: str, url: str, catalogue: Catalogue) -> Timing:
    """Write the catalogue into a fresh metadata store at ``url`` and run every query through ``search``."""
    from observatory.catalogue.search import SearchFilters, rebuild_index, search
    from observatory.catalogue.store import write_catalogue
    from observatory.meta.store import MetaStore

    meta = MetaStore(url)
    meta.migrate()
    started = time.perf_counter()
    write_catalogue(meta, catalogue.assets, [])
    build = time.perf_counter() - started
    with meta.session() as session:
        started = time.perf_counter()
        rebuild_index(session, catalogue.assets)
        index = time.perf_counter() - started

    def run(query: Query) -> tuple[int, list[str]]:
        results = search(meta, query.text, SearchFilters(**query.filters), limit=PAGE)
        return results.total, [hit.id for hit in results.hits]

    times, totals, pages = _time_queries(run, catalogue.queries)
    meta.close()
    return Timing(engine, build, index, times, totals, pages)


def tantivy_timing(catalogue: Catalogue) -> Timing:
    """The same documents, filters and queries in tantivy, indexed in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-tantivy-") as folder:
        return _tantivy_timing(catalogue, folder)


def _tantivy_timing(catalogue: Catalogue, folder: str) -> Timing:
    import tantivy

    from observatory.catalogue.search import WEIGHTS, documents, query_words

    columns = tuple(WEIGHTS)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("asset_id", stored=True, tokenizer_name="raw")
    for column in columns:
        builder.add_text_field(column, stored=column == "description", tokenizer_name="en_stem")
    for facet in ("kind", "owner", "business_area", "classification", "layer", "personal"):
        builder.add_text_field(facet, tokenizer_name="raw", index_option="basic")
    schema = builder.build()
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    by_id = {asset.id: asset for asset in catalogue.assets}
    started = time.perf_counter()
    index = tantivy.Index(schema, path=folder)
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for doc in documents(catalogue.assets):
        asset = by_id[doc.asset_id]
        writer.add_document(
            tantivy.Document(
                asset_id=doc.asset_id,
                title=doc.title,
                names=doc.names,
                terms=doc.terms,
                description=doc.description,
                kind=asset.kind,
                owner=asset.owner.lower(),
                business_area=asset.business_area.lower(),
                classification=asset.classification,
                layer=asset.layer or "",
                personal=str(asset.personal).lower(),
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - started
    searcher = index.searcher()
    must, should = tantivy.Occur.Must, tantivy.Occur.Should

    def word_query(word: str) -> Any:
        stems = analyzer.analyze(word) or [word]
        stem = stems[0]
        alternatives = []
        for column in columns:
            exact = tantivy.Query.term_query(schema, column, stem)
            prefix = tantivy.Query.regex_query(schema, column, _regex_escape(stem) + ".*")
            alternatives.append((should, tantivy.Query.boost_query(exact, WEIGHTS[column])))
            alternatives.append((should, tantivy.Query.boost_query(prefix, WEIGHTS[column] * 0.1)))
        return tantivy.Query.boolean_query(alternatives)

    def run(query: Query) -> tuple[int, list[str]]:
        clauses = [(must, word_query(word)) for word in query_words(query.text)]
        for name, value in query.filters.items():
            value = str(value).lower() if name in ("owner", "business_area", "personal") else value
            clauses.append((must, tantivy.Query.term_query(schema, name, value)))
        if not clauses:
            return 0, []
        built = tantivy.Query.boolean_query(clauses)
        result = searcher.search(built, PAGE, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, built, schema, "description")
        ids = []
        for _score, address in result.hits:
            found = searcher.doc(address)
            snippets.snippet_from_doc(found).fragment()
            ids.append(found["asset_id"][0])
        return int(getattr(result, "count", 0) or 0), ids

    times, totals, pages = _time_queries(run, catalogue.queries)
    return Timing(f"tantivy {importlib.metadata.version('tantivy')} (Rust, BM25)", build, build, times, totals, pages)


def _regex_escape(text: str) -> str:
    return "".join("\\" + char if char in r".^$*+?()[]{}|\\" else char for char in text)


def search_section(catalogue: Catalogue, args: argparse.Namespace) -> list[str]:
    """SQLite, PostgreSQL and tantivy over the same catalogue and queries."""
    from tests.support.postgres import require_postgres_bindir, throwaway_postgres

    timings = []
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as folder:
        timings.append(observatory_timing("Observatory on SQLite (FTS5)", f"sqlite:///{folder}/meta.sqlite", catalogue))
    with throwaway_postgres(require_postgres_bindir()) as server:
        timings.append(observatory_timing("Observatory on PostgreSQL (tsvector, GIN)", server.url(), catalogue))
    timings.append(tantivy_timing(catalogue))
    sqlite, postgres, alternative = timings
    lines = [
        f"Catalogue: {catalogue.summary()}; {len(catalogue.queries):,} queries "
        f"({catalogue.query_mix()}), page of {PAGE} with total and snippets.",
        "",
        "| engine | write catalogue (s) | build index (s) | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for timing in timings:
        lines.append(
            f"| {timing.engine} | {timing.build_seconds:.2f} | {timing.index_seconds:.2f} | {timing.percentile(0.50):.2f} "
            f"| {timing.percentile(0.95):.2f} | {timing.percentile(0.99):.2f} "
            f"| {statistics.fmean(timing.times) * 1000:.2f} |"
        )
    lines += ["", "Agreement with SQLite (same queries):", ""]
    for other in (postgres, alternative):
        same_total = sum(a == b for a, b in zip(sqlite.totals, other.totals, strict=True))
        same_first = sum(a[:1] == b[:1] for a, b in zip(sqlite.pages, other.pages, strict=True))
        overlap = statistics.fmean(
            len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0
            for a, b in zip(sqlite.pages, other.pages, strict=True)
        )
        lines.append(
            f"- {other.engine}: same total {same_total / len(sqlite.totals):.1%}, same first hit "
            f"{same_first / len(sqlite.pages):.1%}, first-page overlap {overlap:.1%}"
        )
    slow = sorted(zip(sqlite.times, catalogue.queries, strict=True), key=lambda pair: -pair[0])[:5]
    lines += ["", "Slowest on SQLite: " + "; ".join(f"{q.describe()} {t * 1000:.1f} ms" for t, q in slow)]
    slow = sorted(zip(postgres.times, catalogue.queries, strict=True), key=lambda pair: -pair[0])[:5]
    lines += ["Slowest on PostgreSQL: " + "; ".join(f"{q.describe()} {t * 1000:.1f} ms" for t, q in slow)]
    return lines


def repopulate_section(_catalogue: Catalogue, args: argparse.Namespace) -> list[str]:
    """Full repopulation after a build of the demo council, against the build itself and a hand-written floor."""
    import duckdb

    from observatory import Observatory
    from observatory.build import build
    from observatory.catalogue.populate import populate
    from observatory.demo.generator import generate as generate_demo

    with tempfile.TemporaryDirectory(prefix="bench-repopulate-") as folder:
        root = f"{folder}/council"
        generate_demo(root, residents=args.residents, seed=42)
        with Observatory.open(root) as obs:
            started = time.perf_counter()
            report = build(obs)
            build_seconds = time.perf_counter() - started
            assert report.ok, report.failures
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                result = populate(obs)
                runs.append(time.perf_counter() - started)
            assets = sum(result.assets.values())
            warehouse = str(obs.project.warehouse_path)
        # the floor: only reading every table's columns and row count, by hand, in one DuckDB connection
        floors = []
        for _ in range(3):
            started = time.perf_counter()
            with duckdb.connect(warehouse, read_only=True) as con:
                tables = con.execute(
                    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name NOT LIKE '\\_%' ESCAPE '\\'"
                ).fetchall()
                for schema, table in tables:
                    con.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = ? AND table_name = ?",
                        [schema, table],
                    ).fetchall()
                    con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
            floors.append(time.perf_counter() - started)
    median = statistics.median(runs)
    return [
        f"Demo council, {args.residents:,} residents: build {build_seconds:.1f} s; the catalogue it ends with: "
        f"{assets:,} assets, {result.edges:,} lineage edges.",
        "",
        "| step | median of 3 (s) |",
        "|---|---|",
        f"| Observatory full repopulation (schemas, rows, examples, quality, lineage, edits, search index) "
        f"| {median:.2f} |",
        f"| floor: read every table's columns and row count by hand (DuckDB) | {statistics.median(floors):.2f} |",
        "",
        f"Repopulation is {median / build_seconds:.1%} of the build (target < 5 s: "
        f"{'met' if median < 5 else 'missed'}).",
    ]


SECTIONS: dict[str, Callable[[Catalogue, argparse.Namespace], list[str]]] = {
    "search": search_section,
    "repopulate": repopulate_section,
}
"""Sections of the benchmark, in the order they run (``--only`` picks some)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--fields", type=int, default=200_000)
    parser.add_argument("--terms", type=int, default=300)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--residents", type=int, default=5_000, help="size of the demo council to repopulate")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only these sections")
    args = parser.parse_args()
    started = time.perf_counter()
    catalogue = generate(args.datasets, args.fields, args.terms, args.queries, seed=args.seed)
    generated = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # the generated catalogue stays in memory: keep the collector from walking it between queries
    lines = [
        f"## catalogue: {len(catalogue.assets):,} assets, {platform.machine()}, {psutil.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        f"Generated in {generated:.1f} s.",
        "",
    ]
    for name in args.only or list(SECTIONS):
        lines += [*SECTIONS[name](catalogue, args), ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
