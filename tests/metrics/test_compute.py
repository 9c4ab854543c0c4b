"""KPI computation end to end on real DuckDB: values per period and breakdown against Python's own counts,
stock measures, rates, sums, SQL measures, versions, history, failures that keep the last good results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.catalogue.lineage import lineage
from observatory.metrics.run import compute_metrics
from observatory.metrics.sql import NOT_RECORDED
from observatory.metrics.store import latest_results, result_history, run_values, versions
from tests.metrics.kpi_project import AS_OF, expected_contacts, month_starts, write_kpi_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Observatory, dict[str, list[dict[str, str]]]]]:
    root = tmp_path_factory.mktemp("kpis") / "project"
    rows = write_kpi_project(root)
    with Observatory.open(root) as obs:
        report = build(obs, linkage=False)
        assert report.ok, report.failures
        yield obs, rows


def _series(obs: Observatory, kpi: str, breakdown: str = "", member: str = "") -> dict[date, dict[str, object]]:
    result = latest_results(obs.meta)[kpi]
    return {
        r["period_start"]: r
        for r in run_values(obs.engine, result.run_id, kpi)
        if r["breakdown"] == breakdown and r["member"] == member
    }


def test_event_counts_match_python_counts_per_month_and_team(built: tuple[Observatory, dict]) -> None:
    obs, rows = built
    total = _series(obs, "contacts")
    assert list(total) == month_starts()
    assert {m: r["value"] for m, r in total.items()} == expected_contacts(rows["contacts"])
    for team, member in (("North", "North"), ("South", "South"), ("", NOT_RECORDED)):
        got = _series(obs, "contacts", "team", member)
        assert {m: r["value"] for m, r in got.items()} == expected_contacts(rows["contacts"], team)


def test_percentage_with_filter_and_changing_target(built: tuple[Observatory, dict]) -> None:
    obs, rows = built
    seen = {(r["contact_id"], r["contact_date"], r["outcome"]) for r in rows["contacts"]}
    got = _series(obs, "assessments_share")
    for month, row in got.items():
        in_month = [o for _, d, o in seen if date.fromisoformat(d).replace(day=1) == month]
        assessed = sum(1 for o in in_month if o == "Assessment")
        assert row["numerator"] == assessed and row["denominator"] == len(in_month)
        assert row["value"] == pytest.approx(100 * assessed / len(in_month))
    summary = latest_results(obs.meta)["assessments_share"].summary
    assert summary["target"]["value"] == 45  # the target in force from April 2024
    assert summary["latest"]["label"] == "Mar 2025"


def test_quarterly_sum(built: tuple[Observatory, dict]) -> None:
    obs, rows = built
    got = _series(obs, "contact_cost")
    seen = {(r["contact_id"], r["contact_date"], r["cost"]) for r in rows["contacts"]}
    quarters = Counter[date]()
    for _, day, cost in seen:
        when = date.fromisoformat(day)
        quarters[date(when.year, 3 * ((when.month - 1) // 3) + 1, 1)] += float(cost)  # type: ignore[assignment]
    assert min(got) == date(2022, 4, 1)
    assert list(got)[-1] == date(2025, 1, 1)
    for quarter, row in got.items():
        assert row["value"] == pytest.approx(quarters[quarter])
        assert row["period_label"].endswith(("Q1", "Q2", "Q3", "Q4"))
    assert got[date(2025, 1, 1)]["period_label"] == "2024-25 Q4"


def test_stock_rate_counts_open_at_the_end_of_each_month(built: tuple[Observatory, dict]) -> None:
    obs, rows = built
    got = _series(obs, "placements_rate", "team", "North")
    for month, row in got.items():
        last = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
        open_ = sum(
            1
            for p in rows["placements"]
            if p["team"] == "North"
            and date.fromisoformat(p["start_date"]) <= last
            and (not p["end_date"] or date.fromisoformat(p["end_date"]) > last)
        )
        people = [
            int(p["people"])
            for p in rows["population"]
            if p["team"] == "North" and date.fromisoformat(p["valid_from"]) <= last < date.fromisoformat(p["valid_to"])
        ]
        assert row["numerator"] == open_
        assert row["denominator"] == sum(people)
        assert row["value"] == pytest.approx(1000 * open_ / sum(people))


def test_sql_measure_with_self_join(built: tuple[Observatory, dict]) -> None:
    obs, rows = built
    unique = {(r["contact_id"], date.fromisoformat(r["contact_date"]), r["team"]) for r in rows["contacts"]}
    expected = Counter[date]()
    for cid, day, team in unique:
        if not team:
            continue  # a blank team equals nothing in SQL
        if any(t == team and c != cid and day - timedelta(days=90) <= d <= day for c, d, t in unique):
            expected[day.replace(day=1)] += 1
    got = _series(obs, "repeat_contacts")
    assert {m: r["value"] for m, r in got.items()} == {m: expected.get(m, 0) for m in month_starts()}


def test_summary_carries_spc_status_confidence_and_forecast(built: tuple[Observatory, dict]) -> None:
    obs, _ = built
    results = latest_results(obs.meta)
    assert set(results) == {"contacts", "assessments_share", "contact_cost", "placements_rate", "repeat_contacts"}
    summary = results["contacts"].summary
    assert len(summary["spc"]["points"]) == len(month_starts())
    assert summary["status"] == "monitor"  # neutral, no target
    assert summary["confidence"]["level"] in ("high", "medium", "low")
    assert summary["confidence"]["datasets"][0]["dataset"] == "care.contacts"
    forecast = summary["forecast"]
    assert len(forecast["mean"]) == 12 and forecast["labels"][0] == "Apr 2025"
    assert summary["scenarios"][0]["scenario"]["name"] == "growth"
    assert results["contact_cost"].summary["forecast"] is None
    assert "turned off" in results["contact_cost"].summary["forecast_note"]
    share = results["assessments_share"].summary
    assert share["status"] in ("on_track", "at_risk", "off_track")
    assert share["reasons"] and "target of 45.0%" in share["reasons"][0]
    assert results["contacts"].summary["rolled_status"] in ("on_track", "at_risk", "off_track", "no_data", "monitor")


def test_kpis_are_catalogued_with_lineage(built: tuple[Observatory, dict]) -> None:
    obs, _ = built
    graph = lineage(obs.meta, "kpi.placements_rate", direction="upstream", depth=1).to_dict()
    sources = {edge["source"] for edge in graph["edges"]}
    assert {"dataset.care.placements", "dataset.care.population"} <= sources
    assert "field.care.placements.start_date" in sources
    rolled = lineage(obs.meta, "kpi.contacts", direction="upstream", depth=1).to_dict()
    assert {"kpi.assessments_share", "kpi.repeat_contacts"} <= {edge["source"] for edge in rolled["edges"]}


def test_changed_definition_is_a_new_version_and_its_effect_is_shown(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_kpi_project(root)
    with Observatory.open(root) as obs:
        assert build(obs, linkage=False).ok
    yml = root / "metrics" / "care.yml"
    yml.write_text(
        yml.read_text().replace(
            "numerator: {dataset: care.contacts, count: contact_id, date: contact_date}",
            "numerator: {dataset: care.contacts, where: \"team = 'North'\", count: contact_id, date: contact_date}",
        )
    )
    with Observatory.open(root) as obs:
        report = compute_metrics(obs, only=["contacts"])
        assert report.ok
        assert [v.version for v in versions(obs.meta, "contacts")] == [1, 2]
        assert [v.version for v in versions(obs.meta, "assessments_share")] == [1]
        change = latest_results(obs.meta)["contacts"].summary["definition_change"]
        assert change["from_version"] == 1 and change["to_version"] == 2
        assert change["latest_after"] < change["latest_before"]
        assert change["periods_compared"] == len(month_starts())
        history = result_history(obs.meta, "contacts")
        assert [h.version for h in history] == [2, 1]
        first, second = history[1], history[0]
        assert run_values(obs.engine, first.run_id, "contacts")  # the first run's values are kept
        assert run_values(obs.engine, second.run_id, "contacts") != run_values(obs.engine, first.run_id, "contacts")
        # a later run of the same version carries the change forward
        compute_metrics(obs, only=["contacts"])
        assert latest_results(obs.meta)["contacts"].summary["definition_change"]["to_version"] == 2


def test_a_failing_kpi_is_reported_and_keeps_its_last_results(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_kpi_project(root)
    with Observatory.open(root) as obs:
        assert build(obs, linkage=False).ok
        before = latest_results(obs.meta)["repeat_contacts"]
    yml = root / "metrics" / "care.yml"
    yml.write_text(
        yml.read_text().replace("SELECT c.contact_id, c.contact_date", "SELECT c.contact_id, c.no_such_column")
    )
    with Observatory.open(root) as obs:
        report = compute_metrics(obs)
        assert not report.ok
        [failure] = report.failures
        assert failure["kpi"] == "repeat_contacts"
        assert "care.yml:" in failure["error"] and "repeat_contacts" in failure["error"]
        assert "numerator" in failure["error"]
        assert set(report.computed) == {"contacts", "assessments_share", "contact_cost", "placements_rate"}
        assert latest_results(obs.meta)["repeat_contacts"].run_id == before.run_id
        assert "repeat_contacts" in report.needing_attention


def test_periods_end_at_as_of(built: tuple[Observatory, dict]) -> None:
    obs, _ = built
    assert max(_series(obs, "contacts")) == AS_OF.replace(day=1)
