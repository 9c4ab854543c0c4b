"""KPI charts as accessible SVG: the SPC (XmR) chart, the forecast fan chart, the variation and assurance icons,
and PNG copies of any of them.

Every function is pure (data in, text out) so the pages, the command line and the build draw the same charts.
Each chart has a title and a description for screen readers, and marks special causes by shape as well as
colour: a diamond for improvement, a triangle for concern, a square for a change that is neither, a small circle
for common cause. The icons are Observatory's own designs, drawn with the same shapes: the variation icon's
outline is the shape of its points on the chart, with an arrow for the direction; the assurance icon is a
rounded square holding a tick, a cross or a question mark.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from observatory.metrics.chart_icons import ASSURANCES, VARIATIONS, assurance_icon_svg, variation_icon_svg
from observatory.metrics.chart_svg import (
    CHAR_WIDTH,
    SCENARIO_STYLES,
    Columns,
    LegendItem,
    Scale,
    document,
    legend,
    number,
    polyline,
    text,
    tick_label,
    x_axis,
    y_axis,
)
from observatory.metrics.spc import SpcPoint
from observatory.metrics.spc_rules import LIMIT_FACTOR, TWO_SIGMA_FACTOR

__all__ = [
    "ASSURANCES",
    "MARKERS",
    "VARIATIONS",
    "Fan",
    "assurance_icon_svg",
    "forecast_chart_svg",
    "points_from_rows",
    "spc_chart_svg",
    "svg_to_png",
    "variation_icon_svg",
]

Format = Callable[[float], str]

MARKERS: dict[str, str] = {
    "common": "M-3.5 0a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0 -7 0Z",
    "improvement": "M0 -6.5L6.5 0L0 6.5L-6.5 0Z",
    "concern": "M0 -6.5L6.5 5L-6.5 5Z",
    "neutral": "M-5 -5H5V5H-5Z",
}
"""Marker shapes, centred on the point: circle, diamond, triangle, square."""

SIGNAL_NAMES = {
    "common": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither better nor worse",
}
RULE_NAMES = {
    "beyond_limits": "beyond a process limit",
    "shift": "a run on one side of the mean",
    "trend": "a run rising or falling",
    "two_of_three": "two of three near a limit",
}
PLOT_HEIGHT = 240
RIGHT = 34
"""Room right of the last period, for its name."""
TOP = 14
MOST_LABELS = 9
HISTORY = 36
"""Periods of history the forecast chart shows before the forecast (the whole history is in the data table)."""


# --- SPC chart ----------------------------------------------------------------------------------------------------


def points_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[SpcPoint]:
    """SPC points from stored rows: ``SpcPoint.to_dict()`` (a summary's ``spc.points``) or rows of
    ``governed.kpi_values`` (``period_start``, ``rules`` as text, no two-sigma lines or segments: the lines are
    derived from the limits, and a new segment starts wherever the mean and limits change)."""
    found: list[SpcPoint] = []
    segment, limits = 0, None
    for row in rows:
        period = row.get("period", row.get("period_start"))
        when = period if isinstance(period, date) else date.fromisoformat(str(period))
        rules = row.get("rules") or ()
        if isinstance(rules, str):
            rules = tuple(rule for rule in rules.split(",") if rule)
        mean, lower, upper = row.get("mean"), row.get("lower"), row.get("upper")
        lower_two, upper_two = row.get("lower_two_sigma"), row.get("upper_two_sigma")
        if lower_two is None and mean is not None and lower is not None:
            lower_two = mean - (mean - lower) * TWO_SIGMA_FACTOR / LIMIT_FACTOR
        if upper_two is None and mean is not None and upper is not None:
            upper_two = mean + (upper - mean) * TWO_SIGMA_FACTOR / LIMIT_FACTOR
        if "segment" in row:
            segment = int(row["segment"] or 0)
        elif mean is not None:
            segment += limits is not None and limits != (mean, lower, upper)
            limits = (mean, lower, upper)
        found.append(
            SpcPoint(
                period=when,
                value=row.get("value"),
                mean=mean,
                lower=lower,
                upper=upper,
                lower_two_sigma=lower_two,
                upper_two_sigma=upper_two,
                moving_range=row.get("moving_range"),
                target=row.get("target"),
                special_cause=row.get("special_cause") or None,
                rules=tuple(rules),
                direction=row.get("direction"),
                segment=segment,
            )
        )
    return found


def _runs(values: Sequence[tuple[float, ...] | None]) -> list[tuple[int, int, tuple[float, ...]]]:
    """Consecutive stretches ``(first, last, value)`` where ``values`` stay the same (``None`` ends a stretch)."""
    runs: list[tuple[int, int, tuple[float, ...]]] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], index, value)
        else:
            runs.append((index, index, value))
    return runs


def _steps(css_class: str, columns: Columns, scale: Scale, runs: list[tuple[int, int, float]], name: str) -> str:
    """One horizontal line per stretch of equal values (a new mean or target starts a new step)."""
    parts = []
    half = columns.step / 2 if columns.count > 1 else 20.0
    for first, last, value in runs:
        x1, x2 = columns.x(first), columns.x(last)
        if first == last:
            x1, x2 = max(columns.left, x1 - half), min(columns.right, x2 + half)
        y = scale.y(value)
        parts.append(
            f'<line class="{css_class}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'data-value="{value!r}" data-from="{first}" data-to="{last}"><title>{text(name)}</title></line>'
        )
    return "".join(parts)


def signal_of(point: SpcPoint) -> str:
    """``common``, ``improvement``, ``concern`` or ``neutral``."""
    return point.special_cause or "common"


def _marker(point: SpcPoint, label: str, x: float, y: float, show: Format) -> str:
    signal = signal_of(point)
    why = "" if not point.rules else " (" + ", ".join(RULE_NAMES.get(r, r) for r in point.rules) + ")"
    name = f"{label}: {show(point.value or 0.0)}. {SIGNAL_NAMES[signal]}{why}."
    return (
        f'<path class="obs-spc__point obs-spc__point--{signal}" d="{MARKERS[signal]}" '
        f'transform="translate({x:.1f} {y:.1f})" data-period="{point.period.isoformat()}" '
        f'data-value="{point.value!r}" data-signal="{signal}"><title>{text(name)}</title></path>'
    )


def _line_sample(css_class: str) -> str:
    return f'<line class="{css_class}" x1="0" x2="24" y1="0" y2="0"/>'


def _marker_sample(signal: str) -> str:
    return f'<path class="obs-spc__point--{signal}" d="{MARKERS[signal]}" transform="translate(12 0)"/>'


def _spc_description(points: Sequence[SpcPoint], labels: Sequence[str], show: Format, targets: bool) -> str:
    known = [(p, label) for p, label in zip(points, labels, strict=True) if p.value is not None]
    if not known:
        return "There are no values to chart."
    latest, latest_label = known[-1]
    parts = [
        f"{len(known)} values from {labels[0]} to {labels[-1]}; the latest, {latest_label}, is "
        f"{show(latest.value or 0.0)}."
    ]
    if len(known) < len(points):
        parts.append(f"{len(points) - len(known)} periods have no value.")
    if latest.mean is not None and latest.lower is not None and latest.upper is not None:
        parts.append(
            f"Mean {show(latest.mean)}; process limits {show(latest.lower)} to {show(latest.upper)}"
            f"{' in the latest stretch' if len({p.segment for p in points}) > 1 else ''}."
        )
    rebased = [labels[i] for i in range(1, len(points)) if points[i].segment != points[i - 1].segment]
    if rebased:
        parts.append(f"The mean and limits were recalculated from {', '.join(rebased)}.")
    counts = {s: sum(1 for p, _ in known if p.special_cause == s) for s in ("improvement", "concern", "neutral")}
    flagged = sum(counts.values())
    if flagged:
        kinds = ", ".join(f"{n} {k if k != 'neutral' else 'neither'}" for k, n in counts.items() if n)
        parts.append(f"{flagged} of them show special-cause variation ({kinds}).")
    else:
        parts.append("No point shows special-cause variation.")
    if targets and latest.target is not None:
        parts.append(f"The target in the latest period is {show(latest.target)}.")
    return " ".join(parts)


def spc_chart_svg(
    points: Sequence[SpcPoint],
    labels: Sequence[str],
    *,
    title: str,
    unit: str = "number",
    format_value: Format | None = None,
    show_target: bool = True,
    chart_id: str = "spc",
    width: int = 720,
    standalone: bool = False,
) -> str:
    """An XmR chart: the values, the mean, the process limits and two-sigma lines as steps (each rebased stretch
    has its own), the target as steps, and every point marked by its signal (shape and colour).

    ``labels`` names each period (``Apr 2025``); ``unit`` (a KPI unit: ``percent``, ``currency``...) shapes the
    axis ticks and ``format_value`` writes a value in full (default: a plain number). ``chart_id`` prefixes the
    element ids, so it must be unique on a page. ``standalone`` embeds the stylesheet, for a file."""
    if len(points) != len(labels):
        raise ValueError(f"{len(points)} points but {len(labels)} labels")
    show = format_value or number
    targets = show_target and any(p.target is not None for p in points)
    spread = [p.value for p in points] + [p.lower for p in points] + [p.upper for p in points]
    spread += [p.target for p in points] if targets else []
    scale = Scale.over([v for v in spread if v is not None], TOP, TOP + PLOT_HEIGHT)
    left = 18 + max(len(tick_label(v, unit)) for v in scale.ticks) * CHAR_WIDTH
    columns = Columns(len(points), left + 10, width - RIGHT)
    body = [y_axis(scale, left, width - RIGHT + 10, unit)]

    def stretch(pick: Callable[[SpcPoint], float | None]) -> list[tuple[int, int, float]]:
        runs = _runs([(v,) if (v := pick(p)) is not None else None for p in points])
        return [(first, last, value[0]) for first, last, value in runs]

    segments = _runs([(p.segment,) for p in points])
    for previous, following in pairwise(segments):
        x = (columns.x(previous[1]) + columns.x(following[0])) / 2
        body.append(
            f'<line class="obs-spc__rebase" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + PLOT_HEIGHT}">'
            f"<title>Mean and limits recalculated from {text(labels[following[0]])}</title></line>"
        )
    body.append(_steps("obs-spc__sigma", columns, scale, stretch(lambda p: p.lower_two_sigma), "Lower two-sigma line"))
    body.append(_steps("obs-spc__sigma", columns, scale, stretch(lambda p: p.upper_two_sigma), "Upper two-sigma line"))
    body.append(_steps("obs-spc__limit", columns, scale, stretch(lambda p: p.lower), "Lower process limit"))
    body.append(_steps("obs-spc__limit", columns, scale, stretch(lambda p: p.upper), "Upper process limit"))
    body.append(_steps("obs-spc__mean", columns, scale, stretch(lambda p: p.mean), "Mean"))
    if targets:
        body.append(_steps("obs-spc__target", columns, scale, stretch(lambda p: p.target), "Target"))
    line: list[tuple[float, float]] = []
    for index, point in enumerate(points):
        if point.value is None:
            body.append(polyline("obs-spc__value", line) if len(line) > 1 else "")
            line = []
            continue
        line.append((columns.x(index), scale.y(point.value)))
    body.append(polyline("obs-spc__value", line) if len(line) > 1 else "")
    body += [
        _marker(point, labels[i], columns.x(i), scale.y(point.value), show)
        for i, point in enumerate(points)
        if point.value is not None
    ]
    bottom = TOP + PLOT_HEIGHT
    most = max(2, int((width - left) // 80))
    body.append(x_axis(columns, labels, bottom, min(MOST_LABELS, most)))
    items = [
        LegendItem("Value", _line_sample("obs-spc__value")),
        LegendItem("Mean", _line_sample("obs-spc__mean")),
        LegendItem("Process limits", _line_sample("obs-spc__limit")),
        LegendItem("Two-sigma lines", _line_sample("obs-spc__sigma")),
    ]
    if targets:
        items.append(LegendItem("Target", _line_sample("obs-spc__target")))
    seen = {signal_of(p) for p in points if p.value is not None}
    items += [LegendItem(SIGNAL_NAMES[s], _marker_sample(s)) for s in MARKERS if s in seen]
    key, key_height = legend(items, 12, bottom + 30, width - 24)
    body.append(key)
    return document(
        "".join(body),
        width=width,
        height=bottom + 30 + key_height + 8,
        chart_id=chart_id,
        title=title,
        description=_spc_description(points, labels, show, targets),
        kind="spc",
        standalone=standalone,
    )


# --- forecast fan chart -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fan:
    """A forecast as the fan chart draws it: the future periods' names, the point forecast and both intervals."""

    labels: Sequence[str]
    mean: Sequence[float | None]
    lower_80: Sequence[float | None]
    upper_80: Sequence[float | None]
    lower_95: Sequence[float | None]
    upper_95: Sequence[float | None]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], labels: Sequence[str] | None = None) -> Fan:
        """From ``Forecast.to_dict()`` (with ``labels``, as a KPI summary stores it, or given here)."""
        names = labels if labels is not None else data.get("labels") or [str(p) for p in data["periods"]]
        keys = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
        fan = cls(list(names), *(list(data[key]) for key in keys))
        if any(len(getattr(fan, key)) != len(fan.labels) for key in keys):
            raise ValueError("every forecast list needs one value per forecast period")
        return fan


