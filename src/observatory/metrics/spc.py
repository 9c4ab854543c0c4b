"""Statistical process control: XmR charts and special-cause rules after NHS England's Making Data Count.

The method is NHS England's "Making Data Count" XmR chart as the NHS-R Community's R package NHSRplotthedots
computes it, and reproduces that package's reference results (see tests/metrics/test_spc.py):

- each segment has a mean and a mean moving range (mMR) of consecutive values; process limits sit at
  mean ± 2.66 × mMR and the two-sigma lines at mean ± (2/3) × 2.66 × mMR;
- screening (on by default, as in NHSRplotthedots): moving ranges of at least 3.267 × mMR are left out and the
  mMR is recalculated once, so one extreme value does not widen the limits. Unlike NHSRplotthedots, screening is
  not applied when it would leave an mMR of 0 (every other range 0), which would flag every point;
- the four rules of :func:`observatory.metrics.spc_rules.apply_rules`: a point beyond the limits, a shift, a
  trend, two of three points beyond two sigma. Every point of a signal is flagged and classed as improvement or
  concern by the KPI's polarity (neutral when neither direction is better);
- a point on the mean is on neither side: it breaks a run and does not count towards one. "On" allows for
  rounding in the mean (a relative 1e-9), so 0.1 is on a mean of 0.1 computed as 0.10000000000000002;
- a trend is ``trend_length`` points each strictly above (or below) the one before; an equal value breaks it;
- rebasing: each rebase date starts a new segment, at the first period on or after it, with its own mean and
  limits; no moving range and no rule crosses segments. ``fix_after_n_points`` bases each segment's limits on
  its first N values and extends them (NHSRplotthedots' option of the same name);
- a missing value (None or NaN) is a gap, shown as a point without a value: it is left out of the mean, has no
  moving range on either side (so the jump across a gap is never a moving range, as in NHSRplotthedots) and it
  breaks any run, trend or two-of-three window, since those rules are about consecutive periods;
- when the values of a segment never change (mMR = 0) the limits sit on the mean: nothing is divided by zero,
  and only a value away from the mean is special;
- limits resting on fewer than 12 values are trial limits (``trial_limits`` and a warning), as in NHSRplotthedots.

The run lengths default to 7 points for shifts and trends: NHSRplotthedots, which follows the Making Data Count
Excel tools, fixes both at seven. 6 may be chosen; it signals a sustained change a period sooner but raises more
false alarms (six in a row on one side happens by chance twice as often as seven: 1 in 32 against 1 in 64).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

import numpy as np

from observatory.metrics.spc_rules import (
    LIMIT_FACTOR,
    SCREEN_FACTOR,
    ChartLines,
    FloatArray,
    RuleFlags,
    apply_rules,
    moving_ranges,
    segment_starts,
    segment_statistics,
)

__all__ = [
    "DEFAULT_RUN_LENGTH",
    "LIMIT_FACTOR",
    "RUN_LENGTHS",
    "SCREEN_FACTOR",
    "TRIAL_POINTS",
    "Assurance",
    "Polarity",
    "Rule",
    "SpcOptions",
    "SpcPoint",
    "SpcResult",
    "SpcSegment",
    "SpecialCause",
    "Variation",
    "assurance_text",
    "describe",
    "variation_text",
    "xmr",
    "xmr_many",
]

Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
SpecialCause = Literal["improvement", "concern", "neutral"]
Variation = Literal[
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
Assurance = Literal["consistently_passing", "consistently_failing", "hit_and_miss"]
Rule = Literal["beyond_limits", "shift", "trend", "two_of_three"]
Direction = Literal["high", "low"]

DEFAULT_RUN_LENGTH = 7
RUN_LENGTHS = (6, 7)
TRIAL_POINTS = 12
POLARITIES: tuple[Polarity, ...] = ("higher_is_better", "lower_is_better", "neutral")
RULE_ORDER: tuple[Rule, ...] = ("beyond_limits", "shift", "trend", "two_of_three")


@dataclass(frozen=True)
class SpcOptions:
    """How the chart is drawn: run lengths, screening of moving ranges, rebasing."""

    run_length: int = DEFAULT_RUN_LENGTH
    """Points in a row on one side of the mean that make a shift (6 or 7)."""
    trend_length: int = DEFAULT_RUN_LENGTH
    """Points in a row rising (or falling) that make a trend (6 or 7)."""
    screen: bool = True
    """Leave moving ranges of at least 3.267 x the mean moving range out of the mean moving range."""
    rebase: tuple[date, ...] = ()
    """Periods from which the mean and limits are computed afresh (each starts a new segment)."""
    fix_after_n_points: int | None = None
    """Base each segment's mean and limits on its first N values only (at least 12), then extend them."""

    def __post_init__(self) -> None:
        for name in ("run_length", "trend_length"):
            if getattr(self, name) not in RUN_LENGTHS:
                raise ValueError(f"{name} must be 6 or 7, not {getattr(self, name)!r}")
        if self.fix_after_n_points is not None and self.fix_after_n_points < TRIAL_POINTS:
            raise ValueError(f"fix_after_n_points must be at least {TRIAL_POINTS}, not {self.fix_after_n_points}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_length": self.run_length,
            "trend_length": self.trend_length,
            "screen": self.screen,
            "rebase": [when.isoformat() for when in sorted(self.rebase)],
            "fix_after_n_points": self.fix_after_n_points,
        }


