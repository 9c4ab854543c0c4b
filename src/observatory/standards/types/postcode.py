"""UK postcodes (BS 7666 format)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from observatory.standards.types.base import FieldType, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    Regex,
    ascii_upper,
    ascii_upper_expr,
    invalid,
    partial,
    status_cases,
    valid,
    value_cases,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

OUTWARD_PATTERN = "[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
"""An outward code (upper case): A9, A99, A9A, AA9, AA99 or AA9A, with the letters BS 7666 allows
in each position (not Q, V, X first; not I, J, Z second; A9A ends in one of ABCDEFGHJKPSTUW;
AA9A in one of ABEHMNPRVWXY). No capturing groups, so it can be embedded."""

INWARD_PATTERN = "[0-9][ABD-HJLNP-UW-Z][ABD-HJLNP-UW-Z]"
"""An inward code (upper case): a digit and two letters other than C, I, K, M, O, V."""

POSTCODE_PATTERN = f"{OUTWARD_PATTERN} ?{INWARD_PATTERN}"
"""A full postcode (upper case) with an optional space; GIR 0AA is separate (``GIR_0AA``). Portable
(Python, RE2, Java) and unanchored, for finding postcodes inside addresses."""

GIR_0AA = "GIR 0AA"
"""The one postcode outside the pattern (Girobank, kept by BS 7666)."""

_FULL = Regex(f"({OUTWARD_PATTERN})({INWARD_PATTERN})")
_SECTOR = Regex(f"({OUTWARD_PATTERN}) ([0-9])")
_OUTWARD = Regex(OUTWARD_PATTERN)
_AREA = "^([A-Z]+)"

_LOOSE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9OI])([A-Z]{2})")
_INWARD_ONLY = re.compile(r"[0-9OI][A-Z]{2}")
_WORDS = re.compile(r"[A-Za-z' -]+")


def _reason(compact: str) -> str:
    loose = _LOOSE.fullmatch(compact)
    if loose is not None:
        outward, digit, letters = loose.groups()
        if digit in "OI":
            guess = f"{outward} {'0' if digit == 'O' else '1'}{letters}"
            if _FULL.matches(guess.replace(" ", "")):
                return (
                    f"the inward code starts with the letter {digit} where a digit belongs "
                    f"(perhaps {guess}); not corrected automatically"
                )
        return "uses letters that BS 7666 does not allow in those positions"
    if _INWARD_ONLY.fullmatch(compact):
        return "only an inward code: the outward code (such as AB10) is missing"
    if _WORDS.fullmatch(compact) and any(char in "AEIOUY" for char in compact.upper()):
        return "a place name or words, not a postcode"
    return "not a UK postcode"


class Postcode(FieldType):
    """A UK postcode: outward code, space, inward code."""

    name = "postcode"
    title = "Postcode"
    rule = (
        "A UK postcode in the BS 7666 format: an outward code (A9, A99, A9A, AA9, AA99 or AA9A, "
        "with only the letters BS 7666 allows in each position) and an inward code (a digit and "
        "two letters other than C, I, K, M, O, V), or the special GIR 0AA. Letter case and spaces "
        "do not matter; the standard form is upper case with one space before the inward code "
        '("wf13 1hn" and "WF131HN " become "WF13 1HN"). An outward code alone (M41) or an '
        "outward code and sector digit (WA14 1) is partial: it locates an area, not an address. "
        "Anything else is invalid, including a letter O or I typed where the inward digit belongs "
        '("M32 OXZ", "WF13 INH"): the reason suggests the correction, which is never made '
        "automatically. Whether a valid postcode exists is checked against the ONS Postcode "
        "Directory by the standard layer. Extra columns: outward (WF13), sector (WF13 1) and "
        "area (WF)."
    )
    source = (
        "BS 7666-3:2006 postcode format; Royal Mail Programmers' Guide to the Postcode Address "
        "File (letters allowed in each position); ONS Postcode Directory for existence."
    )

    @staticmethod
    def _upper(text: str) -> tuple[str, str]:
        upper = ascii_upper(text)
        return upper, upper.replace(" ", "")

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        upper, compact = self._upper(cleaned)
        if compact == "GIR0AA":
            return valid(GIR_0AA)
        full = _FULL.groups(compact)
        if full is not None:
            return valid(" ".join(full))
        sector = _SECTOR.groups(upper)
        if sector is not None:
            return partial(" ".join(sector), "only the outward code and sector: the last two letters are missing")
        if _OUTWARD.matches(compact):
            return partial(compact, "only the outward code: the inward code is missing")
        return invalid(_reason(compact))

    def extra_values(self, text: str | None) -> dict[str, str | None]:
        """``extras`` in Python: outward code, sector and area of a valid or partial postcode."""
        value = self.validate(text).value
        if value is None:
            return {"outward": None, "sector": None, "area": None}
        outward, _, inward = value.partition(" ")
        area = re.match(_AREA, outward)
        return {
            "outward": outward,
            "sector": f"{outward} {inward[:1]}" if inward else None,
            "area": area.group(1) if area else None,
        }

    def _parts(self, column: ir.StringValue) -> _Parts:
        cleaned = clean_expr(column)
        upper = ascii_upper_expr(cleaned)
        compact = upper.re_replace(" ", "")
        gir = compact == "GIR0AA"
        full = _FULL.test(compact)
        sector = _SECTOR.test(upper)
        outward_only = _OUTWARD.test(compact)
        full_outward, full_inward = _FULL.group(compact, 1), _FULL.group(compact, 2)
        sector_outward, sector_digit = _SECTOR.group(upper, 1), _SECTOR.group(upper, 2)
        return _Parts(
            cleaned=cleaned,
            valid=gir | full,
            partial=sector | outward_only,
            value=value_cases(
                (gir, ibis.literal(GIR_0AA)),
                (full, full_outward + " " + full_inward),
                (sector, sector_outward + " " + sector_digit),
                (outward_only, compact),
            ),
            outward=value_cases(
                (gir, ibis.literal("GIR")), (full, full_outward), (sector, sector_outward), (outward_only, compact)
            ),
            sector=value_cases(
                (gir, ibis.literal("GIR 0")),
                (full, full_outward + " " + full_inward.substr(0, 1)),
                (sector, sector_outward + " " + sector_digit),
            ),
        )

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return self._parts(column).value

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        parts = self._parts(column)
        return status_cases(parts.cleaned, (parts.valid, "valid"), (parts.partial, "partial"))

    def extras(self, column: ir.StringValue) -> dict[str, ir.Value]:
        parts = self._parts(column)
        return {"outward": parts.outward, "sector": parts.sector, "area": parts.outward.re_extract(_AREA, 1)}


@dataclass(frozen=True, slots=True)
class _Parts:
    """The engine expressions a postcode column is split into."""

    cleaned: ir.StringValue
    valid: ir.BooleanValue
    partial: ir.BooleanValue
    value: ir.StringValue
    outward: ir.StringValue
    sector: ir.StringValue
