"""Spreadsheet cells that cannot run: every CSV and XLSX writer passes its values through ``safe_cell``.

A spreadsheet treats text starting with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab or a
carriage return) as a formula, so a description such as ``=HYPERLINK("http://x","y")`` typed into a
register would run when an IG officer opens the export. ``safe_cell`` puts a ``'`` in front of such text,
the mitigation OWASP recommends for CSV injection; numbers, booleans, dates and ``None`` pass unchanged,
but text that only looks like a number (``"-5"``) is neutralised like any other text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read text as a formula."""


def safe_cell(value: Any) -> Any:
    """``value`` ready for a spreadsheet cell: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every value of a row through ``safe_cell``."""
    return [safe_cell(value) for value in values]
