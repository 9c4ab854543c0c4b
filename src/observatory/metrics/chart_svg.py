"""The parts every KPI chart is drawn with: escaped text, a linear scale with round ticks, thinned period labels,
a legend, the SVG document around a chart and the stylesheet its classes refer to.

Charts carry CSS classes only; a web page styles them with the site's stylesheet (the same rules are in
``observatory.scss``), and a standalone file embeds ``STYLES`` in a ``<style>`` element so it renders on its own.
Colours come from the GOV.UK palette; every line and marker has at least 3:1 contrast with the white background
and text at least 4.5:1 (``tests/metrics/test_charts.py`` checks both).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

TEXT = "#0b0c0c"
"""GOV.UK text colour (black)."""

STYLES: dict[str, dict[str, str]] = {
    ".obs-plot__background": {"fill": "#ffffff"},
    ".obs-plot__text": {"font-family": "arial, sans-serif", "font-size": "12px", "fill": TEXT},
    ".obs-plot__axis": {"fill": "none", "stroke": "#484949", "stroke-width": "1"},
    ".obs-plot__grid": {"fill": "none", "stroke": "#cecece", "stroke-width": "1"},
    ".obs-spc__value": {"fill": "none", "stroke": "#484949", "stroke-width": "2"},
    ".obs-spc__mean": {"fill": "none", "stroke": TEXT, "stroke-width": "1.5"},
    ".obs-spc__limit": {"fill": "none", "stroke": TEXT, "stroke-width": "1.5", "stroke-dasharray": "8 4"},
    ".obs-spc__sigma": {"fill": "none", "stroke": "#858686", "stroke-width": "1.5", "stroke-dasharray": "2 3"},
    ".obs-spc__target": {"fill": "none", "stroke": "#ca3535", "stroke-width": "2", "stroke-dasharray": "12 4"},
    ".obs-spc__rebase": {"fill": "none", "stroke": "#484949", "stroke-width": "1", "stroke-dasharray": "1 3"},
    ".obs-spc__point--common": {"fill": "#484949"},
    ".obs-spc__point--improvement": {"fill": "#1d70b8"},
    ".obs-spc__point--concern": {"fill": "#b7592a"},
    ".obs-spc__point--neutral": {"fill": "#54319f"},
    ".obs-fan__history": {"fill": "none", "stroke": TEXT, "stroke-width": "2"},
    ".obs-fan__mean": {"fill": "none", "stroke": "#0f385c", "stroke-width": "2", "stroke-dasharray": "6 3"},
    ".obs-fan__band95": {"fill": "#d2e2f1", "stroke": "#5694ca", "stroke-width": "1"},
    ".obs-fan__band80": {"fill": "#8eb8dc", "stroke": "#1d70b8", "stroke-width": "1"},
    ".obs-fan__start": {"fill": "none", "stroke": "#484949", "stroke-width": "1", "stroke-dasharray": "1 3"},
    ".obs-fan__scenario--1": {"fill": "none", "stroke": "#54319f", "stroke-width": "2", "stroke-dasharray": "10 3 2 3"},
    ".obs-fan__scenario--2": {"fill": "none", "stroke": "#98285d", "stroke-width": "2", "stroke-dasharray": "4 2"},
    ".obs-fan__scenario--3": {"fill": "none", "stroke": "#7a3c1c", "stroke-width": "2", "stroke-dasharray": "2 2"},
    ".obs-fan__scenario--4": {"fill": "none", "stroke": TEXT, "stroke-width": "2", "stroke-dasharray": "12 2 2 2"},
    ".obs-icon__face": {"fill": "#ffffff", "stroke-width": "3"},
    ".obs-icon__mark": {"fill": "none", "stroke-width": "3", "stroke-linecap": "round", "stroke-linejoin": "round"},
    ".obs-icon__dot": {"stroke": "none"},
    ".obs-icon--common": {"stroke": "#484949", "fill": "#484949"},
    ".obs-icon--improvement": {"stroke": "#1d70b8", "fill": "#1d70b8"},
    ".obs-icon--concern": {"stroke": "#b7592a", "fill": "#b7592a"},
    ".obs-icon--neutral": {"stroke": "#54319f", "fill": "#54319f"},
    ".obs-icon--passing": {"stroke": "#1d70b8", "fill": "#1d70b8"},
    ".obs-icon--failing": {"stroke": "#b7592a", "fill": "#b7592a"},
    ".obs-icon--unknown": {"stroke": "#484949", "fill": "#484949"},
}
"""Every rule a chart or icon needs, by selector (``observatory.scss`` holds the same rules for the pages).

An icon's root carries its tone (``obs-icon--improvement``): its face and marks inherit the stroke and fill,
the face then paints itself white inside and the marks paint no fill."""

SCENARIO_STYLES = 4
"""Scenario lines cycle through this many styles."""

_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def stylesheet(prefixes: Sequence[str]) -> str:
    """The rules of ``STYLES`` whose selector starts with one of ``prefixes``, as CSS."""
    return "".join(
        selector + "{" + ";".join(f"{name}:{value}" for name, value in rules.items()) + "}"
        for selector, rules in STYLES.items()
        if selector.startswith(tuple(prefixes))
    )


def text(value: object) -> str:
    """Any text, escaped for SVG content and attribute values."""
    return escape(str(value), quote=True)


def number(value: float) -> str:
    """A plain number for axis ticks and descriptions: thousands separators, no needless decimals."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def tick_label(value: float, unit: str) -> str:
    """An axis tick in the KPI's unit, kept short (``95%``, ``£1,200``, ``41.5``)."""
    shown = number(value)
    if unit == "percent":
        return f"{shown}%"
    if unit == "currency":
        return f"-£{shown[1:]}" if shown.startswith("-") else f"£{shown}"
    return shown


