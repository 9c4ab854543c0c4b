"""Demo County Council's KPIs: ``observatory build`` computes every one with SPC, status, confidence and a
forecast, and each total series equals what the generator's ground truth says, computed apart in Python."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.demo.kpi_truth import expected_totals
from observatory.metrics.store import latest_results, run_values

RESIDENTS = 1500


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Observatory]]:
    root = tmp_path_factory.mktemp("demo-kpis") / "council"
    generate(root, residents=RESIDENTS, seed=7)
    with Observatory.open(root) as obs:
        report = build(obs, linkage=False)
        assert report.ok, report.failures
        yield root, obs


def test_every_demo_kpi_is_computed_with_spc_status_confidence_and_forecast(
    council: tuple[Path, Observatory],
) -> None:
    _, obs = council
    kpis = obs.project.metrics.kpis
    assert len(kpis) >= 12
    assert len(obs.project.metrics.priorities) >= 3
    assert any(k.spec.parent in kpis for k in kpis.values())  # a hierarchy, not only priorities
    results = latest_results(obs.meta)
    assert set(results) == set(kpis)
    for kpi_id, result in results.items():
        summary = result.summary
        periods = {"monthly": 36, "quarterly": 12, "weekly": 156}[summary["frequency"]]  # at least three years
        assert len(summary["spc"]["points"]) >= periods, kpi_id
        assert summary["status"] in ("on_track", "at_risk", "off_track", "monitor"), (kpi_id, summary["reasons"])
        assert summary["confidence"]["level"] in ("high", "medium", "low")
        assert summary["confidence"]["statement"]
        if kpis[kpi_id].spec.forecast.enabled:
            assert summary["forecast"] is not None, (kpi_id, summary["forecast_note"])
            assert summary["forecast"]["backtest"]["mase"] is not None
    assert sum(1 for k in kpis.values() if k.spec.targets) >= 8


def test_every_total_equals_the_ground_truth(council: tuple[Path, Observatory]) -> None:
    root, obs = council
    expected = expected_totals(root)
    results = latest_results(obs.meta)
    assert set(expected) == set(results)
    for kpi_id, truth in expected.items():
        got = {
            row["period_start"]: row["value"]
            for row in run_values(obs.engine, results[kpi_id].run_id, kpi_id)
            if row["breakdown"] == "" and row["member"] == ""
        }
        assert set(truth) <= set(got), kpi_id
        assert all(got[p] is None for p in set(got) - set(truth)), kpi_id  # no value (e.g. no school in August)
        for period, value in truth.items():
            assert got[period] == pytest.approx(value, rel=1e-9, abs=1e-9), (kpi_id, period)


def test_the_designed_shift_and_trend_are_found_by_spc(council: tuple[Path, Observatory]) -> None:
    _, obs = council
    results = latest_results(obs.meta)
    signals = {
        kpi_id: {rule for point in r.summary["spc"]["points"] for rule in point["rules"]}
        for kpi_id, r in results.items()
    }
    assert any("shift" in rules for rules in signals.values())
    assert any("trend" in rules or "beyond_limits" in rules for rules in signals.values())
