"""Forecasts: model choice, intervals, backtests, batching, scenarios, validation and calendars (docs/metrics.md)."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np
import pytest

from observatory.errors import ObservatoryError
from observatory.metrics import ets_intervals
from observatory.metrics.forecast import (
    LEVELS,
    MIN_POINTS,
    Backtest,
    Forecast,
    Scenario,
    apply_scenario,
    candidate_models,
    forecast,
    forecast_many,
    next_periods,
)

START = date(2021, 1, 1)


def months(count: int, start: date = START) -> list[date]:
    return [start, *next_periods(start, "monthly", count - 1)]


def parts(model: str) -> tuple[str, str, str]:
    """``"ETS(M,Ad,A)"`` -> ("M", "Ad", "A")."""
    error, trend, season = model.removeprefix("ETS(").removesuffix(")").split(",")
    return error, trend, season


def demand(
    count: int, seed: int, *, season: float = 0.0, growth: float = 0.0, multiplicative: bool = False
) -> list[float]:
    """A realistic monthly series: a wandering level with growth, a yearly pattern and noise."""
    rng = np.random.default_rng(seed)
    level = 400 + np.cumsum(growth + rng.normal(0, 4, count))
    pattern = season * np.sin(2 * np.pi * np.arange(count) / 12)
    noise = rng.normal(0, 6, count)
    values = level * (1 + pattern / 400) + noise if multiplicative else level + pattern + noise
    return [float(v) for v in values]


# --- the model ------------------------------------------------------------------------------------------


def test_a_trending_series_gets_a_trend_model() -> None:
    result = forecast(demand(36, 1, growth=12.0), months(36), "monthly", backtest_origins=0)
    assert parts(result.model)[1] in ("A", "Ad")
    assert result.mean[-1] > result.mean[0] + 100  # it carries the growth forward


def test_a_seasonal_series_gets_a_seasonal_model_that_keeps_the_pattern() -> None:
    values = demand(48, 2, season=120.0)
    result = forecast(values, months(48), "monthly", backtest_origins=0)
    assert parts(result.model)[2] in ("A", "M")
    assert result.season_length == 12
    assert "chosen by AICc from 15 candidate" in result.description
    # the pattern peaks in April and bottoms out in October
    assert result.periods[int(np.argmax(result.mean))].month in (3, 4, 5)
    assert result.periods[int(np.argmin(result.mean))].month in (9, 10, 11)


def test_a_series_shorter_than_two_years_gets_non_seasonal_models_and_says_so() -> None:
    result = forecast(demand(20, 3, season=120.0), months(20), "monthly", backtest_origins=0)
    assert parts(result.model)[2] == "N"
    assert result.season_length == 1
    assert "Seasonal models were not considered: 20 months of history is less than two full years" in (
        result.description
    )
    assert "from 6 candidate" in result.description


@pytest.mark.parametrize(
    ("values", "season_length"),
    [
        (demand(40, 4, season=90.0, growth=5.0), 12),
        (demand(40, 5, season=90.0, multiplicative=True), 12),
        (demand(30, 6, growth=-8.0), 12),
        (demand(20, 7, season=90.0), 1),
    ],
)
def test_the_model_name_is_the_one_statsforecast_chose(values: list[float], season_length: int) -> None:
    from statsforecast.models import AutoETS

    chosen = AutoETS(season_length=season_length).fit(np.asarray(values)).model_["method"]
    assert forecast(values, months(len(values)), "monthly", backtest_origins=0).model == chosen


def test_series_with_zeros_or_negatives_get_additive_models_only() -> None:
    rng = np.random.default_rng(4)
    signed = [float(v) for v in rng.normal(0, 5, 30)]
    result = forecast(signed, months(30), "monthly", backtest_origins=0)
    assert parts(result.model)[0] == "A"
    assert "from 6 candidate" in result.description


def test_candidate_models_mirror_autoets_restrictions() -> None:
    names = {m.name for m in candidate_models(seasonal=True, positive=True)}
    assert len(names) == 15
    assert "ETS(A,N,M)" not in names  # additive errors never with multiplicative seasonality
    assert not any(parts(n)[1] == "M" for n in names)  # no multiplicative trend
    assert len(candidate_models(seasonal=False, positive=True)) == 6
    assert {m.name for m in candidate_models(seasonal=True, positive=False)} == {
        f"ETS(A,{t},{s})" for t in ("N", "A", "Ad") for s in ("N", "A")
    }
    assert len(candidate_models(seasonal=False, positive=False)) == 3


def test_a_constant_series_repeats_its_value() -> None:
    result = forecast([7.0] * 30, months(30), "monthly")
    assert result.model == "ETS(A,N,N)"
    assert result.mean == pytest.approx([7.0] * 12)
    assert "constant" in result.description
    assert result.backtest is not None and result.backtest.mase is None  # the naive forecast is perfect too


# --- intervals ------------------------------------------------------------------------------------------


def assert_nested(result: Forecast) -> None:
    for lo95, lo80, mean, hi80, hi95 in zip(
        result.lower_95, result.lower_80, result.mean, result.upper_80, result.upper_95, strict=True
    ):
        assert lo95 < lo80 < mean < hi80 < hi95


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_intervals_widen_with_the_horizon_and_nest(seed: int) -> None:
    result = forecast(demand(40, seed, growth=3.0), months(40), "monthly", horizon=24, backtest_origins=0)
    assert_nested(result)
    width = np.subtract(result.upper_95, result.lower_95)
    assert np.all(np.diff(width) >= -1e-9 * width[0]), (result.model, width)
    assert width[-1] > width[0]


def test_seasonal_intervals_are_wider_a_year_on() -> None:
    """A multiplicative model's interval follows the seasonal level; the same month a year later is wider."""
    result = forecast(demand(60, 8, season=150.0, growth=4.0, multiplicative=True), months(60), "monthly", horizon=36)
    assert parts(result.model)[0] == "M" and parts(result.model)[2] == "M"
    assert_nested(result)
    width = np.subtract(result.upper_95, result.lower_95)
    assert np.all(width[12:] > width[:-12]), (result.model, width)


