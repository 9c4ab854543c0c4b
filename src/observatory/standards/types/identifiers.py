"""Personal identifiers with check rules: NHS number, National Insurance number, Unique Pupil Number."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import ibis
from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.gb import upn as stdnum_upn

from observatory.standards.types.base import FieldType, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    Regex,
    ValidOrInvalid,
    ascii_upper,
    ascii_upper_expr,
    invalid,
    partial,
    status_cases,
    valid,
    value_cases,
    without_spaces,
    without_spaces_expr,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir


def _compact(text: str) -> str:
    """Upper case, without whitespace and hyphens (allowed anywhere inside an identifier)."""
    return without_spaces(ascii_upper(text), "-")


def _compact_expr(column: ir.StringValue) -> ir.StringValue:
    """``_compact`` of the raw column: removing all whitespace makes ``clean`` unnecessary here."""
    return ascii_upper_expr(without_spaces_expr(column, "-"))


def _guarded(ok: ir.BooleanValue, text: ir.StringValue, dummy: str) -> ir.StringValue:
    """``text`` where ``ok``, else ``dummy``: substrings of it can be cast without an error on Spark (ANSI)."""
    return ibis.cases((ok, text), else_=ibis.literal(dummy))


# -- NHS number --------------------------------------------------------------------------------

_NHS_SHAPE = Regex("[0-9]{10}")
NHS_PLACEHOLDERS = tuple(str(digit) * 10 for digit in range(10))
"""Ten identical digits: placeholders, although 0000000000 and 1111111111 pass the check digit."""


def nhs_check_digit(digits: str) -> int | None:
    """The modulus 11 check digit of the first nine digits; ``None`` when it would be 10."""
    remainder = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return None if remainder == 1 else (11 - remainder) % 11


class NhsNumber(ValidOrInvalid):
    """NHS number: ten digits, the last a modulus 11 check digit."""

    name = "nhs_number"
    title = "NHS number"
    rule = (
        "Ten digits; spaces and hyphens anywhere are ignored (943 476 5919, 943-476-5919). The "
        "tenth digit is the modulus 11 check digit of the first nine, weighted 10 down to 2: "
        "11 minus the remainder of the weighted sum divided by 11, with 11 meaning 0; a number "
        "whose check would be 10 is never issued and is invalid. Ten identical digits "
        "(0000000000, 1111111111 ...) are placeholders and invalid. The standard form is the ten "
        "digits without separators (9434765919)."
    )
    source = "NHS Data Dictionary, NHS NUMBER (format and modulus 11 check digit)."
    personal = True

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        digits = _compact(cleaned)
        if not _NHS_SHAPE.matches(digits):
            return invalid("an NHS number is ten digits")
        if digits in NHS_PLACEHOLDERS:
            return invalid("a placeholder (ten identical digits), not an NHS number")
        check = nhs_check_digit(digits)
        if check is None:
            return invalid("the check digit would be 10: no NHS number is issued with these nine digits")
        if check != int(digits[9]):
            return invalid("the check digit does not match (mistyped or transposed digits)")
        return valid(digits)

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        digits = _compact_expr(column)
        shape = _NHS_SHAPE.test(digits)
        safe = _guarded(shape, digits, "0" * 10)
        values = [safe.substr(i, 1).cast("int64") for i in range(10)]
        remainder = sum((values[i] * (10 - i) for i in range(9)), ibis.literal(0)) % 11
        expected = ibis.cases((remainder == 0, 0), else_=11 - remainder)
        ok = shape & ~digits.isin(NHS_PLACEHOLDERS) & (remainder != 1) & (expected == values[9])
        return cleaned, ok, digits


# -- National Insurance number -------------------------------------------------------------------

_NINO = Regex("([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])([0-9]{6})([A-D]?)")
NINO_UNALLOCATED_PREFIXES = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
_NINO_LOOSE = re.compile(r"([A-Z]{2})([0-9]{6})([A-Z]?)")


def _nino_reason(compact: str) -> str:
    loose = _NINO_LOOSE.fullmatch(compact)
    if loose is None:
        return "not a National Insurance number (two letters, six digits, a suffix letter A-D)"
    prefix, _, suffix = loose.groups()
    if prefix == "TN":
        return "a temporary reference number (TN), not a National Insurance number"
    if prefix in NINO_UNALLOCATED_PREFIXES:
        return f"the prefix {prefix} is never allocated"
    if prefix[0] in "DFIQUV":
        return f"the first letter is never {prefix[0]}"
    if prefix[1] in "DFIOQUV":
        return f"the second letter is never {prefix[1]}"
    return f"the suffix letter is A, B, C or D, not {suffix}"


class NiNumber(FieldType):
    """National Insurance number."""

    name = "ni_number"
    title = "National Insurance number"
    rule = (
        "Two prefix letters, six digits and a suffix letter A, B, C or D; letter case, spaces and "
        "hyphens do not matter. The first letter is not D, F, I, Q, U or V; the second is not D, F, "
        "I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are not allocated (TN marks a "
        "temporary reference, which is invalid). Without a suffix the number is partial: the prefix "
        "and digits are there, but the suffix should be recorded too. The standard form is upper case "
        "without spaces (AB123456C; AB123456 when the suffix is missing)."
    )
    source = "HMRC National Insurance Manual NIM39110 (format of National Insurance numbers)."
    personal = True

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        compact = _compact(cleaned)
        groups = _NINO.groups(compact)
        if groups is None or groups[0] in NINO_UNALLOCATED_PREFIXES:
            return invalid(_nino_reason(compact))
        prefix, digits, suffix = groups
        if not suffix:
            return partial(prefix + digits, "the suffix letter (A-D) is missing")
        return valid(compact)

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue, ir.StringValue]:
        cleaned = clean_expr(column)
        compact = _compact_expr(column)
        ok = _NINO.test(compact) & ~_NINO.group(compact, 1).isin(NINO_UNALLOCATED_PREFIXES)
        return cleaned, ok, compact, _NINO.group(compact, 3)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        _, ok, compact, _ = self._parts(column)
        return value_cases((ok, compact))

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned, ok, _, suffix = self._parts(column)
        return status_cases(cleaned, (ok & (suffix == ""), "partial"), (ok, "valid"))


# -- Unique Pupil Number -------------------------------------------------------------------------

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
"""The characters of a UPN (no I, O or S); a character's value for the check letter is its position."""

