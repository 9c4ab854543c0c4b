"""The ``linked`` layer: its tables and the columns every linkage step agrees on.

A person record's ``unique_id`` is ``source.dataset:key`` (composite keys joined with ``-``), the
same id the demo's ground truth uses, so every step, the review queue and the evaluation can name
a record without looking anything up.
"""

from __future__ import annotations

LAYER = "linked"

PERSON_RECORDS = "person_records"
"""One row per person-bearing source record, in the shape the model compares (``PERSON_COLUMNS``)."""
ADDRESS_MATCHES = "address_matches"
"""``unique_id`` → ``uprn``, ``score``, ``runner_up``, ``status`` (``ADDRESS_STATUSES``)."""
PAIRS = "pairs"
"""Scored record pairs at or above the lowest threshold in use, with each comparison's level and match weight."""
RESIDENT_RECORDS = "resident_records"
"""``unique_id`` → ``resident_id``, ``household_id``, ``uprn``, ``probability`` and cluster evidence."""
RESIDENTS = "residents"
"""One golden record per resident."""
GOLDEN_PROVENANCE = "golden_provenance"
"""Where each golden value came from: ``resident_id``, ``attribute``, ``value``, ``unique_id``, ``rule``."""
HOUSEHOLDS = "households"
"""One row per household: ``household_id``, ``uprn``, ``residents``, ``records``."""
ID_CHANGES = "resident_id_changes"
"""The id change log: every new, split, merged and retired ``resident_id``, by run."""

PERSON_COLUMNS: dict[str, str] = {
    "unique_id": "string",
    "dataset": "string",
    "record_key": "string",
    "forename": "string",
    "forename_canonical": "string",
    "middle_names": "string",
    "surname": "string",
    "date_of_birth": "date",
    "sex": "string",
    "nhs_number": "string",
    "ni_number": "string",
    "upn": "string",
    "postcode": "string",
    "postcode_sector": "string",
    "postcode_district": "string",
    "address": "string",
    "phone": "string",
    "email": "string",
    "ethnicity": "string",
    "recorded_on": "date",
    "trust": "int32",
}
"""Columns of ``person_records``: names upper case, postcodes ``AB10 1AA``, ``address`` one line without the
postcode; ``trust`` is the dataset's rank in ``linkage.trust`` (0 = most trusted; unranked datasets after)."""

ATTRIBUTES: tuple[str, ...] = (
    "forename",
    "middle_names",
    "surname",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "postcode",
    "address",
    "uprn",
    "phone",
    "email",
    "ethnicity",
)
"""Attributes of a golden record."""

ADDRESS_STATUSES = ("matched", "ambiguous", "unmatched", "no_address")

TITLES: dict[str, tuple[str, str]] = {
    PERSON_RECORDS: ("Person records", "Every person-bearing source record in one shape, as linkage compares them."),
    ADDRESS_MATCHES: ("Address matches", "Each person record's address matched to a gazetteer UPRN, with its score."),
    PAIRS: ("Scored record pairs", "Record pairs the model scored, with each comparison's level and weight."),
    RESIDENT_RECORDS: ("Resident records", "The resident and household of each source record, with the evidence."),
    RESIDENTS: ("Residents (single view)", "One golden record per resident, built from every linked record."),
    GOLDEN_PROVENANCE: ("Golden record provenance", "Where each golden value came from and which rule chose it."),
    HOUSEHOLDS: ("Households", "One row per household (a UPRN, or an address without one)."),
    ID_CHANGES: ("Resident id changes", "Every new, split, merged and retired resident id, by run."),
}
"""Title and description of each linked table, for the catalogue."""

FLOW: dict[str, tuple[str, ...]] = {
    ADDRESS_MATCHES: (PERSON_RECORDS,),
    PAIRS: (PERSON_RECORDS,),
    RESIDENT_RECORDS: (PERSON_RECORDS, PAIRS, ADDRESS_MATCHES),
    RESIDENTS: (RESIDENT_RECORDS, PERSON_RECORDS),
    GOLDEN_PROVENANCE: (RESIDENT_RECORDS, PERSON_RECORDS),
    HOUSEHOLDS: (RESIDENT_RECORDS, ADDRESS_MATCHES),
    ID_CHANGES: (RESIDENT_RECORDS,),
}
"""Which linked tables each linked table is made from (``clusters__<use>`` tables are made from ``pairs``);
the person datasets feed ``person_records`` and the gazetteer ``address_matches``."""