def test_forecasts_use_the_corrected_intervals() -> None:
    values = demand(60, 8, season=150.0, growth=4.0, multiplicative=True)
    result = forecast(values, months(60), "monthly", horizon=24, backtest_origins=0)
    assert ets_intervals.needs_correction(
        ets_intervals.AutoETS(season_length=12).fit(np.asarray(values)).model_["components"]
    )
    fitted = ets_intervals.AutoETS(season_length=12).fit(np.asarray(values)).predict(24, level=[80, 95])
    assert result.lower_80 == pytest.approx(fitted["lo-80"])
    assert result.upper_95 == pytest.approx(fitted["hi-95"])


def simulate(model: dict[str, object], horizon: int, paths: int) -> np.ndarray:
    """Sample paths of a fitted ETS(M,A,A), ETS(M,N,M) or ETS(M,A,M) from its state equations, independently of
    the variance formulas under test (Hyndman et al. 2008, tables 2.2 and 2.3)."""
    alpha, beta, gamma = (float(v) for v in model["par"][:3])  # type: ignore[index]
    sigma2, m, components = float(model["sigma2"]), int(model["m"]), str(model["components"])  # type: ignore[arg-type]
    trended = components[1] != "N"
    state = np.asarray(model["states"])[-1]  # type: ignore[call-overload]
    rng = np.random.default_rng(0)
    level = np.full(paths, state[0])
    slope = np.full(paths, state[1] if trended else 0.0)
    seasons = np.tile(state[2 if trended else 1 :][:m], (paths, 1))  # newest first
    out = np.empty((paths, horizon))
    for step in range(horizon):
        e = rng.normal(0, math.sqrt(sigma2), paths)
        base, old = level + slope, seasons[:, -1]
        if components[2] == "M":
            out[:, step] = base * old * (1 + e)
            level, new = base * (1 + alpha * e), old * (1 + gamma * e)
            slope = slope + beta * base * e if trended else slope
        else:
            mu = base + old
            out[:, step] = mu * (1 + e)
            level, slope, new = base + alpha * mu * e, slope + beta * mu * e, old + gamma * mu * e
        seasons = np.column_stack([new, seasons[:, :-1]])
    return out