def _band(
    css_class: str,
    columns: Columns,
    scale: Scale,
    start: int,
    bounds: tuple[Sequence[float | None], Sequence[float | None]],
    name: str,
) -> str:
    """The area between two bounds (periods with a missing bound are left out)."""
    pairs = [
        (start + i, lo, hi) for i, (lo, hi) in enumerate(zip(*bounds, strict=True)) if lo is not None and hi is not None
    ]
    if not pairs:
        return ""
    top = [(columns.x(i), scale.y(hi)) for i, _, hi in pairs]
    bottom = [(columns.x(i), scale.y(lo)) for i, lo, _ in reversed(pairs)]
    joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in top + bottom)
    return f'<polygon class="{css_class}" points="{joined}"><title>{text(name)}</title></polygon>'


def _fan_description(
    history: Sequence[float | None],
    history_labels: Sequence[str],
    fan: Fan,
    scenarios: Sequence[tuple[str, Sequence[float | None]]],
    show: Format,
) -> str:
    parts = []
    known = [(label, v) for label, v in zip(history_labels, history, strict=True) if v is not None]
    if known:
        parts.append(
            f"History from {history_labels[0]} to {history_labels[-1]}, the latest {show(known[-1][1])} "
            f"({known[-1][0]})."
        )
    if fan.labels and fan.mean[-1] is not None:
        low, high = fan.lower_95[-1], fan.upper_95[-1]
        interval = (
            f", with a 95% interval of {show(low)} to {show(high)}" if low is not None and high is not None else ""
        )
        parts.append(
            f"Forecast for {len(fan.labels)} periods, {fan.labels[0]} to {fan.labels[-1]}: "
            f"{show(fan.mean[-1])} by {fan.labels[-1]}{interval}."
        )
    for name, values in scenarios:
        if values and values[-1] is not None:
            parts.append(f"Scenario {name}: {show(values[-1])} by {fan.labels[-1]}.")
    return " ".join(parts) or "There is nothing to chart."