@dataclass(frozen=True, slots=True)
class SpcPoint:
    """One point of the chart, with the mean and limits of its segment and what it signals."""

    period: date
    value: float | None
    mean: float | None
    lower: float | None
    upper: float | None
    lower_two_sigma: float | None
    upper_two_sigma: float | None
    moving_range: float | None
    target: float | None
    special_cause: SpecialCause | None
    rules: tuple[Rule, ...]
    direction: Direction | None = None
    """Which way the signal points: side of the mean, or the way a trend runs; None for common cause."""
    segment: int = 0
    """Index of the segment (0 before the first rebase)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the period as an ISO date, numbers unrounded (rounding is for display)."""
        return {
            "period": self.period.isoformat(),
            "value": self.value,
            "mean": self.mean,
            "lower": self.lower,
            "upper": self.upper,
            "lower_two_sigma": self.lower_two_sigma,
            "upper_two_sigma": self.upper_two_sigma,
            "moving_range": self.moving_range,
            "target": self.target,
            "special_cause": self.special_cause,
            "direction": self.direction,
            "rules": list(self.rules),
            "segment": self.segment,
        }


@dataclass(frozen=True)
class SpcSegment:
    """One stretch of the chart between rebases, with its own mean and limits."""

    start: date
    end: date
    values: int
    """Values in the segment (gaps not counted)."""
    baseline: int
    """Values the mean and limits come from."""
    mean: float | None
    mean_moving_range: float | None
    lower: float | None
    upper: float | None
    screened: int
    """Moving ranges left out by screening."""
    trial_limits: bool
    """True when the limits rest on fewer than 12 values (or cannot be calculated at all)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "values": self.values,
            "baseline": self.baseline,
            "mean": self.mean,
            "mean_moving_range": self.mean_moving_range,
            "lower": self.lower,
            "upper": self.upper,
            "screened": self.screened,
            "trial_limits": self.trial_limits,
        }


@dataclass(frozen=True)
class SpcResult:
    """A whole chart: its points, the variation and assurance categories of the latest point, and warnings."""

    points: list[SpcPoint]
    polarity: Polarity
    variation: Variation | None
    assurance: Assurance | None
    trial_limits: bool
    warnings: list[str] = field(default_factory=list)
    segments: list[SpcSegment] = field(default_factory=list)
    options: SpcOptions = SpcOptions()

    @property
    def latest(self) -> SpcPoint | None:
        """The latest point that has a value (the one the variation and assurance categories describe)."""
        return next((point for point in reversed(self.points) if point.value is not None), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, numbers unrounded, categories with their plain-English wording."""
        return {
            "polarity": self.polarity,
            "variation": self.variation,
            "variation_text": variation_text(self.variation),
            "assurance": self.assurance,
            "assurance_text": assurance_text(self.assurance),
            "description": describe(self),
            "trial_limits": self.trial_limits,
            "warnings": list(self.warnings),
            "options": self.options.to_dict(),
            "segments": [segment.to_dict() for segment in self.segments],
            "points": [point.to_dict() for point in self.points],
        }


