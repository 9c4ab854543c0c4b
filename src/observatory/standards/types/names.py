"""People's names: a full name in one field, or the forename and surname in fields of their own.

Names are made comparable, not corrected: upper case, accents folded (``Zoë`` -> ``ZOE``),
punctuation and digits removed except hyphens and apostrophes inside a name (``SMITH-JONES``,
``O'BRIEN``), spaces collapsed. A full name written surname first with a comma
(``PAYNE, Jenna Judith``) is put in the order people write it (``JENNA JUDITH PAYNE``); titles at
the front (``Mr``, ``Dr``, ``Rt Hon``) and suffixes at the end (``Jr``, ``III``, ``OBE``) are moved
into parts of their own. Letters of other scripts are kept as written. A name is never invalid
for what it says, only when nothing is left of it: digits or punctuation alone.

The engine reads the name with the same steps and patterns as Python (see ``portable_text``).
Inside the comma form, ``~`` marks where the surname starts; no value ever contains it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

import ibis

from observatory.standards.reference.nicknames import canonical_forenames
from observatory.standards.types.base import FieldType, Lookup, Verdict
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
    words,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["Forename", "NameParts", "PersonName", "Surname", "name_text", "name_text_expr"]

TITLES = (
    "MR", "MRS", "MISS", "MS", "MX", "MASTER", "DR", "DOCTOR", "PROF", "PROFESSOR", "REV", "REVD", "REVEREND",
    "FR", "FATHER", "PASTOR", "RABBI", "IMAM", "CANON", "SIR", "DAME", "LORD", "LADY", "RT", "HON", "CLLR",
    "COUNCILLOR", "CAPT", "CAPTAIN", "MAJ", "MAJOR", "COL", "COLONEL", "LT", "SGT",
)  # fmt: skip
"""Words taken as titles at the front of a full name (followed by at least one other word)."""
SUFFIXES = (
    "JR", "JNR", "JUNIOR", "SR", "SNR", "SENIOR", "II", "III", "IV", "ESQ", "OBE", "MBE", "CBE", "KBE", "DBE",
    "GBE", "BEM", "KG", "KT", "CH", "OM", "VC", "GC", "DSO", "KC", "QC", "MP", "MSP", "JP", "PHD", "DPHIL",
)  # fmt: skip
"""Words taken as suffixes at the end of a full name (after at least one other word)."""
PARTICLES = (
    "VAN", "VON", "DER", "DEN", "DE", "DI", "DA", "DU", "DOS", "DAS", "DEL", "DELLA", "LA", "LE", "ST", "MAC",
    "MC", "AP", "BIN", "BINTI", "AL", "EL", "TER", "TEN", "O",
)  # fmt: skip
"""Words that start a surname of several words (``VAN DER BERG``, ``ST CLAIR``, ``O BRIEN``)."""

_T = words(TITLES)
_S = words(SUFFIXES)


def _name_steps(comma: bool) -> tuple[Step, ...]:
    punctuation = "!-&(-+" if comma else "!-&(-,"
    return (
        *FOLD,
        Swap("`", "'"),
        *ASCII_BRACKETS,
        Sub("[0-9]+"),
        Sub(f"[{punctuation}./:-@_{{-~^{CONTROL}{SYMBOLS}]+", " "),
        Sub(" *- *", "-"),
        Sub("[-']*-[-']*", "-"),
        Sub("''+", "'"),
        Sub(" *,[ ,]*", ", "),
        Sub("^[-']+", ""),
        Sub(" [-']+", " "),
        Sub("[-']+ ", " "),
        Sub("[-']+,", ","),
        Sub("[-']+$", ""),
        Sub("  +", " "),
        Sub(" *,[ ,]*", ", "),
        Sub("^[ ,]+|[ ,]+$", ""),
    )


FULL_NAME_STEPS = _name_steps(comma=True)
"""Full names: words separated by single spaces, at most the comma of the surname-first form kept as ``, ``."""
PART_NAME_STEPS = _name_steps(comma=False)
"""A forename or surname field: as full names, commas read as spaces."""


def name_text(text: str, comma: bool = False) -> str:
    """Cleaned ``text`` as name words (empty when no letters are left)."""
    return run(FULL_NAME_STEPS if comma else PART_NAME_STEPS, text)


def name_text_expr(text: ir.StringValue, comma: bool = False) -> ir.StringValue:
    return run_expr(FULL_NAME_STEPS if comma else PART_NAME_STEPS, text)


# -- reading a full name -------------------------------------------------------------------------

_NO_COMMA = Sub("^[^~]*,[^~]*$")
"""Empties a name with a comma (names never contain ``~``, a character made a space)."""
_GIVEN = ", [^~]* ~$"
"""In ``name + " ~"``: the given names after the first comma, with the marker: ``, JENNA JUDITH ~``."""
_GIVEN_SUFFIXES = f"((?: {_S})+) ~$"
_GIVEN_WITHOUT_SUFFIXES: tuple[Step, ...] = (Sub(f"(?: {_S})+ ~$", " ~"), Sub("^, ~$"))
"""The given names without suffixes; nothing at all (no surname marker) when only suffixes followed the
comma, as in ``JOHN SMITH, OBE``."""
_SURNAME = "^[^,]+,"
"""The surname side before the first comma, with it: ``PAYNE,``."""
_SURNAME_TITLES = f"^(?:{_T} )+"
_TIDY: tuple[Step, ...] = (Sub(","), Sub("  +", " "), Sub("^ | $"))

_PARTS = f"^((?:~?{_T} )*)([^,]+?)((?: ~?{_S})*)$"
"""Titles, the name and suffixes of a name in order (the comma form already reordered)."""
_SURNAME_START = f"(?:{words(PARTICLES)} )*[^ ~]+$"
"""An unmarked surname: the last word with any particles before it."""
_FORENAME = "^([^ ~]+) "
"""The first word of a name of two or more words, unless the name starts with the surname marker."""
_MIDDLE = f"^[^ ~]+ (?:{_SURNAME_START}|~|([^~]+?) (?:~|{_SURNAME_START}))"
"""The words between the forename and the surname, which starts as early as it can: none when the
surname follows the forename (``LUDWIG VAN BEETHOVEN``)."""
_SURNAME_WORDS = f"~[^~]+$| {_SURNAME_START}|^[^ ~]+$"
"""The surname: after the marker, else the last word with particles before it, else the only word."""
_SURNAME_TIDY: tuple[Step, ...] = (Sub("^ |~"),)
_UNMARK: tuple[Step, ...] = (Sub("~"), Sub("^ +| +$"))


class NameParts(NamedTuple):
    """A full name read into its parts (empty strings for absent parts); ``name`` is the standard form."""

    name: str
    title: str
    forename: str
    middle_names: str
    surname: str
    suffix: str


def _ordered(text: str) -> str:
    """Name words in the order forenames, ``~``, surname when ``text`` is written ``SURNAME, FORENAMES``."""
    marked = text + " ~"
    given = extract(marked, _GIVEN)
    surname = extract(marked, _SURNAME)
    joined = (
        run((_NO_COMMA,), text)
        + extract(surname, _SURNAME_TITLES)
        + run(_GIVEN_WITHOUT_SUFFIXES, given)
        + run((Sub(_SURNAME_TITLES),), surname)
        + extract(given, _GIVEN_SUFFIXES, 1)
    )
    return run(_TIDY, joined)


def _ordered_expr(text: ir.StringValue) -> ir.StringValue:
    marked = text + " ~"
    given = marked.re_extract(_GIVEN, 0)
    surname = marked.re_extract(_SURNAME, 0)
    joined = (
        run_expr((_NO_COMMA,), text)
        + surname.re_extract(_SURNAME_TITLES, 0)
        + run_expr(_GIVEN_WITHOUT_SUFFIXES, given)
        + surname.re_replace(_SURNAME_TITLES, "")
        + given.re_extract(_GIVEN_SUFFIXES, 1)
    )
    return run_expr(_TIDY, joined)


def read_name(text: str) -> NameParts:
    """The parts of name words ``text`` (as ``name_text(..., comma=True)`` gives them)."""
    ordered = _ordered(text)
    core = extract(ordered, _PARTS, 2)
    return NameParts(
        name=core.replace("~", ""),
        title=run(_UNMARK, extract(ordered, _PARTS, 1)),
        forename=extract(core, _FORENAME, 1),
        middle_names=extract(core, _MIDDLE, 1),
        surname=run(_SURNAME_TIDY, extract(core, _SURNAME_WORDS)),
        suffix=run(_UNMARK, extract(ordered, _PARTS, 3)),
    )


class _NameExprs:
    """``read_name`` in the engine, for one column."""

    def __init__(self, column: ir.StringValue) -> None:
        self.cleaned = clean_expr(column)
        self.text = name_text_expr(self.cleaned, comma=True)
        ordered = _ordered_expr(self.text)
        self.ordered = ordered
        self.core = ordered.re_extract(_PARTS, 2)

    def part(self, name: str) -> ir.StringValue:
        """A ``NameParts`` field as an engine expression (NULL when empty)."""
        core, ordered = self.core, self.ordered
        if name == "name":
            found = core.replace("~", "")
        elif name in ("title", "suffix"):
            found = run_expr(_UNMARK, ordered.re_extract(_PARTS, 1 if name == "title" else 3))
        elif name == "forename":
            found = core.re_extract(_FORENAME, 1)
        elif name == "middle_names":
            found = core.re_extract(_MIDDLE, 1)
        else:
            found = run_expr(_SURNAME_TIDY, core.re_extract(_SURNAME_WORDS, 0))
        return found.nullif("")


# -- the types -----------------------------------------------------------------------------------

_NAME_SOURCE = (
    "GOV.UK Design System 'Names' pattern (let people use any characters in their names); the UK "
    "Government Data Standards Catalogue 'Person Name' structure (title, given names, family name, name "
    "suffix)."
)
_INVALID = "no letters in the name (only digits or punctuation)"


def canonical(forename: str) -> str:
    """The forename a nickname stands for (``BOB`` -> ``ROBERT``), or ``forename`` itself."""
    return canonical_forenames().get(forename, forename)


class _NameWords(FieldType):
    """A name field of words; invalid only when nothing but digits and punctuation was written."""

    personal: ClassVar[bool] = True
    source: ClassVar[str] = _NAME_SOURCE
    comma: ClassVar[bool] = False

    def words(self, text: str | None) -> str | None:
        tidy = clean(text)
        return None if tidy is None else name_text(tidy, self.comma)

    def validate(self, text: str | None) -> Verdict:
        found = self.words(text)
        if found is None:
            return Verdict("missing")
        if not found:
            return Verdict("invalid", reason=_INVALID)
        return Verdict("valid", self.standard(found))

    def standard(self, found: str) -> str:
        return found

    def words_expr(self, column: ir.StringValue) -> ir.StringValue:
        return name_text_expr(clean_expr(column), self.comma)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return self.words_expr(column).nullif("")

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        return ibis.cases(
            (clean_expr(column).isnull(), "missing"), (self.words_expr(column) == "", "invalid"), else_="valid"
        )


class PersonName(_NameWords):
    """A full name in one field, in any of the ways people and systems write it."""

    name: ClassVar[str] = "person_name"
    title: ClassVar[str] = "Person name"
    comma: ClassVar[bool] = True
    rule: ClassVar[str] = (
        "A person's full name. Upper case; accents folded (Zoë -> ZOE, Müller -> MULLER, ß -> SS); digits "
        "and punctuation removed except hyphens and apostrophes inside a name (SMITH-JONES, O'BRIEN); "
        "spaces collapsed; letters of other scripts kept as written. A name written surname first with a "
        "comma (PAYNE, Jenna Judith) is put in the usual order (JENNA JUDITH PAYNE); a comma followed only "
        "by suffixes (John Smith, OBE) is not that form. Titles at the front "
        "(Mr, Mrs, Miss, Ms, Mx, Dr, Prof, Rev, Sir, Dame, Lord, Lady, Rt Hon, Cllr and others) and "
        "suffixes at the end (Jr, Sr, II, III, OBE, MBE, QC and others) are taken out of the name into the "
        "title and suffix parts. The forename is the first word, the surname the last word together with "
        "any particles before it (van der, de la, St, O) or everything before the comma, and the middle "
        "names are the words between. The canonical forename is the forename a nickname stands for "
        "(Bob -> ROBERT, Peggy -> MARGARET). A name is invalid only when it has no letters."
    )

    def parts(self, text: str | None) -> NameParts | None:
        """The name read into its parts; ``None`` when it is missing or invalid."""
        found = self.words(text)
        return read_name(found) if found else None

    def standard(self, found: str) -> str:
        return read_name(found).name

    def extra_values(self, text: str | None) -> dict[str, str | None]:
        """``extras`` and ``lookups`` in Python."""
        parts = self.parts(text)
        found = {
            part: (getattr(parts, part) or None) if parts else None
            for part in ("title", "forename", "middle_names", "surname", "suffix")
        }
        forename = found["forename"]
        found["forename_canonical"] = None if forename is None else canonical(forename)
        return found

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return _NameExprs(column).part("name")

    def extras(self, column: ir.StringValue) -> dict[str, ir.Value]:
        exprs = _NameExprs(column)
        return {part: exprs.part(part) for part in ("title", "forename", "middle_names", "surname", "suffix")}

    def lookups(self, column: ir.StringValue) -> list[Lookup]:
        """The canonical forename, joined from the nickname table (a join costs far less than a map per row)."""
        return [Lookup("forename_canonical", _NameExprs(column).part("forename"), canonical_forenames())]


class Forename(_NameWords):
    """A forename field (one or more given names)."""

    name: ClassVar[str] = "forename"
    title: ClassVar[str] = "Forename"
    rule: ClassVar[str] = (
        "A person's forename or forenames, cleaned as a full name (upper case, accents folded, digits and "
        "punctuation removed but hyphens and apostrophes inside a name, commas read as spaces), without "
        "taking out titles. The canonical forename is the forename the first word stands for when it is a "
        "nickname (Bob -> ROBERT, Liz -> ELIZABETH), else the first word. Invalid only when it has no letters."
    )

    def canonical(self, text: str | None) -> str | None:
        """The canonical forename of the first word; ``None`` when the value is missing or invalid."""
        found = self.words(text)
        return canonical(found.split(" ")[0]) if found else None

    def extra_values(self, text: str | None) -> dict[str, str | None]:
        """``extras`` and ``lookups`` in Python."""
        return {"canonical": self.canonical(text)}

    def lookups(self, column: ir.StringValue) -> list[Lookup]:
        first = self.value_expr(column).re_extract("^[^ ]+", 0).nullif("")
        return [Lookup("canonical", first, canonical_forenames())]


class Surname(_NameWords):
    """A surname (family name) field."""

    name: ClassVar[str] = "surname"
    title: ClassVar[str] = "Surname"
    rule: ClassVar[str] = (
        "A person's surname, cleaned as a full name (upper case, accents folded, digits and punctuation "
        "removed but hyphens and apostrophes inside a name: O'BRIEN, SMITH-JONES, commas read as spaces). "
        "Invalid only when it has no letters."
    )
