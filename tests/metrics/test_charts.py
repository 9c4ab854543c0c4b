"""KPI charts: every point, limit, target and signal is drawn where the data puts it; text is escaped; the icons
are told apart by shape and words; standalone files carry their own stylesheet; PNGs are real PNGs."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date

import pytest

from observatory.metrics.chart_svg import STYLES, Columns, Scale, stylesheet
from observatory.metrics.charts import (
    MARKERS,
    VARIATIONS,
    Fan,
    assurance_icon_svg,
    forecast_chart_svg,
    points_from_rows,
    spc_chart_svg,
    svg_to_png,
    variation_icon_svg,
)
from observatory.metrics.spc import SpcOptions, SpcPoint, assurance_text, variation_text, xmr

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def months(count: int, first: date = date(2022, 4, 1)) -> list[date]:
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def labels_of(periods: list[date]) -> list[str]:
    return [p.strftime("%b %Y") for p in periods]


STEADY = [10.0, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9, 10, 12, 10, 11, 9, 10]
SHIFTED = [*STEADY, 15.0, 16, 15, 17, 16, 15, 16, 15, 30]
"""A steady process, then a shift up (seven and more points above the mean) ending with a point far beyond."""
SPIKES = [*STEADY, 30.0, *STEADY[:6], -5.0, *STEADY[:4]]
"""A steady process with one point far above (an improvement when higher is better) and one far below."""


def chart(values: Sequence[float | None], **options: object) -> tuple[list[SpcPoint], ET.Element, str]:
    periods = months(len(values))
    targets = options.pop("targets", None)
    rebase = options.pop("rebase", ())
    result = xmr(
        values,
        periods,
        polarity="higher_is_better",
        targets=targets,  # type: ignore[arg-type]
        options=SpcOptions(rebase=tuple(rebase)),  # type: ignore[arg-type]
    )
    svg = spc_chart_svg(result.points, labels_of(periods), title="Contacts", **options)  # type: ignore[arg-type]
    return result.points, ET.fromstring(svg), svg


def y_mapping(root: ET.Element) -> tuple[float, float]:
    """The chart's own value → pixel line, read from two of its labelled axis ticks."""
    ticks = [
        (float(t.attrib["data-value"]), float(t.attrib["y"]) - 4)
        for t in root.iter(f"{SVG}text")
        if "obs-plot__tick" in t.attrib.get("class", "")
    ]
    assert len(ticks) >= 2
    (v1, y1), (v2, y2) = ticks[0], ticks[-1]
    slope = (y2 - y1) / (v2 - v1)
    return slope, y1 - slope * v1


def description(root: ET.Element) -> str:
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text
    return desc.text


def translate(element: ET.Element) -> tuple[float, float]:
    found = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", element.attrib["transform"])
    assert found, element.attrib
    return float(found.group(1)), float(found.group(2))


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    """The chart's elements with the class ``name``, leaving out the samples in its legend."""
    found: list[ET.Element] = []
    pending = [root]
    while pending:
        element = pending.pop(0)
        classes = element.attrib.get("class", "").split()
        if "obs-plot__legend" in classes:
            continue
        if name in classes:
            found.append(element)
        pending[:0] = list(element)
    return found


def test_every_point_is_drawn_at_its_value_with_its_signal_shape() -> None:
    points, root, _ = chart(SPIKES)
    slope, offset = y_mapping(root)
    markers = by_class(root, "obs-spc__point")
    assert len(markers) == len(points)
    xs = []
    for point, marker in zip(points, markers, strict=True):
        x, y = translate(marker)
        xs.append(x)
        assert point.value is not None
        assert y == pytest.approx(slope * point.value + offset, abs=0.15)
        signal = point.special_cause or "common"
        assert marker.attrib["data-signal"] == signal
        assert marker.attrib["d"] == MARKERS[signal]
        assert signal in marker.attrib["class"]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    signals = {m.attrib["data-signal"] for m in markers}
    assert signals == {"common", "improvement", "concern"}
    assert markers[18].attrib["data-signal"] == "improvement" and markers[25].attrib["data-signal"] == "concern"
    assert len({MARKERS[s] for s in MARKERS}) == len(MARKERS), "every signal has its own shape"


