"""XmR charts: the NHSRplotthedots reference results, a hand-checked case for every rule, icon and assurance
category, rebasing, trial limits, gaps, degenerate series, and properties checked against a naive oracle."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.metrics.spc import (
    SpcOptions,
    SpcResult,
    assurance_text,
    describe,
    variation_text,
    xmr,
    xmr_many,
)

# R: set.seed(123); rnorm(20) -- the data of NHSRplotthedots' tests/testthat/test-ptd_spc_standard.R.
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
    -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
    0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip

# Twenty points alternating 12, 10: mean 11, every moving range 2, limits 11 ± 5.32, two-sigma lines 11 ± 3.547.
# Nothing in it is special: no point is far out, no run passes two points, no trend passes one step.
CALM = [12.0, 10.0] * 10


def months(count: int, start: date = date(2020, 1, 1)) -> list[date]:
    return [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def chart(values: Sequence[float | None], **kwargs: object) -> SpcResult:
    return xmr(values, months(len(values)), **kwargs)  # type: ignore[arg-type]


def flagged(result: SpcResult, rule: str | None = None) -> list[int]:
    """Indices of the points with a special cause (meeting ``rule``, if given)."""
    return [i for i, p in enumerate(result.points) if p.rules and (rule is None or rule in p.rules)]


# --- NHSRplotthedots reference results -------------------------------------------------------------------------


def test_the_reference_data_are_r_rnorm_with_seed_123() -> None:
    assert len(RNORM_123) == 20
    assert round(math.fsum(RNORM_123) / 20, 7) == 0.1416238


def test_mean_and_limits_match_nhsrplotthedots() -> None:
    segment = chart(RNORM_123).segments[0]
    assert segment.mean is not None and segment.lower is not None and segment.upper is not None
    assert round(segment.mean, 7) == 0.1416238
    assert round(segment.lower, 5) == -3.01138
    assert round(segment.upper, 6) == 3.294627


def test_screened_and_unscreened_limits_with_an_outlier_match_nhsrplotthedots() -> None:
    values: list[float | None] = list(RNORM_123)
    values[14] = 10.0
    screened = chart(values).segments[0]
    unscreened = chart(values, options=SpcOptions(screen=False)).segments[0]
    assert (round(screened.lower or 0, 6), round(screened.upper or 0, 6)) == (-2.383666, 3.722497)
    assert (round(unscreened.lower or 0, 6), round(unscreened.upper or 0, 6)) == (-4.596625, 5.935457)
    # The two moving ranges either side of the outlier are the ones screened out.
    assert (screened.screened, unscreened.screened) == (2, 0)


def test_every_point_carries_its_segments_lines() -> None:
    result = chart(RNORM_123)
    point = result.points[7]
    assert point.mean == pytest.approx(0.1416238035)
    assert point.upper is not None and point.upper_two_sigma is not None and point.mean is not None
    assert point.upper_two_sigma - point.mean == pytest.approx((point.upper - point.mean) * 2 / 3)
    assert point.moving_range == pytest.approx(abs(-1.26506123 - 0.46091621))
    assert result.points[0].moving_range is None


# --- beyond the limits ---------------------------------------------------------------------------------------


def test_a_point_above_the_upper_limit_with_screening_worked_by_hand() -> None:
    values: list[float | None] = list(CALM)
    values[9] = 30.0
    result = chart(values, polarity="higher_is_better")
    segment = result.segments[0]
    # Mean (220 - 10 + 30) / 20 = 12. Moving ranges: seventeen of 2 and two of 18 (12 -> 30 -> 12); their mean
    # 70/19 = 3.68 screens out both 18s (>= 12.04), leaving 2: limits 12 ± 5.32.
    assert segment.mean == pytest.approx(12.0)
    assert segment.mean_moving_range == pytest.approx(2.0)
    assert (segment.lower, segment.upper) == (pytest.approx(6.68), pytest.approx(17.32))
    assert flagged(result) == [9]
    point = result.points[9]
    assert (point.rules, point.special_cause, point.direction) == (("beyond_limits",), "improvement", "high")


def test_a_point_below_the_lower_limit_is_a_concern_when_higher_is_better() -> None:
    values: list[float | None] = list(CALM)
    values[10] = 3.0
    result = chart(values, polarity="higher_is_better")
    # Mean (220 - 12 + 3) / 20 = 10.55; two ranges of 7 (10 -> 3 -> 10) stay in (7 < 3.267 x 48/19 = 8.25), so
    # the lower limit is 10.55 - 2.66 x 48/19 = 3.83, just above the 3.
    assert result.segments[0].lower == pytest.approx(10.55 - 2.66 * 48 / 19)
    assert flagged(result) == [10]
    assert result.points[10].special_cause == "concern"
    assert result.points[10].direction == "low"


def test_without_screening_the_outlier_widens_the_limits() -> None:
    values: list[float | None] = list(CALM)
    values[9] = 30.0
    segment = chart(values, options=SpcOptions(screen=False)).segments[0]
    assert segment.mean_moving_range == pytest.approx(70 / 19)
    assert segment.upper == pytest.approx(12 + 2.66 * 70 / 19)


@pytest.mark.parametrize(("jump", "screened"), [(3.7, 0), (3.75, 1)])
def test_a_moving_range_of_at_least_3267_times_the_mean_is_screened(jump: float, screened: int) -> None:
    # Nineteen moving ranges of 1 and one of ``jump``: its ratio to the mean moving range is 20 x jump / (19 + jump),
    # 3.260 for 3.7 (kept) and 3.297 for 3.75 (screened).
    values = [10.0, 11.0] * 5 + [11 + jump - (i % 2) for i in range(11)]
    segment = chart(values).segments[0]
    assert segment.screened == screened
    assert segment.mean_moving_range == pytest.approx(1.0 if screened else (19 + jump) / 20)


# --- shifts --------------------------------------------------------------------------------------------------

# Exactly six points (indices 12-17) above the mean of 273/24 = 11.375, each side bounded by a 10; all within the
# two-sigma lines (11.375 ± 3.24), and the run alternates 12, 13 so it holds no trend.
SIX_ABOVE = [12.0, 10.0] * 6 + [12.0, 13.0] * 3 + [10.0, 12.0] * 3


def test_a_run_of_six_is_a_shift_only_when_the_run_length_is_six() -> None:
    assert flagged(chart(SIX_ABOVE)) == []
    six = chart(SIX_ABOVE, options=SpcOptions(run_length=6))
    assert flagged(six) == list(range(12, 18))
    assert all(six.points[i].rules == ("shift",) and six.points[i].direction == "high" for i in range(12, 18))


def test_a_run_of_seven_is_a_shift_at_either_length_and_every_point_is_flagged() -> None:
    values = [12.0, 10.0] * 6 + [12.0, 13.0] * 3 + [12.0] + [10.0, 12.0] * 3
    assert flagged(chart(values)) == list(range(12, 19))
    assert flagged(chart(values, options=SpcOptions(run_length=6))) == list(range(12, 19))


# Seven points above and seven below a mean of exactly 10; the fourth of each block is moved onto the mean.
ON_THE_MEAN = [11.0, 13.0, 11.0, 10.0, 13.0, 11.0, 13.0, 9.0, 7.0, 9.0, 10.0, 7.0, 9.0, 7.0]


def test_a_point_on_the_mean_breaks_a_run_and_does_not_count() -> None:
    assert chart(ON_THE_MEAN).segments[0].mean == 10.0
    assert flagged(chart(ON_THE_MEAN, options=SpcOptions(run_length=6))) == []
    off_the_mean = [12.0 if i == 3 else 8.0 if i == 10 else v for i, v in enumerate(ON_THE_MEAN)]
    result = chart(off_the_mean)
    assert flagged(result, "shift") == list(range(14))
    assert [p.direction for p in result.points] == ["high"] * 7 + ["low"] * 7


def test_a_point_on_the_mean_counts_as_on_it_despite_rounding_in_the_mean() -> None:
    values = [v / 100 for v in ON_THE_MEAN]
    assert sum(values) / len(values) != 0.1  # the plain floating-point mean misses 0.1 ...
    assert flagged(chart(values)) == []  # ... but 0.1 still counts as on the mean, so no run of seven below


# --- trends --------------------------------------------------------------------------------------------------

# Indices 9-14 rise 10 -> 10.4 -> 10.8 -> 11.2 -> 11.6 -> 12.0: six points, five rises; 12 -> 10 ends it.
SIX_RISING = [12.0, 10.0] * 5 + [10.4, 10.8, 11.2, 11.6, 12.0] + [10.0, 12.0] * 4


def test_six_rising_points_are_a_trend_only_when_the_trend_length_is_six() -> None:
    assert flagged(chart(SIX_RISING)) == []
    six = chart(SIX_RISING, options=SpcOptions(trend_length=6))
    assert flagged(six) == list(range(9, 15))
    assert all(p.rules == ("trend",) for p in six.points[9:15])


def test_seven_points_with_six_rises_are_a_trend_of_seven() -> None:
    values = [12.0, 10.0] * 5 + [10.4, 10.8, 11.2, 11.6, 12.0, 12.4] + [10.0, 12.0] * 4
    result = chart(values, polarity="higher_is_better")
    assert flagged(result) == list(range(9, 16))
    # The direction of a trend is the way it runs, even for points still below the mean.
    assert result.points[9].value is not None and result.points[9].mean is not None
    assert result.points[9].value < result.points[9].mean
    assert {(p.direction, p.special_cause) for p in result.points[9:16]} == {("high", "improvement")}


def test_an_equal_value_breaks_a_trend() -> None:
    values = [12.0, 10.0] * 5 + [10.4, 10.8, 10.8, 11.2, 11.6, 12.0] + [10.0, 12.0] * 4
    assert flagged(chart(values, options=SpcOptions(trend_length=6))) == []


def test_a_falling_trend_is_low_and_a_concern_when_higher_is_better() -> None:
    values = [10.0, 12.0] * 5 + [11.6, 11.2, 10.8, 10.4, 10.0, 9.6]
    result = chart(values, polarity="higher_is_better")
    assert flagged(result) == list(range(9, 16))
    assert {p.direction for p in result.points[9:]} == {"low"}
    assert result.variation == "concern_low"


def test_a_peak_between_two_trends_takes_the_later_direction() -> None:
    rise_then_fall = [12.0, 10.0] * 3 + [10.5, 11.0, 11.5, 12.0, 12.5, 13.0, 12.5, 12.0, 11.5, 11.0, 10.5, 10.0]
    result = chart(rise_then_fall, options=SpcOptions(run_length=7, trend_length=7))
    peak = rise_then_fall.index(13.0)
    assert {"trend"} <= set(result.points[peak].rules)
    assert result.points[peak - 1].direction == "high"
    assert result.points[peak].direction == "low"


# --- two of three beyond two sigma ---------------------------------------------------------------------------


def test_two_of_three_points_beyond_two_sigma_on_the_same_side() -> None:
    # Mean 11.48, mMR 2.583: two-sigma line 16.06, upper limit 18.35; 16.5 lies between them.
    values = [12.0, 10.0] * 8 + [16.5, 12.0, 16.5] + [10.0, 12.0] * 3
    result = chart(values)
    assert flagged(result) == [16, 18]  # the middle point, inside the two-sigma lines, is not part of the signal
    assert all(result.points[i].rules == ("two_of_three",) for i in (16, 18))
    low = [12.0, 10.0] * 8 + [6.0, 10.0, 6.0] + [12.0, 10.0] * 3
    low_result = chart(low)
    assert flagged(low_result) == [16, 18]
    assert low_result.points[16].direction == "low"


def test_two_of_three_needs_all_three_points_on_one_side_of_the_mean() -> None:
    values = [12.0, 10.0] * 8 + [16.5, 10.0, 16.5] + [10.0, 12.0] * 3
    assert flagged(chart(values)) == []


def test_two_neighbours_near_opposite_limits_are_common_cause_as_in_nhsrplotthedots() -> None:
    # NHSRplotthedots' own case (test-ptd_spc_standard.R): 1, -1 alternating with the last two set to 5.5 and -5.5.
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    assert flagged(chart(values)) == []


# --- polarity and variation icons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "polarity", "variation"),
    [
        (30.0, "higher_is_better", "improvement_high"),
        (-10.0, "higher_is_better", "concern_low"),
        (-10.0, "lower_is_better", "improvement_low"),
        (30.0, "lower_is_better", "concern_high"),
        (30.0, "neutral", "neutral_high"),
        (-10.0, "neutral", "neutral_low"),
        (11.0, "higher_is_better", "common_cause"),
    ],
)
def test_every_variation_icon(last: float, polarity: str, variation: str) -> None:
    result = chart([*CALM, last], polarity=polarity)
    assert result.variation == variation
    expected_cause = None if variation == "common_cause" else variation.split("_")[0]
    assert result.points[-1].special_cause == expected_cause


def test_the_variation_describes_the_latest_value_not_a_gap_after_it() -> None:
    result = chart([*CALM, 30.0, None], polarity="lower_is_better")
    assert result.latest is result.points[-2]
    assert result.variation == "concern_high"


def test_an_unknown_polarity_is_rejected() -> None:
    with pytest.raises(ValueError, match="polarity"):
        chart(CALM, polarity="up_is_good")


# --- assurance -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "assurance"),
    [
        ("higher_is_better", 5.0, "consistently_passing"),  # below the lower limit 5.68: every value meets it
        ("higher_is_better", 17.0, "consistently_failing"),  # above the upper limit 16.32: no value meets it
        ("higher_is_better", 11.0, "hit_and_miss"),
        ("lower_is_better", 17.0, "consistently_passing"),
        ("lower_is_better", 5.0, "consistently_failing"),
        ("lower_is_better", 14.0, "hit_and_miss"),
        ("neutral", 5.0, None),
    ],
)
def test_every_assurance_category(polarity: str, target: float, assurance: str | None) -> None:
    result = chart(CALM, polarity=polarity, targets=[target] * len(CALM))
    assert (result.segments[0].lower, result.segments[0].upper) == (pytest.approx(5.68), pytest.approx(16.32))
    assert result.assurance == assurance


def test_a_target_on_a_limit_is_hit_and_miss() -> None:
    upper = chart(CALM).segments[0].upper
    assert upper is not None
    assert chart(CALM, polarity="higher_is_better", targets=[upper] * 20).assurance == "hit_and_miss"


def test_assurance_uses_the_target_in_force_at_the_latest_period() -> None:
    targets: list[float | None] = [20.0] * 10 + [5.0] * 10
    assert chart(CALM, polarity="higher_is_better", targets=targets).assurance == "consistently_passing"
    ended: list[float | None] = [5.0] * 19 + [None]
    assert chart(CALM, polarity="higher_is_better", targets=ended).assurance is None
    assert chart(CALM, polarity="higher_is_better").assurance is None
    not_a_number = chart(CALM, polarity="higher_is_better", targets=[5.0] * 19 + [math.nan])
    assert not_a_number.assurance is None and not_a_number.points[-1].target is None


# --- rebasing --------------------------------------------------------------------------------------------------


def test_rebasing_gives_each_segment_its_own_mean_and_limits() -> None:
    values = [12.0, 10.0] * 6 + [22.0, 20.0] * 6
    periods = months(24)
    plain = xmr(values, periods)
    assert flagged(plain, "shift") == list(range(24))
    rebased = xmr(values, periods, options=SpcOptions(rebase=(periods[12],)))
    assert [(s.start, s.mean) for s in rebased.segments] == [(periods[0], 11.0), (periods[12], 21.0)]
    assert flagged(rebased) == []
    assert [p.segment for p in rebased.points] == [0] * 12 + [1] * 12
    assert rebased.points[12].moving_range is None  # no moving range across the rebase


def test_rules_do_not_cross_a_rebase() -> None:
    # Four points above the mean end the first segment and four start the second: a run of eight if joined.
    first = [10.0, 12.0] * 4 + [12.5, 13.0, 12.5, 13.0]
    second = [22.5, 23.0, 22.5, 23.0] + [20.0, 22.0] * 4
    periods = months(24)
    assert flagged(xmr(first + second, periods, options=SpcOptions(rebase=(periods[12],)))) == []


def test_a_trend_does_not_cross_a_rebase() -> None:
    # The second segment opens with six rising points, above the first segment's last value: seven if joined.
    first = [12.0, 10.0] * 6
    second = [20.5, 21.0, 21.5, 22.0, 22.5, 23.0] + [21.0, 22.0] * 3
    periods = months(24)
    result = xmr(first + second, periods, options=SpcOptions(rebase=(periods[12],)))
    assert flagged(result) == []
    assert flagged(xmr(first + second, periods, options=SpcOptions(trend_length=6, rebase=(periods[12],)))) == list(
        range(12, 18)
    )


def test_two_of_three_does_not_cross_a_rebase() -> None:
    # The first segment ends, and the second begins, with a point beyond its own upper two-sigma line.
    first = [12.0, 10.0] * 6 + [16.5]
    second = [26.5, 22.0, 20.0, 22.0] + [20.0, 22.0] * 4
    periods = months(len(first) + len(second))
    result = xmr(first + second, periods, options=SpcOptions(rebase=(periods[13],)))
    assert [p.upper_two_sigma is not None and (p.value or 0) > p.upper_two_sigma for p in result.points[12:14]] == [
        True,
        True,
    ]
    assert flagged(result) == []


def test_a_rebase_date_between_periods_starts_at_the_next_period_and_one_outside_is_reported() -> None:
    periods = months(24)
    options = SpcOptions(rebase=(date(2020, 12, 15), date(2030, 1, 1)))
    result = xmr([12.0, 10.0] * 6 + [22.0, 20.0] * 6, periods, options=options)
    assert [s.start for s in result.segments] == [periods[0], date(2021, 1, 1)]
    assert any("1 January 2030" in w and "no effect" in w for w in result.warnings)


# --- trial limits, fixed limits ----------------------------------------------------------------------------------


def test_fewer_than_twelve_values_give_trial_limits_with_a_warning() -> None:
    short = chart(CALM[:11])
    assert short.trial_limits and short.segments[0].trial_limits
    assert any(w.startswith("Trial limits") and "11 values" in w for w in short.warnings)
    enough = chart(CALM[:12])
    assert not enough.trial_limits and enough.warnings == []


def test_a_short_rebased_segment_gives_trial_limits_naming_its_start() -> None:
    periods = months(20)
    result = xmr(CALM, periods, options=SpcOptions(rebase=(periods[12],)))
    assert result.trial_limits
    assert [s.trial_limits for s in result.segments] == [False, True]
    assert any("1 January 2021" in w and "8 values" in w for w in result.warnings)


def test_fixing_the_limits_after_twelve_values_extends_them() -> None:
    values = [*CALM[:12], *([20.0, 22.0] * 6)]
    result = chart(values, options=SpcOptions(fix_after_n_points=12))
    assert result.segments[0].baseline == 12
    assert result.segments[0].mean == 11.0
    assert flagged(result, "beyond_limits") == list(range(12, 24))
    assert not result.trial_limits


def test_fixed_limits_restart_at_each_rebase() -> None:
    values = [*CALM[:14], *([20.0, 22.0] * 7), *([31.0, 29.0] * 2)]
    periods = months(len(values))
    result = xmr(values, periods, options=SpcOptions(fix_after_n_points=12, rebase=(periods[14],)))
    assert [(s.baseline, s.mean) for s in result.segments] == [(12, 11.0), (12, 21.0)]
    assert flagged(result) == list(range(28, 32))  # the last four, beyond the second segment's fixed limits


def test_a_rebase_on_the_first_period_changes_nothing() -> None:
    periods = months(20)
    result = xmr(CALM, periods, options=SpcOptions(rebase=(periods[0],)))
    assert result.to_dict()["segments"] == chart(CALM).to_dict()["segments"]
    assert result.warnings == []


@pytest.mark.parametrize(
    "options", [{"run_length": 5}, {"run_length": 8}, {"trend_length": 9}, {"fix_after_n_points": 11}]
)
def test_invalid_options_are_rejected(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        SpcOptions(**options)  # type: ignore[arg-type]


# --- gaps ------------------------------------------------------------------------------------------------------


def test_a_gap_is_skipped_and_has_no_moving_range_either_side() -> None:
    values: list[float | None] = [10.0, 12.0, None, 30.0, 32.0, 30.0]
    result = chart(values)
    assert result.points[2].value is None and result.points[2].special_cause is None
    assert result.points[2].mean == pytest.approx(22.8)  # (10 + 12 + 30 + 32 + 30) / 5
    assert [p.moving_range for p in result.points] == [None, 2.0, None, None, 2.0, 2.0]
    assert result.segments[0].mean_moving_range == 2.0  # the jump from 12 to 30 across the gap is not a range
    assert result.segments[0].values == 5


def test_a_gap_breaks_a_run_and_a_trend() -> None:
    run = [12.0, 10.0] * 6 + [12.0, 13.0, 12.0, 13.0, None, 12.0, 13.0, 12.0, 13.0] + [10.0, 12.0] * 3
    assert flagged(chart(run, options=SpcOptions(run_length=6))) == []
    joined = [12.0 if v is None else v for v in run]
    assert len(flagged(chart(joined, options=SpcOptions(run_length=6)))) == 9
    rise: list[float | None] = [12.0, 10.0] * 5 + [10.4, 10.8, None, 11.2, 11.6, 12.0] + [10.0, 12.0] * 4
    assert flagged(chart(rise, options=SpcOptions(trend_length=6))) == []


def test_only_gaps() -> None:
    result = chart([None, None, None])
    assert result.variation is None and result.assurance is None
    assert result.trial_limits
    assert all(p.mean is None and p.upper is None for p in result.points)
    assert result.warnings == ["There are no values for this chart."]


# --- degenerate series -----------------------------------------------------------------------------------------


def test_a_constant_series_has_limits_on_the_mean_and_no_signal() -> None:
    result = chart([0.1] * 30, polarity="higher_is_better", targets=[0.1] * 30)
    segment = result.segments[0]
    assert (segment.mean, segment.mean_moving_range, segment.lower, segment.upper) == (0.1, 0.0, 0.1, 0.1)
    assert flagged(result) == []
    assert result.variation == "common_cause"
    assert result.assurance == "hit_and_miss"
    assert any("do not vary" in w for w in result.warnings)
    assert chart([5.0] * 12, polarity="higher_is_better", targets=[4.0] * 12).assurance == "consistently_passing"


def test_a_constant_series_with_one_change_is_not_screened_down_to_zero_width() -> None:
    result = chart([5.0] * 19 + [6.0])
    segment = result.segments[0]
    assert segment.mean_moving_range == pytest.approx(1 / 19) and segment.screened == 0
    assert flagged(result, "beyond_limits") == [19]


def test_no_values() -> None:
    result = chart([])
    assert (result.points, result.segments, result.variation, result.assurance) == ([], [], None, None)
    assert result.trial_limits and result.warnings == ["There are no values to chart."]
    assert describe(result) == "There are no values to chart yet."


def test_one_value_has_a_mean_but_no_limits() -> None:
    result = chart([7.0])
    point = result.points[0]
    assert (point.mean, point.lower, point.upper, point.moving_range) == (7.0, None, None, None)
    assert result.variation is None and result.trial_limits
    assert any("cannot be calculated" in w for w in result.warnings)


def test_two_values_give_trial_limits() -> None:
    result = chart([7.0, 9.0], polarity="higher_is_better", targets=[8.0, 8.0])
    segment = result.segments[0]
    assert (segment.mean, segment.mean_moving_range) == (8.0, 2.0)
    assert (segment.lower, segment.upper) == (pytest.approx(8 - 5.32), pytest.approx(8 + 5.32))
    assert result.variation == "common_cause" and result.assurance == "hit_and_miss" and result.trial_limits


@pytest.mark.parametrize(
    ("values", "periods", "message"),
    [
        ([1.0, 2.0], months(3), "periods"),
        ([1.0, 2.0], [date(2020, 2, 1), date(2020, 1, 1)], "strictly increasing"),
        ([1.0, 2.0], [date(2020, 1, 1), date(2020, 1, 1)], "strictly increasing"),
        ([1.0, math.inf], months(2), "finite"),
    ],
)
def test_bad_input_is_rejected(values: list[float], periods: list[date], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xmr(values, periods)
    with pytest.raises(ValueError, match="targets"):
        xmr([1.0], months(1), targets=[1.0, 2.0])


def test_nan_is_a_gap_like_none() -> None:
    assert chart([10.0, math.nan, 12.0, 11.0]).to_dict() == chart([10.0, None, 12.0, 11.0]).to_dict()


# --- words and JSON --------------------------------------------------------------------------------------------


def test_plain_english_for_every_category() -> None:
    variations = [
        "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low", "neutral_high",
        "neutral_low",
    ]  # fmt: skip
    texts = {variation_text(v) for v in variations}  # type: ignore[arg-type]
    assert len(texts) == 7
    assert variation_text("improvement_high") == "Special cause variation: improvement (higher)"
    assert variation_text("concern_low") == "Special cause variation: concern (lower)"
    assert variation_text(None).startswith("Variation not assessed")
    assert assurance_text("consistently_passing").startswith("Consistently passing")
    assert assurance_text("consistently_failing").startswith("Consistently failing")
    assert assurance_text("hit_and_miss").startswith("Hit and miss")
    assert assurance_text(None).startswith("Assurance not assessed")


def test_describe_names_the_value_the_signal_and_the_target() -> None:
    result = chart([*CALM, 30.0], polarity="higher_is_better", targets=[11.0] * 21)
    text = describe(result)
    assert text.startswith("Latest value 30 (1 September 2021): special cause variation: improvement (higher)")
    assert "a point beyond the process limits" in text
    assert "hit and miss against the target of 11" in text
    assert describe(chart(CALM)).endswith("common cause variation, within the expected range.")
    assert "trial limits" in describe(chart(CALM[:5]))


def test_to_dict_is_json_ready() -> None:
    values: list[float | None] = [*CALM, None, 30.0]
    periods = months(22)
    result = xmr(values, periods, polarity="higher_is_better", targets=[5.0] * 22,
                 options=SpcOptions(rebase=(periods[4],)))  # fmt: skip
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["variation"] == "improvement_high"
    assert data["variation_text"] == "Special cause variation: improvement (higher)"
    assert data["assurance"] == "consistently_passing"
    assert data["options"]["rebase"] == ["2020-05-01"]
    assert data["points"][0]["period"] == "2020-01-01"
    assert data["points"][20] | {"period": None} == {
        "period": None, "value": None, "mean": result.points[20].mean, "lower": result.points[20].lower,
        "upper": result.points[20].upper, "lower_two_sigma": result.points[20].lower_two_sigma,
        "upper_two_sigma": result.points[20].upper_two_sigma, "moving_range": None, "target": 5.0,
        "special_cause": None, "direction": None, "rules": [], "segment": 1,
    }  # fmt: skip
    assert data["points"][21]["rules"] == ["beyond_limits"]
    assert [s["start"] for s in data["segments"]] == ["2020-01-01", "2020-05-01"]


# --- properties, with a naive oracle -----------------------------------------------------------------------------


def oracle_limits(values: list[float | None], screen: bool) -> tuple[float, float] | None:
    """Mean and mean moving range, the slow obvious way."""
    observed = [v for v in values if v is not None]
    ranges = [abs(b - a) for a, b in pairwise(values) if a is not None and b is not None]
    if not ranges:
        return None
    mmr = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < 3.267 * mmr]
    if screen and mmr > 0 and sum(kept) > 0:
        mmr = sum(kept) / len(kept)
    return math.fsum(observed) / len(observed), mmr


def oracle_flags(result: SpcResult, run_length: int, trend_length: int) -> dict[str, set[int]]:
    """Every rule checked window by window over the chart's own mean and lines (one segment, gaps break)."""
    pts = result.points
    size = len(pts)

    def side(i: int) -> int:
        p = pts[i]
        if p.value is None or p.mean is None or p.value == p.mean:
            return 0
        return 1 if p.value > p.mean else -1

    def near(i: int) -> bool:
        p = pts[i]
        if p.value is None or p.upper is None or p.lower is None or p.value == p.mean:
            return False
        assert p.upper_two_sigma is not None and p.lower_two_sigma is not None
        inside = p.lower <= p.value <= p.upper
        return inside and (p.value > p.upper_two_sigma or p.value < p.lower_two_sigma)

    flags: dict[str, set[int]] = {"beyond_limits": set(), "shift": set(), "trend": set(), "two_of_three": set()}
    for i, p in enumerate(pts):
        known = p.value is not None and p.upper is not None and p.lower is not None and p.value != p.mean
        if known and (p.value > p.upper or p.value < p.lower):  # type: ignore[operator]
            flags["beyond_limits"].add(i)
    for start in range(size - run_length + 1):
        window = range(start, start + run_length)
        if side(start) != 0 and all(side(i) == side(start) for i in window):
            flags["shift"].update(window)
    for start in range(size - trend_length + 1):
        window = list(range(start, start + trend_length))
        vals = [pts[i].value for i in window]
        if all(v is not None for v in vals):
            steps = [b - a for a, b in pairwise(vals)]  # type: ignore[operator]
            if all(s > 0 for s in steps) or all(s < 0 for s in steps):
                flags["trend"].update(window)
    for start in range(size - 2):
        window = range(start, start + 3)
        if side(start) != 0 and all(side(i) == side(start) for i in window) and sum(near(i) for i in window) >= 2:
            flags["two_of_three"].update(i for i in window if near(i))
    return flags


