"""The first step of every field type: trim, collapse spaces, recognise empty values.

The same rule in Python and as an engine expression; every field type starts from ``clean``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

WHITESPACE = " \t\n\r\f\v\u00a0"
"""Characters trimmed from both ends and collapsed inside values (includes the no-break space)."""

NULL_TOKENS: frozenset[str] = frozenset({"", "-", "--", ".", "n/a", "na", "#n/a", "null"})
"""Values that mean "nothing recorded", compared after trimming and lower-casing."""

SPACE_ESCAPES = "".join(f"\\x{ord(c):02x}" for c in WHITESPACE)
"""The whitespace class as ``\\xhh`` escapes: Python, RE2 (DuckDB) and Java (Spark) read them alike, while a
literal form feed or vertical tab reaches Spark SQL as ``\\f``/``\\v`` and is read there as the letters f and v."""
_RUN = f"[{SPACE_ESCAPES}]+"
_EDGES = f"^[{SPACE_ESCAPES}]+|[{SPACE_ESCAPES}]+\\z"
"""Trailing whitespace up to the very end (``\\z``: Java's ``$`` also matches before a final line separator)."""
_RUN_RE = re.compile(_RUN)
_NULL_PATTERN = "^(?i:" + "|".join(t.replace(".", "[.]") for t in sorted(NULL_TOKENS, key=len, reverse=True)) + ")\\z"
"""A whole value that is a null token (the tokens hold no regex characters other than ``.``)."""


def clean(text: str | None) -> str | None:
    """``text`` trimmed, with runs of whitespace made one space; ``None`` when it is a null token."""
    if text is None:
        return None
    tidy = _RUN_RE.sub(" ", text.strip(WHITESPACE))
    return None if tidy.lower() in NULL_TOKENS else tidy


def clean_expr(column: ir.StringValue) -> ir.StringValue:
    """``clean`` as an engine expression (NULL for null tokens)."""
    import ibis

    tidy = column.re_replace(_EDGES, "").re_replace(_RUN, " ")
    # a regex, not ``isin``: DuckDB's IN-clause optimiser makes planning slow when this is reused many times
    return ibis.cases((tidy.re_search(_NULL_PATTERN), ibis.null("string")), else_=tidy)