def test_mean_limits_and_two_sigma_lines_sit_at_the_segments_values_and_step_at_a_rebase() -> None:
    rebase = date(2023, 10, 1)  # the 19th period: where the shift starts
    points, root, _ = chart(SHIFTED, rebase=[rebase])
    slope, offset = y_mapping(root)
    first = points[0]
    last = points[-1]
    assert first.mean != last.mean, "the rebase gives the second stretch its own mean"
    for css, low, high in (
        ("obs-spc__limit", "lower", "upper"),
        ("obs-spc__sigma", "lower_two_sigma", "upper_two_sigma"),
    ):
        lines = by_class(root, css)
        expected = {
            (getattr(first, low), 0, 17),
            (getattr(first, high), 0, 17),
            (getattr(last, low), 18, len(points) - 1),
            (getattr(last, high), 18, len(points) - 1),
        }
        found = {(float(e.attrib["data-value"]), int(e.attrib["data-from"]), int(e.attrib["data-to"])) for e in lines}
        assert found == expected
        for line in lines:
            y = float(line.attrib["y1"])
            assert line.attrib["y1"] == line.attrib["y2"]
            assert y == pytest.approx(slope * float(line.attrib["data-value"]) + offset, abs=0.15)
    means = by_class(root, "obs-spc__mean")
    assert [float(m.attrib["data-value"]) for m in means] == [first.mean, last.mean]
    assert len(by_class(root, "obs-spc__rebase")) == 1
    assert "recalculated from Oct 2023" in description(root)


def test_the_target_is_drawn_as_steps_and_can_be_left_out() -> None:
    targets: list[float | None] = [None] * 3 + [11.0] * 10 + [14.0] * 14
    _, root, _ = chart(SHIFTED, targets=targets)
    slope, offset = y_mapping(root)
    steps = by_class(root, "obs-spc__target")
    assert [(float(s.attrib["data-value"]), s.attrib["data-from"], s.attrib["data-to"]) for s in steps] == [
        (11.0, "3", "12"),
        (14.0, "13", "26"),
    ]
    for step in steps:
        assert float(step.attrib["y1"]) == pytest.approx(slope * float(step.attrib["data-value"]) + offset, abs=0.15)
    assert "Target" in "".join(root.itertext())
    _, hidden, _ = chart(SHIFTED, targets=targets, show_target=False)
    assert not by_class(hidden, "obs-spc__target")


def test_a_missing_value_breaks_the_line_and_has_no_marker() -> None:
    values: list[float | None] = [*STEADY[:8], None, *STEADY[9:]]
    points, root, _ = chart(values)
    assert len(by_class(root, "obs-spc__point")) == len(values) - 1
    lines = by_class(root, "obs-spc__value")
    assert [len(line.attrib["points"].split()) for line in lines] == [8, len(values) - 9]
    assert "1 periods have no value" in description(root)
    assert points[8].value is None


def test_period_labels_are_thinned_and_the_latest_is_always_named() -> None:
    periods = months(60)
    result = xmr([10.0 + (k % 5) for k in range(60)], periods)
    root = ET.fromstring(spc_chart_svg(result.points, labels_of(periods), title="Sixty months"))
    shown = [t.text for t in by_class(root, "obs-plot__period")]
    assert 2 <= len(shown) <= 9
    assert shown[-1] == "Mar 2027"
    assert Columns(60, 0, 100).labelled(9)[-1] == 59