@pytest.mark.parametrize("model", ["MAA", "MNM", "MAM"])
def test_corrected_intervals_match_simulated_paths(model: str) -> None:
    """statsforecast 2.1.1's intervals for these models are wrong; ours match the model's own spread."""
    values = np.asarray(demand(60, 9, season=120.0, growth=3.0, multiplicative=True))
    fitted = ets_intervals.AutoETS(season_length=12, model=model, damped=False).fit(values)
    assert fitted.model_["components"] == f"{model}N"
    # livelier smoothing than this series needs, so that a wrong formula shows
    fitted.model_["par"][:3] = [0.3, 0.05 if model != "MNM" else np.nan, 0.1]
    fitted.model_["sigma2"] = 0.003
    predicted = fitted.predict(24, level=[95])
    spread = (predicted["hi-95"] - predicted["mean"]) / NormalDist().inv_cdf(0.975)
    paths = simulate(fitted.model_, 24, 100_000)
    assert spread == pytest.approx(paths.std(axis=0), rel=0.03)
    assert predicted["mean"] == pytest.approx(paths.mean(axis=0), rel=0.01)


def test_corrected_maa_interval_is_the_damped_one_without_damping() -> None:
    """ETS(M,A,A) is ETS(M,Ad,A) with phi = 1, whose formula statsforecast has right."""
    from statsforecast.ets import _compute_pred_intervals

    mean = 100 + 2.0 * np.arange(1, 13)
    states = np.tile(np.array([100.0, 2.0, 1.5, -0.5, -1.0, 0.0]), (3, 1))
    model = {"sigma2": 0.02, "m": 4, "states": states, "par": np.array([0.4, 0.05, 0.3, 1 - 1e-9])}
    damped = _compute_pred_intervals({**model, "components": "MAAD"}, {"mean": mean}, 12, [95])
    ours = ets_intervals.corrected({**model, "components": "MAAN"}, {"mean": mean}, [95])
    assert ours["hi-95"] == pytest.approx(damped["hi-95"], rel=1e-6)


def test_cross_validation_and_predict_give_the_same_intervals() -> None:
    values = np.asarray(demand(48, 10, season=100.0, multiplicative=True))
    engine = ets_intervals.AutoETS(season_length=12, model="MAM")
    once = engine.forecast(y=values, h=12, level=[80, 95])
    fitted = ets_intervals.AutoETS(season_length=12, model="MAM").fit(values).predict(12, level=[80, 95])
    for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"):
        assert once[key] == pytest.approx(fitted[key])


# --- backtests ------------------------------------------------------------------------------------------


