"""Text steps that give the same result in Python, DuckDB (RE2) and Spark (Java regex).

A field type that rewrites text (names, addresses) is written once as a list of steps; ``run``
applies them to a Python string and ``run_expr`` to an Ibis expression. Only operations that
behave identically on the three engines are offered:

- ``Sub``: a regular expression replaced by *constant* text. Group references in replacements
  are not portable (DuckDB writes ``\\1``, Spark ``$1``), so replacements may not contain
  ``\\`` or ``$``. Patterns use the common subset: no backslashes but ``\\xhh`` escapes for
  control characters (``[.]`` for a dot, ``[0-9]`` for a digit, a literal space for whitespace),
  no lookarounds, no ``\\b``, and no ``.`` (Java's dot skips line separators).
- ``Swap``: plain substring replacement; ``Translate``: character-for-character mapping.
- ``extract``/``search``: ``re_extract`` and ``re_search`` semantics (the first match; an empty
  string when there is no match or the group did not take part).

Patterns anchored with ``$`` are safe only on text without line terminators (Java's ``$``
also matches before a final ``\\u2028``); ``SEPARATORS`` turns them all into spaces.

DuckDB's ``translate`` costs time in proportion to its source string, so long tables are used
only where needed (``Fold`` sends only non-ASCII text through one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import ibis

from observatory.standards.types.patterns import ASCII_LOWER, ASCII_UPPER

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir


SEPARATORS = "[\u0085\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""Unicode spaces and line separators that ``clean`` leaves alone; names and addresses read them as spaces."""
NOT_PRINTABLE_ASCII = "[^ -~]"
INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
"""Zero-width characters, the byte-order mark and the soft hyphen: removed."""
SYMBOLS = "\u00a1-\u00bf\u00d7\u00f7\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2039\u203a\u20ac\u2122"
"""Non-ASCII punctuation and symbols (inverted marks, currency, quotation marks...) for character classes."""
CONTROL = "\\x01-\\x1f\\x7f"
"""ASCII control characters, as escapes for character classes (a literal control character in Spark SQL
may be read as an escape)."""
COMBINING_MARKS = "[\u0300-\u036f]"
"""Combining accents of decomposed text (``e`` + ``\u0301``): removed, so ``é`` and ``e\u0301`` fold alike."""

LIGATURES: tuple[tuple[str, str], ...] = (
    ("ß", "SS"), ("ẞ", "SS"), ("Æ", "AE"), ("æ", "AE"), ("Œ", "OE"), ("œ", "OE"),
    ("Ĳ", "IJ"), ("ĳ", "IJ"), ("Þ", "TH"), ("þ", "TH"),
)  # fmt: skip
"""Letters written as two Latin letters when folded."""

_LETTERS_WITHOUT_DECOMPOSITION = {
    "Ø": "O", "ø": "O", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Ħ": "H", "ħ": "H", "ı": "I", "Ł": "L",
    "ł": "L", "Ŀ": "L", "ŀ": "L", "Ŧ": "T", "ŧ": "T", "ſ": "S", "ĸ": "K", "Ŋ": "N", "ŋ": "N", "ƒ": "F",
}  # fmt: skip
_PUNCTUATION_FOLDS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u02bc": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
}  # fmt: skip


def _fold_table() -> tuple[str, str]:
    """Source and target of the folding ``Translate``: ASCII upper case, Latin letters without accents."""
    source, target = [*ASCII_LOWER], [*ASCII_UPPER]
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if char in _LETTERS_WITHOUT_DECOMPOSITION:
            source.append(char)
            target.append(_LETTERS_WITHOUT_DECOMPOSITION[char])
        elif base != char and base.isascii() and base.isalpha():
            source.append(char)
            target.append(base.upper())
    for char, folded in _PUNCTUATION_FOLDS.items():
        source.append(char)
        target.append(folded)
    return "".join(source), "".join(target)


FOLD_SOURCE, FOLD_TARGET = _fold_table()
"""Each character of ``FOLD_SOURCE`` becomes the one at the same place in ``FOLD_TARGET``."""


@dataclass(frozen=True, slots=True)
class Sub:
    """Replace every match of ``pattern`` by the constant ``replacement``."""

    pattern: str
    replacement: str = ""

    def __post_init__(self) -> None:
        check_pattern(self.pattern)
        if "\\" in self.replacement or "$" in self.replacement:
            raise ValueError(f"replacement {self.replacement!r} is not portable")
        if re.search(self.pattern, ""):
            raise ValueError(f"pattern {self.pattern!r} matches empty text")


