"""The quality report as one self-contained HTML file: inline CSS, inline SVG sparklines, no scripts or links out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from observatory.quality.confidence import HIGH_MEASURE, percent

TEMPLATES = Path(__file__).parent / "templates"
NOT_MEASURED = "not measured"


def share(value: float | None) -> str:
    """A share as a percentage (rounded down to 0.1), or "not measured"."""
    return NOT_MEASURED if value is None else percent(value)


def signed_points(value: float | None) -> str:
    """A change in percentage points: ``+1.2``, ``−3.0``, ``0.0``; empty when unknown."""
    if value is None:
        return ""
    tenths = round(value * 1000)
    if tenths == 0:
        return "0.0"
    return f"{'+' if tenths > 0 else '−'}{abs(tenths) / 10:.1f}"


def scale_range(values: Sequence[float], minimum_span: float = 0.02) -> tuple[float, float]:
    """The bottom and top of a trend's vertical scale.

    The values' range, widened about its middle to at least ``minimum_span`` (2 points): small
    wobbles are not blown up and a flat line sits in the middle.
    """
    low, high = min(values), max(values)
    if high - low >= minimum_span:
        return low, high
    middle = (high + low) / 2
    return middle - minimum_span / 2, middle + minimum_span / 2


def sparkline(values: Sequence[float | None], *, width: int = 120, height: int = 28, label: str = "") -> Markup:
    """An inline SVG line of ``values`` (oldest first; ``None`` leaves a gap), the last point marked."""
    known = [v for v in values if v is not None]
    if not known:
        return Markup("")
    low, high = scale_range(known)
    pad = 3.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def xy(index: int, value: float) -> str:
        y = height - pad - (value - low) / (high - low) * (height - 2 * pad)
        return f"{pad + index * step:.1f},{y:.1f}"

    segments: list[list[str]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            segments.append([])
        else:
            segments[-1].append(xy(index, value))
    polyline = Markup('<polyline points="{}" fill="none" stroke="#1d70b8" stroke-width="1.5"/>')
    lines = Markup("").join(polyline.format(" ".join(segment)) for segment in segments if segment)
    last = max(i for i, v in enumerate(values) if v is not None)
    x, y = xy(last, known[-1]).split(",")
    title = (f"{label}: " if label else "") + ", ".join(share(v) for v in values)
    svg = Markup(
        '<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="{title}"><title>{title}</title>{lines}<circle cx="{x}" cy="{y}" r="2.5" fill="#0b0c0c"/></svg>'
    )
    return svg.format(width=width, height=height, title=title, lines=lines, x=x, y=y)


def _values(points: Sequence[dict[str, Any]]) -> list[float | None]:
    return [p["value"] for p in points]


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    env.filters.update(share=share, signed_points=signed_points, values=_values)
    env.globals.update(sparkline=sparkline, high_measure=float(HIGH_MEASURE))
    return env


def render_html(report: dict[str, Any]) -> str:
    """The report (``quality.report.quality_report``) as one HTML page."""
    return environment().get_template("quality_report.html").render(report=report)


def write_html(report: dict[str, Any], path: Path) -> Path:
    """Write the report page to ``path`` (its folder is created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