def check_chart_id(chart_id: str) -> str:
    """``chart_id`` when it can prefix element ids (a letter, then letters, digits, ``-`` or ``_``)."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a letter followed by letters, digits, - or _, not {chart_id!r}")
    return chart_id


def round_step(span: float, most: int = 6) -> float:
    """A round distance between ticks (1, 2 or 5 times a power of ten) giving at most about ``most`` ticks."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    rough = span / most
    power = 10.0 ** math.floor(math.log10(rough))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough)


@dataclass(frozen=True)
class Scale:
    """Maps values to the plot's vertical pixels (larger values higher up), over round ticks."""

    low: float
    high: float
    step: float
    top: float
    bottom: float

    @classmethod
    def over(cls, values: Sequence[float], top: float, bottom: float) -> Scale:
        """A scale covering ``values`` with a little room above and below, extended to whole ticks."""
        finite = [v for v in values if math.isfinite(v)]
        low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if high - low < 1e-9:
            pad = abs(low) * 0.1 or 1.0
            low, high = low - pad, high + pad
        step = round_step(high - low)
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
        if low == high:
            high = low + step
        return cls(low, high, step, top, bottom)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + index * self.step for index in range(count + 1)]


@dataclass(frozen=True)
class Columns:
    """Equally spaced positions for ``count`` periods across the plot."""

    count: int
    left: float
    right: float

    @property
    def step(self) -> float:
        return (self.right - self.left) / max(1, self.count - 1)

    def x(self, index: float) -> float:
        if self.count == 1:
            return (self.left + self.right) / 2
        return self.left + index * self.step

    def labelled(self, most: int) -> list[int]:
        """The indices whose period is written on the axis: evenly thinned to at most ``most``, always
        including the latest."""
        if self.count == 0:
            return []
        every = max(1, math.ceil(self.count / max(1, most)))
        return [index for index in range(self.count) if (self.count - 1 - index) % every == 0]


def y_axis(scale: Scale, left: float, right: float, unit: str) -> str:
    """Grid lines and labelled ticks on the left of the plot, and the axis line."""
    parts = []
    for value in scale.ticks:
        y = scale.y(value)
        parts.append(
            f'<line class="obs-plot__grid" x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="obs-plot__text obs-plot__tick" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
            f'data-value="{value!r}">{text(tick_label(value, unit))}</text>'
        )
    parts.append(
        f'<line class="obs-plot__axis" x1="{left:.1f}" x2="{left:.1f}" y1="{scale.top:.1f}" y2="{scale.bottom:.1f}"/>'
    )
    return "".join(parts)


def x_axis(columns: Columns, labels: Sequence[str], bottom: float, most: int) -> str:
    """The axis line under the plot, with a tick and the period's name under every labelled period."""
    parts = [
        f'<line class="obs-plot__axis" x1="{columns.left:.1f}" x2="{columns.right:.1f}" '
        f'y1="{bottom:.1f}" y2="{bottom:.1f}"/>'
    ]
    for index in columns.labelled(most):
        x = columns.x(index)
        parts.append(
            f'<line class="obs-plot__axis" x1="{x:.1f}" x2="{x:.1f}" y1="{bottom:.1f}" y2="{bottom + 5:.1f}"/>'
            f'<text class="obs-plot__text obs-plot__period" x="{x:.1f}" y="{bottom + 18:.1f}" '
            f'text-anchor="middle">{text(labels[index])}</text>'
        )
    return "".join(parts)


@dataclass(frozen=True)
class LegendItem:
    """One entry of a legend: a sample of the line or marker (drawn at 0,0, about 24 by 10 pixels) and its name."""

    label: str
    sample: str


CHAR_WIDTH = 6.6
"""Roughly how wide a 12px Arial character is, to lay the legend out without measuring text."""


def legend(items: Sequence[LegendItem], left: float, top: float, width: float) -> tuple[str, float]:
    """The legend's SVG and height, items laid out in rows within ``width``."""
    parts, x, y = [], left, top + 8
    for item in items:
        wide = 30 + len(item.label) * CHAR_WIDTH + 18
        if x > left and x + wide > left + width:
            x, y = left, y + 20
        parts.append(
            f'<g class="obs-plot__legend-item" transform="translate({x:.1f} {y:.1f})">{item.sample}'
            f'<text class="obs-plot__text" x="30" y="4">{text(item.label)}</text></g>'
        )
        x += wide
    return '<g class="obs-plot__legend">' + "".join(parts) + "</g>", (y - top) + 14 if items else 0.0


def document(
    body: str,
    *,
    width: float,
    height: float,
    chart_id: str,
    title: str,
    description: str,
    kind: str,
    standalone: bool,
) -> str:
    """The whole ``<svg>``: named by its title and description for screen readers, on a white background, with
    the stylesheet embedded when ``standalone``."""
    ident = check_chart_id(chart_id)
    style = f"<style>{stylesheet(('.obs-plot', f'.obs-{kind}'))}</style>" if standalone else ""
    w, h = f"{width:.0f}", f"{height:.0f}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="obs-chart obs-{kind}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        f'<title id="{ident}-title">{text(title)}</title><desc id="{ident}-desc">{text(description)}</desc>{style}'
        f'<rect class="obs-plot__background" x="0" y="0" width="{w}" height="{h}"/>{body}</svg>'
    )


def polyline(css_class: str, points: Sequence[tuple[float, float]], **data: str) -> str:
    extra = "".join(f' data-{name.replace("_", "-")}="{text(value)}"' for name, value in data.items())
    joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline class="{css_class}" points="{joined}"{extra}/>'