def forecast_chart_svg(
    history: Sequence[float | None],
    history_labels: Sequence[str],
    fan: Fan,
    *,
    title: str,
    scenarios: Sequence[tuple[str, Sequence[float | None]]] = (),
    unit: str = "number",
    format_value: Format | None = None,
    history_periods: int | None = HISTORY,
    chart_id: str = "forecast",
    width: int = 720,
    standalone: bool = False,
) -> str:
    """A fan chart: the last ``history_periods`` values (all when None), then the point forecast inside its 80%
    and 95% prediction intervals, and each scenario's forecast as a line of its own style.

    ``scenarios`` are ``(name, values)`` with one value per forecast period."""
    if len(history) != len(history_labels):
        raise ValueError(f"{len(history)} values but {len(history_labels)} labels")
    for name, values in scenarios:
        if len(values) != len(fan.labels):
            raise ValueError(f"scenario {name!r} needs one value per forecast period")
    if history_periods is not None and len(history) > history_periods:
        history, history_labels = history[-history_periods:], history_labels[-history_periods:]
    show = format_value or number
    labels = [*history_labels, *fan.labels]
    spread = [*history, *fan.lower_95, *fan.upper_95, *fan.mean, *(v for _, values in scenarios for v in values)]
    scale = Scale.over([v for v in spread if v is not None], TOP, TOP + PLOT_HEIGHT)
    left = 18 + max(len(tick_label(v, unit)) for v in scale.ticks) * CHAR_WIDTH
    columns = Columns(len(labels), left + 10, width - RIGHT)
    start = len(history)
    body = [y_axis(scale, left, width - RIGHT + 10, unit)]
    body.append(
        _band("obs-fan__band95", columns, scale, start, (fan.lower_95, fan.upper_95), "95% prediction interval")
    )
    body.append(
        _band("obs-fan__band80", columns, scale, start, (fan.lower_80, fan.upper_80), "80% prediction interval")
    )
    if start:
        x = (columns.x(start - 1) + columns.x(start)) / 2
        body.append(
            f'<line class="obs-fan__start" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + PLOT_HEIGHT}">'
            "<title>Forecast starts</title></line>"
        )
    segments: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(history):
        if value is None:
            segments.append([])
        else:
            segments[-1].append((columns.x(index), scale.y(value)))
    body += [polyline("obs-fan__history", s) for s in segments if len(s) > 1]
    joined = [(columns.x(start - 1), scale.y(history[-1]))] if start and history[-1] is not None else []
    forecast_line = joined + [(columns.x(start + i), scale.y(v)) for i, v in enumerate(fan.mean) if v is not None]
    body.append(polyline("obs-fan__mean", forecast_line, kind="forecast"))
    items = [
        LegendItem("History", _line_sample("obs-fan__history")),
        LegendItem("Forecast", _line_sample("obs-fan__mean")),
        LegendItem("80% interval", '<rect class="obs-fan__band80" x="0" y="-6" width="24" height="12"/>'),
        LegendItem("95% interval", '<rect class="obs-fan__band95" x="0" y="-6" width="24" height="12"/>'),
    ]
    for number_, (name, values) in enumerate(scenarios):
        style = f"obs-fan__scenario--{number_ % SCENARIO_STYLES + 1}"
        line = joined + [(columns.x(start + i), scale.y(v)) for i, v in enumerate(values) if v is not None]
        body.append(polyline(f"obs-fan__scenario {style}", line, scenario=name))
        items.append(LegendItem(f"Scenario: {name}", _line_sample(style)))
    bottom = TOP + PLOT_HEIGHT
    body.append(x_axis(columns, labels, bottom, min(MOST_LABELS, max(2, int((width - left) // 80)))))
    key, key_height = legend(items, 12, bottom + 30, width - 24)
    body.append(key)
    return document(
        "".join(body),
        width=width,
        height=bottom + 30 + key_height + 8,
        chart_id=chart_id,
        title=title,
        description=_fan_description(history, history_labels, fan, scenarios, show),
        kind="fan",
        standalone=standalone,
    )


# --- PNG ----------------------------------------------------------------------------------------------------------


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """A PNG of a standalone SVG (one made with ``standalone=True``), ``scale`` times its size in pixels."""
    if 'class="obs-' in svg and "<style>" not in svg:
        raise ValueError("the SVG has no stylesheet: draw it with standalone=True before turning it into a PNG")
    if not (math.isfinite(scale) and 0 < scale <= 8):
        raise ValueError(f"scale must be above 0 and at most 8, not {scale!r}")
    import vl_convert  # imported here: only PNG downloads need it

    png: bytes = vl_convert.svg_to_png(svg, scale=scale)
    return png
