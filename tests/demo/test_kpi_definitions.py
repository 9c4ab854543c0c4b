"""The demo's metrics/*.yml: a valid, governed set of KPIs with history, targets, a hierarchy and scenarios,
SQL that stays portable, and true values for every KPI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from observatory.config import load_project
from observatory.config.kpis import Kpi, Metrics
from observatory.demo import events, generate
from observatory.demo.kpi_truth import expected_totals
from observatory.demo.metrics_files import kpi_files

PORTABLE_FUNCTIONS = {
    "And", "Or", "Exists", "Case", "If", "Cast", "Extract", "Floor", "Lead", "Max", "Min", "Sum", "DateFromParts",
}  # fmt: skip
"""Functions the demo's KPI SQL may call: standard SQL that DuckDB and Spark both have (``make_date`` parses
as ``DateFromParts``); no DuckDB-only date arithmetic such as ``date_diff``."""


@pytest.fixture(scope="module")
def metrics(root: Path) -> Metrics:
    return load_project(root).metrics


def test_the_written_project_loads_with_its_kpis(metrics: Metrics) -> None:
    assert len(metrics.kpis) == 13
    priorities = {"independent_lives", "safe_children", "good_education", "homes", "well_run_council"}
    assert set(metrics.priorities) == priorities
    for kpi in metrics.kpis.values():
        spec = kpi.spec
        assert spec.owner and spec.business_area and len(spec.definition) > 100, kpi.id
        assert spec.depends_on and all(spec.depends_on.values()), kpi.id


def _top(kpi: Kpi, metrics: Metrics) -> str:
    parent = kpi.spec.parent
    while parent in metrics.kpis:
        parent = metrics.kpis[parent].spec.parent
    assert parent is not None
    return parent


def test_every_kpi_sits_under_a_corporate_priority(metrics: Metrics) -> None:
    tops = {kpi.id: _top(kpi, metrics) for kpi in metrics.kpis.values()}
    assert set(tops.values()) == set(metrics.priorities)
    under_kpis = [kpi.id for kpi in metrics.kpis.values() if kpi.spec.parent in metrics.kpis]
    assert len(under_kpis) >= 5


def test_targets_change_over_time_and_neutral_kpis_have_none(metrics: Metrics) -> None:
    with_targets = [kpi for kpi in metrics.kpis.values() if kpi.spec.targets]
    assert len(with_targets) >= 8
    assert all(len(kpi.spec.targets) == 2 and kpi.spec.targets[0].from_ == date(2022, 4, 1) for kpi in with_targets)
    assert any(kpi.spec.targets[1].from_ == date(2025, 4, 1) for kpi in with_targets)
    assert all(kpi.spec.polarity != "neutral" for kpi in with_targets)


def test_frequencies_breakdowns_and_units(metrics: Metrics) -> None:
    kpis = metrics.kpis.values()
    assert {k.id for k in kpis if k.spec.frequency == "quarterly"} == {"schools_persistent_absence"}
    assert {k.spec.unit for k in kpis} == {"count", "percent", "rate"}
    breakdowns = {name for k in kpis for name in k.spec.breakdowns}
    assert {"locality", "ward", "age_band", "referral_source"} <= breakdowns


def test_demand_kpis_have_scenarios(metrics: Metrics) -> None:
    scenarios = {k.id: k.spec.forecast.scenarios for k in metrics.kpis.values() if k.spec.forecast.scenarios}
    assert {"asc_new_requests", "asc_requests_65_per_100k", "csc_referrals", "housing_ta_households"} <= set(scenarios)
    assert scenarios["csc_referrals"]["referral_rate_up"].change == 0.10
    assert scenarios["asc_requests_65_per_100k"]["older_population"].effect == "denominator"


def test_only_the_front_door_rebases_the_limits(metrics: Metrics) -> None:
    rebased = {k.id: k.spec.spc.rebase for k in metrics.kpis.values() if k.spec.spc.rebase}
    assert rebased == {"csc_referrals": [events.FRONT_DOOR_OPENED]}


def test_the_reporting_window_is_48_months_to_the_extract_date(root: Path) -> None:
    settings = load_project(root).spec.metrics
    assert settings.as_of == date(2026, 3, 31)
    assert settings.start == date(2022, 4, 1)


def _measure_sql(metrics: Metrics) -> list[tuple[str, str]]:
    found = []
    for kpi in metrics.kpis.values():
        for measure in (kpi.spec.numerator, kpi.spec.denominator):
            if measure is not None and measure.sql is not None:
                found.append((kpi.id, measure.sql))
    return found


def test_sql_uses_only_portable_functions(metrics: Metrics) -> None:
    checked = 0
    for kpi_id, sql in _measure_sql(metrics):
        tree = sqlglot.parse_one(sql, read="duckdb")
        used = {type(node).__name__ for node in tree.find_all(exp.Func)}
        assert used <= PORTABLE_FUNCTIONS, (kpi_id, used - PORTABLE_FUNCTIONS)
        assert "date_diff" not in sql.lower() and "datediff" not in sql.lower(), kpi_id
        sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
        checked += 1
    assert checked >= 12


def test_expected_totals_cover_every_kpi_and_period(root: Path, metrics: Metrics) -> None:
    expected = expected_totals(root)
    assert set(expected) == set(metrics.kpis)
    for kpi_id, series in expected.items():
        kpi = metrics.kpis[kpi_id]
        periods = 16 if kpi.spec.frequency == "quarterly" else 48
        missing = periods - len(series)
        assert missing == (4 if kpi_id == "schools_absence_rate" else 0), kpi_id  # no sessions in August
        assert min(series) == date(2022, 4, 1) and max(series) == date(2026, 1 if periods == 16 else 3, 1)
        if kpi.spec.unit == "percent":
            assert all(0 <= value < 110 for value in series.values()), kpi_id
        assert sum(series.values()) > 0 and all(value >= 0 for value in series.values()), kpi_id


def test_expected_totals_come_from_the_ground_truth(root: Path, tmp_path: Path) -> None:
    expected = expected_totals(root)
    copy = tmp_path / "council"
    (copy / "ground_truth").mkdir(parents=True)
    for name in ("kpi_events.csv", "kpi_monthly.csv", "people.csv"):
        (copy / "ground_truth" / name).write_bytes((root / "ground_truth" / name).read_bytes())
    (copy / "observatory.yml").write_bytes((root / "observatory.yml").read_bytes())
    assert expected_totals(copy) == expected, "nothing but the ground truth and the reporting window is read"
    lines = (copy / "ground_truth" / "kpi_events.csv").read_text(encoding="utf-8").splitlines()
    contacts = [line for line in lines if line.startswith("asc.contacts,")]
    kept = [line for line in lines if line not in contacts[: len(contacts) // 2]]
    (copy / "ground_truth" / "kpi_events.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    changed = expected_totals(copy)
    assert sum(changed["asc_new_requests"].values()) < sum(expected["asc_new_requests"].values())
    assert changed["csc_referrals"] == expected["csc_referrals"]


def test_count_targets_scale_with_the_council(tmp_path: Path) -> None:
    small = yaml.safe_load(kpi_files(2000)["housing.yml"])["kpis"]["housing_ta_households"]["targets"]
    default = yaml.safe_load(kpi_files(5000)["housing.yml"])["kpis"]["housing_ta_households"]["targets"]
    assert [t["value"] for t in small] == [16, 18]
    assert [t["value"] for t in default] == [40, 45]
    generate(tmp_path, residents=400, seed=5)
    assert len(load_project(tmp_path).metrics.kpis) == 13