def test_backtest_is_reproducible_and_sane() -> None:
    values = demand(48, 11, season=80.0, growth=2.0)
    first = forecast(values, months(48), "monthly")
    second = forecast(list(values), months(48), "monthly")
    assert first.backtest == second.backtest
    backtest = first.backtest
    assert backtest is not None
    assert (backtest.origins, backtest.horizon, backtest.forecasts, backtest.naive_lag) == (6, 12, 72, 12)
    assert backtest.mase is not None and 0 < backtest.mase < 10
    assert 0 <= backtest.coverage_80 <= backtest.coverage_95 <= 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("values", "origins", "steps", "lag"),
    [(demand(20, 12, growth=5.0), 4, 3, 1), (demand(30, 12, season=80.0, growth=2.0), 2, 3, 12)],
)
def test_backtest_numbers_match_a_hand_computed_rolling_origin(
    values: list[float], origins: int, steps: int, lag: int
) -> None:
    """Refit at each of the last origins, forecast ahead, score against the naive forecast on the training data
    (the same month last year for a seasonal series, last month's value otherwise)."""
    count = len(values)
    result = forecast(values, months(count), "monthly", horizon=steps, backtest_origins=origins)
    assert result.backtest is not None
    assert (result.backtest.origins, result.backtest.horizon, result.backtest.naive_lag) == (origins, steps, lag)
    scaled, inside = [], {80: 0, 95: 0}
    y = np.asarray(values)
    for cutoff in range(count - steps - origins + 1, count - steps + 1):
        train, actual = y[:cutoff], y[cutoff : cutoff + steps]
        predicted = ets_intervals.AutoETS(season_length=lag).forecast(y=train, h=steps, level=[80, 95])
        scaled.append(np.mean(np.abs(actual - predicted["mean"])) / np.mean(np.abs(train[lag:] - train[:-lag])))
        for level in LEVELS:
            inside[level] += int(np.sum((actual >= predicted[f"lo-{level}"]) & (actual <= predicted[f"hi-{level}"])))
    assert result.backtest.mase == pytest.approx(float(np.mean(scaled)))
    assert result.backtest.coverage_80 == inside[80] / (origins * steps)
    assert result.backtest.coverage_95 == inside[95] / (origins * steps)


def test_backtest_needs_two_years_at_every_origin_of_a_seasonal_series() -> None:
    exactly_two_years = forecast(demand(24, 13, season=80.0), months(24), "monthly")
    assert exactly_two_years.season_length == 12
    assert exactly_two_years.backtest is None
    assert any(note.startswith("No backtest") for note in exactly_two_years.notes)
    one_more = forecast(demand(27, 13, season=80.0), months(27), "monthly")
    assert one_more.backtest is not None
    assert (one_more.backtest.origins, one_more.backtest.horizon) == (3, 1)
    shorter_horizon = forecast(demand(36, 13, season=80.0), months(36), "monthly")
    assert shorter_horizon.backtest is not None
    assert (shorter_horizon.backtest.origins, shorter_horizon.backtest.horizon) == (6, 7)


# --- many at once ---------------------------------------------------------------------------------------


def test_forecast_many_gives_what_forecast_gives_for_each_series() -> None:
    series = {  # names that sort differently as text and as numbers; two model sets (seasonal and not)
        "10": (demand(40, 14, season=90.0), months(40)),
        "9": (demand(30, 15, growth=6.0), months(30, date(2022, 3, 1))),
        "b": (demand(18, 16), months(18)),
        "a": (demand(40, 17, season=60.0, multiplicative=True), months(40)),
    }
    together = forecast_many(series, "monthly", horizon=6, backtest_origins=3)
    assert list(together) == list(series)
    for name, (values, periods) in series.items():
        assert together[name] == forecast(values, periods, "monthly", horizon=6, backtest_origins=3), name
    assert len({f.model for f in together.values()}) > 1


def test_forecast_many_in_two_processes_gives_the_same_results() -> None:
    series = {name: (demand(30, seed, season=60.0), months(30)) for name, seed in (("x", 27), ("y", 28), ("z", 29))}
    one = forecast_many(series, "monthly", horizon=3, backtest_origins=2)
    assert forecast_many(series, "monthly", horizon=3, backtest_origins=2, n_jobs=2) == one


def test_forecast_many_names_the_series_with_a_problem() -> None:
    series = {"good": (demand(30, 18), months(30)), "bad": (demand(5, 18), months(5))}
    with pytest.raises(ObservatoryError, match=r"series 'bad': a forecast needs at least 8 months of history"):
        forecast_many(series, "monthly")
    assert forecast_many({}, "monthly") == {}


# --- scenarios ------------------------------------------------------------------------------------------


def flat_forecast(steps: int = 4) -> Forecast:
    return Forecast(
        periods=months(steps),
        mean=[100.0] * steps,
        lower_80=[90.0] * steps,
        upper_80=[110.0] * steps,
        lower_95=[80.0] * steps,
        upper_95=[120.0] * steps,
        model="ETS(A,N,N)",
        backtest=Backtest(origins=6, horizon=4, mase=0.8, coverage_80=0.75, coverage_95=1.0),
    )