def xmr(
    values: Sequence[float | None],
    periods: Sequence[date],
    *,
    polarity: Polarity = "neutral",
    targets: Sequence[float | None] | None = None,
    options: SpcOptions = SpcOptions(),
) -> SpcResult:
    """An XmR chart of ``values`` (one per period, oldest first) with every special-cause rule applied.

    A value may be None (or NaN) for a missing period. ``targets`` (optional) gives the target in force in each
    period, None where there is none; the assurance category compares the latest value's target with its
    segment's limits. Raises ValueError when the lengths differ, the periods are not strictly increasing, the
    polarity is unknown or a value is infinite.
    """
    return xmr_many([values], periods, polarity=polarity, targets=targets, options=options)[0]


def xmr_many(
    series: Sequence[Sequence[float | None]],
    periods: Sequence[date],
    *,
    polarity: Polarity = "neutral",
    targets: Sequence[float | None] | None = None,
    options: SpcOptions = SpcOptions(),
) -> list[SpcResult]:
    """XmR charts of several series over the same periods (e.g. a KPI's breakdowns), computed in one pass.

    Gives the same result for each series as :func:`xmr`, faster when there are many.
    """
    size = len(periods)
    if any(len(values) != size for values in series):
        raise ValueError(f"every series needs one value per period ({size} periods)")
    if targets is not None and len(targets) != size:
        raise ValueError(f"{size} periods but {len(targets)} targets")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
    if not all(map(operator.lt, periods, periods[1:])):
        raise ValueError("periods must be strictly increasing (oldest first, no repeats)")
    y = np.array([np.nan if v is None else v for values in series for v in values], dtype=np.float64)
    if np.isinf(y).any():
        raise ValueError("values must be finite numbers or None")

    starts, ignored = segment_starts(periods, options.rebase)
    per_chart = len(starts)
    chart_segment = np.zeros(size, dtype=np.int64)
    for boundary in starts[1:]:
        chart_segment[boundary:] += 1
    segment = np.tile(chart_segment, len(series)) + np.repeat(np.arange(len(series)) * per_chart, size)
    stats = segment_statistics(
        y, segment, per_chart * len(series), screen=options.screen, fix_after=options.fix_after_n_points
    )
    lines = ChartLines.from_spread(stats.mean[segment], stats.mean_moving_range[segment])
    flags = apply_rules(y, segment, lines, run_length=options.run_length, trend_length=options.trend_length)
    columns = _Columns(y, lines, moving_ranges(y, segment), flags, polarity)

    clean_targets = [None if t is None or t != t else float(t) for t in (targets or [None] * size)]
    ends = [*starts[1:], size]
    segment_bounds = [(periods[a], periods[b - 1]) for a, b in zip(starts, ends, strict=True)] if size else []
    in_chart = chart_segment.tolist()
    per_segment = (stats.values, stats.baseline, stats.mean, stats.mean_moving_range, stats.screened)
    segment_rows = list(zip(*(a.tolist() for a in per_segment), strict=True))
    results = []
    for index in range(len(series)):
        offset = index * size
        points = columns.points(offset, periods, clean_targets, in_chart)
        segments = [
            _segment(first, last, *segment_rows[index * per_chart + k])
            for k, (first, last) in enumerate(segment_bounds)
        ]
        latest = next((point for point in reversed(points) if point.value is not None), None)
        results.append(
            SpcResult(
                points=points,
                polarity=polarity,
                variation=_variation(latest),
                assurance=_assurance(latest, polarity),
                trial_limits=size == 0 or any(s.trial_limits for s in segments),
                warnings=_warnings(periods, segments, ignored),
                segments=segments,
                options=options,
            )
        )
    return results


