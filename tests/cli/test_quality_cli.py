"""``observatory quality`` on a project whose metadata store is seeded with snapshots (no build needed)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import make_project
from tests.quality.builders import START, measure, quality, save
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.platform import Observatory
from observatory.quality.measures import DatasetQuality, FailingSample

runner = CliRunner()
SOURCES = {
    "asc": "datasets:\n  clients:\n    path: data/clients.csv\n  services:\n    path: data/services.csv\n",
    "ctax": "datasets:\n  accounts:\n    path: data/accounts.csv\n",
}
SAMPLE = FailingSample(
    "validity:nhs_number",
    ["client_id", "nhs_number"],
    [{"client_id": "000123", "nhs_number": "999 999 999X"}],
    ["nhs_number"],
)


def _clients(day: int, nhs: int) -> DatasetQuality:
    return quality(
        measure("completeness:nhs_number", nhs, 1000, critical=True),
        measure("validity:nhs_number", 990, 1000, critical=True),
        measure("rule:adult", 996, 1000, dimension="validity", description="age >= 18"),
        measure("timeliness:freshness", 1, 1),
        at=START + timedelta(days=day),
        samples=[SAMPLE],
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "council", SOURCES)
    with Observatory.open(root) as obs:
        save(obs.meta, _clients(0, 990))
        save(obs.meta, _clients(1, 960))
        save(obs.meta, quality(measure("completeness:end_date", 10, 10), dataset="asc.services"))
    return root


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_summary_as_json(project: Path) -> None:
    result = runner.invoke(app, ["quality", "-p", str(project), "--json"])
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["title"] == "Test Council"
    assert [(d["dataset"], d.get("confidence")) for d in report["datasets"]] == [
        ("asc.clients", "medium"),
        ("asc.services", "high"),
        ("ctax.accounts", None),
    ]
    clients = report["datasets"][0]
    assert clients["score"] == pytest.approx((0.96 + (0.99 + 0.996) / 2 + 1) / 3)
    assert clients["change"] == pytest.approx(-0.03 / 3)
    assert [a["measure"] for a in clients["alerts"]] == ["completeness:nhs_number"]
    assert report["summary"]["open_alerts"] == 1


def test_summary_table(project: Path) -> None:
    result = runner.invoke(app, ["quality", "-p", str(project)])
    assert result.exit_code == 0, result.stdout
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if re.match(r"^│ \w+\.\w+ ", line)}
    assert set(lines) == {"asc.clients", "asc.services", "ctax.accounts"}
    assert _flat(lines["asc.clients"]).split(" │ ")[1:4] == ["98.4%", "medium", "96.0%"]
    assert "−1.0" in lines["asc.clients"] and lines["asc.clients"].rstrip(" │").endswith("1")
    assert "high" in lines["asc.services"] and "not measured" in lines["ctax.accounts"]


def test_one_dataset_in_detail_with_html(project: Path, tmp_path: Path) -> None:
    page = tmp_path / "report" / "clients.html"
    result = runner.invoke(app, ["quality", "asc.clients", "-p", str(project), "--html", str(page)])
    assert result.exit_code == 0, result.stdout
    out = _flat(result.stdout)
    assert "asc.clients: score 98.4%, confidence medium; 1,000 rows measured 2026-07-02 09:00 UTC" in out
    assert "Completeness of nhs number is 96.0%; 1.0% of nhs number values are not valid;" in out
    assert "confidence: medium because 1 alert is open." in out
    assert "Open alerts (1)" in out and "fell from 99.0% at the previous snapshot to 96.0%" in out
    assert "Rule results" in out and "age >= 18" in out
    assert "nhs_number (masked)" in out and "999 999 999X" in out
    assert "Critical fields over recent snapshots" in out
    assert "ctax.accounts" not in out and "asc.services" not in out
    assert f"Wrote the report to {page}" in out

    html = page.read_text(encoding="utf-8")
    assert "98.4%" in html and "asc.clients" in html and "asc.services" not in html


def test_one_dataset_as_json_and_html(project: Path, tmp_path: Path) -> None:
    page = tmp_path / "q.html"
    result = runner.invoke(app, ["quality", "asc.services", "-p", str(project), "--json", "--html", str(page)])
    assert result.exit_code == 0, result.stdout
    [services] = json.loads(result.stdout)["datasets"]  # the JSON is not mixed with any message
    assert (services["dataset"], services["confidence"], services["score"]) == ("asc.services", "high", 1.0)
    assert page.is_file()


def test_a_dataset_never_measured(project: Path) -> None:
    result = runner.invoke(app, ["quality", "ctax", "-p", str(project)])
    assert result.exit_code == 0, result.stdout
    assert "ctax.accounts: not measured yet (run observatory build)." in _flat(result.stdout)


def test_unknown_dataset_is_a_user_error(project: Path) -> None:
    result = runner.invoke(app, ["quality", "asc.nothing", "-p", str(project)])
    assert result.exit_code == 2
    assert "source 'asc' has no dataset 'nothing'" in _flat(result.stderr)
    result = runner.invoke(app, ["quality", "asc.nothing", "-p", str(project), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "not_found"


def test_an_empty_project(tmp_path: Path) -> None:
    root = make_project(tmp_path / "empty")
    result = runner.invoke(app, ["quality", "-p", str(root)])
    assert result.exit_code == 0
    assert "No dataset has a quality snapshot yet" in result.stdout
    result = runner.invoke(app, ["quality", "-p", str(root), "--json"])
    assert json.loads(result.stdout)["datasets"] == []
