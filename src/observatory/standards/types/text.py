"""Plain values: text, whole numbers and decimal numbers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import ibis

from observatory.standards.types.base import FieldType, Storage, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    Regex,
    ValidOrInvalid,
    invalid,
    status_cases,
    strip_zeros,
    strip_zeros_expr,
    valid,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

INT64_MAX = "9223372036854775807"
"""The largest magnitude accepted for an integer (both signs), as digits."""

DECIMAL_MAX_DIGITS = 15
"""Digits before the decimal point that a 64-bit float holds exactly."""

DIGITS = "[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
"""A run of digits, optionally grouped in thousands with commas (``1,234,567``)."""

_INTEGER = Regex(f"([+-]?)({DIGITS})")
_DECIMAL = Regex(f"([+-]?)({DIGITS}|)(?:[.]([0-9]*))?")
_FRACTION_BODY = Regex("([0-9]*[1-9]|)[0-9]*")
"""Group 1 is a fraction without its trailing zeros."""


class Text(FieldType):
    """Free text, cleaned."""

    name = "text"
    title = "Text"
    rule = (
        "Any value is valid once cleaned: whitespace (spaces, tabs, line breaks, no-break spaces) is "
        "trimmed from both ends, runs of it inside become one space, and empty values or null tokens "
        "(N/A, null, -) are missing. A field's `allowed` list is measured by the quality checks, not "
        "here."
    )
    source = "Observatory cleaning rule (no external standard)."

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        return MISSING if cleaned is None else valid(cleaned)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return clean_expr(column)

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned = clean_expr(column)
        return status_cases(cleaned, (cleaned.notnull(), "valid"))


def _fits_int64(magnitude: str) -> bool:
    return len(magnitude) < len(INT64_MAX) or (len(magnitude) == len(INT64_MAX) and magnitude <= INT64_MAX)


def _fits_int64_expr(magnitude: ir.StringValue) -> ir.BooleanValue:
    size = magnitude.length()
    return (size < len(INT64_MAX)) | ((size == len(INT64_MAX)) & (magnitude <= INT64_MAX))


def _signed(sign: str, magnitude: str) -> str:
    return "-" + magnitude if sign == "-" and magnitude.strip("0.") else magnitude


def _signed_expr(sign: ir.StringValue, magnitude: ir.StringValue, zero: ir.BooleanValue) -> ir.StringValue:
    return ibis.cases(((sign == "-") & ~zero, "-" + magnitude), else_=magnitude)


def _number_reason(cleaned: str, whole: bool) -> str:
    if re.fullmatch(r"[+-]?[0-9.,]*[0-9][0-9.,]*", cleaned):
        if "," in cleaned:
            return "commas are not in thousands positions (write 1,234 or 1234)"
        if whole:
            return "has a fractional part; a whole number is expected"
    if re.fullmatch(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", cleaned):
        return "scientific notation (write the number in full)"
    return "not a number"


class Integer(ValidOrInvalid):
    """A whole number that fits a 64-bit integer."""

    name = "integer"
    title = "Whole number"
    rule = (
        "An optional sign followed by digits, optionally grouped in thousands with commas "
        "(1,234,567). The standard form has no plus sign, no commas and no leading zeros "
        "(+0012 becomes 12, -0 becomes 0). The magnitude must be at most 9,223,372,036,854,775,807 "
        "(a 64-bit integer). Decimal points, spaces inside the number and scientific notation "
        "(1E5) are invalid."
    )
    source = "Observatory number rule; storage is a 64-bit signed integer."
    storage: ClassVar[Storage] = "int64"

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        groups = _INTEGER.groups(cleaned)
        if groups is None:
            return invalid(_number_reason(cleaned, whole=True))
        sign, digits = groups
        magnitude = strip_zeros(digits.replace(",", ""))
        if not _fits_int64(magnitude):
            return invalid("too large for a 64-bit integer")
        return valid(_signed(sign, magnitude))

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        magnitude = strip_zeros_expr(_INTEGER.group(cleaned, 2).re_replace(",", ""))
        ok = _INTEGER.test(cleaned) & _fits_int64_expr(magnitude)
        value = _signed_expr(_INTEGER.group(cleaned, 1), magnitude, magnitude == "0")
        return cleaned, ok, value


class Decimal(ValidOrInvalid):
    """A decimal number."""

    name = "decimal"
    title = "Decimal number"
    rule = (
        "An optional sign, digits (optionally grouped in thousands with commas) and an optional "
        "decimal point followed by digits; a leading or trailing point is allowed (.5, 5.). The "
        "standard form has no plus sign, no commas, no leading zeros before the point (but 0 "
        "before a leading point) and no trailing zeros after it: 1,234.50 becomes 1234.5, "
        "-.50 becomes -0.5 and 2.000 becomes 2. At most 15 digits before the point, what a "
        "64-bit float holds exactly. Scientific notation (1.5E3) is invalid."
    )
    source = "Observatory number rule; storage is a 64-bit float (IEEE 754)."
    storage: ClassVar[Storage] = "float64"

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        groups = _DECIMAL.groups(cleaned)
        if groups is None or groups[1] + groups[2] == "":
            return invalid(_number_reason(cleaned, whole=False))
        sign, digits, fraction = groups
        whole = strip_zeros(digits.replace(",", ""))
        if len(whole) > DECIMAL_MAX_DIGITS:
            return invalid(f"more than {DECIMAL_MAX_DIGITS} digits before the decimal point")
        fraction = fraction.rstrip("0")
        magnitude = whole + "." + fraction if fraction else whole
        return valid(_signed(sign, magnitude))

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        digits = _DECIMAL.group(cleaned, 2)
        raw_fraction = _DECIMAL.group(cleaned, 3)
        whole = strip_zeros_expr(digits.re_replace(",", ""))
        fraction = _FRACTION_BODY.group(raw_fraction, 1)
        ok = _DECIMAL.test(cleaned) & ((digits + raw_fraction) != "") & (whole.length() <= DECIMAL_MAX_DIGITS)
        magnitude = ibis.cases((fraction == "", whole), else_=whole + "." + fraction)
        value = _signed_expr(_DECIMAL.group(cleaned, 1), magnitude, magnitude == "0")
        return cleaned, ok, value
