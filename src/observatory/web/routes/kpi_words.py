"""A KPI's numbers as its page writes them: the data table beside the SPC chart, the forecast and scenario tables,
and the backtest in plain words. Values are written in the KPI's unit (``metrics.units.show``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from observatory.metrics.charts import RULE_NAMES, SIGNAL_NAMES
from observatory.metrics.spc import assurance_text, variation_text

Show = Callable[[float | None], str]

SHORT_BY = 0.15
"""Interval coverage this far below its level (e.g. under 65% for an 80% interval) is called too narrow."""


def _count(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def signal_text(point: Mapping[str, Any]) -> str:
    """``Special cause: concern (beyond a process limit)`` or ``Common cause``; empty for a period without a value."""
    if point.get("value") is None:
        return ""
    signal = point.get("special_cause") or "common"
    rules = [RULE_NAMES.get(rule, rule) for rule in point.get("rules") or []]
    return SIGNAL_NAMES[signal] + (f" ({', '.join(rules)})" if rules else "")


def series_rows(data: Mapping[str, Any], show: Show) -> list[dict[str, Any]]:
    """The data table of the charted series, latest period first."""
    rows = []
    for point in data["series"]["points"]:
        rows.append(
            {
                "label": point["label"],
                "value": show(point["value"]),
                "numerator": _count(point.get("numerator")),
                "denominator": _count(point.get("denominator")),
                "mean": show(point.get("mean")),
                "lower": show(point.get("lower")),
                "upper": show(point.get("upper")),
                "target": show(point.get("target")),
                "signal": signal_text(point),
                "special": point.get("special_cause") is not None,
            }
        )
    return rows[::-1]


def signal_words(summary: Mapping[str, Any]) -> dict[str, Any]:
    spc = summary.get("spc") or {}
    return {
        "variation": variation_text(summary.get("variation")),
        "assurance": assurance_text(summary.get("assurance")),
        "description": spc.get("description", ""),
        "warnings": list(spc.get("warnings") or []),
        "trial_limits": bool(spc.get("trial_limits")),
    }


def _interval(low: float | None, high: float | None, show: Show) -> str:
    return "—" if low is None or high is None else f"{show(low)} to {show(high)}"


def forecast_rows(summary: Mapping[str, Any], show: Show) -> list[dict[str, str]]:
    forecast = summary.get("forecast")
    if not forecast:
        return []
    labels: Sequence[str] = forecast.get("labels") or forecast["periods"]
    return [
        {
            "label": label,
            "mean": show(forecast["mean"][i]),
            "interval_80": _interval(forecast["lower_80"][i], forecast["upper_80"][i], show),
            "interval_95": _interval(forecast["lower_95"][i], forecast["upper_95"][i], show),
        }
        for i, label in enumerate(labels)
    ]


def scenario_rows(summary: Mapping[str, Any], show: Show) -> dict[str, Any] | None:
    """Each scenario's forecast beside the baseline, period by period, with the difference."""
    forecast, scenarios = summary.get("forecast"), summary.get("scenarios") or []
    if not forecast or not scenarios:
        return None
    labels: Sequence[str] = forecast.get("labels") or forecast["periods"]
    rows = []
    for i, label in enumerate(labels):
        base = forecast["mean"][i]
        cells = []
        for scenario in scenarios:
            value = scenario["forecast"]["mean"][i]
            change = None if base in (None, 0) or value is None else (value - base) / abs(base)
            cells.append({"value": show(value), "change": "—" if change is None else f"{change:+.1%}"})
        rows.append({"label": label, "baseline": show(base), "scenarios": cells})
    return {
        "scenarios": [
            {
                "title": s["scenario"]["title"],
                "change": f"{s['scenario']['change']:+.0%}",
                "effect": s["scenario"]["effect"],
                "notes": s["forecast"].get("notes") or [],
            }
            for s in scenarios
        ],
        "rows": rows,
    }


def _coverage(level: int, share: float | None) -> str:
    if share is None:
        return f"the {level}% interval could not be checked"
    text = f"the {level}% interval held the actual value {share:.0%} of the time (it should be about {level}%)"
    if share < level / 100 - SHORT_BY:
        text += ", so it is too narrow: expect misses more often than it suggests"
    return text


def backtest_words(summary: Mapping[str, Any]) -> list[str]:
    """The backtest beside the forecast, in plain English (MASE and interval coverage)."""
    forecast = summary.get("forecast")
    if not forecast:
        return []
    backtest = forecast.get("backtest")
    if not backtest:
        return ["The forecast could not be backtested (the history is too short to hold some of it back)."]
    naive = "the same period a year before" if backtest.get("naive_lag", 1) > 1 else "the previous period's value"
    words = [
        f"Backtest: the method was refitted at each of the last {backtest['origins']} periods and its "
        f"{backtest['forecasts']} forecasts, up to {backtest['horizon']} periods ahead, compared with what happened."
    ]
    mase = backtest.get("mase")
    if mase is not None:
        verdict = "smaller" if mase < 1 else "no smaller"
        words.append(
            f"Mean absolute scaled error (MASE) {mase:.2f}: its errors averaged {mase:.2f} times the typical error "
            f"of simply repeating {naive} over the history, so they were {verdict} than that simple benchmark's "
            "(lower is better; below 1 beats it)."
        )
    coverage = f"{_coverage(80, backtest.get('coverage_80'))}; {_coverage(95, backtest.get('coverage_95'))}."
    words.append(coverage[:1].upper() + coverage[1:])
    return words
