"""Postcodes: BS 7666 shapes, normalisation, partial outward codes, real council values."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from observatory.standards.reference import postcodes
from observatory.standards.types.postcode import (
    GIR_0AA,
    INWARD_PATTERN,
    OUTWARD_PATTERN,
    POSTCODE_PATTERN,
    Postcode,
)
from tests.standards.conftest import Agreement
from tests.standards.examples import EXAMPLES

POSTCODE = Postcode()

CASES = [
    # every outward shape
    ("M1 1AA", "valid", "M1 1AA"),  # A9
    ("M60 1NW", "valid", "M60 1NW"),  # A99
    ("W1A 0AX", "valid", "W1A 0AX"),  # A9A
    ("CR2 6XH", "valid", "CR2 6XH"),  # AA9
    ("DN55 1PT", "valid", "DN55 1PT"),  # AA99
    ("EC1A 1BB", "valid", "EC1A 1BB"),  # AA9A
    # case and spacing
    ("wf13 1hn", "valid", "WF13 1HN"),
    ("AB101AB", "valid", "AB10 1AB"),
    ("AB10  1AB", "valid", "AB10 1AB"),
    ("A B10 1AB", "valid", "AB10 1AB"),
    ("BD21 4RG ", "valid", "BD21 4RG"),  # real: bradford.csv, trailing space
    (" TS13 5BB", "valid", "TS13 5BB"),  # real: scarborough.csv, leading space
    ("\u00a0SE1P 5ZZ\u00a0", "valid", "SE1P 5ZZ"),
    ("GIR 0AA", "valid", GIR_0AA),
    ("gir0aa", "valid", GIR_0AA),
    # partial: outward code, or outward code and sector
    ("M41", "partial", "M41"),  # real: trafford_land_and_building_assets.csv
    ("WF13", "partial", "WF13"),
    ("YO11", "partial", "YO11"),  # real: scarborough.csv
    ("m 41", "partial", "M41"),
    ("WA14 1", "partial", "WA14 1"),  # real: trafford_land_and_building_assets.csv
    # invalid
    ("WF13 INH", "invalid", None),
    ("M32 OXZ", "invalid", None),  # real: trafford_land_and_building_assets.csv
    (" 2HQ", "invalid", None),
    (" Whitby", "invalid", None),  # real: scarborough.csv, a town in the postcode column
    ("QA1 1AA", "invalid", None),  # Q never first
    ("AI1 1AA", "invalid", None),  # I never second
    ("W1I 1AA", "invalid", None),  # A9A never ends in I
    ("EC1C 1AA", "invalid", None),  # AA9A never ends in C
    ("AB1 0CI", "invalid", None),  # C and I never in the inward code
    ("WA141", "invalid", None),  # a sector needs its space
    ("AB10 1AB x", "invalid", None),
    ("AB10-1AB", "invalid", None),
    ("12345", "invalid", None),
    ("N/A", "missing", None),
    ("   ", "missing", None),
    (None, "missing", None),
]


@pytest.mark.parametrize(("text", "status", "value"), CASES)
def test_postcode_rule(text: str | None, status: str, value: str | None) -> None:
    verdict = POSTCODE.validate(text)
    assert (verdict.status, verdict.value) == (status, value)
    assert POSTCODE.normalise(value) == value
    assert bool(verdict.reason) == (status in ("invalid", "partial"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("WF13 INH", "letter I where a digit belongs (perhaps WF13 1NH); not corrected"),
        ("M32 OXZ", "letter O where a digit belongs (perhaps M32 0XZ); not corrected"),
        (" 2HQ", "only an inward code"),
        (" Whitby", "place name"),
        ("QA1 1AA", "letters that BS 7666 does not allow"),
        ("M41", "only the outward code"),
    ],
)
def test_reasons_explain_and_suggest_without_correcting(text: str, words: str) -> None:
    assert words in POSTCODE.validate(text).reason


def test_extras_split_a_postcode() -> None:
    assert POSTCODE.extra_values("wf13 1hn") == {"outward": "WF13", "sector": "WF13 1", "area": "WF"}
    assert POSTCODE.extra_values("M41") == {"outward": "M41", "sector": None, "area": "M"}
    assert POSTCODE.extra_values("WA14 1") == {"outward": "WA14", "sector": "WA14 1", "area": "WA"}
    assert POSTCODE.extra_values("Whitby") == {"outward": None, "sector": None, "area": None}


def test_engine_agrees_with_python_including_extras(on_duckdb: Agreement) -> None:
    assert on_duckdb(POSTCODE, [text for text, _, _ in CASES] + list(EXAMPLES["postcode"])) == []


def test_exported_patterns_find_postcodes_in_addresses() -> None:
    address = "Sewage Disposal Works, Reighton, Filey, North Yorkshire, YO14 9RU"  # real: scarborough.csv
    assert re.search(POSTCODE_PATTERN, address) is not None
    assert re.fullmatch(OUTWARD_PATTERN, "YO14") and re.fullmatch(INWARD_PATTERN, "9RU")
    assert re.compile(POSTCODE_PATTERN).groups == 0


def test_every_live_postcode_in_the_shipped_onspd_extract_is_valid() -> None:
    records = postcodes()
    assert len(records) > 4000
    assert [r.postcode for r in records if POSTCODE.normalise(r.postcode) != r.postcode] == []


def test_every_onspd_spelling_in_the_real_directory_is_valid(realdata: Path) -> None:
    path = realdata / "ons_postcode_directory_extract" / "onspd_extract_postcode.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8048
    for row in rows:  # pcd7 "M1  1AD", pcd8 "AB1  0AA" and pcds "AB1 0AA" all give pcds
        assert {POSTCODE.normalise(row[column]) for column in ("pcd7", "pcd8", "pcds")} == {row["pcds"]}


def test_real_postcode_columns(realdata: Path) -> None:
    """Statuses of every postcode in the Scarborough and Trafford files, counted."""
    counts: dict[str, dict[str, int]] = {}
    for name, path, column in [
        ("scarborough", realdata / "scarborough_council_business_rates" / "scarborough.csv", "Postcode"),
        ("trafford", realdata / "trafford_council_land_assets" / "trafford_land_and_building_assets.csv", "PostCode"),
    ]:
        with path.open(encoding="utf-8", newline="") as handle:
            statuses = [POSTCODE.validate(row[column]).status for row in csv.DictReader(handle)]
        counts[name] = {status: statuses.count(status) for status in sorted(set(statuses))}
    # Scarborough: 5 town names (" Whitby"), 7 blanks, 1 outward code ("YO11").
    assert counts["scarborough"] == {"invalid": 5, "missing": 7, "partial": 1, "valid": 2368}
    # Trafford: 229 outward codes and one sector; "M32 OXZ" invalid; 3 blank (SOURCE.txt: 234 not full).
    assert counts["trafford"] == {"invalid": 1, "missing": 3, "partial": 230, "valid": 374}
