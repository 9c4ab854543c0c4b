"""Benchmarks for governed KPIs, in named parts (all of them when none is named).

**forecast** (a): 1,000 synthetic monthly series of 60 points (level, trend, a wandering level, yearly
seasonality and noise; 40% multiplicative; seeded), each forecast 12 months ahead with 80% and 95% prediction
intervals, by

- **Observatory**: ``forecast_many`` (statsforecast's AutoETS in one batched call, ``n_jobs=1``, model chosen
  by AICc over its default candidates), without backtests, so that both sides do the same work: fit every
  candidate model, keep the lowest AICc, forecast with intervals;
- **statsmodels** (the strongest alternative in Python): an ``ETSModel`` per candidate model, the *same*
  candidates AutoETS compares (``candidate_models``: no multiplicative trend; multiplicative errors and
  seasonality only for positive series; additive errors never with multiplicative seasonality), the lowest
  ``aicc`` kept, then ``get_prediction(...).summary_frame(alpha=...)`` for both intervals (for multiplicative
  models statsmodels simulates the intervals: that is its real cost, and it is timed separately).

statsmodels takes seconds per series, so it runs on the first ``--subset`` series and its time is scaled per
series; Observatory is also timed on the same subset. Both sides run in the same process, one after the other;
imports are done before timing. The two are compared for agreement on the subset: the share of series where
both choose the same model, and the median relative difference of the 12-month point forecast and of the width
of its 95% interval. A last, separate line times Observatory's forecasts *with* their backtests (6 origins) on
the first ``--backtests`` series: what a KPI build pays. Target: Observatory ≥ 10× faster per series.

**kpis** (b): the demo council at 100,000 residents is generated and built once (not timed; the folder is kept
and reused), its KPI definitions are replaced by 200 generated ones over its event data, each with five
breakdowns and 60 months, and ``compute_metrics`` is timed end to end: the SQL of every KPI, SPC on every
series, status, confidence, caveats, versions and storage. Forecasts are turned off in these definitions (the
forecast part times them). The strongest alternative is the same aggregates written by hand as plain GROUP BYs
on DuckDB. Target: under 30 s.

    .venv/bin/python bench/metrics.py [forecast] [--series 1000] [--subset 30] [--backtests 100] [--no-record]
    .venv/bin/python bench/metrics.py kpis [--kpis 200] [--residents 100000] [--council DIR] [--no-record]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from observatory.metrics.forecast import EtsModel, Forecast, candidate_models, forecast_many, next_periods

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
POINTS = 60
HORIZON = 12
FIRST_MONTH = date(2021, 1, 1)


# --- (a) forecast ---------------------------------------------------------------------------------------


def synthetic_series(count: int, points: int, seed: int) -> list[np.ndarray]:
    """Monthly KPI-like series: a level from 20 to 5,000, growth of up to about ±1% a month, a level that wanders,
    a yearly pattern of up to ±30% (with a second harmonic) and 2-10% noise; 40% of them multiplicative."""
    rng = np.random.default_rng(seed)
    t = np.arange(points)
    found = []
    for _ in range(count):
        start = math.exp(rng.uniform(math.log(20), math.log(5000)))
        growth = rng.normal(0, 0.004)
        wander = start * np.cumsum(rng.normal(0, rng.uniform(0, 0.02), points))
        level = np.maximum(start * (1 + growth * t) + wander, start * 0.2)
        phase = rng.uniform(0, 2 * math.pi)
        pattern = rng.uniform(0, 0.3) * np.sin(2 * math.pi * t / 12 + phase)
        pattern += rng.uniform(0, 0.08) * np.sin(4 * math.pi * t / 12 + 2 * phase)
        noise = rng.uniform(0.02, 0.10)
        if rng.random() < 0.4:
            values = level * (1 + pattern) * np.exp(rng.normal(0, noise, points))
        else:
            values = level + start * pattern + start * rng.normal(0, noise, points)
        found.append(np.round(np.maximum(values, 1.0), 2))
    return found


def observatory_forecasts(series: list[np.ndarray], backtest_origins: int = 0) -> tuple[float, list[Forecast]]:
    periods = [FIRST_MONTH, *next_periods(FIRST_MONTH, "monthly", POINTS - 1)]
    named = {f"s{i:04d}": (values.tolist(), periods) for i, values in enumerate(series)}
    started = time.perf_counter()
    results = forecast_many(named, "monthly", horizon=HORIZON, backtest_origins=backtest_origins)
    seconds = time.perf_counter() - started
    return seconds, [results[name] for name in named]


def statsmodels_forecast(values: np.ndarray) -> dict[str, Any]:
    """The AICc-selection loop with statsmodels' ETSModel over AutoETS's candidates, then both intervals."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    kinds = {"A": "add", "M": "mul", "N": None}
    # a dated index: get_prediction needs one to label its rows
    y = pd.Series(values, index=pd.date_range(FIRST_MONTH, periods=len(values), freq="MS"))
    best: tuple[float, EtsModel, Any] | None = None
    started = time.perf_counter()
    for candidate in candidate_models(seasonal=True, positive=bool(np.all(values > 0))):
        model = ETSModel(
            y,
            error=kinds[candidate.error],
            trend=kinds[candidate.trend[0]],
            damped_trend=candidate.trend == "Ad",
            seasonal=kinds[candidate.season],
            seasonal_periods=12 if candidate.season != "N" else None,
        )
        fitted = model.fit(disp=False)
        if math.isfinite(fitted.aicc) and (best is None or fitted.aicc < best[0]):
            best = (fitted.aicc, candidate, fitted)
    assert best is not None
    fitted_seconds = time.perf_counter() - started
    prediction = best[2].get_prediction(start=len(values), end=len(values) + HORIZON - 1)
    frames = {level: prediction.summary_frame(alpha=1 - level / 100) for level in (80, 95)}
    return {
        "model": best[1].name,
        "seconds": time.perf_counter() - started,
        "interval_seconds": time.perf_counter() - started - fitted_seconds,
        "simulated": prediction.method == "simulated",
        "mean": frames[95]["mean"].to_numpy(),
        "width_95": (frames[95]["pi_upper"] - frames[95]["pi_lower"]).to_numpy(),
    }


def relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def bench_forecast(args: argparse.Namespace) -> list[str]:
    import statsforecast
    import statsmodels
    from statsforecast.models import AutoETS  # noqa: F401  (imported before timing)
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401

    load = os.getloadavg()[0]
    series = synthetic_series(args.series, POINTS, args.seed)
    subset = series[: args.subset]
    observatory_forecasts(series[:2])  # warm-up: first-call costs on neither side's clock
    all_seconds, ours = observatory_forecasts(series)
    subset_seconds, ours_subset = observatory_forecasts(subset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' convergence warnings
        theirs = []
        for index, values in enumerate(subset):
            theirs.append(statsmodels_forecast(values))
            sys.stderr.write(f"\rstatsmodels: {index + 1}/{len(subset)}")
        sys.stderr.write("\n")
    backtest_seconds, _ = observatory_forecasts(series[: args.backtests], backtest_origins=6)

    their_seconds = sum(r["seconds"] for r in theirs)
    their_intervals = sum(r["interval_seconds"] for r in theirs)
    simulated = sum(r["simulated"] for r in theirs)
    per_ours, per_ours_subset = all_seconds / len(series), subset_seconds / len(subset)
    per_theirs = their_seconds / len(subset)
    same = sum(o.model == t["model"] for o, t in zip(ours_subset, theirs, strict=True))
    mean_diff = statistics.median(relative(o.mean[-1], t["mean"][-1]) for o, t in zip(ours_subset, theirs, strict=True))
    width_diff = statistics.median(
        relative(o.upper_95[-1] - o.lower_95[-1], t["width_95"][-1]) for o, t in zip(ours_subset, theirs, strict=True)
    )
    chosen = Counter(f.model for f in ours).most_common(6)
    versions = (
        f"statsforecast {statsforecast.__version__}, statsmodels {statsmodels.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    return [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — forecasts: AutoETS with 80% and 95% intervals, "
        f"{len(series):,} monthly series of {POINTS} points",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}; "
        f"load average (1 min) before the run {load:.2f}. `bench/metrics.py forecast`: seeded synthetic series "
        "(level 20–5,000, trend, a wandering level, yearly pattern, 2–10% noise; 40% multiplicative), each "
        f"forecast {HORIZON} months ahead with both intervals; model chosen by AICc over the same 15 candidates "
        "on both sides; no backtests in the comparison (same work on both sides). One run each, one process.",
        "",
        "| what | series | wall time (s) | per series (ms) |",
        "|---|---|---|---|",
        f"| Observatory `forecast_many` (statsforecast AutoETS, one batched call, n_jobs=1) | {len(series):,} | "
        f"{all_seconds:.1f} | {1000 * per_ours:.1f} |",
        f"| Observatory `forecast_many`, the statsmodels subset | {len(subset)} | {subset_seconds:.1f} | "
        f"{1000 * per_ours_subset:.1f} |",
        f"| statsmodels `ETSModel` AICc loop + `get_prediction` (first {len(subset)} series) | {len(subset)} | "
        f"{their_seconds:.1f} | {1000 * per_theirs:.0f} |",
        f"| of which statsmodels' intervals (simulated for {simulated} of {len(subset)} series) | {len(subset)} | "
        f"{their_intervals:.2f} | {1000 * their_intervals / len(subset):.1f} |",
        f"| Observatory `forecast_many` with backtests (6 origins, refitted at each) | {args.backtests} | "
        f"{backtest_seconds:.1f} | {1000 * backtest_seconds / args.backtests:.0f} |",
        "",
        f"statsmodels ÷ Observatory, per series: **{per_theirs / per_ours:.0f}×** (target ≥ 10×); on the same "
        f"{len(subset)} series: {per_theirs / per_ours_subset:.0f}×.",
        f"Agreement on the {len(subset)} series: same model chosen for {same} ({same / len(subset):.0%}); median "
        f"relative difference of the 12-month point forecast {mean_diff:.1%}, of the width of its 95% interval "
        f"{width_diff:.1%}.",
        f"Models Observatory chose for the {len(series):,} series (most common): "
        + ", ".join(f"{name} {count}" for name, count in chosen)
        + ".",
        "",
    ]


