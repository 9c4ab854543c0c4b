"""The counts in ground_truth/quality_faults.csv are what the source files show, found without the generator."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from stdnum.gb import nhs

from observatory.config import load_project
from observatory.demo import FaultRates, GeneratorConfig, generate
from observatory.demo.faults import QUALITY_FAULTS
from observatory.standards.types import field_type
from tests.demo.readers import AGGREGATE_TRUTH_DATASETS, PERSON_DATASETS, Seen, read_sources, read_truth

FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$", re.IGNORECASE)
NHS_COLUMNS = {"asc.clients": "NHS Number", "csc.children": "NHSNumber"}
LINKED = {
    "asc.services": ("asc.clients", "Person ID", "client"),
    "asc.reviews": ("asc.clients", "Person ID", "client"),
    "csc.referrals": ("csc.children", "ChildID", "child"),
    "csc.plans": ("csc.children", "ChildID", "child"),
}
PERIODS = {
    "asc.services": ("Start Date", "End Date", "%d/%m/%Y"),
    "csc.plans": ("StartDate", "EndDate", "%Y-%m-%d"),
    "housing.temporary_accommodation": ("Placement Start", "Placement End", "%d/%m/%Y"),
}
EXPORTED_TWICE = {
    "asc.clients": "person_id",
    "asc.contacts": "contact_id",
    "csc.referrals": "referral_id",
    "housing.homelessness": "case_ref",
    "schools.attendance": "upn",
}
"""Datasets whose rows may be exported twice, and the key field the ground truth names for it."""
RAISED = FaultRates(
    invalid_nhs_number=0.1,
    invalid_postcode=0.05,
    orphan_reference=0.1,
    end_before_start=0.1,
    duplicate_row=0.05,
    duplicate_event=0.05,
    dob_wrong=0.3,
)
"""Rates high enough that a 3,000-resident council shows every kind of quality fault."""

YEAR_GROUP_CUTOFF = date(2025, 8, 31)
"""Pupils' ages on this day decide their year group in the school year of the census (31 March 2026)."""

Check = tuple[str, str, str, str]
Keys = dict[Check, list[str]]


@pytest.fixture(scope="module")
def raised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality") / "council"
    generate(root, residents=3000, seed=9, config=GeneratorConfig(faults=RAISED))
    return root


def _split(dataset: str) -> tuple[str, str]:
    source, _, name = dataset.partition(".")
    return source, name


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _date(text: str, layout: str) -> date | None:
    return datetime.strptime(text, layout).date() if text else None


def found_in_files(sources: dict[str, list[Seen]]) -> Keys:
    """The record keys showing each quality fault, by (source, dataset, field_or_rule, fault)."""
    found: Keys = {}

    def add(dataset: str, check: str, fault: str, key: str) -> None:
        found.setdefault((*_split(dataset), check, fault), []).append(key)

    for dataset, column in NHS_COLUMNS.items():
        for seen in sources[dataset]:
            number = seen.raw[column].replace(" ", "")
            if number and not nhs.is_valid(number):
                add(dataset, "nhs_number", "invalid_nhs_number", seen.key)
    for dataset in PERSON_DATASETS:
        for seen in sources[dataset]:
            if not seen.postcode or FULL_POSTCODE.match(seen.postcode):
                continue
            fault = "postcode_outward" if OUTWARD_CODE.match(seen.postcode) else "postcode_town"
            add(dataset, "postcode", fault, seen.key)
    for dataset, (target, column, reference) in LINKED.items():
        known = {seen.key for seen in sources[target]}
        for seen in sources[dataset]:
            if seen.raw[column] not in known:
                add(dataset, reference, "orphan_reference", seen.key)
    for dataset, (start, end, layout) in PERIODS.items():
        for seen in sources[dataset]:
            starts, ends = _date(seen.raw[start], layout), _date(seen.raw[end], layout)
            if starts is not None and ends is not None and ends < starts:
                add(dataset, "ends_after_start", "end_before_start", seen.key)
    for dataset, check in EXPORTED_TWICE.items():
        rows = Counter(seen.key for seen in sources[dataset])
        for key, count in rows.items():
            found.setdefault((*_split(dataset), check, "duplicate_row"), []).extend([key] * (count - 1))
    born = {seen.key: seen.dob for seen in sources["csc.children"]}
    for seen in sources["csc.referrals"]:
        dob = born.get(seen.raw["ChildID"])
        if dob is not None and _age(dob, date.fromisoformat(seen.raw["ReferralDate"])) >= 18:
            add("csc.referrals", "under_18_at_referral", "dob_wrong", seen.key)
    for seen in sources["schools.pupils"]:
        if seen.dob is not None and not 4 <= _age(seen.dob, YEAR_GROUP_CUTOFF) <= 17:
            add("schools.pupils", "school_age", "dob_wrong", seen.key)
    return found


