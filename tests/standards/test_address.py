"""One-line addresses: one form for matching, abbreviations in full, the postcode and parts taken out."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.standards.types.address import ABBREVIATIONS, LAST_WORD_ABBREVIATIONS, Address
from observatory.standards.types.postcode import Postcode
from tests.standards.conftest import Agreement, differences
from tests.standards.examples import examples_for

ADDRESS = Address()

# text, standard form, flat, number, street, postcode
CASES = [
    (  # brief; demo adult social care style
        "Flat 14, Newlands Lodge, Broomhill Way, Kingswells, Aberdeen",
        "FLAT 14, NEWLANDS LODGE, BROOMHILL WAY, KINGSWELLS, ABERDEEN",
        "FLAT 14", None, None, None,
    ),
    ("61 Hillview Dr", "61 HILLVIEW DRIVE", None, "61", "HILLVIEW DRIVE", None),  # brief
    (
        "55 Rubislaw Street, Aberdeen AB11 7DG",
        "55 RUBISLAW STREET, ABERDEEN", None, "55", "RUBISLAW STREET", "AB11 7DG",
    ),
    ("53 Rubislaw St, Aberdeen", "53 RUBISLAW STREET, ABERDEEN", None, "53", "RUBISLAW STREET", None),  # demo
    ("54 Rubislaw St., Aberdeen", "54 RUBISLAW STREET, ABERDEEN", None, "54", "RUBISLAW STREET", None),  # demo
    ("65 Castleton Wy", "65 CASTLETON WAY", None, "65", "CASTLETON WAY", None),  # demo council tax
    (  # demo children's social care, lower case and postcode in lower case
        "flat 6, 71 park road, newtonhill, ab12 4tn",
        "FLAT 6, 71 PARK ROAD, NEWTONHILL", "FLAT 6", "71", "PARK ROAD", "AB12 4TN",
    ),
    ("77 Park Rd, Newtonhill AB124TN", "77 PARK ROAD, NEWTONHILL", None, "77", "PARK ROAD", "AB12 4TN"),
    (  # real: bradford.csv, a house number as a part of its own
        "52, Cross Roads, Keighley, BD22 9BA", "52 CROSS ROADS, KEIGHLEY", None, "52", "CROSS ROADS", "BD22 9BA",
    ),
    (  # real: bradford.csv
        "A1 Tyres, Kensington Street, Keighley, BD21 1PW",
        "A1 TYRES, KENSINGTON STREET, KEIGHLEY", None, None, None, "BD21 1PW",
    ),
    (  # real: bradford.csv, a range of numbers
        "459-461, Great Horton Road, Bradford, BD7 3DJ",
        "459-461 GREAT HORTON ROAD, BRADFORD", None, "459-461", "GREAT HORTON ROAD", "BD7 3DJ",
    ),
    (  # real: bradford.csv
        "4-6-8, All Saints Road, Bradford, BD7 3AZ",
        "4-6-8 ALL SAINTS ROAD, BRADFORD", None, "4-6-8", "ALL SAINTS ROAD", "BD7 3AZ",
    ),
    (  # real: bradford.csv, "St" before a name is Saint
        "46, St Helena Road, Bradford, BD6 1TB", "46 ST HELENA ROAD, BRADFORD", None, "46", "ST HELENA ROAD", "BD6 1TB",
    ),
    (  # real: bradford.csv, "Dr" before a name is Doctor
        "Dr Fenwicks Practice At, Woodroyd Centre, Greenway Road, Bradford, BD5 8PD",
        "DR FENWICKS PRACTICE AT, WOODROYD CENTRE, GREENWAY ROAD, BRADFORD", None, None, None, "BD5 8PD",
    ),
    (  # real: bradford.csv, brackets and "Rd"/"Ind" inside a name
        "Unit 2 (Ground Floor), Legrams Mill, Thornton Rd Ind Estate, Bradford, BD7 1NH",
        "UNIT 2 GROUND FLOOR, LEGRAMS MILL, THORNTON ROAD INDUSTRIAL ESTATE, BRADFORD", "UNIT 2", None, None, "BD7 1NH",
    ),
    (  # real: scarborough.csv
        "Sewage Disposal Works, Reighton, Filey, North Yorkshire, YO14 9RU",
        "SEWAGE DISPOSAL WORKS, REIGHTON, FILEY, NORTH YORKSHIRE", None, None, None, "YO14 9RU",
    ),
    (  # real: scarborough.csv, an outward code alone is not taken out
        "O2 (66968), Streetworks, Eastfield, Scarborough, North Yorkshire, YO11",
        "O2 66968, STREETWORKS, EASTFIELD, SCARBOROUGH, NORTH YORKSHIRE, YO11", None, None, None, None,
    ),
    (  # real: scarborough.csv
        "Suite 5 At, Unit G3, St Hildas Business Centre, The Ropery, Whitby, North Yorkshire, YO22 4EU",
        "SUITE 5 AT, UNIT G3, ST HILDAS BUSINESS CENTRE, THE ROPERY, WHITBY, NORTH YORKSHIRE", "SUITE 5", None, None,
        "YO22 4EU",
    ),
    (
        "St Mary's Church, St. Andrew's Road, Aberdeen",
        "ST MARY'S CHURCH, ST ANDREW'S ROAD, ABERDEEN", None, None, None, None,
    ),
    ("12 Saint John Street", "12 ST JOHN STREET", None, "12", "ST JOHN STREET", None),
    ("Flat 2/1, 12 High St", "FLAT 2/1, 12 HIGH STREET", "FLAT 2/1", "12", "HIGH STREET", None),
    ("12 - 14 high st", "12-14 HIGH STREET", None, "12-14", "HIGH STREET", None),
    (
        "Ground Floor Flat, 3 Beech Gdns",
        "GROUND FLOOR FLAT, 3 BEECH GARDENS", "GROUND FLOOR FLAT", "3", "BEECH GARDENS", None,
    ),
    (
        "Apt 3B; 9 Orchard Cres | Leeds",
        "APARTMENT 3B, 9 ORCHARD CRESCENT, LEEDS", "APARTMENT 3B", "9", "ORCHARD CRESCENT", None,
    ),
    ("Smith & Sons Ltd, 1 Mill Ln", "SMITH & SONS LTD, 1 MILL LANE", None, "1", "MILL LANE", None),
    ("Moda Bébé, 2 Quai Sq", "MODA BEBE, 2 QUAI SQUARE", None, "2", "QUAI SQUARE", None),
    ("X, AB1 1AA, AB2 2BB", "X", None, None, None, "AB2 2BB"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "flat", "number", "street", "postcode"), CASES)
def test_addresses_are_read_into_a_standard_form_and_parts(
    text: str, value: str, flat: str | None, number: str | None, street: str | None, postcode: str | None
) -> None:
    assert ADDRESS.validate(text).value == value
    assert ADDRESS.validate(text).status == "valid"
    assert ADDRESS.extra_values(text) == {"flat": flat, "number": number, "street": street, "postcode": postcode}
    assert ADDRESS.normalise(value) == value


@pytest.mark.parametrize(("short", "full"), [*ABBREVIATIONS.items(), *LAST_WORD_ABBREVIATIONS.items()])
def test_every_abbreviation_is_written_in_full_as_the_last_word(short: str, full: str) -> None:
    assert ADDRESS.normalise(f"1 Acacia {short.title()}, Town") == f"1 ACACIA {full}, TOWN"
    assert ADDRESS.normalise(f"1 Acacia {short.lower()}") == f"1 ACACIA {full}"


def test_st_and_dr_are_street_and_drive_only_at_the_end_of_a_part() -> None:
    assert ADDRESS.normalise("St Andrews St") == "ST ANDREWS STREET"
    assert ADDRESS.normalise("Dr Grays Dr, Elgin") == "DR GRAYS DRIVE, ELGIN"
    assert ADDRESS.normalise("4 St Dr AB10 1AB") == "4 ST DRIVE"
    assert ADDRESS.normalise("Goulbourne St Business Centre") == "GOULBOURNE ST BUSINESS CENTRE"  # real: bradford.csv
    assert ADDRESS.normalise("Saint Anne's Rd") == "ST ANNE'S ROAD"
    assert ADDRESS.normalise("Strand") == "STRAND"  # abbreviations are whole words only


def test_a_postcode_alone_is_partial_and_nothing_is_invalid() -> None:
    for text in ("AB11 7DG", "ab117dg", " AB11 7DG, AB11 7DG"):
        verdict = ADDRESS.validate(text)
        assert (verdict.status, verdict.value) == ("partial", "AB11 7DG")
        assert "only a postcode" in verdict.reason
    for text in ("---", "&", "''", "(.)", "/ /"):
        verdict = ADDRESS.validate(text)
        assert (verdict.status, verdict.value, verdict.reason) == ("invalid", None, "no letters or digits")
    for text in (None, "", " ", "N/A"):
        assert ADDRESS.validate(text).status == "missing"
    assert ADDRESS.personal


def test_engine_agrees_including_extras(on_duckdb: Agreement) -> None:
    values = [case[0] for case in CASES] + examples_for("address") + ["AB11 7DG", "---", "Apt 1, 2 St St"]
    assert on_duckdb(ADDRESS, values) == []


def test_real_business_rates_addresses(realdata: Path, duckdb_con: Any) -> None:
    """Every address in two real files is valid, and its postcode is the file's own wherever that one is valid."""
    postcode_type = Postcode()
    sample: list[str] = []
    for name, encoding, rows_expected, recovered in [
        ("bradford_council_business_rates/bradford.csv", "latin-1", 19323, 0),
        # of 13 postcode cells that are blank, " Whitby" or "YO11", the address has the full postcode for 10
        ("scarborough_council_business_rates/scarborough.csv", "utf-8", 2381, 10),
    ]:
        with (realdata / name).open(encoding=encoding, newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == rows_expected
        assert {ADDRESS.validate(row["Address"]).status for row in rows} == {"valid"}
        found = [
            (ADDRESS.extra_values(row["Address"])["postcode"], postcode_type.validate(row["Postcode"])) for row in rows
        ]
        assert [(got, given.value) for got, given in found if given.status == "valid" and got != given.value] == []
        assert sum(got is not None for got, given in found if given.status != "valid") == recovered
        sample += [row["Address"] for row in rows[::10]]
    assert differences(ADDRESS, sample, duckdb_con) == []


_WORDS = st.sampled_from(
    ["Flat", "Unit", "12", "12A", "2/1", "12-14", "St", "St.", "Saint", "Rd", "Dr", "Ln", "Gdns", "Str", "Mary's",
     "High", "Road", "&", "AB11 7DG", "ab124tn", "AB1 1AA", "YO11", "Müller", "ß", "-", "'", "/", ";", "|", ",",
     "(", ")", "~", "\u2028", "\u00a0", "İ", "`", "[", "\\", "Ground Floor Flat"]
)  # fmt: skip
ADDRESS_TEXT = st.one_of(
    st.text(max_size=24),
    st.lists(st.tuples(st.sampled_from(["", " ", "  ", ", "]), _WORDS).map("".join), max_size=8).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), ADDRESS_TEXT))
def test_python_rule_never_raises_and_is_idempotent(text: str | None) -> None:
    verdict = ADDRESS.validate(text)
    assert (verdict.value is None) == (verdict.status in ("invalid", "missing"))
    assert ADDRESS.normalise(verdict.value) == verdict.value
    if verdict.value is not None:
        assert ADDRESS.validate(verdict.value).status == verdict.status


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), ADDRESS_TEXT), min_size=1, max_size=60))
def test_engine_agrees_on_generated_text(duckdb_con: Any, texts: list[str | None]) -> None:
    assert differences(ADDRESS, texts, duckdb_con) == []
