"""The ground truth, written apart from the sources (``ground_truth/``), for measuring linkage exactly.

- ``records.csv``: every source row, once: ``source``, ``dataset``, ``record_key`` (the row's key in
  that dataset; composite keys joined with ``-``), the true ``person_id`` and ``household_id``,
  ``uprn`` (the property the row's address refers to, even when misspelt or out of date),
  ``current_uprn`` (where the person lives now) and ``faults`` (what was changed, ``;``-separated).
  LLPG rows carry their own UPRN and the household living there.
- ``people.csv``: every resident with their true details and identifiers.
- ``households.csv``: every household with its property, previous property and move-in date.
- ``quality_faults.csv``: the exact number of each quality fault by dataset and the field, rule or
  reference of the dataset's contract (``sources/*.yml``) that catches it.
- ``kpi_events.csv``: every event and spell behind the demo KPIs, once per record, as its source row records
  it: requests, services, reviews, referrals, plans, homelessness cases and placements.
- ``kpi_monthly.csv``: true totals of the high-volume monthly datasets (council tax instalments, school
  attendance) by period; ``observatory.demo.kpi_truth`` turns these into every KPI's true values.

``records.csv`` has no rows for council tax instalments, school attendance months or population estimates:
they are not records about one person, and their truth is in ``kpi_monthly.csv`` and ``people.csv``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from observatory.demo.faults import (
    DUPLICATE_ROW,
    END_BEFORE_START,
    INVALID_NHS_NUMBER,
    ORPHAN_REFERENCE,
    POSTCODE_OUTWARD,
    POSTCODE_TOWN,
    QUALITY_FAULTS,
)
from observatory.demo.geography import UPRN_BASE
from observatory.demo.population import Household
from observatory.demo.records import TRUTH_COLUMNS
from observatory.demo.tables import GROUND_TRUTH, Cell, Table

RECORDS = Table(
    GROUND_TRUTH, "records", "Ground truth of every source record", "", "ground_truth/records.csv", TRUTH_COLUMNS
)
PEOPLE = Table(
    GROUND_TRUTH,
    "people",
    "Ground truth of every resident",
    "",
    "ground_truth/people.csv",
    (
        "person_id",
        "household_id",
        "forename",
        "middle_names",
        "surname",
        "former_surname",
        "sex",
        "date_of_birth",
        "ethnicity",
        "nhs_number",
        "ni_number",
        "upn",
        "uprn",
        "previous_uprn",
    ),
)
HOUSEHOLDS = Table(
    GROUND_TRUTH,
    "households",
    "Ground truth of every household",
    "",
    "ground_truth/households.csv",
    ("household_id", "kind", "size", "uprn", "previous_uprn", "moved_in"),
)
KPI_EVENTS = Table(
    GROUND_TRUTH,
    "kpi_events",
    "Ground truth of the events and spells behind the demo KPIs",
    "",
    "ground_truth/kpi_events.csv",
    ("dataset", "record_key", "subject", "date", "end_date", "type", "age_band", "outcome", "faults"),
)
TABLES = (RECORDS, PEOPLE, HOUSEHOLDS, KPI_EVENTS)

KPI_MONTHLY_PATH = "ground_truth/kpi_monthly.csv"
KPI_MONTHLY_COLUMNS = ("dataset", "period_start", "measure", "value")
KpiTotal = tuple[str, str, str]
"""(dataset, period start as ISO text, measure): a true quantity added up over the whole population."""

QUALITY_FAULTS_PATH = "ground_truth/quality_faults.csv"
QUALITY_FAULT_COLUMNS = ("source", "dataset", "field_or_rule", "fault", "count")
QualityFault = tuple[str, str, str, str]
"""(source, dataset, field_or_rule, fault): a quality fault and the contract check that catches it."""

_POSTCODE_FAULTS = (POSTCODE_TOWN, POSTCODE_OUTWARD)
_PERSON_DATASETS = (("ctax", "accounts"), ("housing", "applications"), ("housing", "tenancies"), ("schools", "pupils"))
QUALITY_CHECKS: tuple[QualityFault, ...] = (
    ("asc", "clients", "person_id", DUPLICATE_ROW),
    ("asc", "clients", "nhs_number", INVALID_NHS_NUMBER),
    *(("asc", "clients", "postcode", fault) for fault in _POSTCODE_FAULTS),
    ("asc", "services", "client", ORPHAN_REFERENCE),
    ("asc", "services", "ends_after_start", END_BEFORE_START),
    ("asc", "reviews", "client", ORPHAN_REFERENCE),
    ("asc", "contacts", "contact_id", DUPLICATE_ROW),
    ("csc", "children", "nhs_number", INVALID_NHS_NUMBER),
    *(("csc", "children", "postcode", fault) for fault in _POSTCODE_FAULTS),
    ("csc", "referrals", "child", ORPHAN_REFERENCE),
    ("csc", "referrals", "under_18_at_referral", "dob_wrong"),
    ("csc", "referrals", "referral_id", DUPLICATE_ROW),
    ("csc", "plans", "child", ORPHAN_REFERENCE),
    ("csc", "plans", "ends_after_start", END_BEFORE_START),
    *((source, dataset, "postcode", fault) for source, dataset in _PERSON_DATASETS for fault in _POSTCODE_FAULTS),
    ("schools", "pupils", "school_age", "dob_wrong"),
    ("housing", "homelessness", "case_ref", DUPLICATE_ROW),
    ("housing", "temporary_accommodation", "ends_after_start", END_BEFORE_START),
    ("schools", "attendance", "upn", DUPLICATE_ROW),
)
"""Every row of ``quality_faults.csv``, in order; a fault that did not happen is written with count 0."""
_FAULTS = TRUTH_COLUMNS.index("faults")
_CHECK_OF = {(s, d, fault): check for s, d, check, fault in QUALITY_CHECKS if fault in QUALITY_FAULTS}
"""The check catching each fault that the ``faults`` column of ``records.csv`` names, by dataset."""

README = """# Ground truth of the Demo County Council