def test_scenario_is_phased_in_evenly_and_moves_everything_by_the_same_factor() -> None:
    base = flat_forecast()
    up = apply_scenario(base, Scenario("referrals", "Referrals up 20%", 0.2, "numerator"))
    assert up.multipliers == pytest.approx((1.05, 1.10, 1.15, 1.20))
    assert up.forecast.mean == pytest.approx([105.0, 110.0, 115.0, 120.0])
    assert up.forecast.lower_95 == pytest.approx([84.0, 88.0, 92.0, 96.0])
    assert up.forecast.upper_80 == pytest.approx([115.5, 121.0, 126.5, 132.0])
    assert up.forecast.periods == base.periods
    assert up.forecast.backtest is None
    assert "What-if: Referrals up 20%" in up.forecast.notes[-1]
    value = apply_scenario(base, Scenario("demand", "Demand up 20%", 0.2))
    assert value.forecast.mean == up.forecast.mean


def test_a_denominator_driver_divides() -> None:
    population = apply_scenario(flat_forecast(), Scenario("population", "Population up 10%", 0.1, "denominator"))
    assert population.multipliers == pytest.approx(tuple(1 / (1 + 0.1 * k / 4) for k in range(1, 5)))
    assert population.forecast.mean[-1] == pytest.approx(100 / 1.1)
    assert population.to_dict()["scenario"] == {
        "name": "population",
        "title": "Population up 10%",
        "change": 0.1,
        "effect": "denominator",
    }


@pytest.mark.parametrize("change", [-1.0, -2.0, math.nan, math.inf])
def test_impossible_scenarios_are_refused(change: float) -> None:
    with pytest.raises(ObservatoryError, match="change must be a share above -1"):
        apply_scenario(flat_forecast(), Scenario("x", "X", change))


def test_an_unknown_effect_is_refused() -> None:
    with pytest.raises(ObservatoryError, match="effect must be numerator, denominator or value"):
        apply_scenario(flat_forecast(), Scenario("x", "X", 0.1, "rate"))  # type: ignore[arg-type]


# --- validation -----------------------------------------------------------------------------------------


def test_too_short_a_series_is_refused() -> None:
    with pytest.raises(ObservatoryError, match=f"at least {MIN_POINTS} months of history; this series has 7"):
        forecast(demand(7, 19), months(7), "monthly")


@pytest.mark.parametrize("gap", [None, math.nan, math.inf, "12"])
def test_a_missing_value_is_refused_naming_its_period(gap: object) -> None:
    values: list[object] = list(demand(24, 20))
    values[5] = gap
    with pytest.raises(ObservatoryError, match="no usable value for 2021-06-01"):
        forecast(values, months(24), "monthly")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        (months(11) + months(13, date(2022, 1, 1)), "2022-01-01 follows 2021-11-01 \\(expected 2021-12-01\\)"),
        (months(12) + months(12, date(2021, 12, 1)), "2021-12-01 follows 2021-12-01"),
        (list(reversed(months(24))), "2022-11-01 follows 2022-12-01"),
        ([p + timedelta(days=14) for p in months(24)], "2021-01-15 is not the first day of a month"),
    ],
)
def test_periods_must_be_consecutive_months(periods: list[date], message: str) -> None:
    with pytest.raises(ObservatoryError, match=message):
        forecast(demand(24, 21), periods, "monthly")


def test_values_beyond_the_method_are_refused_clearly() -> None:
    huge = [1.7e308] * 15 + [1e308] * 15
    with pytest.raises(
        ObservatoryError,
        match=r"no exponential smoothing model could be fitted to this series.*1.7e\+308, is beyond the method",
    ):
        forecast(huge, months(30), "monthly")
    series = {"fine": (demand(30, 30), months(30)), "huge": (huge, months(30))}
    with pytest.raises(ObservatoryError, match="one of these 2 series"):
        forecast_many(series, "monthly", backtest_origins=0)


