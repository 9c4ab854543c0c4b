"""Dates and dates of birth: UK day-first and ISO readings, explicit formats, the calendar, plausibility."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.config.models import FieldSpec
from observatory.standards.types import Verdict, field_type
from observatory.standards.types.dates import CALENDAR_PATTERN, Date, DateOfBirth, at_least, at_most, parse_formats
from observatory.standards.types.portable_text import extract
from tests.standards.conftest import Agreement, differences
from tests.standards.examples import EXAMPLES, examples_for

TODAY = date(2026, 11, 21)
DATE = Date()
DOB = DateOfBirth(today=TODAY)

READINGS = [
    ("08/06/2012", "2012-06-08"),  # real: lambeth_council/2012-06-payments.csv "Invoice Creation Date"
    ("01-JUN-2012", "2012-06-01"),  # real: 2012-06-payments.csv preamble, Oracle style
    ("30-JUN-2012", "2012-06-30"),  # real: 2012-06-payments.csv preamble
    ("02/07/2012 16:59:18", "2012-07-02"),  # real: 2012-06-payments.csv "Report Date", time dropped
    ("05/01/2012", "2012-01-05"),  # real: LBLFOIDisclosureLogJan2012.csv "Received"
    ("01/01/10", "2010-01-01"),  # real: FOI log request text
    ("31/12/11", "2011-12-31"),  # real: FOI log request text
    ("13.04.10", "2010-04-13"),  # real: FOI log request text
    ("1.1.11", "2011-01-01"),  # real: FOI log request text
    ("1990-04-01", "1990-04-01"),  # real: bradford.csv "Property start date"
    ("01/04/1990", "1990-04-01"),  # real: scarborough.csv, a date shifted into the "Occupied" column
    ("2023-09-29", "2023-09-29"),  # real: trafford_land_and_building_assets.csv "EffectiveDate"
    ("11-Jun-1968", "1968-06-11"),  # demo council tax "Date of Birth"
    ("26/10/1985", "1985-10-26"),  # demo adult social care "Date of Birth"
    ("04-Jan-10", "2010-01-04"),
    ("2012-06-01 00:00:00", "2012-06-01"),  # a spreadsheet's datetime
    ("2012-06-01T10:20:30.123Z", "2012-06-01"),
    ("8/6/2012 4:59 PM", "2012-06-08"),
    ("1 June 2012", "2012-06-01"),
    ("1st June, 2012", "2012-06-01"),
    ("22nd Feb 2021", "2021-02-22"),
    ("01-Sept-2012", "2012-09-01"),
    ("2012/6/1", "2012-06-01"),
    ("  08/06/2012\u00a0", "2012-06-08"),
    ("29/02/2000", "2000-02-29"),
    ("29-02-2024", "2024-02-29"),
    ("31 Dec 99", "1999-12-31"),
    ("01/01/49", "2049-01-01"),
    ("01/01/50", "1950-01-01"),
    ("31/12/9999", "9999-12-31"),
    ("01/01/0001", "0001-01-01"),
]

INVALID = [
    ("31/02/2020", "there is no day 31 in February 2020"),
    ("31/04/2021", "there is no day 31 in April 2021"),
    ("29/02/2019", "2019 is not a leap year"),
    ("29/02/1900", "1900 is not a leap year"),
    ("2024-13-01", "there is no month 13"),
    ("00/01/2020", "there is no day 0"),
    ("0000-01-01", "there is no year 0"),
    ("12/31/2020", "there is no month 31"),  # never read month-first
    ("01-XYZ-2012", "recognised format"),
    ("June 1 2012", "recognised format"),
    ("June 2012", "recognised format"),
    ("2012", "recognised format"),
    ("20120601", "recognised format"),  # compact ISO needs an explicit %Y%m%d
    ("01/06/2012 25:00", "recognised format"),
    ("08/06/2012.", "recognised format"),
    ("\u0660\u0661/\u0660\u0661/\u0662\u0660\u0662\u0660", "recognised format"),  # Arabic-Indic digits
    ("01/01/2020\u2028", "recognised format"),  # Java's $ would match before the line separator
    ("hello", "recognised format"),
]


@pytest.mark.parametrize(("text", "value"), READINGS)
def test_uk_and_iso_dates_are_read(text: str, value: str) -> None:
    assert DATE.validate(text) == Verdict("valid", value)
    assert DATE.normalise(value) == value


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_dates_that_do_not_exist_or_cannot_be_read_are_invalid(text: str, reason: str) -> None:
    verdict = DATE.validate(text)
    assert (verdict.status, verdict.value) == ("invalid", None)
    assert reason in verdict.reason


@pytest.mark.parametrize("text", [None, "", "  ", "N/A", "null", "-"])
def test_blank_dates_are_missing(text: str | None) -> None:
    assert DATE.validate(text).status == "missing"
    assert DOB.validate(text).status == "missing"


def test_explicit_formats_are_used_in_order_and_the_standard_form_reads_back() -> None:
    oracle = Date(FieldSpec(type="date", formats=["%d-%b-%y"]))
    assert oracle.normalise("04-Jan-10") == "2010-01-04"
    assert oracle.normalise("04-jan-10") == "2010-01-04"
    assert oracle.normalise("2010-01-04") == "2010-01-04"  # the standard form is always accepted
    assert oracle.validate("04/01/2010").reason == "not a date in the format %d-%b-%y"
    first_wins = Date(FieldSpec(type="date", formats=["%d/%m/%Y", "%m/%d/%Y"]))
    assert first_wins.validate("12/31/2020").reason == "there is no month 31"  # never falls through to %m/%d
    assert first_wins.normalise("31/12/2020") == "2020-12-31"
    spreadsheet = Date(FieldSpec(type="date", formats=["%Y-%m-%d %H:%M:%S"]))
    assert spreadsheet.normalise("2012-06-01 00:00:00") == "2012-06-01"
    assert spreadsheet.validate("2012-06-01 24:00:00").status == "invalid"
    compact = Date(FieldSpec(type="date", formats=["%Y%m%d", "%d%m%Y"]))
    assert compact.normalise("20120601") == "2012-06-01"
    assert compact.validate("01062012").reason == "there is no month 20"  # read as year 0106 by the first format
    assert Date(FieldSpec(type="date", formats=["%d%m%Y"])).normalise("01062012") == "2012-06-01"
    named = Date(FieldSpec(type="date", formats=["%A %d %B %Y"]))
    assert named.normalise("Friday 1 June 2012") == "2012-06-01"
    assert named.validate("Friday 1 Jnue 2012").status == "invalid"


def test_many_formats_stay_within_the_engines_group_limit(on_duckdb: Agreement) -> None:
    """DuckDB numbers regex groups up to 9; each format is read by its own pattern."""
    formats = ["%d-%b-%y", "%d/%m/%Y %H:%M", "%Y%m%d", "%d.%m.%Y", "%d %B %Y", "%y%m%d"]
    many = Date(FieldSpec(type="date", formats=formats))
    values = ["04-Jan-10", "08/06/2012 16:59", "20120601", "01.06.2012", "1 June 2012", "120601", "2012-06-01", "x"]
    assert [many.normalise(v) for v in values] == [*["2010-01-04", "2012-06-08"], *["2012-06-01"] * 5, None]
    assert on_duckdb(many, values) == []


@pytest.mark.parametrize(
    "formats",
    [["%d/%m"], ["%Q/%m/%Y"], ["%d/%d/%m/%Y"], ["%d/%b/%m/%Y"], ["%d[%m]%Y"], ["%d/%m/%Y%"], ["%d/%m/%Y", "%Y"]],
)
def test_unusable_formats_are_refused_with_a_reason(formats: list[str]) -> None:
    with pytest.raises(ValueError, match="date format"):
        parse_formats(formats)


def test_calendar_pattern_agrees_with_the_calendar() -> None:
    for year in (1, 4, 100, 400, 1600, 1900, 1996, 2000, 2019, 2020, 2023, 2024, 2100, 2400, 9996, 9999):
        for month in range(0, 14):
            for day in range(0, 33):
                iso = f"{year:04d}-{month:02d}-{day:02d}"
                try:
                    real = date(year, month, day).isoformat() == iso
                except ValueError:
                    real = False
                assert bool(extract(iso, CALENDAR_PATTERN)) == real, iso
    assert not extract("0000-01-01", CALENDAR_PATTERN)


def test_range_patterns_agree_with_text_order() -> None:
    rng = random.Random(7)
    bounds = ["1906-11-21", "2026-11-21", "2000-01-01", "1999-12-31", "0001-01-01", "9999-12-31"]
    dates = [f"{rng.randint(0, 9999):04d}-{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d}" for _ in range(3000)]
    for bound in bounds:
        for iso in [*dates, *bounds]:
            assert bool(extract(iso, at_least(bound))) == (iso >= bound), (iso, bound)
            assert bool(extract(iso, at_most(bound))) == (iso <= bound), (iso, bound)


# -- dates of birth ------------------------------------------------------------------------------


def test_a_date_of_birth_is_not_in_the_future_nor_over_120_years_ago() -> None:
    assert DOB.normalise("21/11/2026") == "2026-11-21"  # born today
    assert "cannot be in the future" in DOB.validate("22/11/2026").reason
    assert "future" in DOB.validate("01/01/2030").reason
    assert DOB.normalise("21/11/1906") == "1906-11-21"  # exactly 120
    assert "more than 120 years ago" in DOB.validate("20/11/1906").reason
    assert "more than 120 years ago" in DOB.validate("01/01/1900").reason
    assert "leap year" in DOB.validate("29/02/2019").reason


def test_two_digit_years_of_birth_are_never_in_the_future() -> None:
    assert DOB.normalise("04-Jan-10") == "2010-01-04"
    assert DOB.normalise("04-Jan-26") == "2026-01-04"
    assert DOB.normalise("04-Jan-27") == "1927-01-04"
    assert DOB.normalise("04-Jan-50") == "1950-01-04"
    assert DATE.normalise("04-Jan-27") == "2027-01-04"  # a plain date uses the fixed pivot


def test_the_earliest_birthday_on_29_february_is_the_28th_when_that_year_has_none() -> None:
    leap_day = DateOfBirth(today=date(2020, 2, 29))  # 1900 was not a leap year
    assert leap_day.earliest == date(1900, 2, 28)
    assert leap_day.normalise("28/02/1900") == "1900-02-28"
    assert leap_day.validate("27/02/1900").status == "invalid"


def test_today_defaults_to_the_day_the_type_is_built() -> None:
    built = DateOfBirth()
    assert built.today == date.today()
    assert built.normalise((date.today() + timedelta(days=1)).isoformat()) is None


def test_configured_date_of_birth() -> None:
    ctax = field_type(FieldSpec(type="date_of_birth", formats=["%d-%b-%Y"]))
    assert isinstance(ctax, DateOfBirth) and ctax.personal
    assert ctax.normalise("11-Jun-1968") == "1968-06-11"  # demo council tax
    assert ctax.validate("11/06/1968").status == "invalid"


# -- engine agreement -----------------------------------------------------------------------------

ALL_TEXTS = [text for text, _ in READINGS] + [text for text, _ in INVALID]
CONFIGURED = [
    Date(FieldSpec(type="date", formats=["%d-%b-%y"])),
    Date(FieldSpec(type="date", formats=["%d/%m/%Y", "%m/%d/%Y"])),
    DateOfBirth(FieldSpec(type="date_of_birth", formats=["%Y%m%d", "%d %B %y"]), today=TODAY),
]


@pytest.mark.parametrize("ftype", [DATE, DOB, *CONFIGURED], ids=["date", "dob", "oracle", "two", "dob-compact"])
def test_engine_agrees_on_every_example(ftype: Date, on_duckdb: Agreement) -> None:
    values = [*ALL_TEXTS, *examples_for("date"), *EXAMPLES["date_of_birth"], "20120601", "1 June 12"]
    assert on_duckdb(ftype, values) == []


def test_real_date_columns(realdata: Path, duckdb_con: Any) -> None:
    """Statuses of every date in four real files, counted, and the engine's agreement on them."""
    columns = {
        # the 72 ragged rows (SOURCE.txt) shift rateable values and "Y" flags into the date columns
        ("bradford_council_business_rates/bradford.csv", "Property start date"): {"valid": 19251, "invalid": 72},
        ("bradford_council_business_rates/bradford.csv", "Liability start date"): {
            "valid": 19251, "invalid": 67, "missing": 5,
        },
        ("scarborough_council_business_rates/scarborough.csv", "Liability start date"): {"valid": 2368, "missing": 13},
        # shifted rows put rateable values here too; the column is otherwise empty
        ("scarborough_council_business_rates/scarborough.csv", "Empty from"): {"missing": 2368, "invalid": 13},
        ("lambeth_council/2012-06-payments.csv", "Invoice Creation Date"): {"valid": 3155, "missing": 6},
        ("lambeth_council/LBLFOIDisclosureLogJan2012.csv", "Received"): {"valid": 142},
    }  # fmt: skip
    reading = {"bradford.csv": ("latin-1", 0), "scarborough.csv": ("utf-8", 0)}
    reading |= {"2012-06-payments.csv": ("utf-8", 9), "LBLFOIDisclosureLogJan2012.csv": ("cp1252", 1)}
    values: set[str] = set()
    for (name, column), counts in columns.items():
        encoding, skip = reading[Path(name).name]
        with (realdata / name).open(encoding=encoding, newline="") as handle:
            rows = list(csv.DictReader(handle.readlines()[skip:]))
        found = [row[column] for row in rows if row.get(column) is not None]
        statuses = [DATE.validate(text).status for text in found]
        assert {status: statuses.count(status) for status in set(statuses)} == counts, (name, column)
        values |= set(found)
    assert differences(DATE, sorted(values), duckdb_con) == []