Synthetic data: every person here is invented. These files are NOT source data; keep them out of
the warehouse. They say who every source record really is, so record linkage, address matching
and data quality can be measured exactly.

- `records.csv`: one row per row of every source dataset (and per LLPG property):
  `source`, `dataset`, `record_key`, `person_id`, `household_id`, `uprn` (the property the
  record's address refers to, even when misspelt or stale), `current_uprn` (where the person
  lives now) and `faults` (`;`-separated: typo_forename, typo_surname, alternative_forename,
  surname_change, dob_wrong, dob_missing, stale_address, address_variant, duplicate,
  missing_<field>, and the quality faults below).
- `people.csv`: every resident with true names, date of birth, sex, ethnicity and identifiers.
- `households.csv`: every household, its property (UPRN), previous property and move-in date.
- `quality_faults.csv`: the exact number of each quality fault written into the sources, what the
  data quality checks of the contracts in `sources/*.yml` should find: `source`, `dataset`,
  `field_or_rule` (the contract's field, rule or reference that catches it), `fault` and `count`.
  Every fault is listed, with count 0 where none happened.

Quality faults (`fault`: `field_or_rule`, what the check finds):

- `invalid_nhs_number`: `nhs_number`, one digit changed, so the modulus 11 check fails (invalid).
- `postcode_town`: `postcode`, the town ("Aberdeen") in the postcode column (invalid).
- `postcode_outward`: `postcode`, only the outward code ("AB10") in the postcode column (partial).
- `orphan_reference`: `client` or `child`, a service or review naming a Person ID, or a referral
  or plan naming a ChildID, that is not in the clients or children file.
- `end_before_start`: `ends_after_start`, an end date before the start date.
- `duplicate_row`: `person_id`, an adult social care client row exported twice; `count` extra
  rows repeat a Person ID (records.csv keeps one row per key, with this fault).
- `dob_wrong`: `under_18_at_referral`, a referral of a child whose recorded date of birth (a
  `dob_wrong` fault of the child's record) makes them 18 or over on the referral date; and
  `school_age`, a pupil whose recorded date of birth makes them younger than 4 or older than 17
  on the 31 August that decides their year group.

A row exported twice (`duplicate_row`) shows its other quality faults twice, so they are counted
twice: the counts are of faulty rows, as a data quality check finds them.

The counts of a dataset split over several worksheets (housing `tenancies`, `tenancies_2`, ...)
are given under the first one's name.

Record keys: asc.clients `Person ID`, asc.services `Service ID`, asc.reviews `Review ID`,
asc.contacts `Contact ID`, csc.children `ChildID`, csc.referrals `ReferralID`, csc.plans `PlanID`,
ctax.accounts `Account Ref`-`Liable Party`, housing.applications `Application No`/`Applicant No`,
housing.tenancies `Tenancy Ref`/`Tenant`, housing.homelessness `Case Ref` (the lead applicant),
housing.temporary_accommodation `Placement Ref`, schools.pupils `PupilID`, llpg.properties `UPRN`.
Council tax instalments, school attendance and population estimates have no rows in `records.csv`.

## Ground truth of the KPIs

- `kpi_events.csv`: one row per event or spell behind a KPI, once however often its row was exported:
  `dataset`, `record_key`, `subject` (the Person ID, ChildID or Case Ref the row records, an orphan's
  included), `date` (request, service start, review, referral, plan start, approach or placement start),
  `end_date` (services, plans and placements, as recorded: an `end_before_start` fault shows here),
  `type` (service, review or plan type, route of access of a referral, household type of a case,
  accommodation type), `age_band` (requests), `outcome` (requests and referrals; the main reason of a
  homelessness case) and `faults`.
- `kpi_monthly.csv`: `dataset`, `period_start`, `measure`, `value`: council tax `amount_due_pence` and
  `amount_received_pence` by month; school attendance of pupils in years 1 to 11, `possible_sessions`
  and `missed_sessions` by month, and `pupils` and `persistently_absent` (10% or more of possible
  sessions missed) by calendar quarter. Rows exported twice are not in these totals.

`observatory.demo.kpi_truth.expected_totals(project folder)` computes every demo KPI's total series from
these files and `people.csv` alone (the population denominators are residents on 30 June of each year).
The events were generated with a designed trend, shifts and seasons: see `observatory.demo.events`.
"""


def people_rows(households: list[Household]) -> list[Sequence[Cell]]:
    return [
        [
            p.person_id,
            h.household_id,
            p.forename,
            p.middle_names,
            p.surname,
            p.former_surname,
            p.sex,
            p.dob.isoformat(),
            p.ethnicity.label,
            p.nhs_number,
            p.ni_number,
            p.upn,
            str(UPRN_BASE + h.property_index),
            str(UPRN_BASE + h.previous_property_index),
        ]
        for h in households
        for p in h.members
    ]


def household_rows(households: list[Household]) -> list[Sequence[Cell]]:
    return [
        [
            h.household_id,
            h.kind,
            str(len(h.members)),
            str(UPRN_BASE + h.property_index),
            str(UPRN_BASE + h.previous_property_index),
            h.moved_in.isoformat(),
        ]
        for h in households
    ]


def quality_faults(truth_rows: Iterable[Sequence[Cell]]) -> Counter[QualityFault]:
    """The quality faults named in the ``faults`` column of ground-truth rows of ``records.csv``, counted per
    source row: a record exported twice counts its other faults twice."""
    found: Counter[QualityFault] = Counter()
    for row in truth_rows:
        faults = row[_FAULTS]
        if not faults:
            continue
        source, dataset = str(row[0]), str(row[1])
        named = str(faults).split(";")
        rows = 2 if DUPLICATE_ROW in named else 1  # a row exported twice shows its other faults twice
        for fault in named:
            check = _CHECK_OF.get((source, dataset, fault))
            if check is not None:
                found[(source, dataset, check, fault)] += 1 if fault == DUPLICATE_ROW else rows
    return found


def write_kpi_totals(root: Path, totals: Counter[KpiTotal]) -> int:
    """Write ``kpi_monthly.csv`` under ``root``, sorted; return its rows."""
    path = root / KPI_MONTHLY_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(KPI_MONTHLY_COLUMNS)
        writer.writerows([*key, totals[key]] for key in sorted(totals))
    return len(totals)


def write_quality_faults(root: Path, counts: Counter[QualityFault]) -> int:
    """Write ``quality_faults.csv`` under ``root``: one row per ``QUALITY_CHECKS`` entry; return its rows."""
    unexpected = set(counts) - set(QUALITY_CHECKS)
    if unexpected:
        raise ValueError(f"quality faults without a row in quality_faults.csv: {sorted(unexpected)}")
    path = root / QUALITY_FAULTS_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(QUALITY_FAULT_COLUMNS)
        writer.writerows([*check, counts[check]] for check in QUALITY_CHECKS)
    return len(QUALITY_CHECKS)