whole_values = st.lists(st.one_of(st.none(), st.integers(0, 30).map(float)), max_size=45).filter(
    lambda values: sum(v is None for v in values) <= len(values) // 5
)
lengths = st.sampled_from([6, 7])
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(whole_values, lengths, lengths, st.booleans())
def test_rules_and_limits_agree_with_a_naive_oracle(
    values: list[float | None], run_length: int, trend_length: int, screen: bool
) -> None:
    options = SpcOptions(run_length=run_length, trend_length=trend_length, screen=screen)
    result = chart(values, options=options)
    expected = oracle_limits(values, screen)
    if expected is None:
        assert all(p.upper is None for p in result.points)
        return
    segment = result.segments[0]
    assert segment.mean == pytest.approx(expected[0], rel=1e-12, abs=1e-12)
    assert segment.mean_moving_range == pytest.approx(expected[1], rel=1e-12, abs=1e-12)
    oracle = oracle_flags(result, run_length, trend_length)
    for rule, indices in oracle.items():
        assert set(flagged(result, rule)) == indices, rule


@PROPERTY
@given(whole_values)
def test_limits_are_symmetric_about_the_mean(values: list[float | None]) -> None:
    for point in chart(values).points:
        if point.upper is not None:
            assert point.mean is not None and point.lower is not None
            assert point.lower_two_sigma is not None and point.upper_two_sigma is not None
            assert point.upper - point.mean == pytest.approx(point.mean - point.lower, abs=1e-9)
            assert point.upper_two_sigma - point.mean == pytest.approx((point.upper - point.mean) * 2 / 3, abs=1e-9)


