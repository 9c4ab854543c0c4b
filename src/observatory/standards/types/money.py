"""Amounts of money in pounds sterling."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import ibis

from observatory.standards.types.base import Storage, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    Regex,
    ValidOrInvalid,
    invalid,
    strip_zeros,
    strip_zeros_expr,
    valid,
)
from observatory.standards.types.text import DIGITS

if TYPE_CHECKING:
    import ibis.expr.types as ir

MAX_POUND_DIGITS = 16
"""Digits before the point that ``decimal(18,2)`` holds."""

_AMOUNT = Regex(f"([(]?) ?([+-]?) ?(£?) ?([+-]?) ?({DIGITS})(?:[.]([0-9]+))? ?([)]?)")
"""Groups: open bracket, sign before £, £, sign after £, pounds, decimal places, close bracket."""
_PENCE = Regex("[0-9]{0,2}0*")
"""Decimal places that fit pence exactly: at most two, then only zeros."""

_ABBREVIATED = re.compile(r"[(£+-]*[0-9][0-9.,]* ?(?:k|m|mn|bn|K|M|MN|BN|Bn)[)]?")
_OTHER_CURRENCY = re.compile(r".*(?:[$€¥]|USD|EUR).*")


def _reason(cleaned: str, groups: tuple[str, ...] | None) -> str:
    if _ABBREVIATED.fullmatch(cleaned):
        return "abbreviated amount (k, m, bn) is ambiguous: write the amount in full"
    if _OTHER_CURRENCY.fullmatch(cleaned):
        return "not in pounds sterling"
    if groups is None:
        return "not an amount of money"
    opened, sign, _, signed, _, pence, closed = groups
    if bool(opened) != bool(closed):
        return "unbalanced brackets"
    if (sign and signed) or (opened and (sign or signed)):
        return "more than one sign"
    if not _PENCE.matches(pence):
        return "more than two decimal places: an amount in pounds has whole pence"
    return f"more than {MAX_POUND_DIGITS} digits of pounds"


class Money(ValidOrInvalid):
    """An amount in pounds and pence."""

    name = "money"
    title = "Money (GBP)"
    rule = (
        "An amount in pounds: digits, optionally grouped in thousands with commas, and optionally "
        "a decimal point and pence. A pound sign and one sign (- or +) may come before the digits, "
        "in either order (-£5, £-5.00); brackets around an amount mean a negative amount, as in "
        "accounts ((1,234.50) is -1234.50). One space may separate the sign, £, digits and "
        "brackets. The standard form always has two decimal places and no £ or commas: "
        "£2,909,121.01 becomes 2909121.01, 1234 becomes 1234.00, -0 becomes 0.00. More than two "
        "decimal places is invalid unless the extra places are zeros (12.500 is 12.50): money is "
        "never rounded. Abbreviated amounts (1.2k, £3m, £2bn) are invalid because the scale is "
        "ambiguous, as are other currencies and amounts with more than 16 digits of pounds."
    )
    source = "ISO 4217 (currency GBP, minor unit of two decimal places); bracketed negatives as in UK accounts."
    storage: ClassVar[Storage] = "decimal(18,2)"

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        groups = _AMOUNT.groups(cleaned)
        if groups is None:
            return invalid(_reason(cleaned, groups))
        opened, sign, _, signed, digits, places, closed = groups
        pounds = strip_zeros(digits.replace(",", ""))
        balanced = bool(opened) == bool(closed)
        one_sign = not (sign and signed) and not (opened and (sign or signed))
        if not (balanced and one_sign and _PENCE.matches(places) and len(pounds) <= MAX_POUND_DIGITS):
            return invalid(_reason(cleaned, groups))
        pence = (places + "00")[:2]
        negative = bool(opened) or "-" in (sign, signed)
        zero = pounds == "0" and pence == "00"
        return valid(("-" if negative and not zero else "") + pounds + "." + pence)

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        opened, sign, signed = (_AMOUNT.group(cleaned, i) for i in (1, 2, 4))
        places, closed = _AMOUNT.group(cleaned, 6), _AMOUNT.group(cleaned, 7)
        pounds = strip_zeros_expr(_AMOUNT.group(cleaned, 5).re_replace(",", ""))
        balanced = (opened == "") == (closed == "")
        one_sign = ~((sign != "") & (signed != "")) & ~((opened != "") & ((sign != "") | (signed != "")))
        ok = _AMOUNT.test(cleaned) & balanced & one_sign & _PENCE.test(places)
        ok = ok & (pounds.length() <= MAX_POUND_DIGITS)
        pence = (places + "00").substr(0, 2)
        negative = (opened != "") | (sign == "-") | (signed == "-")
        zero = (pounds == "0") & (pence == "00")
        amount = pounds + "." + pence
        value = ibis.cases((negative & ~zero, "-" + amount), else_=amount)
        return cleaned, ok, value
