"""The ``linkage:`` section is checked with the rest of the project: every problem, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_project

from observatory.config import load_project
from observatory.config.linkage_roles import person_roles
from observatory.errors import ConfigError

PEOPLE = """\
datasets:
  clients:
    path: clients.csv
    keys: [id]
    fields:
      id: {}
      name: {type: person_name}
      born: {type: date_of_birth}
      first_seen: {type: date}
      flat: {type: text}
      street: {type: text}
      post_code: {type: postcode}
  notes:
    path: notes.csv
    fields:
      text: {}
"""


def test_roles_come_from_standard_types(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"asc": PEOPLE})
    spec = load_project(root).dataset("asc.clients").spec
    roles, problems = person_roles("asc.clients", spec, None)
    assert problems == []
    assert roles.columns["forename"] == "name__forename"
    assert roles.columns["forename_canonical"] == "name__forename_canonical"
    assert roles.columns["surname"] == "name__surname"
    assert roles.columns["date_of_birth"] == "born"
    assert roles.columns["postcode_sector"] == "post_code__sector"
    assert roles.address == ("street",)  # by name: flat is not an address line name


def test_thresholds_must_be_ordered(tmp_path: Path) -> None:
    extra = "linkage:\n  datasets:\n    asc.clients: {}\n  thresholds: {match: 0.4, review: 0.6}\n"
    with pytest.raises(ConfigError) as caught:
        load_project(make_project(tmp_path, {"asc": PEOPLE}, extra=extra))
    assert [(i.line, i.field, i.problem) for i in caught.value.issues] == [
        (5, "linkage.thresholds", "review (0.6) must not be above match (0.4)")
    ]


def test_every_linkage_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    extra = (
        "linkage:\n"
        "  datasets:\n"
        "    asc.clients: {roles: {nickname: name, surname: nope}, address: [flat, lane], recorded: born2}\n"
        "    asc.notes: {}\n"
        "    asc.missing: {}\n"
        "  trust: [asc.clients, hr.staff]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_project(make_project(tmp_path, {"asc": PEOPLE}, extra=extra))
    problems = {(issue.field, issue.problem) for issue in caught.value.issues}
    assert any(field.endswith("roles.nickname") and "unknown role" in text for field, text in problems)
    assert any(field.endswith("roles.surname") and "no field 'nope'" in text for field, text in problems)
    assert any(field.endswith("address") and "'lane'" in text for field, text in problems)
    assert any(field.endswith("recorded") and "'born2'" in text for field, text in problems)
    assert any(field == "linkage.datasets.asc.notes" and "names no person" in text for field, text in problems)
    assert any(field == "linkage.datasets.asc.missing" and "no dataset" in text for field, text in problems)
    assert any(field == "linkage.trust.1" and "'hr.staff'" in text for field, text in problems)
    assert len(problems) == 7
    assert all(Path(issue.file).name == "observatory.yml" and issue.line for issue in caught.value.issues)
