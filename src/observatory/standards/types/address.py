"""Addresses written on one line: one format for matching, the postcode taken out, the parts found.

The address is upper-cased, accents folded, punctuation other than ``, - ' / &`` removed,
commas written ``", "`` between parts. A postcode at the end is taken out into a part of its
own. Street-type abbreviations are written in full (``Rd`` -> ``ROAD``) wherever they are a
word of their own, except the two that also mean something else: ``St`` is ``STREET`` and
``Dr`` is ``DRIVE`` only as the last word of a part (``53 Rubislaw St``), otherwise ``ST`` stays
(``St Mary's Road``, ``St. Andrew's``) and ``Saint`` becomes ``ST``, as in the Royal Mail and
gazetteer spellings. A house number written as a part of its own (``52, Cross Roads``) is joined
to the street.

The abbreviations are replaced as whole words by padding every word with its own spaces
(``" 61  HILLVIEW  DR  , "``), so plain ``replace`` finds them in Python, DuckDB and Spark alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

import ibis

from observatory.standards.types.base import FieldType, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.portable_text import (
    ASCII_BRACKETS,
    CONTROL,
    FOLD,
    SYMBOLS,
    Step,
    Sub,
    Swap,
    extract,
    run,
    run_expr,
    search,
)
from observatory.standards.types.postcode import INWARD_PATTERN, OUTWARD_PATTERN

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["ABBREVIATIONS", "Address", "AddressParts", "address_text"]

ABBREVIATIONS: dict[str, str] = {
    "RD": "ROAD", "STR": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "CRES": "CRESCENT", "CRESC": "CRESCENT",
    "LN": "LANE", "PL": "PLACE", "CT": "COURT", "CRT": "COURT", "GDNS": "GARDENS", "SQ": "SQUARE",
    "TERR": "TERRACE", "TER": "TERRACE", "TCE": "TERRACE", "CL": "CLOSE", "GR": "GROVE", "GRV": "GROVE",
    "GRN": "GREEN", "PK": "PARK", "WY": "WAY", "VW": "VIEW", "BLVD": "BOULEVARD", "PDE": "PARADE",
    "ESP": "ESPLANADE", "WLK": "WALK", "HTS": "HEIGHTS", "MT": "MOUNT", "CTR": "CENTRE", "CNR": "CORNER",
    "COTTS": "COTTAGES", "BLDGS": "BUILDINGS", "BLDG": "BUILDING", "HSE": "HOUSE", "MANS": "MANSIONS",
    "EST": "ESTATE", "IND": "INDUSTRIAL", "UPR": "UPPER", "LWR": "LOWER", "GT": "GREAT", "LT": "LITTLE",
    "APT": "APARTMENT", "FLT": "FLAT",
}  # fmt: skip
"""Abbreviations written in full wherever they are a word of their own."""
LAST_WORD_ABBREVIATIONS: dict[str, str] = {"ST": "STREET", "DR": "DRIVE"}
"""Abbreviations written in full only as the last word of a part (elsewhere ST is Saint, DR Doctor)."""

_PUNCTUATION = f"[!-%(-+.:<-@_{{-~^{CONTROL}{SYMBOLS}]+"
"""Punctuation and symbols other than ``, - ' / &``: each run becomes a space."""
NORMALISE_STEPS: tuple[Step, ...] = (
    *FOLD,
    Swap("`", "'"),
    *ASCII_BRACKETS,
    Sub("[;|]", ","),
    Sub(_PUNCTUATION, " "),
    Sub(" *- *", "-"),
    Sub(" */ *", "/"),
    Sub("--+", "-"),
    Sub("//+", "/"),
    Sub("''+", "'"),
    Sub(" *& *", " & "),
    Sub(" *,[ ,]*", ", "),
    Sub("^[-'/]+", ""),
    Sub(" [-'/]+", " "),
    Sub("[-'/]+ ", " "),
    Sub("[-'/]+,", ","),
    Sub("[-'/]+$", ""),
    Sub("  +", " "),
    Sub(" *,[ ,]*", ", "),
    Sub("^[ ,]+|[ ,]+$", ""),
)
"""Cleaned text to address words: upper case, folded, one space between words, ``", "`` between parts."""

