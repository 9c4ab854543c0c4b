"""The CLI end to end: exit codes, --json output, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import make_project
from typer.testing import CliRunner

from observatory.cli.main import app

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_init_ingest_status(tmp_path: Path) -> None:
    root = tmp_path / "council"
    code, out = _invoke("init", str(root))
    assert code == 0, out
    data = root / "spend.csv"
    data.write_text('Report title,,\nid,supplier,amount\n001,Acme,"1,200.00"\n002,Bolt\n', encoding="utf-8")
    code, out = _invoke("ingest", str(data), "-p", str(root), "--json")
    assert code == 0, out
    [load] = json.loads(out)
    assert load["status"] == "loaded"
    assert (load["rows_read"], load["rows_loaded"], load["rows_rejected"]) == (2, 1, 1)
    assert load["detection"]["header_lines"] == [2]

    code, out = _invoke("status", "-p", str(root), "--json")
    assert code == 0
    status = json.loads(out)
    [entry] = status["datasets"]
    assert entry["table"] == "raw.adhoc__spend"
    assert entry["current"]["rows_loaded"] == 1

    code, out = _invoke("ingest", str(data), "-p", str(root))
    assert code == 0 and "unchanged" in out


def test_inspect_loads_nothing(tmp_path: Path) -> None:
    data = tmp_path / "f.csv"
    data.write_text("a;b\n1;2\n1;2\n3\n", encoding="utf-8")
    code, out = _invoke("inspect", str(data), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["delimiter"] == ";"
    assert (report["rows_ok"], report["rows_rejected"], report["duplicate_rows"]) == (2, 1, 1)
    assert report["rejects"][0]["line"] == 4
    assert not (tmp_path / ".observatory").exists()


def test_config_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"asc": "datasets:\n  clients:\n    path: c.csv\n    delimter: ';'\n"})
    result = runner.invoke(app, ["status", "-p", str(root)])
    assert result.exit_code == 2
    assert "asc.yml:4: datasets.clients.delimter: unknown key" in result.stderr.replace("\n", "")
    code, out = _invoke("status", "-p", str(root), "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "config_error" and error["issues"][0]["line"] == 4


def test_build_reports_failures_and_keeps_going(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"asc": "datasets:\n  clients:\n    path: data/c.csv\n  services:\n    path: data/missing.csv\n"},
    )
    (root / "data").mkdir()
    (root / "data" / "c.csv").write_text("id\n1\n", encoding="utf-8")
    code, out = _invoke("build", "-p", str(root), "--json")
    assert code == 1
    report = json.loads(out)
    assert [load["dataset"] for load in report["loads"]] == ["clients"]
    assert report["failures"][0]["dataset"] == "asc.services"
    assert "missing.csv: file not found" in report["failures"][0]["error"]


def test_unknown_dataset_is_a_user_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    result = runner.invoke(app, ["ingest", "nosuch.thing", "-p", str(root)])
    assert result.exit_code == 2
    assert "no source 'nosuch'" in result.stderr
