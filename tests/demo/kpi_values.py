"""The total series of every KPI a build stored, for comparison with the demo's ground truth."""

from __future__ import annotations

from datetime import date

import pytest

from observatory import Observatory
from observatory.metrics.store import latest_results, run_values


def stored_totals(obs: Observatory) -> dict[str, dict[date, float]]:
    """Each KPI's latest total series, periods with a value only (no value when a denominator is zero)."""
    found: dict[str, dict[date, float]] = {}
    for kpi_id, result in latest_results(obs.meta).items():
        found[kpi_id] = {
            row["period_start"]: row["value"]
            for row in run_values(obs.engine, result.run_id, kpi_id)
            if row["breakdown"] == "" and row["member"] == "" and row["value"] is not None
        }
    return found


def assert_totals_equal(got: dict[str, dict[date, float]], expected: dict[str, dict[date, float]]) -> None:
    assert set(got) == set(expected)
    for kpi_id, truth in expected.items():
        assert got[kpi_id].keys() == truth.keys(), kpi_id
        for period, value in truth.items():
            assert got[kpi_id][period] == pytest.approx(value, rel=1e-9, abs=1e-9), (kpi_id, period)
