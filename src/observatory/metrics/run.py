"""``compute_metrics``: every KPI of the project computed as a recorded run, with SPC on every series, status,
confidence, caveats and a forecast; results stored (history kept) and a failure of one KPI never stops the others."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import structlog

from observatory.config.kpis import Kpi
from observatory.errors import ObservatoryError
from observatory.meta.runs import recorded_run
from observatory.metrics.compute import TOTAL_KEY, KpiValues, Series, compute_values
from observatory.metrics.forecast import Forecast, Scenario, apply_scenario, forecast, forecast_many
from observatory.metrics.periods import Period, complete_periods, following
from observatory.metrics.spc import SpcOptions, SpcResult, xmr_many
from observatory.metrics.sql import table_for
from observatory.metrics.status import Assessment, assess, needs_attention, roll_up
from observatory.metrics.store import (
    VALUES_SCHEMA,
    StoredResult,
    Version,
    append_values,
    latest_results,
    record_version,
    run_values,
    save_result,
)
from observatory.metrics.summary import caveats_for, definition_change, describe_kpi
from observatory.metrics.units import show
from observatory.platform import Observatory
from observatory.quality.snapshots import confidence_for

Progress = Callable[[str, int, int], None]
log = structlog.get_logger()
MIN_FORECAST_POINTS = 12
"""A KPI is forecast once it has at least this many periods (shorter series give intervals nobody should use)."""


@dataclass
class Computed:
    """One KPI's values and charts from this run, before forecasting and assessment."""

    kpi: Kpi
    run_id: int
    version: Version
    previous: Version | None
    values: KpiValues
    charts: dict[tuple[str, str], SpcResult]
    targets: list[float | None]


@dataclass
class MetricsReport:
    """What a metrics run did."""

    computed: dict[str, str] = field(default_factory=dict)
    """KPI id → status."""
    failures: list[dict[str, str]] = field(default_factory=list)
    needing_attention: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "computed": self.computed,
            "failures": self.failures,
            "needing_attention": self.needing_attention,
            "rows": self.rows,
            "seconds": self.seconds,
        }


def reporting_window(obs: Observatory) -> tuple[date, date]:
    """``(first period's earliest start, as_of)`` from ``metrics:`` in observatory.yml."""
    settings = obs.project.spec.metrics
    as_of = settings.as_of or date.today()
    start = settings.start or date(as_of.year - 5, as_of.month, 1)
    return start, as_of


def targets_for(kpi: Kpi, periods: Sequence[Period]) -> list[float | None]:
    """The target in force at the start of each period (``None`` before the first)."""
    found: list[float | None] = []
    for period in periods:
        current = None
        for target in kpi.spec.targets:
            if target.from_ <= period.start:
                current = target.value
        found.append(current)
    return found


def spc_options(obs: Observatory, kpi: Kpi) -> SpcOptions:
    settings, own = obs.project.spec.metrics, kpi.spec.spc
    return SpcOptions(
        run_length=own.run_length or settings.run_length,
        trend_length=own.trend_length or settings.trend_length,
        screen=settings.screen if own.screen is None else own.screen,
        rebase=tuple(own.rebase),
    )


def _compute_one(obs: Observatory, kpi: Kpi, start: date, as_of: date) -> Computed:
    inputs = [table_for(ref).replace('"', "") for ref in kpi.datasets]
    with recorded_run(
        obs.meta, kind="kpi", node_id=kpi.node_id, inputs=inputs, outputs=[kpi.node_id], engine=obs.engine.name
    ) as run:
        version, previous = record_version(obs.meta, kpi, run.id)
        periods = complete_periods(kpi.spec.frequency, kpi.start(start), as_of)
        if not periods:
            raise ObservatoryError(f"KPI {kpi.id!r}: no whole {kpi.spec.frequency} period between {start} and {as_of}")
        values = compute_values(obs.engine, kpi, periods)
        targets = targets_for(kpi, periods)
        options = spc_options(obs, kpi)
        starts = [p.start for p in periods]
        keys = list(values.series)
        drawn = xmr_many(
            [values.series[key].value for key in keys],
            starts,
            polarity=kpi.spec.polarity,
            targets=targets,
            options=options,
        )
        charts = dict(zip(keys, drawn, strict=True))
        run.rows_out = len(values.series) * len(periods)
    return Computed(kpi, run.id, version, previous, values, charts, targets)