def written(root: Path) -> dict[Check, int]:
    rows = read_truth(root, "quality_faults")
    return {(r["source"], r["dataset"], r["field_or_rule"], r["fault"]): int(r["count"]) for r in rows}


def _assert_counts_match_the_files(root: Path) -> dict[Check, int]:
    counts = written(root)
    found = found_in_files(read_sources(root))
    assert set(found) <= set(counts), "every fault found in the files has a row"
    assert {check: len(found.get(check, [])) for check in counts} == counts
    return counts


def test_counts_equal_what_the_files_show_at_raised_rates(raised: Path) -> None:
    counts = _assert_counts_match_the_files(raised)
    assert {fault for *_, fault in counts} == {*QUALITY_FAULTS, "dob_wrong"}
    by_fault = Counter[str]()
    for (_, _, _, fault), count in counts.items():
        by_fault[fault] += count
    for fault in ("invalid_nhs_number", "postcode_town", "postcode_outward", "orphan_reference", "end_before_start"):
        assert by_fault[fault] > 0, fault
    assert by_fault["duplicate_row"] > 0


def test_counts_equal_what_the_files_show_at_default_rates(root: Path) -> None:
    counts = _assert_counts_match_the_files(root)
    assert sum(counts.values()) > 0


def test_every_faulted_record_names_its_fault_in_the_ground_truth(raised: Path) -> None:
    found = found_in_files(read_sources(raised))
    flagged: dict[tuple[str, str, str], set[str]] = {}
    for record in read_truth(raised, "records"):
        for fault in record["faults"].split(";"):
            flagged.setdefault((record["source"], record["dataset"], fault), set()).add(record["record_key"])
    for (source, dataset, _, fault), keys in found.items():
        if f"{source}.{dataset}" in AGGREGATE_TRUTH_DATASETS:  # no rows in records.csv: counted only
            continue
        if fault != "dob_wrong":  # the referral is right; its child's record has the wrong date of birth
            assert set(keys) == flagged.get((source, dataset, fault), set()), (source, dataset, fault)


@pytest.mark.parametrize(
    "path", ["asc/clients.csv", "asc/contacts.csv", "csc/referrals.csv", "housing/homelessness_cases.csv"]
)
def test_rows_exported_twice_are_identical_and_adjacent(raised: Path, path: str) -> None:
    rows = (raised / "data" / path).read_text(encoding="utf-8").splitlines()[1:]
    keys = [row.split(",", 1)[0] for row in rows]
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    assert repeated
    for key in repeated:
        first = keys.index(key)
        assert keys.count(key) == 2 and rows[first] == rows[first + 1]


def test_orphans_name_ids_of_the_right_shape(raised: Path) -> None:
    sources = read_sources(raised)
    orphans = found_in_files(sources)
    for (source, dataset, _, fault), keys in orphans.items():
        if fault != "orphan_reference":
            continue
        target, column, _ = LINKED[f"{source}.{dataset}"]
        shape = re.compile(r"^\d{7,}$" if source == "asc" else r"^CH\d{8,}$")
        by_key = {seen.key: seen for seen in sources[f"{source}.{dataset}"]}
        assert all(shape.match(by_key[key].raw[column]) for key in keys), target


def test_rates_are_near_the_configured_ones(raised: Path) -> None:
    sources = read_sources(raised)
    counts = written(raised)
    postcodes = sum(1 for dataset in PERSON_DATASETS for seen in sources[dataset] if seen.postcode)
    wrong = sum(count for (_, _, check, _), count in counts.items() if check == "postcode")
    assert postcodes > 2000
    assert wrong / postcodes == pytest.approx(RAISED.invalid_postcode, abs=0.015)
    town = sum(count for (*_, fault), count in counts.items() if fault == "postcode_town")
    assert 0.3 < town / wrong < 0.7, "half the invalid postcodes are the town, half the outward code"


def test_the_standard_types_find_exactly_the_faulted_identifiers(raised: Path) -> None:
    project = load_project(raised)
    counts = written(raised)
    statuses = {"invalid_nhs_number": "invalid", "postcode_town": "invalid", "postcode_outward": "partial"}
    for key, rows in read_sources(raised).items():
        source, dataset = _split(key)
        for name in ("nhs_number", "postcode"):
            spec = project.dataset(key).spec.fields.get(name)
            if spec is None:
                continue
            found = Counter(field_type(spec).validate(seen.raw[spec.column]).status for seen in rows)  # type: ignore[index]
            expected = Counter[str]()
            for fault, status in statuses.items():
                expected[status] += counts.get((source, dataset, name, fault), 0)
            assert (found["invalid"], found["partial"]) == (expected["invalid"], expected["partial"]), (key, name)
