"""Forecasts with prediction intervals (AutoETS from statsforecast), rolling-origin backtests and scenarios.

The method, in short:

- **Model.** statsforecast's ``AutoETS`` fits every exponential smoothing (ETS) model in its default candidate set
  (``candidate_models``) by maximum likelihood and keeps the one with the lowest AICc. Seasonal candidates are
  considered only when the series holds two full seasons (24 months, 8 quarters or 104 weeks); shorter series
  get non-seasonal models only, and the description says so.
- **Intervals.** 80% and 95% prediction intervals are the model's own analytic ones, assuming normal errors;
  they widen as the horizon lengthens (for multiplicative models they also follow the seasonal level). Four
  models' intervals are recomputed, because statsforecast 2.1.1 gets them wrong (``ets_intervals``).
- **Backtest.** Beside every forecast: the same method refitted at each of the last ``backtest_origins``
  origins (one period apart), forecasting up to a year ahead, scored by MASE and by how often the actual value
  fell inside the 80% and 95% intervals. MASE divides the mean absolute error at each origin by the in-sample
  mean absolute error of the naive forecast on that origin's training data: the *seasonal* naive (same period
  last year) when seasonal models were considered, the one-step naive (last value) otherwise.
- **Scenarios.** A what-if on a driver (``apply_scenario``): the change is phased in evenly over the horizon
  and moves the forecast multiplicatively. It is arithmetic on the baseline, not a causal model.

statsforecast is imported only when a forecast is made (it takes seconds to import), its warnings are silenced
and nothing is printed.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from observatory.errors import ObservatoryError

Frequency = Literal["weekly", "monthly", "quarterly"]
LEVELS = (80, 95)

SEASON_LENGTHS: dict[str, int] = {"weekly": 52, "monthly": 12, "quarterly": 4}
"""Periods in a year: the season length used for seasonal models."""
MIN_POINTS = 8
"""Fewest periods a forecast accepts. statsforecast cannot fit ETS to fewer than 7; with 8, the largest
non-seasonal model (damped trend: five parameters) still leaves two degrees of freedom for its AICc."""
BACKTEST_HORIZON_CAP = SEASON_LENGTHS
"""A backtest forecasts at most a year ahead (fewer periods when the history is short)."""

_UNITS = {"weekly": ("week", "weeks"), "monthly": ("month", "months"), "quarterly": ("quarter", "quarters")}
_MONTHS_APART = {"monthly": 1, "quarterly": 3}
_ALIAS = "AutoETS"
_ERRORS = {"A": "additive errors", "M": "multiplicative errors (proportional to the level)"}
_TRENDS = {"N": "no trend", "A": "an additive trend", "Ad": "a damped additive trend (flattening out)"}
_SEASONS = {"N": "no seasonality", "A": "additive seasonality", "M": "multiplicative seasonality"}


@dataclass(frozen=True)
class EtsModel:
    """One ETS model: error, trend and season types, as statsforecast and R's ``forecast::ets`` name them."""

    error: Literal["A", "M"]
    trend: Literal["N", "A", "Ad"]
    season: Literal["N", "A", "M"]

    @property
    def name(self) -> str:
        return f"ETS({self.error},{self.trend},{self.season})"

    def describe(self) -> str:
        return f"{_ERRORS[self.error]}, {_TRENDS[self.trend]} and {_SEASONS[self.season]}"


def candidate_models(seasonal: bool, positive: bool) -> list[EtsModel]:
    """The models ``AutoETS`` compares by AICc, with its default restrictions.

    No multiplicative trend; multiplicative errors and seasonality only when every value is positive;
    additive errors never with multiplicative seasonality; seasonal models only when ``seasonal``.
    """
    models = []
    for error in ("A", "M"):
        for trend in ("N", "A", "Ad"):
            for season in ("N", "A", "M"):
                if (season != "N" and not seasonal) or (not positive and "M" in (error, season)):
                    continue
                if error == "A" and season == "M":
                    continue
                models.append(EtsModel(error, trend, season))
    return models