def _rows(item: Computed) -> pa.Table:
    """The run's values of one KPI, every series, in ``VALUES_SCHEMA``."""
    columns: dict[str, list[Any]] = {name: [] for name in VALUES_SCHEMA.names}
    frequency = item.kpi.spec.frequency
    labels = [p.label(frequency) for p in item.values.periods]
    for (breakdown, member), series in item.values.series.items():
        chart = item.charts[(breakdown, member)]
        for index, period in enumerate(item.values.periods):
            point = chart.points[index]
            columns["run_id"].append(item.run_id)
            columns["kpi_id"].append(item.kpi.id)
            columns["version"].append(item.version.version)
            columns["period_start"].append(period.start)
            columns["period_label"].append(labels[index])
            columns["breakdown"].append(breakdown)
            columns["member"].append(member)
            columns["numerator"].append(series.numerator[index])
            columns["denominator"].append(series.denominator[index] if series.denominator else None)
            columns["value"].append(series.value[index])
            columns["mean"].append(point.mean)
            columns["lower"].append(point.lower)
            columns["upper"].append(point.upper)
            columns["special_cause"].append(point.special_cause)
            columns["rules"].append(",".join(point.rules))
    return pa.table(columns, schema=VALUES_SCHEMA)


def _forecastable(series: Series) -> bool:
    return len(series.value) >= MIN_FORECAST_POINTS and all(v is not None for v in series.value)


def _forecasts(obs: Observatory, items: list[Computed]) -> dict[str, Forecast | str]:
    """A forecast (or why there is none) for every KPI whose definition asks for one."""
    settings = obs.project.spec.metrics
    found: dict[str, Forecast | str] = {}
    groups: dict[tuple[str, int], dict[str, tuple[list[float], list[date]]]] = {}
    for item in items:
        spec = item.kpi.spec.forecast
        if not spec.enabled:
            continue
        total = item.values.total
        if not _forecastable(total):
            found[item.kpi.id] = f"Not forecast: it needs {MIN_FORECAST_POINTS} periods with a value, without gaps."
            continue
        values = [float(v) for v in total.value if v is not None]
        key = (item.kpi.spec.frequency, spec.horizon or settings.horizon)
        groups.setdefault(key, {})[item.kpi.id] = (values, [p.start for p in item.values.periods])
    for (frequency, horizon), series in groups.items():
        kwargs = {"horizon": horizon, "backtest_origins": settings.backtest_origins}
        try:
            found.update(forecast_many(series, frequency, **kwargs))  # type: ignore[arg-type]
        except (ValueError, ObservatoryError):  # one bad series: forecast each alone, so only it is left out
            for kpi_id, (values, periods) in series.items():
                try:
                    found[kpi_id] = forecast(values, periods, frequency, **kwargs)  # type: ignore[arg-type]
                except (ValueError, ObservatoryError) as exc:
                    found[kpi_id] = f"Not forecast: {exc}"
    return found


