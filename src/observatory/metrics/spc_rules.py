"""The arithmetic behind XmR charts: segments, process limits and the four special-cause rules, on numpy arrays.

Everything works on one flat array of values (``nan`` for a missing period) with a segment id per point, so
many charts are computed in one pass: a chart's rebase starts a new segment, and so does the next chart. Ids are
non-decreasing and run from 0 to ``segments - 1``. No rule and no moving range crosses a segment boundary.

A missing value is a break: it has no moving range on either side, it is on neither side of the mean and it ends
any run, trend or two-of-three window. The public entry point is :func:`observatory.metrics.spc.xmr`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

LIMIT_FACTOR = 2.66
"""Process limits sit this many mean moving ranges from the mean (3 / 1.128, the XmR constant)."""
TWO_SIGMA_FACTOR = 2 * LIMIT_FACTOR / 3
"""The two-sigma lines sit two thirds of the way from the mean to the process limits."""
SCREEN_FACTOR = 3.267
"""A moving range at least this many times the mean moving range is screened out (the upper range limit)."""
ON_MEAN_TOLERANCE = 1e-9
"""A value within this fraction of its own size of the mean counts as on the mean (absorbs rounding in the mean)."""


@dataclass(frozen=True)
class SegmentStatistics:
    """Per segment: how many values it has, and the mean and mean moving range its limits come from."""

    values: IntArray
    """Values (not gaps) in each segment."""
    baseline: IntArray
    """Values the mean and limits are calculated from (all of them unless the limits are fixed early)."""
    mean: FloatArray
    """``nan`` for a segment without values."""
    mean_moving_range: FloatArray
    """``nan`` when the baseline has no two values in consecutive periods."""
    screened: IntArray
    """Moving ranges left out of the mean moving range by screening."""


@dataclass(frozen=True)
class ChartLines:
    """Each point's mean, process limits and two-sigma lines (``nan`` where they cannot be calculated)."""

    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    lower_two_sigma: FloatArray
    upper_two_sigma: FloatArray

    @classmethod
    def from_spread(cls, mean: FloatArray, spread: FloatArray) -> ChartLines:
        """Lines at mean ± 2.66 and ± (2/3) × 2.66 mean moving ranges."""
        limit, two_sigma = LIMIT_FACTOR * spread, TWO_SIGMA_FACTOR * spread
        return cls(mean, mean - limit, mean + limit, mean - two_sigma, mean + two_sigma)


@dataclass(frozen=True)
class RuleFlags:
    """Which points meet each rule, and the direction of the signal at each point (+1 high, -1 low, 0 none)."""

    beyond_limits: BoolArray
    shift: BoolArray
    trend: BoolArray
    two_of_three: BoolArray
    direction: IntArray


def segment_starts(periods: Sequence[date], rebase: Sequence[date]) -> tuple[list[int], list[date]]:
    """Start indices of a chart's segments, and the rebase dates that fall outside its periods.

    A rebase date starts a new segment at the first period on or after it. A date on the first period changes
    nothing; one before the first period or after the last is returned as ignored.
    """
    starts = [0]
    ignored: list[date] = []
    for when in sorted(set(rebase)):
        index = bisect.bisect_left(periods, when)
        if periods and when == periods[0]:
            continue
        if index == 0 or index >= len(periods):
            ignored.append(when)
        elif index != starts[-1]:
            starts.append(index)
    return starts, ignored


def segment_statistics(
    values: FloatArray, segment: IntArray, segments: int, *, screen: bool, fix_after: int | None
) -> SegmentStatistics:
    """The mean and (optionally screened) mean moving range of every segment, as NHSRplotthedots computes them.

    The moving range of a point is its absolute difference from the previous period's value; the first point of
    a segment and the points either side of a gap have none. Screening drops moving ranges of at least 3.267 times
    the mean moving range and recalculates the mean once; it is not applied when it would leave a mean moving
    range of 0 (every other range 0), which would put the limits on the mean and flag every point. With
    ``fix_after`` only the first ``fix_after`` values of each segment, and the moving ranges between them, count.
    """
    observed = ~np.isnan(values)
    base = observed
    if fix_after is not None:
        seen = np.cumsum(observed)
        before_segment = (seen - observed)[_starts(segment)][segment]
        base = observed & (seen - before_segment <= fix_after)
    count = np.bincount(segment, weights=observed, minlength=segments).astype(np.int64)
    baseline = np.bincount(segment, weights=base, minlength=segments).astype(np.int64)
    pairs = base[1:] & base[:-1] & (segment[1:] == segment[:-1])
    ranges = np.abs(np.diff(values))
    after = segment[1:]
    total = np.bincount(after, weights=pairs, minlength=segments)
    screened = np.zeros(segments, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(segment, weights=np.where(base, values, 0.0), minlength=segments) / baseline
        spread = np.bincount(after, weights=np.where(pairs, ranges, 0.0), minlength=segments) / total
        if screen:
            point_spread = spread[after]
            kept = pairs & ~((point_spread > 0) & (ranges >= SCREEN_FACTOR * point_spread))
            kept_total = np.bincount(after, weights=kept, minlength=segments)
            screened_spread = np.bincount(after, weights=np.where(kept, ranges, 0.0), minlength=segments) / kept_total
            # Screening that would leave no variation at all (every other range is 0) is not applied.
            applies = ~((screened_spread == 0) & (spread > 0))
            screened = np.where(applies, total - kept_total, 0).astype(np.int64)
            spread = np.where(applies, screened_spread, spread)
    flat = ~(spread > 0)
    if values.size and flat.any():
        # A segment whose values are all equal has that value as its mean exactly, not a rounded sum.
        starts = _starts(segment)
        low = np.minimum.reduceat(np.where(base, values, np.inf), starts)
        high = np.maximum.reduceat(np.where(base, values, -np.inf), starts)
        mean = np.where(flat & (low == high), low, mean)
    return SegmentStatistics(count, baseline, mean, spread, screened)


def _starts(segment: IntArray) -> IntArray:
    new = np.ones(segment.size, dtype=bool)
    new[1:] = segment[1:] != segment[:-1]
    return np.flatnonzero(new)


def moving_ranges(values: FloatArray, segment: IntArray) -> FloatArray:
    """The moving range of every point (``nan`` for the first point of a segment and on either side of a gap)."""
    ranges = np.full(values.shape, np.nan)
    if values.size > 1:
        ranges[1:] = np.where(segment[1:] == segment[:-1], np.abs(np.diff(values)), np.nan)
    return ranges


def _run_lengths(keys: IntArray, new_segment: BoolArray) -> IntArray:
    """For each position, the length of the run of equal ``keys`` it belongs to (a new segment starts a new run)."""
    new_run = new_segment.copy()
    new_run[1:] |= keys[1:] != keys[:-1]
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, keys.size))
    return np.repeat(lengths, lengths)


