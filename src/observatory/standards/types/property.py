"""Property and street identifiers from the national gazetteers: UPRN and USRN."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

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

if TYPE_CHECKING:
    import ibis.expr.types as ir

_WHOLE = Regex("([0-9]+)(?:[.]0+)?")
"""Digits, optionally followed by a point and zeros only (how spreadsheets write whole numbers)."""
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.][0-9]*)?[eE][+]?[0-9]+")


class _GazetteerNumber(ValidOrInvalid):
    """A positive whole number of at most ``digits`` digits."""

    digits: ClassVar[int]
    what: ClassVar[str]
    storage: ClassVar[Storage] = "int64"

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        groups = _WHOLE.groups(cleaned)
        if groups is None:
            if _SCIENTIFIC.fullmatch(cleaned):
                return invalid(f"scientific notation: a spreadsheet has rounded the {self.what}, digits are lost")
            if re.fullmatch(r"[0-9]+[.][0-9]+", cleaned):
                return invalid(f"has decimal places; a {self.what} is a whole number")
            return invalid(f"a {self.what} is digits only")
        number = strip_zeros(groups[0])
        if number == "0":
            return invalid(f"{self.what}s start at 1")
        if len(number) > self.digits:
            return invalid(f"more than {self.digits} digits")
        return valid(number)

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        number = strip_zeros_expr(_WHOLE.group(cleaned, 1))
        ok = _WHOLE.test(cleaned) & (number != "0") & (number.length() <= self.digits)
        return cleaned, ok, number


class Uprn(_GazetteerNumber):
    """Unique Property Reference Number."""

    name = "uprn"
    title = "UPRN"
    what = "UPRN"
    digits = 12
    rule = (
        "A Unique Property Reference Number: a whole number from 1 to 999,999,999,999 (at most "
        "12 digits), written with digits only. Leading zeros are dropped in the standard form "
        "(000100012797623 becomes 100012797623), and so is a decimal point followed only by "
        "zeros, as spreadsheets write whole numbers (100012797623.0); no digit is lost. "
        "Scientific notation (1.00012E+11) is invalid because the spreadsheet has already "
        "rounded the number. Whether the UPRN exists is checked against the council's "
        "gazetteer by the standard layer."
    )
    source = (
        "GeoPlace and Ordnance Survey, Unique Property Reference Number (BS 7666-2:2006 land and "
        "property gazetteers); the Government Data Standards Authority standard for referencing properties."
    )


class Usrn(_GazetteerNumber):
    """Unique Street Reference Number."""

    name = "usrn"
    title = "USRN"
    what = "USRN"
    digits = 8
    rule = (
        "A Unique Street Reference Number: a whole number from 1 to 99,999,999 (at most 8 digits), "
        "written with digits only. Leading zeros, and a decimal point followed only by zeros, "
        "are dropped in the standard form; scientific notation is invalid. Whether the USRN "
        "exists is checked against the street gazetteer by the standard layer."
    )
    source = (
        "GeoPlace National Street Gazetteer, Unique Street Reference Number (BS 7666-1:2006 street "
        "gazetteers); the Government Data Standards Authority standard for referencing streets."
    )
