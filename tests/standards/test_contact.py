"""Email addresses and telephone numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from observatory.standards.types.base import FieldType
from observatory.standards.types.contact import Email, Phone
from tests.standards.conftest import Agreement
from tests.standards.examples import EXAMPLES

EMAIL_CASES = [
    ("jo@example.com", "valid", "jo@example.com"),
    (" Jo.Bloggs@Example.ORG.uk ", "valid", "Jo.Bloggs@example.org.uk"),  # local part keeps its case
    ("o'brien@council.gov.uk", "valid", "o'brien@council.gov.uk"),
    ("first+tag@sub.domain.co.uk", "valid", "first+tag@sub.domain.co.uk"),
    ("{}|~^`@x.io", "valid", "{}|~^`@x.io"),
    ("jo@xn--p1ai.xn--p1ai", "valid", "jo@xn--p1ai.xn--p1ai"),
    ("a" * 64 + "@example.com", "valid", "a" * 64 + "@example.com"),
    ("a" * 65 + "@example.com", "invalid", None),
    ("jo@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".uk", "invalid", None),  # 255
    ("jo@@example.com", "invalid", None),
    ("jo@localhost", "invalid", None),
    ("jo..b@example.com", "invalid", None),
    (".jo@example.com", "invalid", None),
    ("jo.@example.com", "invalid", None),
    ("jo@example.c", "invalid", None),
    ("jo@-example.com", "invalid", None),
    ("jo@example-.com", "invalid", None),
    ("jo@example.123", "invalid", None),
    ("jo@exa_mple.com", "invalid", None),
    ("Jo <jo@example.org>", "invalid", None),
    ("mailto:jo@example.org", "invalid", None),
    ('"jo bloggs"@example.org', "invalid", None),
    ("jo@[192.0.2.1]", "invalid", None),
    ("jö@example.com", "invalid", None),
    ("jo @example.com", "invalid", None),
    ("null", "missing", None),
]

PHONE_CASES = [
    ("01483811197", "valid", "+441483811197"),  # real: 2018-936-ks2.csv TELNUM
    ("0127623298", "valid", "+44127623298"),  # real: 2018-936-ks2.csv, 10 digits
    ("07700 900123", "valid", "+447700900123"),
    ("07700-900-123", "valid", "+447700900123"),
    ("(01483) 811197", "valid", "+441483811197"),
    ("020.7946.0018", "valid", "+442079460018"),
    ("+44 (0)7700 900123", "valid", "+447700900123"),
    ("+44 0 7700 900123", "valid", "+447700900123"),
    ("+44 7700 900123", "valid", "+447700900123"),
    ("0044 7700 900123", "valid", "+447700900123"),
    ("447700900123", "valid", "+447700900123"),
    ("0800 123 4567", "valid", "+448001234567"),
    ("+33 1 23 45 67 89", "valid", "+33123456789"),  # other countries: E.164 length only
    ("0033123456789", "valid", "+33123456789"),
    ("+1 (212) 555-0100", "valid", "+12125550100"),
    ("7700900123", "invalid", None),  # leading zero lost: not guessed
    ("1483811197", "invalid", None),
    ("0412345678", "invalid", None),  # 04 not in use
    ("06123456789", "invalid", None),
    ("012345678", "invalid", None),  # 9 digits
    ("012345678901", "invalid", None),  # 12 digits
    ("+4412345", "invalid", None),
    ("+44 20 7946 00", "invalid", None),
    ("01483 811197 ext 23", "invalid", None),
    ("01483 811197 (home)", "invalid", None),
    ("+0123456789", "invalid", None),
    ("+1234567890123456", "invalid", None),  # 16 digits: longer than E.164
    ("+123456", "invalid", None),
    ("999", "invalid", None),
    ("--", "missing", None),
]


def _check(ftype: FieldType, text: str | None, status: str, value: str | None) -> None:
    verdict = ftype.validate(text)
    assert (verdict.status, verdict.value) == (status, value)
    assert ftype.normalise(value) == value
    assert bool(verdict.reason) == (status == "invalid")


@pytest.mark.parametrize(("text", "status", "value"), EMAIL_CASES)
def test_email(text: str | None, status: str, value: str | None) -> None:
    _check(Email(), text, status, value)


@pytest.mark.parametrize(("text", "status", "value"), PHONE_CASES)
def test_phone(text: str | None, status: str, value: str | None) -> None:
    _check(Phone(), text, status, value)


def test_reasons() -> None:
    assert "leading 0" in Phone().validate("7700900123").reason
    assert "04 or 06" in Phone().validate("0412345678").reason
    assert "exactly one @" in Email().validate("jo@@example.com").reason
    assert "no dot" in Email().validate("jo@localhost").reason


def test_contact_details_are_personal() -> None:
    assert Email.personal and Phone.personal


def test_real_school_telephone_numbers(realdata: Path) -> None:
    """TELNUM of the Surrey KS2 file: leading zeros kept as text, all valid UK numbers."""
    path = realdata / "dfe_ks2_performance_surrey" / "2018-936-ks2.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        column = header.index("TELNUM")
        numbers = [row[column] for row in reader if len(row) > column]
    statuses = [Phone().validate(number).status for number in numbers]
    # 239 schools with a number; 3 summary rows (LA, region, England) hold a single space.
    assert {status: statuses.count(status) for status in set(statuses)} == {"valid": 239, "missing": 3}


@pytest.mark.parametrize(("ftype", "cases", "name"), [(Email(), EMAIL_CASES, "email"), (Phone(), PHONE_CASES, "phone")])
def test_engine_agrees_with_python(
    ftype: FieldType, cases: list[tuple[str | None, str, str | None]], name: str, on_duckdb: Agreement
) -> None:
    assert on_duckdb(ftype, [text for text, _, _ in cases] + list(EXAMPLES[name])) == []