def compute_metrics(
    obs: Observatory, *, only: Sequence[str] | None = None, progress: Progress | None = None
) -> MetricsReport:
    """Compute every KPI (or those in ``only``) with SPC, status, confidence, caveats and a forecast."""
    report = MetricsReport()
    started = time.perf_counter()
    metrics = obs.project.metrics
    kpis = [metrics.kpis[k] for k in sorted(metrics.kpis) if only is None or k in only]
    start, as_of = reporting_window(obs)
    items: list[Computed] = []
    for index, kpi in enumerate(kpis):
        if progress:
            progress(f"Computing {kpi.id}", index, len(kpis) + 1)
        try:
            items.append(_compute_one(obs, kpi, start, as_of))
        except ObservatoryError as exc:
            report.failures.append({"kpi": kpi.id, "error": exc.message})
        except Exception as exc:  # the engine: the other KPIs must still be computed and reported
            log.exception("metrics.kpi_failed", kpi=kpi.id)
            report.failures.append({"kpi": kpi.id, "error": f"{type(exc).__name__}: {exc}"})
    if progress:
        progress("Forecasting", len(kpis), len(kpis) + 1)
    forecasts = _forecasts(obs, items)
    previous = latest_results(obs.meta, [item.kpi.id for item in items])
    assessments: dict[str, Assessment] = {}
    summaries: dict[str, dict[str, Any]] = {}
    for item in items:
        summaries[item.kpi.id], assessments[item.kpi.id] = _summarise(obs, item, forecasts.get(item.kpi.id), previous)
    for failure in report.failures:
        assessments[failure["kpi"]] = Assessment("no_data", [f"It could not be computed: {failure['error']}"])
    rolled, _ = roll_up(metrics, {k: a.status for k, a in assessments.items()})
    if items:
        report.rows = append_values(obs.engine, pa.concat_tables([_rows(item) for item in items]))
    for item in items:
        summary = summaries[item.kpi.id]
        summary["rolled_status"] = rolled[item.kpi.id]
        save_result(obs.meta, item.run_id, item.kpi.id, item.version.version, summary["status"], summary)
        report.computed[item.kpi.id] = summary["status"]
    report.needing_attention = [k for k in sorted(assessments) if needs_attention(assessments[k])]
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _summarise(
    obs: Observatory, item: Computed, predicted: Forecast | str | None, previous: dict[str, StoredResult]
) -> tuple[dict[str, Any], Assessment]:
    """The stored summary of one KPI's run (the shape the CLI, pages and API read) and its assessment."""
    kpi, spec = item.kpi, item.kpi.spec
    total, chart = item.values.total, item.charts[TOTAL_KEY]
    latest_value = total.value[-1]
    target = item.targets[-1]
    shown = show(latest_value, spec)
    target_shown = show(target, spec) if target is not None else ""
    assessment = assess(latest_value, target, chart, spec.polarity, (shown, target_shown))
    last = item.values.periods[-1]
    summary = describe_kpi(kpi, item.version.version)
    summary.update(
        {
            "run_id": item.run_id,
            "latest": {
                "period": last.start.isoformat(),
                "label": last.label(spec.frequency),
                "value": latest_value,
                "shown": shown,
                "numerator": total.numerator[-1],
                "denominator": total.denominator[-1] if total.denominator else None,
            },
            "target": None if target is None else {"value": target, "shown": show(target, spec)},
            "spc": chart.to_dict(),
            "variation": chart.variation,
            "assurance": chart.assurance,
            "status": assessment.status,
            "reasons": assessment.reasons,
            "signal": assessment.signal,
            "confidence": confidence_for(obs.meta, kpi.datasets).to_dict(),
            "caveats": caveats_for(obs.meta, kpi),
            "breakdowns": _breakdowns(item),
        }
    )
    summary["forecast"], summary["scenarios"], summary["forecast_note"] = _forecast_parts(item, predicted)
    earlier = previous.get(kpi.id)
    summary["definition_change"] = definition_change(
        item.version,
        item.previous,
        earlier.summary if earlier else None,
        run_values(obs.engine, earlier.run_id, kpi.id) if earlier and earlier.version != item.version.version else [],
        item.values,
        spec,
    )
    return summary, assessment


def _forecast_parts(
    item: Computed, predicted: Forecast | str | None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    if predicted is None:
        return None, [], "Forecasting is turned off for this KPI." if not item.kpi.spec.forecast.enabled else None
    if isinstance(predicted, str):
        return None, [], predicted
    frequency = item.kpi.spec.frequency
    horizon = following(item.values.periods[-1], frequency, len(predicted.periods))
    data = predicted.to_dict()
    data["labels"] = [p.label(frequency) for p in horizon]
    scenarios = [
        apply_scenario(predicted, Scenario(name, s.title, s.change, s.effect)).to_dict()
        for name, s in item.kpi.spec.forecast.scenarios.items()
    ]
    return data, scenarios, None


def _breakdowns(item: Computed) -> list[dict[str, Any]]:
    spec = item.kpi.spec
    found = []
    for name, members in item.values.breakdowns().items():
        rows = []
        for member in members:
            series, chart = item.values.series[(name, member)], item.charts[(name, member)]
            rows.append(
                {
                    "member": member,
                    "value": series.value[-1],
                    "shown": show(series.value[-1], spec),
                    "variation": chart.variation,
                }
            )
        found.append({"name": name, "title": spec.breakdowns[name].title, "members": rows})
    return found