@dataclass(frozen=True)
class Backtest:
    """How well the method forecast this series before: rolling-origin, refitted at each origin."""

    origins: int
    horizon: int
    mase: float | None
    coverage_80: float | None
    coverage_95: float | None
    naive_lag: int = 1
    """Lag of the naive forecast that scales MASE: the season length for a seasonal series, else 1."""
    forecasts: int = 0
    """Forecast values compared with what happened (origins x horizon)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "origins": self.origins,
            "horizon": self.horizon,
            "forecasts": self.forecasts,
            "mase": self.mase,
            "naive_lag": self.naive_lag,
            "coverage_80": self.coverage_80,
            "coverage_95": self.coverage_95,
        }


@dataclass(frozen=True)
class Forecast:
    """A point forecast with 80% and 95% prediction intervals for each future period, and its backtest."""

    periods: list[date]
    mean: list[float]
    lower_80: list[float]
    upper_80: list[float]
    lower_95: list[float]
    upper_95: list[float]
    model: str
    backtest: Backtest | None
    description: str = ""
    """The chosen model in plain English, how it was chosen, and whether seasonal models were considered."""
    season_length: int = 1
    """Season length the candidate models used; 1 when only non-seasonal models were considered."""
    notes: tuple[str, ...] = ()
    """Caveats for the reader, e.g. why there is no backtest."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "periods": [period.isoformat() for period in self.periods],
            "mean": _json_floats(self.mean),
            "lower_80": _json_floats(self.lower_80),
            "upper_80": _json_floats(self.upper_80),
            "lower_95": _json_floats(self.lower_95),
            "upper_95": _json_floats(self.upper_95),
            "model": self.model,
            "description": self.description,
            "season_length": self.season_length,
            "backtest": self.backtest.to_dict() if self.backtest else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Scenario:
    """A driver changed by a share over the horizon (``change=0.05`` is +5%), and how it moves the KPI."""

    name: str
    title: str
    change: float
    effect: Literal["numerator", "denominator", "value"] = "value"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "change": self.change, "effect": self.effect}


