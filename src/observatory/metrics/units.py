"""KPI values written in their unit, the same way on every page, in the CLI and in the API's ``shown`` fields."""

from __future__ import annotations

from observatory.config.kpi_models import KpiSpec


def per(scale: float) -> str:
    """``10000`` → ``"per 10,000"``."""
    return f"per {scale:,.0f}"


def unit_text(spec: KpiSpec) -> str:
    """The unit as words: ``count``, ``%``, ``per 10,000``..."""
    if spec.unit == "rate":
        return per(spec.multiplier)
    return {"percent": "%", "currency": "£", "days": "days"}.get(spec.unit, spec.unit)


def show(value: float | None, spec: KpiSpec) -> str:
    """``96.2%``, ``1,234``, ``41.3 per 10,000``, ``£12,345``, ``12.5 days``; an em dash when missing."""
    if value is None:
        return "—"
    decimals = 0 if spec.unit == "count" and float(value).is_integer() else spec.decimals
    number = f"{value:,.{decimals}f}"
    if spec.unit == "percent":
        return f"{number}%"
    if spec.unit == "rate":
        return f"{number} {per(spec.multiplier)}"
    if spec.unit == "currency":
        return f"£{number}"
    if spec.unit == "days":
        return f"{number} days"
    return number