# --- (b) kpis -------------------------------------------------------------------------------------------

KPI_START = date(2021, 4, 1)
"""60 monthly periods, April 2021 to March 2026 (the demo's extract month)."""
TEMPLATES: list[dict[str, Any]] = [
    {
        "dataset": "asc.contacts",
        "rows": "SELECT *, postcode__ward AS ward FROM asc.contacts",
        "count": "contact_id",
        "timing": {"date": "contact_date"},
        "breakdowns": ["locality", "age_band", "contact_source", "outcome", "ward"],
        "filter": "outcome",
    },
    {
        "dataset": "housing.homelessness",
        "rows": "SELECT *, postcode__ward AS ward, postcode__sector AS sector FROM housing.homelessness",
        "count": "case_ref",
        "timing": {"date": "approach_date"},
        "breakdowns": ["reason", "household_type", "duty", "ward", "sector"],
        "filter": "duty",
    },
    {
        "dataset": "housing.temporary_accommodation",
        "rows": "SELECT t.*, h.reason, h.duty, h.postcode__ward AS ward FROM housing.temporary_accommodation t "
        "JOIN housing.homelessness h ON h.case_ref = t.case_ref",
        "count": "placement_ref",
        "timing": {"start": "start_date", "end": "end_date"},
        "breakdowns": ["accommodation_type", "household_type", "reason", "duty", "ward"],
        "filter": "accommodation_type",
    },
]


def _duck(obs: Any) -> Any:
    """The demo's DuckDB connection (this benchmark runs on DuckDB)."""
    from observatory.engine.duckdb_engine import DuckDBEngine

    assert isinstance(obs.engine, DuckDBEngine)
    return obs.engine


