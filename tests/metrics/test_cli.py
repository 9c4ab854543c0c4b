"""``observatory metrics``: list, show, forecast and compute on a built project, for people and with ``--json``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observatory import Observatory
from observatory.build import build
from observatory.cli.main import app
from tests.conftest import make_project
from tests.metrics.kpi_project import write_kpi_project

runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("cli") / "project"
    write_kpi_project(root)
    with Observatory.open(root) as obs:
        assert build(obs, linkage=False).ok
    yield root


def _json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict = json.loads(result.output)
    return data


def test_list_shows_every_kpi_with_status_and_confidence(project: Path) -> None:
    data = _json("metrics", "list", "-p", str(project))
    ids = [k["id"] for k in data["kpis"]]
    assert ids == sorted(ids) and len(ids) == 5
    share = next(k for k in data["kpis"] if k["id"] == "assessments_share")
    assert share["target"]["shown"] == "45.0%" and share["latest"]["label"] == "Mar 2025"
    assert share["status"] in ("on_track", "at_risk", "off_track")
    assert share["confidence"] in ("high", "medium", "low")
    for row in data["needing_attention"]:
        assert row["reasons"]
    text = runner.invoke(app, ["metrics", "list", "-p", str(project)])
    assert text.exit_code == 0 and "assessments_share" in text.output and "Mar 2025" in text.output
    only = _json("metrics", "list", "-p", str(project), "--status", "monitor")
    assert [k["id"] for k in only["kpis"]] == ["contact_cost", "contacts"]  # no targets


def test_show_gives_the_definition_spc_and_forecast(project: Path) -> None:
    data = _json("metrics", "show", "contacts", "-p", str(project))
    assert data["definition"].startswith("Every contact received")
    assert data["versions"][0]["version"] == 1
    assert data["spc"]["points"] and data["forecast"]["model"]
    text = runner.invoke(app, ["metrics", "show", "contacts", "-p", str(project)])
    assert text.exit_code == 0
    assert "Every contact received" in text.output and "Forecast" in text.output and "Backtest" in text.output


def test_forecast_with_horizon_and_scenarios(project: Path) -> None:
    data = _json("metrics", "forecast", "contacts", "-p", str(project), "--horizon", "6", "--scenario", "demand=+10%")
    assert len(data["mean"]) == 6
    names = [s["scenario"]["name"] for s in data["scenarios"]]
    assert names == ["growth", "demand"]
    demand = data["scenarios"][1]["forecast"]["mean"]
    assert demand[-1] == pytest.approx(data["mean"][-1] * 1.10)
    bad = runner.invoke(app, ["metrics", "forecast", "contacts", "-p", str(project), "--scenario", "oops"])
    assert bad.exit_code == 2 and "NAME=+5%" in bad.output


def test_unknown_kpi_and_no_results_are_clear_errors(project: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["metrics", "show", "nope", "-p", str(project)])
    assert result.exit_code == 2 and "no KPI 'nope'" in result.output
    fresh = tmp_path / "fresh"
    write_kpi_project(fresh)
    result = runner.invoke(app, ["metrics", "list", "-p", str(fresh)])
    assert result.exit_code == 2 and "observatory build" in result.output
    empty = make_project(tmp_path / "empty")
    result = runner.invoke(app, ["metrics", "list", "-p", str(empty)])
    assert result.exit_code == 2 and "defines no KPIs" in result.output


def test_compute_recomputes_named_kpis(project: Path) -> None:
    data = _json("metrics", "compute", "contacts", "-p", str(project))
    assert list(data["computed"]) == ["contacts"] and data["ok"]
    result = runner.invoke(app, ["metrics", "compute", "nope", "-p", str(project)])
    assert result.exit_code == 2


def test_charts_are_written_as_svg_and_png(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "charts"
    data = _json("metrics", "charts", "contacts", "contact_cost", "-p", str(project), "--out", str(out))
    names = sorted(Path(p).name for p in data["written"])
    assert names == [
        "contact_cost-spc.png",
        "contact_cost-spc.svg",
        "contacts-forecast.png",
        "contacts-forecast.svg",
        "contacts-spc.png",
        "contacts-spc.svg",
    ]  # contact_cost is not forecast
    svg = ET.parse(out / "contacts-spc.svg").getroot()
    assert svg.tag.endswith("svg") and svg.find("{http://www.w3.org/2000/svg}style") is not None
    assert (out / "contacts-forecast.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