POSTCODE_AT_END = f"(?:^|,? )({OUTWARD_PATTERN}) ?({INWARD_PATTERN})$"
"""The last postcode of an address that ends with one (outward and inward code as groups)."""
_POSTCODES_AT_END = f"(?:(?:^|,? ){OUTWARD_PATTERN} ?{INWARD_PATTERN})+$"

_PAD: tuple[Step, ...] = (Swap(", ", " , "), Swap(" ", "  "))
_EXPAND: tuple[Step, ...] = (
    Swap(" SAINT ", " ST "),
    *(Swap(f" {short}  , ", f" {full}  , ") for short, full in LAST_WORD_ABBREVIATIONS.items()),
    *(Swap(f" {short} ", f" {full} ") for short, full in ABBREVIATIONS.items()),
)
_UNPAD: tuple[Step, ...] = (Sub(" +", " "), Swap(" ,", ","), Sub("^ |, $"))

_HOUSE_NUMBER = "[0-9]+[A-Z]?(?:[-/][0-9]+[A-Z]?)*"
_NUMBER_ALONE = f"^({_HOUSE_NUMBER}),"
"""A house number written as a part of its own at the start (``52, CROSS ROADS``)."""
FLAT_PATTERN = (
    "^((?:FLAT|APARTMENT|MAISONETTE|UNIT|ROOM|SUITE|STUDIO) (?:[0-9]+[A-Z]?|[A-Z][0-9]*)(?:[-/][0-9]+[A-Z]?)?"
    "|(?:BASEMENT|GROUND FLOOR|FIRST FLOOR|SECOND FLOOR|THIRD FLOOR|TOP FLOOR|UPPER|LOWER) FLAT)(?:,| |$)"
)
"""The flat at the start of an address: ``FLAT 14``, ``FLAT 2/1``, ``UNIT 3B``, ``GROUND FLOOR FLAT``."""
NUMBERED_STREET = f"(?:^|, )({_HOUSE_NUMBER})(?: ([^,]+))?(?:,|$)"
"""The first part that starts with a house number: the number and the street after it."""
_TEXT = "[^ ,&'/-]"
"""A letter or digit (anything the normalising steps keep but separators)."""


class AddressParts(NamedTuple):
    """An address read into its standard form and parts (empty strings for absent parts)."""

    words: str
    """All address words, postcode included (empty when nothing is left)."""
    value: str
    """The standard form: the words without the postcode."""
    flat: str
    number: str
    street: str
    postcode: str


def address_text(text: str) -> AddressParts:
    """Cleaned ``text`` read as an address."""
    words = run(NORMALISE_STEPS, text)
    rest = run((Sub(_POSTCODES_AT_END),), words)
    padded = " " + run(_PAD, rest) + "  , "
    expanded = run(_UNPAD, run(_EXPAND, padded))
    value = extract(expanded, _NUMBER_ALONE, 1) + run((Sub(_NUMBER_ALONE),), expanded)
    outward, inward = extract(words, POSTCODE_AT_END, 1), extract(words, POSTCODE_AT_END, 2)
    return AddressParts(
        words=words,
        value=value,
        flat=extract(value, FLAT_PATTERN, 1),
        number=extract(value, NUMBERED_STREET, 1),
        street=extract(value, NUMBERED_STREET, 2),
        postcode=f"{outward} {inward}".strip(" "),
    )


class _AddressExprs:
    """``address_text`` in the engine, for one column."""

    def __init__(self, column: ir.StringValue) -> None:
        self.cleaned = clean_expr(column)
        words = run_expr(NORMALISE_STEPS, self.cleaned)
        rest = run_expr((Sub(_POSTCODES_AT_END),), words)
        padded = " " + run_expr(_PAD, rest) + "  , "
        expanded = run_expr(_UNPAD, run_expr(_EXPAND, padded))
        self.words = words
        self.value = expanded.re_extract(_NUMBER_ALONE, 1) + run_expr((Sub(_NUMBER_ALONE),), expanded)
        self.postcode = (words.re_extract(POSTCODE_AT_END, 1) + " " + words.re_extract(POSTCODE_AT_END, 2)).nullif(" ")
        self.has_text = self.value.re_search(_TEXT)


