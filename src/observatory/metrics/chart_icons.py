"""The variation and assurance icons: Observatory's own simple designs, told apart by shape as well as colour.

A variation icon's outline is the shape its points have on the SPC chart (a circle for common cause, a diamond
for improvement, a triangle for concern, a square for a change that is neither), with an arrow for the direction
of a special cause or a wave for common cause; a dashed circle when it was not assessed. An assurance icon is a
rounded square holding a tick (consistently passing), a cross (consistently failing), a question mark (hit and
miss) or a dash (not assessed). Each has a ``<title>`` with the words the pages use.
"""

from __future__ import annotations

from typing import get_args

from observatory.metrics.chart_svg import stylesheet, text
from observatory.metrics.spc import Assurance, Variation, assurance_text, variation_text

VARIATIONS: tuple[str, ...] = get_args(Variation)
ASSURANCES: tuple[str, ...] = get_args(Assurance)

# --- shapes --------------------------------------------------------------------------------------------------------

_ARROWS = {"high": "M20 29V12M13 18L20 11L27 18", "low": "M20 11V28M13 22L20 29L27 22"}
_TRIANGLE_ARROWS = {"high": "M20 31V17M15 22L20 17L25 22", "low": "M20 16V30M15 25L20 30L25 25"}
"""Shorter arrows, lower down, to sit inside the triangle."""
_WAVE = "M11 20C14 15 17 15 20 20S26 25 29 20"
_FLAT = "M14 20H26"
_FACES = {
    "common": '<circle class="obs-icon__face" cx="20" cy="20" r="16"/>',
    "improvement": '<path class="obs-icon__face" d="M20 2.5L37.5 20L20 37.5L2.5 20Z"/>',
    "concern": '<path class="obs-icon__face" d="M20 3L37.5 35H2.5Z"/>',
    "neutral": '<rect class="obs-icon__face" x="4" y="4" width="32" height="32"/>',
    "rounded": '<rect class="obs-icon__face" x="4" y="4" width="32" height="32" rx="8"/>',
    "dashed": '<circle class="obs-icon__face" cx="20" cy="20" r="16" stroke-dasharray="4 4"/>',
}


def _icon(tone: str, face: str, marks: str, name: str, size: int, standalone: bool, decorative: bool) -> str:
    hidden = ' aria-hidden="true" focusable="false"' if decorative else f' role="img" aria-label="{text(name)}"'
    style = f"<style>{stylesheet(('.obs-icon',))}</style>" if standalone else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="obs-icon obs-icon--{tone}" viewBox="0 0 40 40" '
        f'width="{size}" height="{size}"{hidden}><title>{text(name)}</title>{style}{_FACES[face]}{marks}</svg>'
    )


def variation_icon_svg(
    variation: str | None, *, size: int = 40, standalone: bool = False, decorative: bool = False
) -> str:
    """The icon of a variation category: its outline is the shape its points have on the SPC chart (circle for
    common cause, diamond for improvement, triangle for concern, square for neither), with an arrow for the
    direction of a special cause or a wave for common cause; a dashed circle when it was not assessed.

    ``decorative`` hides it from screen readers (when its words are written beside it)."""
    if variation is not None and variation not in VARIATIONS:
        raise ValueError(f"unknown variation {variation!r}")
    name = variation_text(variation)  # type: ignore[arg-type]
    if variation is None:
        return _icon(
            "unknown", "dashed", f'<path class="obs-icon__mark" d="{_FLAT}"/>', name, size, standalone, decorative
        )
    if variation == "common_cause":
        return _icon(
            "common", "common", f'<path class="obs-icon__mark" d="{_WAVE}"/>', name, size, standalone, decorative
        )
    kind, _, direction = variation.partition("_")
    arrows = _TRIANGLE_ARROWS if kind == "concern" else _ARROWS
    marks = f'<path class="obs-icon__mark" d="{arrows[direction]}"/>'
    return _icon(kind, kind, marks, name, size, standalone, decorative)


_TICK = "M12 21L18 27L29 14"
_CROSS = "M13 13L27 27M27 13L13 27"
_QUESTION = "M15 15.5C15 12 17.5 10.5 20 10.5S25 12 25 15C25 18.5 20 19 20 23"


def assurance_icon_svg(
    assurance: str | None, *, size: int = 40, standalone: bool = False, decorative: bool = False
) -> str:
    """The icon of an assurance category: a rounded square holding a tick (consistently passing), a cross
    (consistently failing) or a question mark (hit and miss); a dash when it was not assessed."""
    if assurance is not None and assurance not in ASSURANCES:
        raise ValueError(f"unknown assurance {assurance!r}")
    name = assurance_text(assurance)  # type: ignore[arg-type]
    if assurance == "consistently_passing":
        return _icon(
            "passing", "rounded", f'<path class="obs-icon__mark" d="{_TICK}"/>', name, size, standalone, decorative
        )
    if assurance == "consistently_failing":
        return _icon(
            "failing", "rounded", f'<path class="obs-icon__mark" d="{_CROSS}"/>', name, size, standalone, decorative
        )
    if assurance == "hit_and_miss":
        marks = f'<path class="obs-icon__mark" d="{_QUESTION}"/><circle class="obs-icon__dot" cx="20" cy="29" r="2.2"/>'
        return _icon("common", "rounded", marks, name, size, standalone, decorative)
    marks = f'<path class="obs-icon__mark" d="{_FLAT}"/>'
    return _icon("unknown", "rounded", marks, name, size, standalone, decorative)
