"""The ground truth names every source record exactly once, with its true person and property."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from tests.demo.readers import AGGREGATE_TRUTH_DATASETS, PERSON_DATASETS, Seen, read_truth

REFERENCE_DATE = date(2026, 3, 31)


def test_every_source_record_is_in_the_ground_truth_exactly_once(root: Path, sources: dict[str, list[Seen]]) -> None:
    in_sources = Counter(
        (dataset, seen.key)
        for dataset, rows in sources.items()
        if dataset not in AGGREGATE_TRUTH_DATASETS
        for seen in rows
    )
    truth = read_truth(root, "records")
    in_truth = Counter((f"{r['source']}.{r['dataset']}", r["record_key"]) for r in truth)
    exported_twice = {
        (f"{r['source']}.{r['dataset']}", r["record_key"]) for r in truth if "duplicate_row" in r["faults"].split(";")
    }
    assert max(in_truth.values()) == 1
    assert {key for key, count in in_sources.items() if count > 1} == exported_twice
    assert max(in_sources.values()) <= 2, "record keys are unique within each dataset, but for rows exported twice"
    assert set(in_sources) == set(in_truth)


def test_truth_points_at_real_people_households_and_properties(
    root: Path, truth_records: dict[tuple[str, str], dict[str, str]], people: dict[str, dict[str, str]]
) -> None:
    households = {row["household_id"]: row for row in read_truth(root, "households")}
    uprns = {row["UPRN"] for row in _llpg_rows(root)}
    for (dataset, _), record in truth_records.items():
        if dataset == "llpg.properties":
            assert record["uprn"] in uprns
            assert not record["household_id"] or record["household_id"] in households
            continue
        person = people[record["person_id"]]
        assert person["household_id"] == record["household_id"]
        assert record["current_uprn"] == person["uprn"] == households[record["household_id"]]["uprn"]
        assert not record["uprn"] or record["uprn"] in uprns


def _llpg_rows(root: Path) -> list[dict[str, str]]:
    with (root / "data/llpg/properties.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_household_lives_at_its_own_property(root: Path) -> None:
    households = read_truth(root, "households")
    assert len({row["uprn"] for row in households}) == len(households)
    occupied = {r["record_key"]: r["household_id"] for r in read_truth(root, "records") if r["source"] == "llpg"}
    assert all(occupied[row["uprn"]] == row["household_id"] for row in households)
    assert all(row["uprn"] != row["previous_uprn"] for row in households)


def _age(birth: str, on: date = REFERENCE_DATE) -> int:
    born = date.fromisoformat(birth)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_children_live_with_an_adult_at_least_18_years_older(root: Path) -> None:
    by_household: dict[str, list[int]] = {}
    for person in read_truth(root, "people"):
        by_household.setdefault(person["household_id"], []).append(_age(person["date_of_birth"]))
    for ages in by_household.values():
        assert max(ages) >= 18, "every household has an adult"
        assert all(max(ages) - age >= 18 for age in ages if age < 18)


def test_person_records_name_their_person(
    sources: dict[str, list[Seen]], truth_records: dict[tuple[str, str], dict[str, str]]
) -> None:
    for dataset in PERSON_DATASETS:
        for seen in sources[dataset]:
            assert truth_records[(dataset, seen.key)]["person_id"]