class Address(FieldType):
    """A postal address in one field (parts joined with commas, or one line), postcode included or not."""

    name: ClassVar[str] = "address"
    title: ClassVar[str] = "Address"
    personal: ClassVar[bool] = True
    rule: ClassVar[str] = (
        "A postal address in one field. Upper case; accents folded; punctuation removed except , - ' / & "
        "(St. -> ST); one space between words and ', ' between parts. A UK postcode at the end is taken out "
        "into the postcode part (written as the postcode type does) and is not in the standard form. "
        "Street-type abbreviations are written in full (Rd -> ROAD, Ave -> AVENUE, Cres -> CRESCENT, "
        "Ln -> LANE, Pl -> PLACE, Ct -> COURT, Gdns -> GARDENS, Sq -> SQUARE, Terr/Ter -> TERRACE, "
        "Cl -> CLOSE, Gr -> GROVE, Pk -> PARK, Wy -> WAY, Vw -> VIEW, Str -> STREET and others); St is "
        "STREET and Dr is DRIVE only as the last word of a part (53 Rubislaw St), elsewhere St stays ST "
        "(St Mary's Road) and Saint becomes ST. A house number written as a part of its own (52, Cross "
        "Roads) is joined to its street. Parts: flat (FLAT 14, UNIT 3B, GROUND FLOOR FLAT at the start), "
        "number (the house number starting the first part that begins with one: 55, 12A, 12-14) and "
        "street (the rest of that part). An address that is only a postcode is partial, and its standard "
        "form is the postcode; one with no letters or digits is invalid."
    )
    source: ClassVar[str] = (
        "Royal Mail Programmers' Guide to the Postcode Address File (PAF): address elements and "
        "thoroughfare descriptors; BS 7666-1 and BS 7666-2 (street and land and property gazetteers: "
        "street descriptors, SAON and PAON)."
    )

    def parts(self, text: str | None) -> AddressParts | None:
        """The address read into its parts; ``None`` when it is missing."""
        tidy = clean(text)
        return None if tidy is None else address_text(tidy)

    def validate(self, text: str | None) -> Verdict:
        parts = self.parts(text)
        if parts is None:
            return Verdict("missing")
        if search(parts.value, _TEXT):
            return Verdict("valid", parts.value)
        if parts.postcode:
            return Verdict("partial", parts.postcode, "only a postcode: no house, street or town")
        return Verdict("invalid", reason="no letters or digits")

    def extra_values(self, text: str | None) -> dict[str, str | None]:
        """``extras`` in Python."""
        parts = self.parts(text)
        if parts is None:
            return {"flat": None, "number": None, "street": None, "postcode": None}
        return {
            "flat": parts.flat or None,
            "number": parts.number or None,
            "street": parts.street or None,
            "postcode": parts.postcode or None,
        }

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        exprs = _AddressExprs(column)
        return ibis.cases((exprs.has_text, exprs.value), else_=exprs.postcode)

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        exprs = _AddressExprs(column)
        return ibis.cases(
            (exprs.cleaned.isnull(), "missing"),
            (exprs.has_text, "valid"),
            (exprs.postcode.notnull(), "partial"),
            else_="invalid",
        )

    def extras(self, column: ir.StringValue) -> dict[str, ir.Value]:
        value = _AddressExprs(column).value
        return {
            "flat": value.re_extract(FLAT_PATTERN, 1).nullif(""),
            "number": value.re_extract(NUMBERED_STREET, 1).nullif(""),
            "street": value.re_extract(NUMBERED_STREET, 2).nullif(""),
            "postcode": _AddressExprs(column).postcode,
        }
