"""UPRN and USRN."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from observatory.standards.types.base import FieldType
from observatory.standards.types.property import Uprn, Usrn
from tests.standards.conftest import Agreement
from tests.standards.examples import EXAMPLES

UPRN_CASES = [
    ("100012797623", "valid", "100012797623"),  # real: trafford_land_and_building_assets.csv
    ("10070321580", "valid", "10070321580"),
    ("1", "valid", "1"),
    ("999999999999", "valid", "999999999999"),
    ("000100012797623", "valid", "100012797623"),  # leading zeros dropped
    ("990000000000.0", "valid", "990000000000"),  # spreadsheet whole number: no digit lost
    ("100012797623.000", "valid", "100012797623"),
    (" 100012797623 ", "valid", "100012797623"),
    ("1000000000000", "invalid", None),  # 13 digits
    ("0", "invalid", None),
    ("000", "invalid", None),
    ("9.9E+11", "invalid", None),  # scientific notation: digits already lost
    ("1.00012797623E+11", "invalid", None),
    ("100012797623.5", "invalid", None),
    ("100,012,797,623", "invalid", None),
    ("-100012797623", "invalid", None),
    ("UPRN 100012797623", "invalid", None),
    ("", "missing", None),
]

USRN_CASES = [
    ("12345678", "valid", "12345678"),
    ("99999999", "valid", "99999999"),
    ("00012345", "valid", "12345"),
    ("12345678.0", "valid", "12345678"),
    ("100000000", "invalid", None),
    ("0", "invalid", None),
    ("1.2E+7", "invalid", None),
    ("N/A", "missing", None),
]


def _check(ftype: FieldType, text: str | None, status: str, value: str | None) -> None:
    verdict = ftype.validate(text)
    assert (verdict.status, verdict.value) == (status, value)
    assert ftype.normalise(value) == value
    assert bool(verdict.reason) == (status == "invalid")


@pytest.mark.parametrize(("text", "status", "value"), UPRN_CASES)
def test_uprn(text: str | None, status: str, value: str | None) -> None:
    _check(Uprn(), text, status, value)


@pytest.mark.parametrize(("text", "status", "value"), USRN_CASES)
def test_usrn(text: str | None, status: str, value: str | None) -> None:
    _check(Usrn(), text, status, value)


def test_reasons() -> None:
    assert "digits are lost" in Uprn().validate("9.9E+11").reason
    assert "start at 1" in Uprn().validate("0").reason
    assert "more than 12 digits" in Uprn().validate("1000000000000").reason
    assert "more than 8 digits" in Usrn().validate("100000000").reason


def test_storage_is_a_64_bit_integer() -> None:
    assert Uprn.storage == "int64" and Usrn.storage == "int64"


def test_real_trafford_uprns(realdata: Path) -> None:
    """608 assets: 336 without a UPRN, the rest valid 11- and 12-digit UPRNs."""
    path = realdata / "trafford_council_land_assets" / "trafford_land_and_building_assets.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        values = [row["UPRN"] for row in csv.DictReader(handle)]
    verdicts = [Uprn().validate(value) for value in values]
    assert sum(v.status == "missing" for v in verdicts) == 336
    assert sum(v.status == "valid" for v in verdicts) == 272
    assert all(v.value == value for v, value in zip(verdicts, values, strict=True) if v.status == "valid")


@pytest.mark.parametrize(("ftype", "cases", "name"), [(Uprn(), UPRN_CASES, "uprn"), (Usrn(), USRN_CASES, "usrn")])
def test_engine_agrees_with_python(
    ftype: FieldType, cases: list[tuple[str | None, str, str | None]], name: str, on_duckdb: Agreement
) -> None:
    assert on_duckdb(ftype, [text for text, _, _ in cases] + list(EXAMPLES[name])) == []