class _Columns:
    """The charts' per-point arrays as Python lists (None for a gap), ready to be cut into points chart by chart."""

    def __init__(
        self, y: FloatArray, lines: ChartLines, ranges: FloatArray, flags: RuleFlags, polarity: Polarity
    ) -> None:
        arrays = (y, lines.mean, lines.lower, lines.upper, lines.lower_two_sigma, lines.upper_two_sigma, ranges)
        self.lists = [_nullable(array) for array in arrays]
        # One small code per point: which rules it meets (a bit each), and whether its signal points up.
        rule_bits = flags.beyond_limits + 2 * flags.shift + 4 * flags.trend + 8 * flags.two_of_three
        self.codes = (rule_bits * 2 + (flags.direction > 0)).tolist()
        self.signals = _signals(polarity)

    def points(
        self, start: int, periods: Sequence[date], targets: list[float | None], segments: list[int]
    ) -> list[SpcPoint]:
        """The points of the chart whose first value is at ``start``."""
        end = start + len(periods)
        value, mean, lower, upper, lower_two, upper_two, ranges = (column[start:end] for column in self.lists)
        signals = self.signals
        return [
            SpcPoint(period, v, m, lo, up, lo2, up2, mr, target, signal[1], signal[0], signal[2], segment)
            for period, v, m, lo, up, lo2, up2, mr, target, segment, signal in zip(
                periods, value, mean, lower, upper, lower_two, upper_two, ranges, targets, segments,
                (signals[code] for code in self.codes[start:end]), strict=True,
            )
        ]  # fmt: skip


Signal = tuple[tuple[Rule, ...], SpecialCause | None, Direction | None]
_BETTER: dict[str, Direction] = {"higher_is_better": "high", "lower_is_better": "low"}
_DIRECTIONS: tuple[tuple[int, Direction], ...] = ((0, "low"), (1, "high"))


@cache
def _signals(polarity: Polarity) -> dict[int, Signal]:
    """What each point code of :class:`_Columns` means: its rules, special cause and direction."""
    better = _BETTER.get(polarity)
    signals: dict[int, Signal] = {0: ((), None, None)}
    for bits in range(1, 16):
        rules = tuple(rule for bit, rule in enumerate(RULE_ORDER) if bits & (1 << bit))
        for up, direction in _DIRECTIONS:
            cause: SpecialCause = "neutral" if better is None else "improvement" if direction == better else "concern"
            signals[bits * 2 + up] = (rules, cause, direction)
    return signals


def _nullable(array: FloatArray) -> list[float | None]:
    values: list[float | None] = array.tolist()
    if np.isnan(array).any():
        return [None if v != v else v for v in values]
    return values


def _segment(
    first: date, last: date, values: int, baseline: int, mean: float, spread: float, screened: int
) -> SpcSegment:
    has_mean, has_limits = values > 0, values > 0 and spread == spread
    return SpcSegment(
        start=first,
        end=last,
        values=values,
        baseline=baseline,
        mean=mean if has_mean else None,
        mean_moving_range=spread if has_limits else None,
        lower=mean - LIMIT_FACTOR * spread if has_limits else None,
        upper=mean + LIMIT_FACTOR * spread if has_limits else None,
        screened=screened,
        trial_limits=not has_limits or baseline < TRIAL_POINTS,
    )


_VARIATIONS: dict[tuple[SpecialCause, Direction], Variation] = {
    ("improvement", "high"): "improvement_high",
    ("improvement", "low"): "improvement_low",
    ("concern", "high"): "concern_high",
    ("concern", "low"): "concern_low",
    ("neutral", "high"): "neutral_high",
    ("neutral", "low"): "neutral_low",
}


def _variation(latest: SpcPoint | None) -> Variation | None:
    if latest is None or latest.upper is None:
        return None
    if latest.special_cause is None or latest.direction is None:
        return "common_cause"
    return _VARIATIONS[(latest.special_cause, latest.direction)]