@dataclass(frozen=True, slots=True)
class Swap:
    """Replace every occurrence of ``old`` by ``new`` (no regular expression)."""

    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Translate:
    """Replace each character of ``source`` by the character at the same place in ``target``."""

    source: str
    target: str
    table: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.source) != len(self.target) or len(set(self.source)) != len(self.source):
            raise ValueError("translate needs distinct source characters, one target each")
        object.__setattr__(self, "table", str.maketrans(self.source, self.target))


@dataclass(frozen=True, slots=True)
class Fold:
    """Upper case, accents and ligatures folded to Latin letters, curly quotes and dashes made ASCII.

    Text of printable ASCII only is upper-cased with the engine's ``upper`` (the same everywhere for
    ASCII); other text goes through ``FOLD_NON_ASCII``, whose long ``translate`` is slow in DuckDB.
    Letters of other scripts are kept as they are.
    """


@dataclass(frozen=True, slots=True)
class UpperAscii:
    """Upper case with the engine's ``upper``: only for text already reduced to printable ASCII,
    where Python, DuckDB and Java agree (they differ on letters such as ``ß``)."""


Step = Sub | Swap | Translate | Fold | UpperAscii

ASCII_BRACKETS: tuple[Step, ...] = (Swap("[", " "), Swap("]", " "), Swap("\\", " "))
"""Spaces for the ASCII punctuation a portable character class cannot hold."""


def check_pattern(pattern: str) -> None:
    """Raise ``ValueError`` if ``pattern`` uses syntax that is not the same on Python, RE2 and Java."""
    if "\\" in re.sub(r"\\x[0-9a-f]{2}", "", pattern) or "(?=" in pattern or "(?!" in pattern or "(?<" in pattern:
        raise ValueError(f"pattern {pattern!r}: no backslashes (but \\xhh escapes) or lookarounds")
    if "." in re.sub(r"\[[^]]*\]", "", pattern):
        raise ValueError(f"pattern {pattern!r}: write a literal dot as [.] and avoid the any-character dot")
    if "&&" in pattern or any("[" in body for body in re.findall(r"\[([^]]*)\]", pattern)):
        raise ValueError(f"pattern {pattern!r}: '[' and '&&' inside a class differ in Java")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def run(steps: Sequence[Step], text: str) -> str:
    """``steps`` applied to ``text`` in Python."""
    for step in steps:
        if isinstance(step, Sub):
            text = _compiled(step.pattern).sub(step.replacement, text)
        elif isinstance(step, Swap):
            text = text.replace(step.old, step.new)
        elif isinstance(step, Translate):
            text = text.translate(step.table)
        elif isinstance(step, UpperAscii):
            text = text.upper()
        else:
            text = run(FOLD_NON_ASCII, text) if search(text, NOT_PRINTABLE_ASCII) else text.upper()
    return text


def run_expr(steps: Sequence[Step], expr: ir.StringValue) -> ir.StringValue:
    """``steps`` applied to ``expr`` in the engine."""
    for step in steps:
        if isinstance(step, Sub):
            expr = expr.re_replace(step.pattern, step.replacement)
        elif isinstance(step, Swap):
            expr = expr.replace(step.old, step.new)
        elif isinstance(step, Translate):
            expr = expr.translate(step.source, step.target)
        elif isinstance(step, UpperAscii):
            expr = expr.upper()
        else:
            expr = ibis.cases((expr.re_search(NOT_PRINTABLE_ASCII), run_expr(FOLD_NON_ASCII, expr)), else_=expr.upper())
    return expr


def extract(text: str, pattern: str, group: int = 0) -> str:
    """Group ``group`` of the first match of ``pattern`` in ``text``; empty when absent (``re_extract``)."""
    found = _compiled(pattern).search(text)
    return (found.group(group) or "") if found else ""


def search(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (``re_search``)."""
    return _compiled(pattern).search(text) is not None


def words(options: Sequence[str]) -> str:
    """A non-capturing alternation of ``options``, longest first so a longer word wins over its prefix."""
    for option in options:
        check_pattern(option)
    return "(?:" + "|".join(sorted(set(options), key=lambda w: (-len(w), w))) + ")"


FOLD_NON_ASCII: tuple[Step, ...] = (
    *(Swap(old, new) for old, new in LIGATURES),
    Translate(FOLD_SOURCE, FOLD_TARGET),
    Sub(COMBINING_MARKS),
)
FOLD: tuple[Step, ...] = (Sub(SEPARATORS, " "), Sub(INVISIBLE), Fold())
"""Unicode spaces made spaces, invisible characters removed, then ``Fold``."""