# -- properties -----------------------------------------------------------------------------------

_PARTS = st.sampled_from(
    ["01", "1", "29", "31", "32", "0", "02", "12", "13", "2020", "1900", "2000", "99", "00", "Jun", "june", "SEPT",
     "Foo", "1st", "/", "-", ".", " ", ", ", ":", "T", "00:00:00", " 16:59", "\u2028", "ß", "İ", "\u0661"]
)  # fmt: skip
DATE_TEXT = st.one_of(
    st.text(max_size=20),
    st.lists(_PARTS, max_size=8).map("".join),
    st.tuples(st.integers(0, 33), st.integers(0, 14), st.integers(0, 2500), st.sampled_from(["/", "-", ".", " "])).map(
        lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}"
    ),
    st.dates().map(lambda d: d.strftime(random.Random(d.toordinal()).choice(["%d/%m/%Y", "%d-%b-%y", "%Y-%m-%d"]))),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), DATE_TEXT))
def test_python_rule_never_raises_and_is_idempotent(text: str | None) -> None:
    for ftype in (DATE, DOB, CONFIGURED[0]):
        verdict = ftype.validate(text)
        assert (verdict.value is None) == (verdict.status in ("invalid", "missing"))
        assert ftype.normalise(verdict.value) == verdict.value


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), DATE_TEXT), min_size=1, max_size=60))
def test_engine_agrees_on_generated_text(duckdb_con: Any, texts: list[str | None]) -> None:
    assert differences(DATE, texts, duckdb_con) == []
    assert differences(CONFIGURED[2], texts, duckdb_con) == []
