"""safe_cell: text a spreadsheet would run as a formula is neutralised; everything else passes unchanged."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from observatory.cells import safe_cell, safe_row


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","y")', "+44 20 7946 0000", "-5", "-", "@SUM(A1:A2)", "\tindent", "\rreturn", "=1+1"],
)
def test_text_that_starts_a_formula_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Adult social care", "", "a=b", "5", "'=already quoted", " =1+1", "e-mail"])
def test_other_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-5, -5.5, 0, 3, 0.97, True, False, None, date(2026, 1, 2), datetime(2026, 1, 2, 3)])
def test_non_text_values_are_unchanged(value: object) -> None:
    result = safe_cell(value)
    assert result == value and type(result) is type(value)


def test_safe_row_applies_to_every_value() -> None:
    assert safe_row(["=cmd", -1, "-1", "ok", None]) == ["'=cmd", -1, "'-1", "ok", None]
