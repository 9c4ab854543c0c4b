"""Measure fault rates from the source files and the ground truth, without the generator's help."""

from __future__ import annotations

from dataclasses import dataclass

from observatory.demo.names import NICKNAMES
from tests.demo.readers import DOB_OPTIONAL_DATASETS, OWN_ADDRESS_DATASETS, PERSON_DATASETS, Seen, norm

TruthRecords = dict[tuple[str, str], dict[str, str]]
People = dict[str, dict[str, str]]


@dataclass(frozen=True)
class Share:
    """``count`` of ``total``."""

    count: int
    total: int

    @property
    def rate(self) -> float:
        return self.count / self.total if self.total else 0.0


def _person(seen: Seen, truth: TruthRecords, people: People) -> dict[str, str]:
    return people[truth[(seen.dataset, seen.key)]["person_id"]]


def _records(sources: dict[str, list[Seen]]) -> list[Seen]:
    return [seen for dataset in PERSON_DATASETS for seen in sources[dataset]]


def name_faults(sources: dict[str, list[Seen]], truth: TruthRecords, people: People) -> dict[str, Share]:
    """Typos over name fields; other forenames and former surnames over records."""
    typos = alternatives = former = records = 0
    for seen in _records(sources):
        person = _person(seen, truth, people)
        records += 1
        others = {norm(n) for n in (*NICKNAMES.get(person["forename"], ()), *person["middle_names"].split())}
        if norm(seen.forename) != norm(person["forename"]):
            if norm(seen.forename) in others:
                alternatives += 1
            else:
                typos += 1
        if norm(seen.surname) != norm(person["surname"]):
            if norm(seen.surname) == norm(person["former_surname"]):
                former += 1
            else:
                typos += 1
    return {
        "name_typo": Share(typos, 2 * records),
        "alternative_forename": Share(alternatives, records),
        "surname_change": Share(former, records),
    }


def date_of_birth_faults(sources: dict[str, list[Seen]], truth: TruthRecords, people: People) -> dict[str, Share]:
    wrong = present = missing = optional = 0
    for seen in _records(sources):
        if seen.dataset in DOB_OPTIONAL_DATASETS:
            optional += 1
            missing += seen.dob is None
        if seen.dob is not None:
            present += 1
            wrong += seen.dob.isoformat() != _person(seen, truth, people)["date_of_birth"]
    return {"dob_wrong": Share(wrong, present), "dob_missing": Share(missing, optional)}


def stale_addresses(sources: dict[str, list[Seen]], truth: TruthRecords) -> Share:
    """People with an own-address record: share with one at an address they no longer live at."""
    stale: dict[str, bool] = {}
    for dataset in OWN_ADDRESS_DATASETS:
        for seen in sources[dataset]:
            record = truth[(dataset, seen.key)]
            moved = record["uprn"] != record["current_uprn"]
            stale[record["person_id"]] = stale.get(record["person_id"], False) or moved
    return Share(sum(stale.values()), len(stale))


def duplicates(sources: dict[str, list[Seen]], truth: TruthRecords) -> Share:
    extra = total = 0
    for dataset in PERSON_DATASETS:
        rows = sources[dataset]
        total += len(rows)
        extra += len(rows) - len({truth[(dataset, seen.key)]["person_id"] for seen in rows})
    return Share(extra, total)


def address_variants(sources: dict[str, list[Seen]], truth: TruthRecords, llpg: dict[str, dict[str, str]]) -> Share:
    """Records whose address differs from the gazetteer's spelling of the property it refers to."""
    variants = total = 0
    for seen in _records(sources):
        record = truth[(seen.dataset, seen.key)]
        place = llpg[record["uprn"]]
        total += 1
        text = " ".join(seen.address)
        expected = [place["STREET_DESCRIPTION"], place["SAON"]]
        differs = (
            text == text.lower()
            or any(part.casefold() not in text.casefold() for part in expected if part)
            or (seen.postcode and seen.postcode != place["POSTCODE_LOCATOR"])
        )
        variants += bool(differs)
    return Share(variants, total)


def missing_identifiers(sources: dict[str, list[Seen]], truth: TruthRecords, people: People) -> Share:
    """Records with an NHS or NI number, ethnicity or postcode blank although the person has one."""
    checks = {
        "asc.clients": ("NHS Number", "Ethnicity", "Postcode"),
        "csc.children": ("NHSNumber", "Ethnicity", "Postcode"),
        "ctax.accounts": ("NI Number",),
        "housing.applications": ("NI Number", "Postcode"),
        "housing.tenancies": ("NI Number",),
        "schools.pupils": ("Ethnicity", "PostCode"),
    }
    blank = 0
    for seen in _records(sources):
        person = _person(seen, truth, people)
        for column in checks[seen.dataset]:
            has_value = not column.startswith("NI") or bool(person["ni_number"])
            blank += has_value and not seen.raw[column]
    return Share(blank, len(_records(sources)))
