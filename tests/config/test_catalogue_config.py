"""Register entries, reports and the glossary are checked with the rest of the project, each with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_project

from observatory.config import load_project
from observatory.config.models import PERSONAL_TYPES
from observatory.errors import ConfigError
from observatory.standards.types import TYPE_CLASSES, type_class

ASC = """\
register:
  business_area: Adult social care
  lawful_basis: 6(1)(e)
  last_reviewed: 2026-01-31
datasets:
  clients:
    path: clients.csv
    keys: [id]
    register:
      special_category_condition: 9(2)(h)
      classification: OFFICIAL-SENSITIVE
    fields:
      id: {}
      born: {type: date_of_birth}
      band: {type: code, example: B}
"""


def _issues(tmp_path: Path, sources: dict[str, str], extra: str = "", glossary: str | None = None) -> list[tuple]:
    root = make_project(tmp_path, sources, extra=extra)
    if glossary is not None:
        (root / "glossary.yml").write_text(glossary, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    return [(Path(i.file).name, i.line, i.field, i.problem) for i in caught.value.issues]


def test_personal_types_match_the_standard_types() -> None:
    assert {name for name in TYPE_CLASSES if type_class(name).personal} == PERSONAL_TYPES


def test_register_entries_and_glossary_load(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"asc": ASC}, extra="catalogue:\n  review_months: 6\n")
    (root / "glossary.yml").write_text(
        "terms:\n  dob:\n    name: Date of birth\n    definition: When someone was born.\n"
        "    synonyms: [DOB]\n    links: [field.asc.clients.born, dataset.linked.residents, kpi.not_yet]\n",
        encoding="utf-8",
    )
    project = load_project(root)
    source = project.sources["asc"].spec
    assert source.asset_register.lawful_basis == "6(1)(e)"
    assert project.dataset("asc.clients").spec.asset_register.special_category_condition == "9(2)(h)"
    assert project.spec.catalogue.review_months == 6
    assert project.glossary.terms["dob"].synonyms == ["DOB"]


def test_register_values_are_checked(tmp_path: Path) -> None:
    bad = ASC.replace("6(1)(e)", "public task").replace("OFFICIAL-SENSITIVE", "SECRET")
    found = _issues(tmp_path, {"asc": bad})
    assert [(f, line, field) for f, line, field, _ in found] == [
        ("asc.yml", 3, "register.lawful_basis"),
        ("asc.yml", 11, "datasets.clients.register.classification"),
    ]
    assert "6(1)(e)" in found[0][3] and "OFFICIAL-SENSITIVE" in found[1][3]


def test_a_personal_field_cannot_carry_an_example(tmp_path: Path) -> None:
    found = _issues(
        tmp_path,
        {"asc": ASC.replace("born: {type: date_of_birth}", "born: {type: date_of_birth, example: '1950-01-01'}")},
    )
    assert found == [
        (
            "asc.yml",
            14,
            "datasets.clients.fields.born.example",
            "a personal field must not carry an example value (the data dictionary is shown to everyone)",
        )
    ]


def test_a_source_cannot_take_a_layer_name(tmp_path: Path) -> None:
    found = _issues(tmp_path, {"linked": ASC})
    assert found == [
        ("linked.yml", 1, "name", "'linked' is the name of a warehouse layer; give the source another name")
    ]


def test_reports_assets_and_glossary_links_must_name_assets(tmp_path: Path) -> None:
    extra = (
        "catalogue:\n"
        "  reports:\n"
        "    pack:\n"
        "      title: Monthly pack\n"
        "      depends_on: [field.asc.clients.nope, dataset.asc.clients, dataset.nosuch.table, report.other]\n"
        "  assets:\n"
        "    dataset.asc.missing: {steward: Someone}\n"
        "    field.asc.clients.id: {steward: Someone}\n"
    )
    glossary = "terms:\n  x:\n    name: X\n    definition: An X.\n    links: [field.asc.nope.id, term.y, source.asc]\n"
    found = sorted(_issues(tmp_path, {"asc": ASC}, extra=extra, glossary=glossary))
    assert found == [
        ("glossary.yml", 5, "terms.x.links.0", "no dataset asc.nope in this project"),
        ("glossary.yml", 5, "terms.x.links.1", "no term 'y' in glossary.yml"),
        (
            "glossary.yml",
            5,
            "terms.x.links.2",
            "'source.asc' cannot be linked here; name a dataset, field, KPI, report or term",
        ),
        ("observatory.yml", 6, "catalogue.reports.pack.depends_on.0", "asc.clients has no field 'nope'"),
        ("observatory.yml", 6, "catalogue.reports.pack.depends_on.2", "no dataset nosuch.table in this project"),
        ("observatory.yml", 6, "catalogue.reports.pack.depends_on.3", "no report 'other' in catalogue.reports"),
        ("observatory.yml", 8, "catalogue.assets.dataset.asc.missing", "no dataset asc.missing in this project"),
        (
            "observatory.yml",
            9,
            "catalogue.assets.field.asc.clients.id",
            "register entries are kept for datasets (dataset.<...>)",
        ),
    ]