def test_the_chart_is_named_and_described_for_screen_readers() -> None:
    _, root, _ = chart(SHIFTED, chart_id="kpi-contacts", format_value=lambda v: f"{v:.0f} contacts")
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "kpi-contacts-title kpi-contacts-desc"
    assert root.find(f"{SVG}title").attrib["id"] == "kpi-contacts-title"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.attrib["id"] == "kpi-contacts-desc"
    assert desc.text and "27 values from Apr 2022 to Jun 2024" in desc.text
    assert "the latest, Jun 2024, is 30 contacts" in desc.text
    assert "special-cause variation" in desc.text
    with pytest.raises(ValueError, match="chart_id"):
        chart(SHIFTED, chart_id='x" onload="alert(1)')


def test_every_text_is_escaped() -> None:
    nasty = "<script>alert('x')</script> & \"quotes\""
    periods = months(3)
    result = xmr([1.0, 2.0, 3.0], periods)
    svg = spc_chart_svg(result.points, [nasty, "b", "c"], title=nasty, format_value=lambda v: f"{v} <b>")
    root = ET.fromstring(svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert root.find(f"{SVG}title").text == nasty  # type: ignore[union-attr]
    assert nasty in "".join(root.itertext())
    fan = Fan(["<next>"], [3.0], [2.0], [4.0], [1.0], [5.0])
    forecast = forecast_chart_svg([1.0, 2.0], ["a", "b"], fan, title=nasty, scenarios=[(nasty, [3.5])])
    assert "<script>" not in forecast and "<next>" not in forecast
    ET.fromstring(forecast)


def classes_used(svg: str) -> set[str]:
    return {name for found in re.findall(r'class="([^"]+)"', svg) for name in found.split()}


def test_a_standalone_file_carries_the_rules_of_every_class_it_uses() -> None:
    _, _, svg = chart(SHIFTED, targets=[12.0] * len(SHIFTED), standalone=True)
    style = ET.fromstring(svg).find(f"{SVG}style")
    assert style is not None and style.text
    styled = set(re.findall(r"\.(obs-[a-z0-9_-]+)", style.text))
    selectors = set(re.findall(r"\.(obs-[a-z0-9_-]+)", " ".join(STYLES)))
    drawn = classes_used(svg) & selectors
    assert drawn <= styled
    assert {"obs-spc__limit", "obs-spc__point--improvement", "obs-plot__text"} <= drawn
    _, _, inline = chart(SHIFTED)
    assert "<style>" not in inline, "a chart in a page is styled by the page's stylesheet (no inline style)"
    assert stylesheet((".obs-icon",)).startswith(".obs-icon")


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_png_copies_have_the_signature_and_the_scaled_size() -> None:
    _, root, svg = chart(SHIFTED, standalone=True, width=600)
    height = int(root.attrib["height"])
    assert png_size(svg_to_png(svg, scale=1)) == (600, height)
    assert png_size(svg_to_png(svg, scale=2)) == (1200, 2 * height)
    icon = variation_icon_svg("concern_high", standalone=True, size=40)
    assert png_size(svg_to_png(icon, scale=1)) == (40, 40)
    _, _, inline = chart(SHIFTED)
    with pytest.raises(ValueError, match="standalone"):
        svg_to_png(inline)
    with pytest.raises(ValueError, match="scale"):
        svg_to_png(svg, scale=0)


def fan_chart(history: int = 48) -> tuple[Fan, ET.Element]:
    periods = months(history)
    values = [100.0 + k for k in range(history)]
    mean = [150.0 + k for k in range(6)]
    fan = Fan(
        ["F1", "F2", "F3", "F4", "F5", "F6"],
        mean,
        [m - 2 * (k + 1) for k, m in enumerate(mean)],
        [m + 2 * (k + 1) for k, m in enumerate(mean)],
        [m - 3 * (k + 1) for k, m in enumerate(mean)],
        [m + 3 * (k + 1) for k, m in enumerate(mean)],
    )
    scenarios = [("Growth", [m * 1.05 for m in mean]), ("Decline", [m * 0.95 for m in mean])]
    svg = forecast_chart_svg(values, labels_of(periods), fan, title="Forecast", scenarios=scenarios)
    return fan, ET.fromstring(svg)


def polygon_points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in element.attrib["points"].split())]


