"""Charts drawn on the server as accessible SVG (a title, a description, and a data table beside them in the
page), so they work with JavaScript off and under a strict content security policy."""

from __future__ import annotations

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
