"""Addresses use real, live postcodes from the shipped ONS Postcode Directory extract."""

from __future__ import annotations

import csv
from pathlib import Path

from observatory.standards import reference
from observatory.standards.reference import postcodes
from tests.demo.readers import Seen


def _squash(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


def test_the_shipped_extract_holds_live_postcodes_with_attribution() -> None:
    records = postcodes()
    assert len(records) == 4237
    assert len({r.postcode for r in records}) == len(records)
    aberdeen = next(r for r in records if r.postcode == "AB10 1AB")
    assert aberdeen.local_authority == "S12000033" and aberdeen.lsoa11 == "S01006646"
    assert aberdeen.easting == 394235 and aberdeen.latitude == 57.149606
    jersey = next(r for r in records if r.postcode == "JE2 4WD")
    assert jersey.latitude is None and jersey.easting is None
    folder = Path(reference.__file__).parent
    attribution = (folder / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Contains OS data © Crown copyright and database right" in attribution
    assert "Open Government Licence" in attribution
    with (folder / "onspd_extract.csv").open(encoding="utf-8", newline="") as handle:
        assert "doterm" not in next(csv.reader(handle))


def test_every_postcode_in_every_source_exists_unless_faulted(
    root: Path, sources: dict[str, list[Seen]], truth_records: dict[tuple[str, str], dict[str, str]]
) -> None:
    known = {_squash(r.postcode) for r in postcodes()}
    outward = {code.split()[0] for code in (r.postcode for r in postcodes())}
    seen = 0
    for rows in sources.values():
        for row in rows:
            if not row.postcode:
                continue
            seen += 1
            faults = truth_records[(row.dataset, row.key)]["faults"].split(";")
            if "postcode_town" in faults:
                assert row.postcode.casefold() == "aberdeen"
            elif "postcode_outward" in faults:
                assert row.postcode.upper() in outward
            else:
                assert _squash(row.postcode) in known, row.postcode
    assert seen > 4000
    with (root / "data/llpg/properties.csv").open(encoding="utf-8", newline="") as handle:
        exact = {r.postcode for r in postcodes()}
        assert all(row["POSTCODE_LOCATOR"] in exact for row in csv.DictReader(handle))
