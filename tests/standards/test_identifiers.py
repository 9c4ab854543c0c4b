"""NHS number, National Insurance number and Unique Pupil Number."""

from __future__ import annotations

import pytest
from stdnum.gb import upn as stdnum_upn

from observatory.standards.types.base import FieldType
from observatory.standards.types.identifiers import (
    UPN_LA_NUMBERS,
    NhsNumber,
    NiNumber,
    Upn,
    nhs_check_digit,
)
from tests.standards.conftest import Agreement
from tests.standards.examples import EXAMPLES


def _upn(body: str) -> str:
    """A UPN with the right check letter for its last twelve characters."""
    return stdnum_upn.calc_check_digit(body) + body


NHS_CASES = [
    ("9434765919", "valid", "9434765919"),  # the NHS Data Dictionary example
    ("943 476 5919", "valid", "9434765919"),
    ("943-476-5919", "valid", "9434765919"),
    (" 9434 765 919 ", "valid", "9434765919"),
    ("4010232137", "valid", "4010232137"),
    ("9434765918", "invalid", None),  # wrong check digit
    ("9434765991", "invalid", None),  # transposed digits
    ("1234567890", "invalid", None),  # check digit would be 10
    ("0000000000", "invalid", None),  # placeholder that passes modulus 11
    ("1111111111", "invalid", None),
    ("943476591", "invalid", None),
    ("94347659190", "invalid", None),
    ("943476591X", "invalid", None),
    ("٩٤٣٤٧٦٥٩١٩", "invalid", None),  # Arabic-Indic digits are not digits here
    ("N/A", "missing", None),
    (None, "missing", None),
]

NI_CASES = [
    ("AB123456C", "valid", "AB123456C"),
    ("ab 12 34 56 c", "valid", "AB123456C"),
    ("AB-12-34-56-C", "valid", "AB123456C"),
    ("OA123456D", "valid", "OA123456D"),  # O may come first, not second
    ("AB123456", "partial", "AB123456"),  # suffix missing
    ("AB 12 34 56", "partial", "AB123456"),
    ("TN010285M", "invalid", None),  # temporary reference number
    ("TN123456A", "invalid", None),
    ("QQ123456C", "invalid", None),  # HMRC's example prefix is never allocated (Q first)
    ("DA123456A", "invalid", None),
    ("AD123456A", "invalid", None),
    ("AO123456A", "invalid", None),
    ("BG123456A", "invalid", None),
    ("GB123456A", "invalid", None),
    ("KN123456A", "invalid", None),
    ("NK123456A", "invalid", None),
    ("NT123456A", "invalid", None),
    ("ZZ123456A", "invalid", None),
    ("AB123456E", "invalid", None),
    ("AB12345C", "invalid", None),
    ("", "missing", None),
]

UPN_CASES = [
    ("B801200005001", "valid", "B801200005001"),  # python-stdnum's example
    ("b801 2000 05001", "valid", "B801200005001"),
    (_upn("940200005001"), "valid", _upn("940200005001")),  # North Northamptonshire (2021)
    (_upn("80120000500A"), "partial", _upn("80120000500A")),  # temporary UPN
    ("A801200005001", "invalid", None),  # wrong check letter
    ("X80120000A001", "invalid", None),  # letter in the digits
    ("E000200005001", "invalid", None),  # 000 is no local authority
    (_upn("000200005001"), "invalid", None),
    ("I801200005001", "invalid", None),  # I is never a check letter
    ("B80120000500O", "invalid", None),  # O is not in the alphabet
    ("B8012000050011", "invalid", None),
    (None, "missing", None),
]


def _check(ftype: FieldType, text: str | None, status: str, value: str | None) -> None:
    verdict = ftype.validate(text)
    assert (verdict.status, verdict.value) == (status, value)
    assert ftype.normalise(value) == value
    assert bool(verdict.reason) == (status in ("invalid", "partial"))


@pytest.mark.parametrize(("text", "status", "value"), NHS_CASES)
def test_nhs_number(text: str | None, status: str, value: str | None) -> None:
    _check(NhsNumber(), text, status, value)


@pytest.mark.parametrize(("text", "status", "value"), NI_CASES)
def test_ni_number(text: str | None, status: str, value: str | None) -> None:
    _check(NiNumber(), text, status, value)


@pytest.mark.parametrize(("text", "status", "value"), UPN_CASES)
def test_upn(text: str | None, status: str, value: str | None) -> None:
    _check(Upn(), text, status, value)


def test_nhs_check_digit_follows_modulus_11() -> None:
    # 9,4,3,4,7,6,5,9,1 weighted 10..2 sum to 299; 299 mod 11 = 2; 11 - 2 = 9.
    assert nhs_check_digit("943476591") == 9
    assert nhs_check_digit("123456789") is None  # remainder 1: check would be 10


def test_every_nhs_number_with_a_good_check_digit_is_valid() -> None:
    nhs = NhsNumber()
    for stem in ("401023213", "943476591", "485777345", "600000000"):
        check = nhs_check_digit(stem)
        for last in "0123456789":
            expected = "valid" if check is not None and str(check) == last else "invalid"
            assert nhs.validate(stem + last).status == expected


def test_upn_agrees_with_python_stdnum_on_its_local_authorities() -> None:
    upn = Upn()
    for la in ("201", "330", "801", "938"):
        for school_year_serial in ("200015001", "412319999", "000000000"):
            good = _upn(la + school_year_serial)
            assert upn.validate(good).status == "valid"
            assert stdnum_upn.is_valid(good)
            wrong = ("B" if good[0] != "B" else "C") + good[1:]
            assert upn.validate(wrong).status == "invalid"
            assert not stdnum_upn.is_valid(wrong)


def test_newer_local_authorities_are_known() -> None:
    assert {"838", "839", "940", "941", "942", "943"} <= set(UPN_LA_NUMBERS)


def test_reasons_name_the_problem() -> None:
    assert "temporary" in NiNumber().validate("TN010285M").reason
    assert "suffix" in NiNumber().validate("AB123456").reason
    assert "never allocated" in NiNumber().validate("GB123456A").reason
    assert "check digit" in NhsNumber().validate("9434765918").reason
    assert "placeholder" in NhsNumber().validate("0000000000").reason
    assert "temporary UPN" in Upn().validate(_upn("80120000500A")).reason


def test_identifiers_are_personal() -> None:
    assert NhsNumber.personal and NiNumber.personal and Upn.personal


@pytest.mark.parametrize(
    ("ftype", "cases", "name"),
    [(NhsNumber(), NHS_CASES, "nhs_number"), (NiNumber(), NI_CASES, "ni_number"), (Upn(), UPN_CASES, "upn")],
)
def test_engine_agrees_with_python(
    ftype: FieldType, cases: list[tuple[str | None, str, str | None]], name: str, on_duckdb: Agreement
) -> None:
    assert on_duckdb(ftype, [text for text, _, _ in cases] + list(EXAMPLES[name])) == []