@dataclass(frozen=True)
class ScenarioForecast:
    scenario: Scenario
    forecast: Forecast
    multipliers: tuple[float, ...] = ()
    """What each period of the baseline (mean and intervals) was multiplied by."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.to_dict(),
            "multipliers": list(self.multipliers),
            "forecast": self.forecast.to_dict(),
        }


def forecast(
    values: Sequence[float],
    periods: Sequence[date],
    frequency: Frequency,
    *,
    horizon: int = 12,
    backtest_origins: int = 6,
) -> Forecast:
    """Fit AutoETS to one series (oldest first, no gaps) and forecast ``horizon`` periods with intervals."""
    return _run({"": (values, periods)}, frequency, horizon, backtest_origins, n_jobs=1)[""]


def forecast_many(
    series: Mapping[str, tuple[Sequence[float], Sequence[date]]],
    frequency: Frequency,
    *,
    horizon: int = 12,
    backtest_origins: int = 6,
    n_jobs: int = 1,
) -> dict[str, Forecast]:
    """``forecast`` for many series at once, in one batched call to the engine of statsforecast.

    Series that need the same model set (seasonal or not) are fitted in one call, and series with the same
    backtest plan are backtested in one call (normally one of each). ``n_jobs`` > 1 spreads the work over
    processes; the results are the same.
    """
    return _run(series, frequency, horizon, backtest_origins, n_jobs=n_jobs)


def apply_scenario(base: Forecast, scenario: Scenario) -> ScenarioForecast:
    """The baseline with the driver's change phased in evenly over the horizon.

    Period ``k`` of ``h`` gets ``k/h`` of the change, so the first period moves by ``change/h`` and the last
    by the full ``change``. A driver in the numerator (or the value itself) multiplies the forecast by
    ``1 + share``; a driver in the denominator divides it by ``1 + share``. The mean and both intervals move
    by the same factor: the what-if assumes nothing else changes, and adds no uncertainty about the driver.
    """
    if scenario.effect not in ("numerator", "denominator", "value"):
        raise ObservatoryError(
            f"scenario {scenario.name!r}: effect must be numerator, denominator or value, not {scenario.effect!r}"
        )
    if not math.isfinite(scenario.change) or scenario.change <= -1:
        raise ObservatoryError(
            f"scenario {scenario.name!r}: change must be a share above -1 (e.g. 0.05 for +5%), not {scenario.change!r}"
        )
    steps = len(base.mean)
    shares = [scenario.change * k / steps for k in range(1, steps + 1)]
    multipliers = tuple(1 / (1 + s) if scenario.effect == "denominator" else 1 + s for s in shares)

    def scaled(values: list[float]) -> list[float]:
        return [value * factor for value, factor in zip(values, multipliers, strict=True)]

    note = (
        f"What-if: {scenario.title} ({scenario.change:+.1%} by the last period, phased in evenly), applied to "
        f"the baseline {base.model} forecast; not separately fitted or backtested."
    )
    moved = replace(
        base,
        mean=scaled(base.mean),
        lower_80=scaled(base.lower_80),
        upper_80=scaled(base.upper_80),
        lower_95=scaled(base.lower_95),
        upper_95=scaled(base.upper_95),
        backtest=None,
        notes=(*base.notes, note),
    )
    return ScenarioForecast(scenario, moved, multipliers)


def next_periods(last: date, frequency: Frequency, count: int) -> list[date]:
    """The ``count`` periods after ``last``: month or quarter starts, or the same weekday each week."""
    return [_shift(last, frequency, k) for k in range(1, count + 1)]


# --- preparing the series -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    key: str
    values: np.ndarray
    periods: list[date]
    season_length: int
    backtest_plan: tuple[int, int] | None
    notes: tuple[str, ...]


def _shift(period: date, frequency: str, steps: int) -> date:
    if frequency == "weekly":
        return period + timedelta(days=7 * steps)
    months = period.year * 12 + period.month - 1 + steps * _MONTHS_APART[frequency]
    return date(months // 12, months % 12 + 1, 1)


def _is_number(value: object) -> bool:
    if value is None or isinstance(value, bool | str):
        return False
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _as_date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ObservatoryError(f"{where}periods must be dates, not {value!r}")


def _prepare(key: str, values: Sequence[float], periods: Sequence[date], frequency: str, **plan: int) -> _Series:
    where = f"series {key!r}: " if key else ""
    if frequency not in SEASON_LENGTHS:
        raise ObservatoryError(f"frequency must be weekly, monthly or quarterly, not {frequency!r}")
    if len(values) != len(periods):
        raise ObservatoryError(f"{where}{len(values)} values but {len(periods)} periods; give one value per period")
    one, many = _UNITS[frequency]
    if len(values) < MIN_POINTS:
        raise ObservatoryError(
            f"{where}a forecast needs at least {MIN_POINTS} {many} of history; this series has {len(values)}"
        )
    dates = [_as_date(period, where) for period in periods]
    for period, value in zip(dates, values, strict=True):
        if not _is_number(value):
            raise ObservatoryError(
                f"{where}no usable value for {period.isoformat()} ({value!r}); a forecast needs a number for "
                "every period: fill the gap, or start the series after it"
            )
    if frequency != "weekly":
        for period in dates:
            if period.day != 1:
                raise ObservatoryError(
                    f"{where}{frequency} periods are named by their first day; {period.isoformat()} is not the "
                    f"first day of a {one}"
                )
    for previous, period in itertools.pairwise(dates):
        expected = _shift(previous, frequency, 1)
        if period != expected:
            raise ObservatoryError(
                f"{where}periods must be one {one} apart, oldest first, with no gaps or repeats: "
                f"{period.isoformat()} follows {previous.isoformat()} (expected {expected.isoformat()})"
            )
    cycle = SEASON_LENGTHS[frequency]
    seasonal = len(values) >= 2 * cycle
    notes = []
    if not seasonal:
        notes.append(
            f"Seasonal models were not considered: {len(values)} {many} of history is less than two full years "
            f"({2 * cycle} {many})."
        )
    array = np.array([float(value) for value in values], dtype=np.float64)
    backtest_plan = _backtest_plan(len(values), 2 * cycle if seasonal else MIN_POINTS, frequency, **plan)
    if backtest_plan is None and plan["origins"] > 0:
        notes.append(
            "No backtest: the history is too short to refit the same method on earlier data "
            f"(each refit needs {2 * cycle if seasonal else MIN_POINTS} {many})."
        )
    return _Series(key, array, dates, cycle if seasonal else 1, backtest_plan, tuple(notes))


def _backtest_plan(
    points: int, least_training: int, frequency: str, *, origins: int, horizon: int
) -> tuple[int, int] | None:
    """Origins and horizon of the backtest: every refit keeps ``least_training`` points; None if none can."""
    room = points - least_training
    if origins <= 0 or room < 1:
        return None
    used = min(origins, room)
    return used, min(horizon, BACKTEST_HORIZON_CAP[frequency], room - used + 1)


# --- running statsforecast -------------------------------------------------------------------------------


def _run(
    series: Mapping[str, tuple[Sequence[float], Sequence[date]]],
    frequency: str,
    horizon: int,
    backtest_origins: int,
    n_jobs: int,
) -> dict[str, Forecast]:
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ObservatoryError(f"the horizon must be a whole number of periods, at least 1, not {horizon!r}")
    if isinstance(backtest_origins, bool) or not isinstance(backtest_origins, int) or backtest_origins < 0:
        raise ObservatoryError(f"backtest origins must be a whole number, 0 or more, not {backtest_origins!r}")
    prepared = [
        _prepare(key, values, periods, frequency, origins=backtest_origins, horizon=horizon)
        for key, (values, periods) in series.items()
    ]
    if not prepared:
        return {}
    by_season: dict[int, list[_Series]] = defaultdict(list)
    by_plan: dict[tuple[int, int, int], list[_Series]] = defaultdict(list)
    for item in prepared:
        by_season[item.season_length].append(item)
        if item.backtest_plan:
            by_plan[(item.season_length, *item.backtest_plan)].append(item)
    fitted: dict[str, tuple[EtsModel, dict[str, np.ndarray]]] = {}
    backtests: dict[str, Backtest] = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"), _unfittable(prepared):
        warnings.simplefilter("ignore")
        for season_length, members in by_season.items():
            fitted.update(_fit_predict(members, season_length, horizon, n_jobs))
        for (season_length, origins, steps), members in by_plan.items():
            backtests.update(_backtest(members, season_length, origins, steps, n_jobs))
    results = {}
    for item in prepared:
        model, columns = fitted[item.key]
        results[item.key] = Forecast(
            periods=next_periods(item.periods[-1], frequency, horizon),  # type: ignore[arg-type]
            mean=columns["mean"].tolist(),
            lower_80=columns["lo-80"].tolist(),
            upper_80=columns["hi-80"].tolist(),
            lower_95=columns["lo-95"].tolist(),
            upper_95=columns["hi-95"].tolist(),
            model=model.name,
            backtest=backtests.get(item.key),
            description=_description(model, item),
            season_length=item.season_length,
            notes=item.notes,
        )
    return results


@contextmanager
def _unfittable(prepared: list[_Series]) -> Iterator[None]:
    """statsforecast raises a bare ``Exception`` when no candidate model can be fitted (values near the limits of
    floating point): say so as an ``ObservatoryError``, naming the series when there is only one."""
    try:
        yield
    except (ObservatoryError, AssertionError):
        raise
    except Exception as exc:
        which = f"series {prepared[0].key!r}" if len(prepared) == 1 and prepared[0].key else "this series"
        if len(prepared) > 1:
            which = f"one of these {len(prepared)} series (forecast them one by one to find which)"
        largest = max(float(np.max(np.abs(item.values))) for item in prepared)
        hint = (
            f"; the largest value, {largest:.3g}, is beyond the method: rescale the values (e.g. to millions)"
            if largest >= 1e100
            else ""
        )
        raise ObservatoryError(f"no exponential smoothing model could be fitted to {which} ({exc}){hint}") from exc


def _engine(season_length: int, n_jobs: int) -> Any:
    from statsforecast import StatsForecast

    from observatory.metrics.ets_intervals import AutoETS

    return StatsForecast(models=[AutoETS(season_length=season_length, alias=_ALIAS)], freq=1, n_jobs=n_jobs)


def _frame(members: list[_Series]) -> pd.DataFrame:
    """statsforecast's long format; ``ds`` counts periods (the calendar is ours, checked above)."""
    return pd.DataFrame(
        {
            "unique_id": np.repeat([item.key for item in members], [len(item.values) for item in members]),
            "ds": np.concatenate([np.arange(len(item.values)) for item in members]),
            "y": np.concatenate([item.values for item in members]),
        }
    )


