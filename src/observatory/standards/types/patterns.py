"""Building blocks shared by the standard field types: portable regexes, ASCII case, verdicts.

A rule is written once as a regular expression and used twice: with Python's ``re`` for the
reference implementation and inside the engine (RE2 on DuckDB, ``java.util.regex`` on Spark).
``Regex`` refuses the constructs that mean different things in those three dialects, and
anchors the pattern so that all three match the *whole* value: Python with ``fullmatch``, the
engines with ``^(?:...)\\z`` (Java's ``$`` also matches before a final line terminator such
as U+2028, so it is never used).

Case is changed for ASCII letters only (``ascii_upper``): DuckDB, Java and Python disagree on
letters such as ``ß``, and every standard form here is ASCII.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import TYPE_CHECKING

import ibis

from observatory.standards.types.base import FieldType, Status, Verdict
from observatory.standards.types.clean import SPACE_ESCAPES

if TYPE_CHECKING:
    import ibis.expr.types as ir

ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"
ASCII_UPPER = ASCII_LOWER.upper()
_TO_UPPER = str.maketrans(ASCII_LOWER, ASCII_UPPER)
_TO_LOWER = str.maketrans(ASCII_UPPER, ASCII_LOWER)

MISSING = Verdict("missing")


def without_spaces(text: str, also: str = "") -> str:
    """``text`` without any whitespace (and without the characters in ``also``)."""
    return re.sub(f"[{SPACE_ESCAPES}{also}]", "", text)


def without_spaces_expr(column: ir.StringValue, also: str = "") -> ir.StringValue:
    """``without_spaces`` as an engine expression; equal to removing spaces after ``clean``, but
    applied to the raw column it keeps expressions small when a value is used many times."""
    return column.re_replace(f"[{SPACE_ESCAPES}{also}]", "")


def valid(value: str) -> Verdict:
    """A value that meets the standard, in its standard form."""
    return Verdict("valid", value)


def partial(value: str, reason: str) -> Verdict:
    """A recognisable but incomplete value, in its standard form, with what is missing."""
    return Verdict("partial", value, reason)


def invalid(reason: str) -> Verdict:
    """A value that is present but not of this type, with why."""
    return Verdict("invalid", None, reason)


def ascii_upper(text: str) -> str:
    """``text`` with the letters a-z made A-Z and everything else unchanged."""
    return text.translate(_TO_UPPER)


def ascii_upper_expr(column: ir.StringValue) -> ir.StringValue:
    """``ascii_upper`` as an engine expression."""
    return column.translate(ASCII_LOWER, ASCII_UPPER)


def ascii_lower(text: str) -> str:
    """``text`` with the letters A-Z made a-z and everything else unchanged."""
    return text.translate(_TO_LOWER)


def ascii_lower_expr(column: ir.StringValue) -> ir.StringValue:
    """``ascii_lower`` as an engine expression."""
    return column.translate(ASCII_UPPER, ASCII_LOWER)


def _check_portable(body: str) -> None:
    """Refuse constructs that differ between Python ``re``, RE2 and Java regexes."""
    if "\\" in body:
        raise ValueError(f"no backslashes in portable patterns (write [0-9], [.], [+]): {body!r}")
    if "(?=" in body or "(?!" in body or "(?<" in body or "(?P" in body:
        raise ValueError(f"no lookarounds or named groups in portable patterns: {body!r}")
    if "&&" in body:
        raise ValueError(f"'&&' is class intersection in Java: {body!r}")
    in_class = False
    for char in body:
        if in_class:
            if char == "[":
                raise ValueError(f"no nested classes in portable patterns: {body!r}")
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in ".$^":
            raise ValueError(f"{char!r} outside a character class is not portable (write [.]): {body!r}")


class Regex:
    """A regular expression that means the same in Python, on DuckDB and on Spark.

    It always matches a whole value. Write character classes (``[0-9]``, ``[.]``), non-capturing
    groups and quantifiers; backslashes, ``.``, ``$``, lookarounds and named groups are refused.
    """

    def __init__(self, body: str) -> None:
        _check_portable(body)
        self.body = body
        self._compiled = re.compile(body)
        self.anchored = f"^(?:{body})\\z"
        """The pattern the engines use (``\\z`` is the absolute end in RE2 and Java)."""

    def __repr__(self) -> str:
        return f"Regex({self.body!r})"

    def match(self, text: str) -> re.Match[str] | None:
        """The match of the whole of ``text``, or ``None``."""
        return self._compiled.fullmatch(text)

    def matches(self, text: str) -> bool:
        """Whether the whole of ``text`` matches."""
        return self._compiled.fullmatch(text) is not None

    def groups(self, text: str) -> tuple[str, ...] | None:
        """The groups of a whole match (``""`` for a group that took no part), or ``None``."""
        found = self._compiled.fullmatch(text)
        return None if found is None else tuple(g or "" for g in found.groups())

    def test(self, column: ir.StringValue) -> ir.BooleanValue:
        """Whether the whole value matches, in the engine (NULL for NULL)."""
        return column.re_search(self.anchored)

    def group(self, column: ir.StringValue, index: int) -> ir.StringValue:
        """Group ``index`` of a whole match, in the engine (``""`` when there is no match)."""
        return column.re_extract(self.anchored, index)


def strip_zeros(digits: str) -> str:
    """A run of digits without leading zeros; ``"0"`` when nothing else is left."""
    return digits.lstrip("0") or "0"


def strip_zeros_expr(digits: ir.StringValue) -> ir.StringValue:
    """``strip_zeros`` as an engine expression."""
    stripped = digits.re_replace("^0+", "")
    return ibis.cases((stripped == "", ibis.literal("0")), else_=stripped)


def status_cases(cleaned: ir.StringValue, *branches: tuple[ir.BooleanValue, Status]) -> ir.StringValue:
    """``missing`` for NULL, else the status of the first true branch, else ``invalid``."""
    return ibis.cases(
        (cleaned.isnull(), ibis.literal("missing")),
        *[(condition, ibis.literal(status)) for condition, status in branches],
        else_=ibis.literal("invalid"),
    )


def value_cases(*branches: tuple[ir.BooleanValue, ir.StringValue | str]) -> ir.StringValue:
    """The value of the first true branch, else NULL."""
    return ibis.cases(*branches, else_=ibis.null("string"))


class ValidOrInvalid(FieldType):
    """A type with no partial values: one test says valid or invalid, and a valid value has one standard form."""

    @abstractmethod
    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        """``(cleaned, ok, standard form)`` in the engine; the standard form matters only where ``ok``."""

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        _, ok, value = self._parts(column)
        return value_cases((ok, value))

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned, ok, _ = self._parts(column)
        return status_cases(cleaned, (ok, "valid"))