def test_the_fan_holds_the_forecast_inside_the_80_and_95_percent_bands() -> None:
    fan, root = fan_chart()
    slope, offset = y_mapping(root)
    (band95,), (band80,) = by_class(root, "obs-fan__band95"), by_class(root, "obs-fan__band80")
    mean_line = by_class(root, "obs-fan__mean")[0]
    forecast = polygon_points(mean_line)[1:]  # the first point joins it to the last value of history
    assert len(forecast) == len(fan.mean)
    bands = ((polygon_points(band95), fan.lower_95, fan.upper_95), (polygon_points(band80), fan.lower_80, fan.upper_80))
    for points, low, high in bands:
        upper, lower = points[: len(fan.mean)], points[len(fan.mean) :][::-1]
        for k, ((x, y), (_, y_top), (_, y_bottom)) in enumerate(zip(forecast, upper, lower, strict=True)):
            assert y_top == pytest.approx(slope * high[k] + offset, abs=0.15)  # type: ignore[operator]
            assert y_bottom == pytest.approx(slope * low[k] + offset, abs=0.15)  # type: ignore[operator]
            assert y_top < y < y_bottom
            assert x == upper[k][0]
    scenario_lines = by_class(root, "obs-fan__scenario")
    assert [line.attrib["data-scenario"] for line in scenario_lines] == ["Growth", "Decline"]
    assert scenario_lines[0].attrib["class"] != scenario_lines[1].attrib["class"], "each scenario has its own style"
    history = by_class(root, "obs-fan__history")
    assert len(polygon_points(history[0])) == 36, "the chart shows the last 36 periods of history"
    text = description(root)
    assert "Forecast for 6 periods, F1 to F6" in text and "Scenario Growth" in text


def test_a_fan_is_read_from_a_stored_forecast_and_checked() -> None:
    stored = {
        "periods": ["2025-04-01", "2025-05-01"],
        "labels": ["Apr 2025", "May 2025"],
        "mean": [1.0, 2.0],
        "lower_80": [0.5, 1.0],
        "upper_80": [1.5, 3.0],
        "lower_95": [0.0, 0.5],
        "upper_95": [2.0, 3.5],
    }
    assert Fan.from_dict(stored).labels == ["Apr 2025", "May 2025"]
    with pytest.raises(ValueError, match="one value per forecast period"):
        Fan.from_dict({**stored, "mean": [1.0]})
    fan = Fan.from_dict(stored)
    with pytest.raises(ValueError, match="scenario"):
        forecast_chart_svg([1.0], ["a"], fan, title="x", scenarios=[("s", [1.0])])


@pytest.mark.parametrize(
    "variation",
    [
        None,
        "common_cause",
        "improvement_high",
        "improvement_low",
        "concern_high",
        "concern_low",
        "neutral_high",
        "neutral_low",
    ],
)
def test_variation_icons_say_what_they_show(variation: str | None) -> None:
    root = ET.fromstring(variation_icon_svg(variation))
    name = variation_text(variation)  # type: ignore[arg-type]
    assert root.find(f"{SVG}title").text == name  # type: ignore[union-attr]
    assert root.attrib["role"] == "img" and root.attrib["aria-label"] == name
    hidden = ET.fromstring(variation_icon_svg(variation, decorative=True))
    assert hidden.attrib["aria-hidden"] == "true" and "role" not in hidden.attrib