def _fit_predict(
    members: list[_Series], season_length: int, horizon: int, n_jobs: int
) -> dict[str, tuple[EtsModel, dict[str, np.ndarray]]]:
    """Fit and forecast series that share a model set in one call; the chosen model is read from each fit."""
    engine = _engine(season_length, n_jobs)
    engine.fit(_frame(members))
    predicted = engine.predict(h=horizon, level=list(LEVELS))
    keys = [str(key) for key in engine.uids]
    if predicted["unique_id"].astype(str).tolist() != list(np.repeat(keys, horizon)):
        raise AssertionError("statsforecast returned forecasts in an unexpected order")
    names = {
        "mean": _ALIAS,
        **{f"{side}-{level}": f"{_ALIAS}-{side}-{level}" for side in ("lo", "hi") for level in LEVELS},
    }
    blocks = {
        name: predicted[column].to_numpy(dtype=np.float64).reshape(len(keys), horizon) for name, column in names.items()
    }
    return {
        key: (_chosen_model(engine.fitted_[row, 0].model_), {name: block[row] for name, block in blocks.items()})
        for row, key in enumerate(keys)
    }


def _chosen_model(fitted: Mapping[str, Any]) -> EtsModel:
    """The model AutoETS kept, read from its components (``"AAND"``: error, trend, season, damped)."""
    error, trend, season, damped = tuple(str(fitted["components"]))
    return EtsModel(error, trend + ("d" if damped == "D" else ""), season)  # type: ignore[arg-type]


