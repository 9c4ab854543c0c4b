"""The ground truth, written apart from the sources (``ground_truth/``), for measuring linkage exactly.

- ``records.csv``: every source row, once: ``source``, ``dataset``, ``record_key`` (the row's key in
  that dataset), the true ``person_id`` and ``household_id``, ``uprn`` (the property the row's
  address refers to, even when misspelt or out of date), ``current_uprn`` (where the person lives
  now) and ``faults`` (what was changed, ``;``-separated). LLPG rows carry their own UPRN and the
  household living there.
- ``people.csv``: every resident with their true details and identifiers.
- ``households.csv``: every household with its property, previous property and move-in date.
"""

from __future__ import annotations

from collections.abc import Sequence

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
TABLES = (RECORDS, PEOPLE, HOUSEHOLDS)

README = """# Ground truth of the Demo County Council

Synthetic data: every person here is invented. These files are NOT source data; keep them out of
the warehouse. They say who every source record really is, so record linkage, address matching
and data quality can be measured exactly.

- `records.csv`: one row per row of every source dataset (and per LLPG property):
  `source`, `dataset`, `record_key`, `person_id`, `household_id`, `uprn` (the property the
  record's address refers to, even when misspelt or stale), `current_uprn` (where the person
  lives now) and `faults` (`;`-separated: typo_forename, typo_surname, alternative_forename,
  surname_change, dob_wrong, dob_missing, stale_address, address_variant, duplicate,
  missing_<field>).
- `people.csv`: every resident with true names, date of birth, sex, ethnicity and identifiers.
- `households.csv`: every household, its property (UPRN), previous property and move-in date.

Record keys: asc.clients `Person ID`, asc.services `Service ID`, asc.reviews `Review ID`,
csc.children `ChildID`, csc.referrals `ReferralID`, csc.plans `PlanID`, ctax.accounts
`Account Ref`-`Liable Party`, housing.applications `Application No`/`Applicant No`,
housing.tenancies `Tenancy Ref`/`Tenant`, schools.pupils `PupilID`, llpg.properties `UPRN`.
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