def _assurance(latest: SpcPoint | None, polarity: Polarity) -> Assurance | None:
    if latest is None or polarity == "neutral" or latest.target is None:
        return None
    if latest.lower is None or latest.upper is None:
        return None
    target = latest.target
    below_lower, above_upper = target < latest.lower, target > latest.upper
    if not (below_lower or above_upper):
        return "hit_and_miss"
    passing = below_lower if polarity == "higher_is_better" else above_upper
    return "consistently_passing" if passing else "consistently_failing"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _long_date(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


def _warnings(periods: Sequence[date], segments: list[SpcSegment], ignored: list[date]) -> list[str]:
    if not periods:
        return ["There are no values to chart."]
    warnings = []
    for when in ignored:
        warnings.append(
            f"The rebase date {_long_date(when)} is outside the charted periods "
            f"({_long_date(periods[0])} to {_long_date(periods[-1])}), so it has no effect."
        )
    for segment in segments:
        since = f"from {_long_date(segment.start)}" if len(segments) > 1 else "for this chart"
        if segment.values == 0:
            warnings.append(f"There are no values {since}.")
        elif segment.mean_moving_range is None:
            warnings.append(
                f"Process limits cannot be calculated {since}: at least two values in consecutive periods are needed."
            )
        elif segment.trial_limits:
            warnings.append(
                f"Trial limits {since}: they are based on {_count(segment.baseline, 'value')}, fewer than the "
                f"{TRIAL_POINTS} needed for reliable limits, so they will change as more data arrive; "
                "treat signals with caution."
            )
        if segment.mean_moving_range == 0:
            warnings.append(
                f"The values {since} do not vary from one period to the next, so the limits sit on the mean "
                "and any different value shows as special cause."
            )
        if segment.screened:
            warnings.append(
                f"Screening left {_count(segment.screened, 'unusually large moving range')} out of the limits {since}."
            )
    return warnings


_VARIATION_TEXT: dict[str, str] = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation: improvement (higher)",
    "improvement_low": "Special cause variation: improvement (lower)",
    "concern_high": "Special cause variation: concern (higher)",
    "concern_low": "Special cause variation: concern (lower)",
    "neutral_high": "Special cause variation: neither improvement nor concern (higher)",
    "neutral_low": "Special cause variation: neither improvement nor concern (lower)",
}
_ASSURANCE_TEXT: dict[str, str] = {
    "consistently_passing": "Consistently passing the target: the whole range of expected values meets it",
    "consistently_failing": "Consistently failing the target: the whole range of expected values misses it",
    "hit_and_miss": "Hit and miss: the target lies within the process limits, so it will be met only some of the time",
}
RULE_TEXT: dict[str, str] = {  # the words for each rule, in reasons and descriptions
    "beyond_limits": "a point beyond the process limits",
    "shift": "a run of points on one side of the mean",
    "trend": "a run of points rising or falling",
    "two_of_three": "two of three points close to a process limit",
}


def variation_text(variation: Variation | None) -> str:
    """The words the pages show for a variation category."""
    if variation is None:
        return "Variation not assessed: too few values to calculate process limits"
    return _VARIATION_TEXT[variation]


def assurance_text(assurance: Assurance | None) -> str:
    """The words the pages show for an assurance category."""
    if assurance is None:
        return "Assurance not assessed: no target, or a KPI where neither direction is better"
    return _ASSURANCE_TEXT[assurance]


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:,.2f}"


def describe(result: SpcResult) -> str:
    """One or two plain sentences about the latest signal, for pages and the command line."""
    latest = result.latest
    if latest is None or latest.value is None:
        return "There are no values to chart yet."
    text = f"Latest value {_number(latest.value)} ({_long_date(latest.period)}): "
    if result.variation is None:
        text += "too few values to calculate process limits."
    elif latest.special_cause is None:
        text += "common cause variation, within the expected range."
    else:
        reasons = " and ".join(RULE_TEXT[rule] for rule in latest.rules)
        text += f"{variation_text(result.variation)[0].lower()}{variation_text(result.variation)[1:]}, from {reasons}."
    if result.assurance is not None and latest.target is not None:
        wording = {
            "consistently_passing": "consistently passing",
            "consistently_failing": "consistently failing",
            "hit_and_miss": "hit and miss against",
        }[result.assurance]
        text += f" The process is {wording} the target of {_number(latest.target)}."
    if result.trial_limits:
        text += " The limits are trial limits."
    return text