def _bench_definitions(count: int, values: dict[str, list[str]]) -> str:
    """``count`` KPIs over the demo's event data, each with five breakdowns; every other one a percentage of a
    filtered count over the unfiltered count (two queries), the rest counts of one filtered value."""
    lines = ["kpis:"]
    for index in range(count):
        template = TEMPLATES[index % len(TEMPLATES)]
        column = template["filter"]
        choices = values[template["dataset"]]
        chosen = choices[(index // len(TEMPLATES)) % len(choices)].replace("'", "''")
        timing = ", ".join(f"{k}: {v}" for k, v in template["timing"].items())
        rows = template["rows"]
        measure = f"{{sql: \"{rows} WHERE {column} = '{chosen}'\", count: {template['count']}, {timing}}}"
        whole = f'{{sql: "{rows}", count: {template["count"]}, {timing}}}'
        percent = index % 2 == 1
        lines += [
            f"  bench_{index:03d}:",
            f"    title: Benchmark KPI {index}",
            f"    definition: {template['dataset']} rows with {column} {chosen!r}, per month, by five breakdowns.",
            "    owner: Performance team",
            "    business_area: Benchmark",
            f"    unit: {'percent' if percent else 'count'}",
            "    polarity: lower_is_better",
            f"    numerator: {measure}",
            *([f"    denominator: {whole}"] if percent else []),
            "    breakdowns: {" + ", ".join(f"{b}: {{title: {b}}}" for b in template["breakdowns"]) + "}",
            f"    targets: [{{from: {KPI_START}, value: {50 if percent else 100}}}]",
            f"    depends_on: {{{template['dataset']}: [{template['count']}]"
            + (", housing.homelessness: [case_ref]" if "JOIN" in rows else "")
            + "}",
            f"    start: {KPI_START}",
            "    forecast: {enabled: false}",
        ]
    return "\n".join(lines) + "\n"


def _hand_written_seconds(obs: Any, definitions: list[Any]) -> float:
    """The strongest alternative: the same aggregates written by hand, one plain GROUP BY per breakdown and one
    for the total, straight on DuckDB (no periods table: months by ``date_trunc``; no SPC, no storage)."""
    from observatory.metrics.sql import _source_sql

    connection = _duck(obs).connection
    started = time.perf_counter()
    for kpi in definitions:
        for measure in [kpi.spec.numerator, kpi.spec.denominator]:
            if measure is None:
                continue
            source = _source_sql(measure)
            if measure.date:
                month = f"date_trunc('month', {measure.date})"
                for column in [None, *kpi.spec.breakdowns]:
                    keys = f"{month}" + (f", {column}" if column else "")
                    connection.sql(
                        f"SELECT {keys}, count(DISTINCT {measure.count}) FROM ({source}) s "
                        f"WHERE {measure.date} >= DATE '{KPI_START}' GROUP BY ALL"
                    ).fetchall()
            else:
                for column in [None, *kpi.spec.breakdowns]:
                    keys = "m.month" + (f", s.{column}" if column else "")
                    connection.sql(
                        f"SELECT {keys}, count(DISTINCT s.{measure.count}) FROM ({source}) s JOIN "
                        f"(SELECT last_day(range::DATE) AS month FROM range(DATE '{KPI_START}', DATE '2026-04-01', "
                        f"INTERVAL 1 MONTH)) m ON s.{measure.start} <= m.month AND (s.{measure.end} IS NULL OR "
                        f"s.{measure.end} > m.month) GROUP BY ALL"
                    ).fetchall()
    return time.perf_counter() - started


def bench_kpis(args: argparse.Namespace) -> list[str]:
    """(b): 200 KPIs × 60 months × 5 breakdowns with SPC on every series, from the 100,000-resident demo."""
    import shutil

    from observatory import Observatory
    from observatory.build import build
    from observatory.demo import generate
    from observatory.metrics.run import compute_metrics

    root = Path(args.council)
    if not (root / "observatory.yml").exists():
        generate(root, residents=args.residents, seed=42)
        with Observatory.open(root) as obs:
            report = build(obs, linkage=False)
            if not report.ok:
                raise SystemExit(f"the demo build failed: {report.failures}")
    metrics = root / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir()
    with Observatory.open(root) as obs:
        values = {}
        for template in TEMPLATES:
            table = "standard." + template["dataset"].replace(".", "__")
            column = template["filter"]
            found = (
                _duck(obs)
                .connection.sql(
                    f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC"
                )
                .fetchall()
            )
            values[template["dataset"]] = [str(row[0]) for row in found]
    (metrics / "bench.yml").write_text(_bench_definitions(args.kpis, values), encoding="utf-8")
    with Observatory.open(root) as obs:
        kpis = list(obs.project.metrics.kpis.values())
        hand = _hand_written_seconds(obs, kpis)
        started = time.perf_counter()
        computed = compute_metrics(obs)
        seconds = time.perf_counter() - started
        if not computed.ok:
            raise SystemExit(f"KPIs failed: {computed.failures[:3]}")
        series = (
            _duck(obs)
            .connection.sql(
                "SELECT count(DISTINCT (kpi_id, breakdown, member)), count(*) FROM governed.kpi_values "
                "WHERE run_id IN (SELECT max(run_id) FROM governed.kpi_values GROUP BY kpi_id)"
            )
            .fetchone()
        )
        residents = _duck(obs).connection.sql("SELECT count(*) FROM standard.asc__contacts").fetchone()
    assert series is not None and residents is not None
    load = os.getloadavg()[0]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"## {now} — KPIs: {args.kpis} KPIs × 60 months × 5 breakdowns with SPC, demo council at "
        f"{args.residents:,} residents",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"(1 min) at the end {load:.2f}. `bench/metrics.py kpis`: the demo council generated and built (not "
        f"timed), then {args.kpis} generated KPI definitions over its event data (adult social care requests, "
        "homelessness approaches, placements in temporary accommodation, the last a stock counted at each "
        "month end), each with five breakdowns; half are percentages (two measures). "
        f"asc.contacts holds {residents[0]:,} rows.",
        "",
        "| what | seconds |",
        "|---|---|",
        f"| Observatory `compute_metrics`: SQL per KPI (periods, GROUPING SETS), zero-filling, SPC on every "
        f"series, status, confidence, caveats, versions, {series[1]:,} values stored | **{seconds:.1f}** |",
        f"| by hand: the same aggregates as plain GROUP BYs on DuckDB (no periods, SPC or storage) | {hand:.1f} |",
        "",
        f"{series[0]:,} series of 60 months. Target < 30 s end to end: "
        f"**{'met' if seconds < 30 else 'missed'}** ({seconds:.1f} s); "
        f"Observatory ÷ hand-written aggregates: {seconds / hand:.2f}×.",
        "",
    ]


PARTS: dict[str, Callable[[argparse.Namespace], list[str]]] = {"forecast": bench_forecast, "kpis": bench_kpis}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", metavar="part", help=f"parts to run: {', '.join(PARTS)} (default: all)")
    parser.add_argument("--series", type=int, default=1000, help="forecast: series for Observatory")
    parser.add_argument("--subset", type=int, default=30, help="forecast: series for statsmodels (and agreement)")
    parser.add_argument("--backtests", type=int, default=100, help="forecast: series timed with backtests")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--kpis", type=int, default=200, help="kpis: KPI definitions")
    parser.add_argument("--residents", type=int, default=100_000, help="kpis: demo council size")
    parser.add_argument("--council", default="/tmp/observatory-bench-kpis", help="kpis: folder (kept and reused)")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    unknown = [name for name in args.parts if name not in PARTS]
    if unknown:
        parser.error(f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    for name in args.parts or list(PARTS):
        lines = PARTS[name](args)
        section = "\n" + "\n".join(lines)
        sys.stdout.write(section)
        if not args.no_record:
            with RESULTS.open("a", encoding="utf-8") as handle:
                handle.write(section)


if __name__ == "__main__":
    main()