def _backtest(members: list[_Series], season_length: int, origins: int, steps: int, n_jobs: int) -> dict[str, Backtest]:
    """Rolling-origin backtests of series that share a model set and a plan, in one ``cross_validation`` call."""
    engine = _engine(season_length, n_jobs)
    frame = engine.cross_validation(h=steps, df=_frame(members), n_windows=origins, step_size=1, level=list(LEVELS))
    frame = frame.sort_values(["unique_id", "cutoff", "ds"], kind="stable")
    values_of = {item.key: item.values for item in members}
    results = {}
    for key, rows in frame.groupby("unique_id", sort=False):
        values = values_of[str(key)]
        actual = rows["y"].to_numpy(dtype=np.float64).reshape(origins, steps)
        mean = rows[_ALIAS].to_numpy(dtype=np.float64).reshape(origins, steps)
        cutoffs = rows["cutoff"].to_numpy().reshape(origins, steps)[:, 0]
        errors, scales = [], []
        for origin, cutoff in enumerate(cutoffs):
            training = values[: int(cutoff) + 1]
            scales.append(float(np.mean(np.abs(training[season_length:] - training[:-season_length]))))
            errors.append(float(np.mean(np.abs(actual[origin] - mean[origin]))))
        coverage = {}
        for level in LEVELS:
            lower = rows[f"{_ALIAS}-lo-{level}"].to_numpy(dtype=np.float64).reshape(origins, steps)
            upper = rows[f"{_ALIAS}-hi-{level}"].to_numpy(dtype=np.float64).reshape(origins, steps)
            coverage[level] = float(np.mean((actual >= lower) & (actual <= upper)))
        mase = float(np.mean(np.divide(errors, scales))) if min(scales) > 0 else None
        results[str(key)] = Backtest(
            origins=origins,
            horizon=steps,
            mase=mase if mase is not None and math.isfinite(mase) else None,
            coverage_80=coverage[80],
            coverage_95=coverage[95],
            naive_lag=season_length,
            forecasts=origins * steps,
        )
    return results


def _description(model: EtsModel, item: _Series) -> str:
    if np.all(item.values == item.values[0]):
        return f"{model.name}: the series is constant, so the forecast repeats its value."
    seasonal = item.season_length > 1
    count = len(candidate_models(seasonal, bool(np.all(item.values > 0))))
    text = f"{model.name}: {model.describe()}; chosen by AICc from {count} candidate exponential smoothing models."
    if not seasonal:
        text += " " + item.notes[0]
    return text


def _json_floats(values: Sequence[float]) -> list[float | None]:
    return [float(value) if math.isfinite(value) else None for value in values]