def apply_rules(
    values: FloatArray,
    segment: IntArray,
    lines: ChartLines,
    *,
    run_length: int,
    trend_length: int,
) -> RuleFlags:
    """Flag every point that belongs to a special-cause signal, as NHSRplotthedots does.

    ``lines`` holds each point's mean, process limits and two-sigma lines. The rules:

    - beyond limits: strictly above the upper or below the lower process limit;
    - shift: ``run_length`` or more consecutive points strictly on the same side of the mean (a point on the
      mean, or a gap, ends the run and is not counted);
    - trend: ``trend_length`` or more consecutive points each strictly higher (or lower) than the one before,
      that is ``trend_length - 1`` rises or falls in a row (an equal value ends the trend);
    - two of three: of three consecutive points, all on the same side of the mean, two or three lie beyond the
      two-sigma line but within the process limits; those points are flagged (NHSRplotthedots' reading).

    Every point of a run, trend or two-of-three group is flagged. The direction of a signal is the side of the
    mean, except for a trend, whose direction is the way it runs; a point meeting several rules takes its
    direction from the first of: beyond limits, trend, two of three, shift.
    """
    size = values.size
    observed = ~np.isnan(values)
    new_segment = np.ones(size, dtype=bool)
    new_segment[1:] = segment[1:] != segment[:-1]
    deviation = values - lines.mean
    on_mean = np.abs(deviation) <= ON_MEAN_TOLERANCE * np.maximum(np.abs(values), np.abs(lines.mean))
    away = observed & ~on_mean
    side = np.where(away, np.sign(deviation), 0).astype(np.int64)
    beyond = away & ((values > lines.upper) | (values < lines.lower))
    near = away & ~beyond & ((values > lines.upper_two_sigma) | (values < lines.lower_two_sigma))

    shift = (side != 0) & (_run_lengths(side, new_segment) >= run_length)

    # step[i] is the direction from point i-1 to point i: 0 across a gap, a tie or a segment boundary.
    step = np.zeros(size, dtype=np.int64)
    if size > 1:
        linked = ~new_segment[1:] & observed[1:] & observed[:-1]
        step[1:] = np.where(linked, np.sign(np.diff(values)), 0)
    trending_step = (step != 0) & (_run_lengths(step, new_segment) >= trend_length - 1)
    next_trending = np.append(trending_step[1:], False)
    trend = trending_step | next_trending
    # A point that ends one trend and starts the next (a peak or a trough) takes the later trend's direction.
    trend_direction = np.where(next_trending, np.append(step[1:], 0), np.where(trending_step, step, 0))

    two_of_three = np.zeros(size, dtype=bool)
    near_at = np.flatnonzero(near)
    if near_at.size >= 2 and np.diff(near_at).min() <= 2:  # otherwise no window of three holds two near points
        # A near point is off the mean, so two near points in a window whose sides all agree fix its side.
        window = (
            (segment[:-2] == segment[2:])
            & (side[:-2] == side[1:-1])
            & (side[1:-1] == side[2:])
            & (near[:-2].astype(np.int64) + near[1:-1] + near[2:] >= 2)
        )
        covered = np.zeros(size, dtype=bool)
        covered[:-2] |= window
        covered[1:-1] |= window
        covered[2:] |= window
        two_of_three = covered & near

    # Priority for the direction: beyond the limits, then trend, then two of three or shift (both the side).
    direction = np.where(beyond | (~trend & (two_of_three | shift)), side, trend_direction)
    return RuleFlags(beyond, shift, trend, two_of_three, direction.astype(np.int64))
