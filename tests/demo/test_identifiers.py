"""Identifiers are valid and appear only in the systems that really hold them."""

from __future__ import annotations

import re
from pathlib import Path

from stdnum.gb import nhs, upn

from tests.demo.readers import Seen

NI_FORMAT = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
NHS_COLUMNS = {"asc.clients": "NHS Number", "csc.children": "NHSNumber"}
NI_COLUMNS = {"ctax.accounts": "NI Number", "housing.applications": "NI Number", "housing.tenancies": "NI Number"}


def _all_text(root: Path) -> dict[str, str]:
    found = {}
    for path in (root / "data").rglob("*.csv"):
        encoding = "windows-1252" if "ctax" in path.parts else "utf-8"
        found[str(path.relative_to(root))] = path.read_text(encoding=encoding)
    return found


def test_nhs_numbers_are_valid_unless_faulted_and_only_in_social_care(
    root: Path,
    sources: dict[str, list[Seen]],
    truth_records: dict[tuple[str, str], dict[str, str]],
    people: dict[str, dict[str, str]],
) -> None:
    shown = 0
    for dataset, column in NHS_COLUMNS.items():
        for seen in sources[dataset]:
            number = seen.raw[column].replace(" ", "")
            if not number:
                continue
            shown += 1
            record = truth_records[(dataset, seen.key)]
            true_number = people[record["person_id"]]["nhs_number"]
            if "invalid_nhs_number" in record["faults"].split(";"):
                assert not nhs.is_valid(number)
                assert sum(a != b for a, b in zip(number, true_number, strict=True)) == 1, "one digit changed"
            else:
                assert nhs.is_valid(number)
                assert number == true_number
    assert shown > 150
    numbers = {p["nhs_number"] for p in people.values()}
    assert len(numbers) == len(people), "every resident has their own NHS number"
    for name, text in _all_text(root).items():
        if "/asc/" not in name and "/csc/" not in name:
            assert not numbers & set(re.findall(r"\b\d{10}\b", text)), name


def test_upns_are_valid_and_only_in_the_school_census(
    root: Path,
    sources: dict[str, list[Seen]],
    people: dict[str, dict[str, str]],
    truth_records: dict[tuple[str, str], dict[str, str]],
) -> None:
    pupils = sources["schools.pupils"]
    assert all(upn.is_valid(seen.raw["UPN"]) for seen in pupils)
    assert all(
        seen.raw["UPN"] == people[truth_records[("schools.pupils", seen.key)]["person_id"]]["upn"] for seen in pupils
    )
    issued = [p["upn"] for p in people.values() if p["upn"]]
    assert len(set(issued)) == len(issued)
    for name, text in _all_text(root).items():
        if "/schools/" not in name:
            assert not set(issued) & set(re.findall(r"\b[A-Z]\d{12}\b", text)), name


def test_ni_numbers_have_a_valid_format_and_only_adults_in_ctax_and_housing_have_them(
    root: Path,
    sources: dict[str, list[Seen]],
    people: dict[str, dict[str, str]],
    truth_records: dict[tuple[str, str], dict[str, str]],
) -> None:
    shown = 0
    for dataset, column in NI_COLUMNS.items():
        for seen in sources[dataset]:
            number = seen.raw[column].replace(" ", "")
            if number:
                shown += 1
                assert NI_FORMAT.match(number), number
                assert number == people[truth_records[(dataset, seen.key)]["person_id"]]["ni_number"]
    assert shown > 3000
    assert all(NI_FORMAT.match(p["ni_number"]) for p in people.values() if p["ni_number"])
    assert all(not p["ni_number"] for p in people.values() if p["date_of_birth"] > "2010-03-31")
    numbers = {p["ni_number"] for p in people.values() if p["ni_number"]}
    for name, text in _all_text(root).items():
        if "/ctax/" not in name:
            assert not numbers & set(re.findall(r"\b[A-Z]{2}\d{6}[A-D]\b", text)), name