def test_icons_differ_in_shape_not_only_in_colour() -> None:
    variations = [None, *VARIATIONS]
    assurances = ["consistently_passing", "consistently_failing", "hit_and_miss", None]

    def shape(svg: str) -> str:
        """The drawing without its classes: what someone who cannot tell the colours apart sees."""
        root = ET.fromstring(svg)
        return "".join(
            ET.tostring(child, encoding="unicode") for child in root if child.tag not in (f"{SVG}title",)
        ).replace(' class="', ' data-c="')

    shapes = [re.sub(r' data-c="[^"]*"', "", shape(variation_icon_svg(v))) for v in variations]
    shapes += [re.sub(r' data-c="[^"]*"', "", shape(assurance_icon_svg(a))) for a in assurances]
    assert len(set(shapes)) == len(shapes)
    for assurance in assurances:
        root = ET.fromstring(assurance_icon_svg(assurance))
        assert root.find(f"{SVG}title").text == assurance_text(assurance)  # type: ignore[arg-type,union-attr]
    with pytest.raises(ValueError):
        variation_icon_svg("sideways_high")
    with pytest.raises(ValueError):
        assurance_icon_svg("sometimes")


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(colour: str, background: str = "#ffffff") -> float:
    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_lines_markers_and_text_have_enough_contrast_with_the_background() -> None:
    """WCAG 2.2: 3:1 for the graphics needed to read a chart (1.4.11), 4.5:1 for text (1.4.3). Grid lines are
    decoration; the bands' fills are pale, so each band is outlined in a colour that passes."""
    checked = 0
    for selector, rules in STYLES.items():
        if selector in (".obs-plot__grid", ".obs-plot__background", ".obs-icon__face"):
            continue
        for prop in ("stroke", "fill"):
            colour = rules.get(prop, "none")
            if colour in ("none",) or (prop == "fill" and selector.startswith(".obs-fan__band")):
                continue
            minimum = 4.5 if selector == ".obs-plot__text" else 3.0
            assert contrast(colour) >= minimum, f"{selector} {prop} {colour}: {contrast(colour):.2f}"
            checked += 1
    assert checked > 20
    assert contrast(STYLES[".obs-fan__band80"]["stroke"], STYLES[".obs-fan__band95"]["fill"]) >= 3.0
    assert contrast(STYLES[".obs-fan__mean"]["stroke"], STYLES[".obs-fan__band80"]["fill"]) >= 3.0


def test_stored_rows_become_points_with_the_same_two_sigma_lines() -> None:
    periods = months(len(SHIFTED))
    result = xmr(SHIFTED, periods, polarity="lower_is_better", options=SpcOptions(rebase=(date(2023, 10, 1),)))
    as_stored = [point.to_dict() for point in result.points]
    assert points_from_rows(as_stored) == result.points
    warehouse_rows = [
        {
            "period_start": p.period,
            "value": p.value,
            "mean": p.mean,
            "lower": p.lower,
            "upper": p.upper,
            "special_cause": p.special_cause,
            "rules": ",".join(p.rules),
        }
        for p in result.points
    ]
    for rebuilt, original in zip(points_from_rows(warehouse_rows), result.points, strict=True):
        assert rebuilt.lower_two_sigma == pytest.approx(original.lower_two_sigma)
        assert rebuilt.upper_two_sigma == pytest.approx(original.upper_two_sigma)
        assert rebuilt.rules == original.rules and rebuilt.special_cause == original.special_cause
        assert rebuilt.segment == original.segment, "a segment starts where the stored mean and limits change"
    assert {p.segment for p in result.points} == {0, 1}


def test_the_scale_uses_round_ticks_that_cover_the_data() -> None:
    scale = Scale.over([141.5, 191.0, 300.0], 0, 200)
    assert scale.low <= 141.5 and scale.high >= 300
    assert all((tick / scale.step).is_integer() for tick in scale.ticks)
    assert scale.y(scale.low) == 200 and scale.y(scale.high) == 0
    flat = Scale.over([5.0, 5.0], 0, 100)
    assert flat.low < 5 < flat.high