@PROPERTY
@given(whole_values, st.sampled_from([2.0**-7, 0.5, 4.0, 1024.0]))
def test_scaling_the_values_scales_the_limits_and_keeps_every_signal(values: list[float | None], factor: float) -> None:
    base = chart(values, polarity="higher_is_better")
    scaled = chart([None if v is None else v * factor for v in values], polarity="higher_is_better")
    for a, b in zip(base.points, scaled.points, strict=True):
        for name in ("mean", "lower", "upper", "moving_range"):
            left, right = getattr(a, name), getattr(b, name)
            assert (left is None and right is None) or right == pytest.approx(left * factor, rel=1e-12, abs=1e-12)
        assert (a.rules, a.special_cause, a.direction) == (b.rules, b.special_cause, b.direction)
    assert base.variation == scaled.variation


@PROPERTY
@given(whole_values)
def test_mirroring_the_values_and_the_polarity_keeps_improvement_and_concern(values: list[float | None]) -> None:
    base = chart(values, polarity="higher_is_better")
    mirrored = chart([None if v is None else -v for v in values], polarity="lower_is_better")
    flip = {"high": "low", "low": "high", None: None}
    for a, b in zip(base.points, mirrored.points, strict=True):
        assert (a.rules, a.special_cause, flip[a.direction]) == (b.rules, b.special_cause, b.direction)
        assert (a.upper is None and b.lower is None) or b.lower == pytest.approx(-(a.upper or 0), abs=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 9).map(float)), min_size=24, max_size=24), max_size=6),
       st.booleans())  # fmt: skip
def test_many_series_at_once_match_one_at_a_time(series: list[list[float | None]], rebase: bool) -> None:
    periods = months(24)
    options = SpcOptions(rebase=(periods[10],) if rebase else ())
    targets: list[float | None] = [5.0] * 24
    together = xmr_many(series, periods, polarity="lower_is_better", targets=targets, options=options)
    alone = [xmr(values, periods, polarity="lower_is_better", targets=targets, options=options) for values in series]
    assert [r.to_dict() for r in together] == [r.to_dict() for r in alone]
