"""Charts drawn on the server as accessible SVG (a title, a description, and a data table beside them in the
page), so they work with JavaScript off and under a strict content security policy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None


def _format(value: float, percent: bool) -> str:
    return f"{100 * value:.1f}%" if percent else f"{value:,.4g}"


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    chart_id: str = "chart",
    percent: bool = True,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """A line chart of ``points`` in order (missing values leave a gap); the y axis spans the data (0-100% for
    shares when the data allows). ``chart_id`` must be unique on the page. Every text is escaped here."""
    known = [p.value for p in points if p.value is not None]
    left, right, top, bottom = 56, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not known:
        return Markup(f'<p class="govuk-body">{escape(title)}: no measurements yet.</p>')  # noqa: S704 (escaped)
    low, high = min(known), max(known)
    if percent:
        low, high = min(low, 1.0) if low > 0.9 else 0.0, 1.0 if high <= 1.0 else high
    if high - low < 1e-9:
        low, high = low - 0.5 if not percent else max(0.0, low - 0.05), high + (0.05 if percent else 0.5)
    step = plot_w / max(1, len(points) - 1)

    def x(index: int) -> float:
        return left + (index * step if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    segments: list[list[str]] = [[]]
    dots = []
    for index, point in enumerate(points):
        if point.value is None:
            segments.append([])
            continue
        segments[-1].append(f"{x(index):.1f},{y(point.value):.1f}")
        dots.append(
            f'<circle class="obs-chart__point" cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="3">'
            f"<title>{escape(point.label)}: {_format(point.value, percent)}</title></circle>"
        )
    lines = "".join(
        f'<polyline class="obs-chart__line" points="{" ".join(segment)}"/>' for segment in segments if segment
    )
    ticks = "".join(
        f'<line class="obs-chart__axis" x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke-dasharray="2,4"/><text class="obs-chart__label" x="{left - 6}" y="{y(v) + 4:.1f}" '
        f'text-anchor="end">{_format(v, percent)}</text>'
        for v in (low, (low + high) / 2, high)
    )
    first, last = points[0].label, points[-1].label
    labels = (
        f'<text class="obs-chart__label" x="{left}" y="{height - 12}">{escape(first)}</text>'
        f'<text class="obs-chart__label" x="{left + plot_w}" y="{height - 12}" text-anchor="end">{escape(last)}</text>'
    )
    summary = f"{len(known)} values from {first} to {last}; latest {_format(known[-1], percent)}."
    ident = escape(chart_id)
    return Markup(  # noqa: S704 (every text above is escaped)
        f'<svg class="obs-chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(summary)}</desc>'
        f'<line class="obs-chart__axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}"/>'
        f'<line class="obs-chart__axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
        f"{ticks}{lines}{''.join(dots)}{labels}</svg>"
    )


def _signed(value: float) -> str:
    return "0" if abs(value) < 1e-9 else f"{value:+.4g}"


def _tick_step(span: float) -> float:
    """A round distance between axis ticks (1, 2 or 5 times a power of ten) giving at most about six ticks."""
    if span <= 0:
        return 1.0
    rough = span / 5
    power = 10.0 ** math.floor(math.log10(rough))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough)


def waterfall_chart(
    steps: Sequence[Point],
    *,
    title: str,
    chart_id: str = "waterfall",
    total_label: str = "Total",
    width: int = 640,
) -> Markup:
    """A horizontal waterfall: one row per step, its bar running from the total before it to the total after it
    (``obs-chart__bar--for`` when it adds, ``--against`` when it takes away), then the total from zero. Steps
    without a finite value count as zero. Every text is escaped here."""
    rows: list[tuple[str, float, float, str]] = []
    running = 0.0
    for step in steps:
        value = step.value if step.value is not None and math.isfinite(step.value) else 0.0
        rows.append((step.label, running, running + value, "for" if value >= 0 else "against"))
        running += value
    rows.append((total_label, 0.0, running, "total"))
    low = min(0.0, *(min(start, end) for _, start, end, _ in rows))
    high = max(0.0, *(max(start, end) for _, start, end, _ in rows))
    tick = _tick_step(high - low)
    low, high = math.floor(low / tick) * tick, math.ceil(high / tick) * tick
    high = max(high, low + tick)
    left, right, top, row_height, bar_height = 190, 64, 8, 26, 16
    plot_w = width - left - right
    height = top + row_height * len(rows) + 28

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * plot_w

    bars = []
    for index, (label, start, end, kind) in enumerate(rows):
        y = top + index * row_height
        change = end - start
        shown = label if len(label) <= 28 else label[:27] + "…"
        bar_x, bar_y, text_y = min(x(start), x(end)), y + (row_height - bar_height) / 2, y + row_height / 2 + 4
        bars.append(
            f'<rect class="obs-chart__bar--{kind}" x="{bar_x:.1f}" y="{bar_y:.1f}" '
            f'width="{max(1.0, abs(x(end) - x(start))):.1f}" height="{bar_height}">'
            f"<title>{escape(label)}: {change:+.2f}</title></rect>"
            f'<text class="obs-chart__label" x="{left - 8}" y="{text_y:.1f}" text-anchor="end">{escape(shown)}</text>'
            f'<text class="obs-chart__label" x="{left + plot_w + 8}" y="{text_y:.1f}">{change:+.2f}</text>'
        )
    base = top + row_height * len(rows)
    ticks = "".join(
        f'<text class="obs-chart__label" x="{x(value):.1f}" y="{base + 16}" text-anchor="middle">'
        f"{_signed(value)}</text>"
        for value in (low + index * tick for index in range(round((high - low) / tick) + 1))
    )
    summary = f"{len(steps)} steps adding up to {running:+.2f}."
    ident = escape(chart_id)
    return Markup(  # noqa: S704 (every text above is escaped)
        f'<svg class="obs-chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(summary)}</desc>'
        f'<line class="obs-chart__axis" x1="{x(0.0):.1f}" x2="{x(0.0):.1f}" y1="{top}" y2="{base}"/>'
        f"{''.join(bars)}{ticks}</svg>"
    )
