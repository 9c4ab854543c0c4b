"""Project configuration: valid projects open; every problem in every file is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_project

from observatory import ConfigError, NotFoundError, Observatory
from observatory.config import load_project
from observatory.config.scaffold import init_project

GOOD = """\
title: Adult social care
system: Mosaic
datasets:
  clients:
    path: data/clients.csv
  services:
    path: data/services.xlsx
    sheet: Services
"""


def test_init_creates_a_project_that_opens(tmp_path: Path) -> None:
    root = init_project(tmp_path / "council", "Test Borough")
    project = load_project(root)
    assert project.spec.name == "Test Borough"
    assert project.sources == {}
    with Observatory.open(root) as obs:
        assert obs.engine.list_tables("raw") == ["_cell_errors", "_rejects"]
    assert (root / ".observatory" / "meta.sqlite").is_file()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    root = init_project(tmp_path / "council")
    with pytest.raises(Exception, match="already exists"):
        init_project(root)


def test_valid_sources_compile_to_datasets(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"asc": GOOD})
    project = load_project(root)
    clients = project.dataset("asc.clients")
    assert clients.node_id == "dataset.asc.clients"
    assert clients.table == "asc__clients"
    assert clients.path == root / "data" / "clients.csv"
    assert project.dataset("asc.services").spec.sheet == "Services"


def test_every_problem_reported_with_file_and_line(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "asc": "title: ASC\ndatasets:\n  clients:\n    path: a.csv\n    fromat: csv\n  services:\n    path: b.csv\n"
            "    encoding: ebcdic\n",
            "ctax": "datasets:\n  Bad-Name:\n    path: c.csv\n",
            "housing": "name: not_housing\ndatasets:\n  apps:\n    path: d.csv\n",
            "broken": "datasets: [unclosed\n",
        },
        extra="engine: oracle\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    issues = {(Path(i.file).name, i.line, i.field): i.problem for i in caught.value.issues}
    assert issues[("observatory.yml", 2, "engine")].startswith("Input should be 'duckdb' or 'spark'")
    assert issues[("asc.yml", 5, "datasets.clients.fromat")] == "unknown key (check the spelling)"
    assert "'utf-8'" in issues[("asc.yml", 8, "datasets.services.encoding")]
    assert any(f == "ctax.yml" and line == 2 and "Bad-Name" in field for f, line, field in issues)
    assert issues[("housing.yml", 1, "name")] == "must match the file name 'housing'"
    assert any(f == "broken.yml" and p.startswith("YAML syntax error") for (f, _, _), p in issues.items())
    message = caught.value.message
    assert message.startswith(f"{len(caught.value.issues)} problems in the project configuration")
    assert "asc.yml:5: datasets.clients.fromat: unknown key" in message


def test_dataset_needs_a_location(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"crm": "datasets:\n  people:\n    title: People\n"})
    with pytest.raises(ConfigError, match=r"crm.yml:2: datasets.people: a dataset needs 'path'"):
        load_project(root)


def test_unknown_dataset_names_the_choices(tmp_path: Path) -> None:
    project = load_project(make_project(tmp_path, {"asc": GOOD}))
    with pytest.raises(NotFoundError, match=r"datasets: clients, services"):
        project.dataset("asc.reviews")
    with pytest.raises(NotFoundError, match=r"sources: asc"):
        project.dataset("ctax.accounts")
    with pytest.raises(NotFoundError, match="several datasets"):
        project.dataset("asc")


def test_missing_project_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"observatory\.yml is missing"):
        load_project(tmp_path)
