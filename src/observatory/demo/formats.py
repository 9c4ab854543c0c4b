"""How the source systems write values: dates, identifiers, money, apostrophes."""

from __future__ import annotations

from datetime import date

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso_date(value: date | None) -> str:
    """``1984-03-12``."""
    return value.isoformat() if value is not None else ""


def slash_date(value: date | None) -> str:
    """``12/03/1984``."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value is not None else ""


def month_name_date(value: date | None) -> str:
    """``12-Mar-1984`` (English month names whatever the locale)."""
    return f"{value.day:02d}-{_MONTHS[value.month - 1]}-{value.year}" if value is not None else ""


def nhs_spaced(number: str) -> str:
    """``943 476 5919``."""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if number else ""


def ni_spaced(number: str) -> str:
    """``AB 12 34 56 C``."""
    return f"{number[:2]} {number[2:4]} {number[4:6]} {number[6:8]} {number[8:]}" if number else ""


def curly_apostrophes(text: str) -> str:
    """``O’Brien``: what a word processor or a Windows form makes of ``O'Brien``."""
    return text.replace("'", "\u2019")


def pounds(amount: float) -> str:
    """``£1,234.56``."""
    return f"£{amount:,.2f}"