UPN_NEWER_LA_NUMBERS = frozenset({838, 839, 940, 941, 942, 943})
"""DfE local authority numbers created after python-stdnum's list (Dorset, Bournemouth Christchurch
and Poole 2019; North and West Northamptonshire 2021; Cumberland, Westmorland and Furness 2023)."""

UPN_LA_NUMBERS: tuple[str, ...] = tuple(
    sorted(f"{number:03d}" for number in stdnum_upn._la_numbers | UPN_NEWER_LA_NUMBERS)
)
"""Every local authority number a UPN may carry (characters 2-4)."""

_UPN = Regex("[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]")


def _upn_check(compact: str) -> Verdict:
    try:
        stdnum_upn.validate(compact)
    except InvalidComponent:
        if int(compact[1:4]) not in UPN_NEWER_LA_NUMBERS:
            return invalid(f"{compact[1:4]} is not a local authority number")
        if stdnum_upn.calc_check_digit(compact[1:]) != compact[0]:
            return invalid("the check letter does not match")
    except ValidationError:
        return invalid("the check letter does not match")
    if compact[-1].isalpha():
        return partial(compact, "a temporary UPN (ends in a letter): replace it with the permanent UPN")
    return valid(compact)


class Upn(FieldType):
    """DfE Unique Pupil Number."""

    name = "upn"
    title = "Unique Pupil Number"
    rule = (
        "Thirteen characters; letter case and spaces do not matter. The first is a check letter, "
        "characters 2-4 a DfE local authority number, 5-12 digits (school number, year, serial) and "
        "the last a digit, or a letter for a temporary UPN. Letters are from ABCDEFGHJKLMNPQRTUVWXYZ "
        "(no I, O or S). Each of characters 2 to 13 is worth its place in that alphabet counted from "
        "0 (digits come after the 23 letters, so a digit d is worth 23 + d) and is multiplied by "
        "its position, 2 to 13; the check letter is the letter at the place given by the sum modulo "
        "23. A local authority number must be one DfE has issued. A temporary UPN is partial: it "
        "should be replaced by the permanent one. The standard form is upper case without spaces."
    )
    source = (
        "DfE, Unique pupil numbers (UPN) guidance for schools and local authorities; check "
        "letter as implemented by python-stdnum stdnum.gb.upn; DfE local authority numbers."
    )
    personal = True

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        compact = without_spaces(ascii_upper(cleaned))
        if not _UPN.matches(compact):
            return invalid("a UPN is a check letter, eleven digits and a final digit or letter")
        return _upn_check(compact)

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        compact = ascii_upper_expr(without_spaces_expr(column))
        shape = _UPN.test(compact)
        safe = _guarded(shape, compact, "A000000000000")
        alphabet = ibis.literal(UPN_ALPHABET)
        weighted = [safe.substr(i, 1).cast("int64") * (i + 1) for i in range(1, 12)]
        weighted.append(alphabet.find(safe.substr(12, 1)) * 13)
        check = sum(weighted, ibis.literal(0)) % 23
        ok = shape & safe.substr(1, 3).isin(UPN_LA_NUMBERS) & (alphabet.find(safe.substr(0, 1)) == check)
        return cleaned, ok, compact

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        _, ok, compact = self._parts(column)
        return value_cases((ok, compact))

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned, ok, compact = self._parts(column)
        temporary = compact.substr(12, 1).re_search("^[A-Z]")
        return status_cases(cleaned, (ok & temporary, "partial"), (ok, "valid"))
