"""Fault rates measured from the files and the ground truth match the configured ones."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from observatory.demo import FaultRates, GeneratorConfig, generate
from tests.demo import measure
from tests.demo.readers import OWN_ADDRESS_DATASETS, PERSON_DATASETS, Seen, norm, read_sources, read_truth

RATES = FaultRates()


def _llpg(root: Path) -> dict[str, dict[str, str]]:
    with (root / "data/llpg/properties.csv").open(encoding="utf-8", newline="") as handle:
        return {row["UPRN"]: row for row in csv.DictReader(handle)}


def _truth(root: Path) -> tuple[measure.TruthRecords, measure.People]:
    records = {(f"{r['source']}.{r['dataset']}", r["record_key"]): r for r in read_truth(root, "records")}
    return records, {row["person_id"]: row for row in read_truth(root, "people")}


@pytest.mark.parametrize(
    ("fault", "configured", "tolerance"),
    [
        ("name_typo", RATES.name_typo, 0.012),
        ("alternative_forename", RATES.alternative_forename, 0.015),
        ("surname_change", RATES.surname_change, 0.012),
    ],
)
def test_name_faults(
    sources: dict[str, list[Seen]],
    truth_records: measure.TruthRecords,
    people: measure.People,
    fault: str,
    configured: float,
    tolerance: float,
) -> None:
    measured = measure.name_faults(sources, truth_records, people)[fault]
    assert measured.total > 4000
    assert measured.rate == pytest.approx(configured, abs=tolerance)


def test_date_of_birth_faults(
    sources: dict[str, list[Seen]], truth_records: measure.TruthRecords, people: measure.People
) -> None:
    measured = measure.date_of_birth_faults(sources, truth_records, people)
    assert measured["dob_wrong"].rate == pytest.approx(RATES.dob_wrong, abs=0.012)
    assert measured["dob_missing"].rate == pytest.approx(RATES.dob_missing, abs=0.015)
    for dataset in ("csc.children", "schools.pupils"):
        assert all(seen.dob is not None for seen in sources[dataset]), "these systems require a date of birth"


def test_stale_addresses(sources: dict[str, list[Seen]], truth_records: measure.TruthRecords, root: Path) -> None:
    measured = measure.stale_addresses(sources, truth_records)
    assert measured.total > 800
    assert measured.rate == pytest.approx(RATES.stale_address, abs=0.035)
    households = {row["household_id"]: row for row in read_truth(root, "households")}
    llpg = _llpg(root)
    for (dataset, _), record in truth_records.items():
        if dataset in PERSON_DATASETS and record["uprn"] != record["current_uprn"]:
            assert dataset in OWN_ADDRESS_DATASETS, "council tax and tenancies hold the property itself"
            assert record["uprn"] == households[record["household_id"]]["previous_uprn"]
            assert record["uprn"] in llpg


def test_duplicates(sources: dict[str, list[Seen]], truth_records: measure.TruthRecords) -> None:
    assert measure.duplicates(sources, truth_records).rate == pytest.approx(RATES.duplicate, abs=0.008)


def test_event_rows_exported_twice(sources: dict[str, list[Seen]]) -> None:
    rows = extra = 0
    for dataset in ("asc.contacts", "csc.referrals", "housing.homelessness", "schools.attendance"):
        keys = Counter(seen.key for seen in sources[dataset])
        rows += len(keys)
        extra += sum(count - 1 for count in keys.values())
        assert max(keys.values()) <= 2, dataset
    assert rows > 20_000
    assert extra / rows == pytest.approx(RATES.duplicate_event, abs=0.0015)


def test_address_variants(sources: dict[str, list[Seen]], truth_records: measure.TruthRecords, root: Path) -> None:
    measured = measure.address_variants(sources, truth_records, _llpg(root))
    assert measured.rate == pytest.approx(RATES.address_variant, abs=0.025)


def test_missing_fields_match_the_ground_truth(
    sources: dict[str, list[Seen]], truth_records: measure.TruthRecords, people: measure.People
) -> None:
    measured = measure.missing_identifiers(sources, truth_records, people)
    flagged = [r["faults"] for r in truth_records.values() if "missing_" in r["faults"]]
    detectable = sum(1 for f in flagged if any(n in f for n in ("nhs_number", "ethnicity", "postcode", "ni_number")))
    assert measured.count == detectable
    assert len(flagged) / measured.total == pytest.approx(RATES.missing_field, abs=0.01)


def test_every_flagged_fault_is_visible_in_the_files(
    sources: dict[str, list[Seen]], truth_records: measure.TruthRecords, people: measure.People
) -> None:
    for dataset in PERSON_DATASETS:
        for seen in sources[dataset]:
            record = truth_records[(dataset, seen.key)]
            person = people[record["person_id"]]
            faults = record["faults"].split(";")
            if "dob_wrong" in faults:
                assert seen.dob is not None and seen.dob.isoformat() != person["date_of_birth"]
            if "dob_missing" in faults:
                assert seen.dob is None
            if "typo_forename" in faults or "alternative_forename" in faults:
                assert norm(seen.forename) != norm(person["forename"])
            if "surname_change" in faults:
                assert norm(seen.surname) == norm(person["former_surname"])


def test_clean_extracts_agree_with_the_ground_truth(tmp_path: Path) -> None:
    generate(tmp_path, residents=1500, seed=11, config=GeneratorConfig(faults=FaultRates.none()))
    sources = read_sources(tmp_path)
    records, people = _truth(tmp_path)
    assert measure.duplicates(sources, records).count == 0
    assert measure.address_variants(sources, records, _llpg(tmp_path)).count == 0
    for dataset in PERSON_DATASETS:
        for seen in sources[dataset]:
            record = records[(dataset, seen.key)]
            person = people[record["person_id"]]
            assert record["faults"] == "" and record["uprn"] == record["current_uprn"]
            assert norm(seen.forename) == norm(person["forename"])
            assert norm(seen.surname) == norm(person["surname"])
            assert seen.dob is not None and seen.dob.isoformat() == person["date_of_birth"]


def test_higher_configured_rates_are_honoured(tmp_path: Path) -> None:
    rates = FaultRates(name_typo=0.2, alternative_forename=0.15, dob_wrong=0.1, duplicate=0.08, stale_address=0.3)
    generate(tmp_path, residents=3000, seed=5, config=GeneratorConfig(faults=rates))
    sources = read_sources(tmp_path)
    records, people = _truth(tmp_path)
    names = measure.name_faults(sources, records, people)
    assert names["name_typo"].rate == pytest.approx(0.2, abs=0.02)
    assert names["alternative_forename"].rate == pytest.approx(0.15, abs=0.02)
    assert measure.date_of_birth_faults(sources, records, people)["dob_wrong"].rate == pytest.approx(0.1, abs=0.02)
    assert measure.duplicates(sources, records).rate == pytest.approx(0.08, abs=0.015)
    assert measure.stale_addresses(sources, records).rate == pytest.approx(0.3, abs=0.05)