def test_other_bad_input_is_refused() -> None:
    values, periods = demand(24, 22), months(24)
    with pytest.raises(ObservatoryError, match="24 values but 23 periods"):
        forecast(values, periods[:-1], "monthly")
    with pytest.raises(ObservatoryError, match="frequency must be weekly, monthly or quarterly"):
        forecast(values, periods, "daily")  # type: ignore[arg-type]
    with pytest.raises(ObservatoryError, match="horizon must be a whole number of periods, at least 1"):
        forecast(values, periods, "monthly", horizon=0)
    with pytest.raises(ObservatoryError, match="backtest origins must be a whole number"):
        forecast(values, periods, "monthly", backtest_origins=-1)
    with pytest.raises(ObservatoryError, match="periods must be dates"):
        forecast(values, ["2021-01-01"] * 24, "monthly")  # type: ignore[list-item]


# --- calendars and output -------------------------------------------------------------------------------


def test_monthly_forecasts_continue_with_month_starts_across_the_year_end() -> None:
    periods = months(30, date(2022, 6, 1))
    result = forecast(demand(30, 23), periods, "monthly", horizon=3, backtest_origins=0)
    assert periods[-1] == date(2024, 11, 1)
    assert result.periods == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_quarterly_forecasts_are_seasonal_from_eight_quarters_and_continue_with_quarter_starts() -> None:
    rng = np.random.default_rng(24)
    quarters = [date(2020, 4, 1), *next_periods(date(2020, 4, 1), "quarterly", 19)]
    values = [float(v) for v in 1000 + 150 * np.tile([1, -1, 0.5, -0.5], 5) + rng.normal(0, 20, 20)]
    result = forecast(values, quarters, "quarterly", horizon=5)
    assert quarters[-1] == date(2025, 1, 1)
    assert result.periods == [date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)]
    assert result.season_length == 4
    assert parts(result.model)[2] != "N"
    assert result.backtest is not None and result.backtest.naive_lag == 4
    with pytest.raises(ObservatoryError, match="periods must be one quarter apart"):
        forecast(values, months(20), "quarterly")


def test_weekly_forecasts_continue_on_the_same_weekday() -> None:
    mondays = [date(2024, 1, 1) + timedelta(weeks=k) for k in range(60)]
    result = forecast(demand(60, 25, growth=1.0), mondays, "weekly", horizon=4, backtest_origins=2)
    assert result.periods == [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]
    assert all(p.weekday() == 0 for p in result.periods)
    assert result.season_length == 1
    assert "60 weeks of history is less than two full years (104 weeks)" in result.description
    with pytest.raises(ObservatoryError, match="periods must be one week apart"):
        forecast(demand(60, 25), [d + timedelta(days=k % 2) for k, d in enumerate(mondays)], "weekly")


def test_to_dict_is_ready_for_json() -> None:
    result = forecast(demand(30, 26), months(30), "monthly", horizon=2)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["periods"] == ["2023-07-01", "2023-08-01"]
    assert data["model"] == result.model
    assert data["mean"] == result.mean
    assert set(data["backtest"]) == {
        "origins",
        "horizon",
        "forecasts",
        "mase",
        "naive_lag",
        "coverage_80",
        "coverage_95",
    }
    scenario = apply_scenario(result, Scenario("s", "S", 0.1))
    assert json.loads(json.dumps(scenario.to_dict()))["forecast"]["backtest"] is None
    assert replace(result, mean=[math.nan, 1.0]).to_dict()["mean"] == [None, 1.0]


def test_forecasting_is_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    awkward = {
        "constant": ([3.0] * 30, months(30)),
        "zeros then growth": ([0.0] * 10 + [float(k) for k in range(1, 21)], months(30)),
        "spikes": ([1e9 if k % 7 == 0 else 1.0 for k in range(40)], months(40)),
        "tiny": ([1e-12 * (1 + k % 12) for k in range(40)], months(40)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = forecast_many(awkward, "monthly", horizon=3, backtest_origins=2)
    assert set(results) == set(awkward)
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
