"""Dataset contracts: cross-checks between fields, keys, rules, references and datasets, all reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_project

from observatory import ConfigError
from observatory.config import load_project
from observatory.config.contracts import reference_targets

ASC = """\
title: Adult social care
owner: Head of Adult Social Care
datasets:
  clients:
    path: data/clients.csv
    keys: [person_id]
    freshness: 2d
    fields:
      person_id: {column: Person ID, type: text, critical: true}
      date_of_birth: {column: Date of Birth, type: date_of_birth, formats: ["%d/%m/%Y"]}
      sex: {column: Gender, type: sex, allowed: [Male, Female], mapping: {M: Male, F: Female}}
      status: {type: code, allowed: [open, closed]}
      uprn: {column: UPRN, type: uprn}
  services:
    path: data/services.csv
    owner: Head of Commissioning
    freshness: 1w
    keys: [service_id]
    fields:
      service_id: {column: Service ID, type: text, critical: true}
      person_id: {column: Person ID, type: text, critical: true}
      client_ref: {column: Person ID}
      start_date: {column: Start Date, type: date, formats: ["%d/%m/%Y"], critical: true}
      end_date: {column: End Date, type: date, formats: ["%d/%m/%Y"]}
      weekly_cost: {column: Weekly Cost, type: money}
      hours: {column: Hours, type: integer}
      home_uprn: {column: UPRN, type: uprn}
    rules:
      - name: end_not_before_start
        check: end_date IS NULL OR end_date >= start_date
      - name: adults_only
        check: age(client.date_of_birth, start_date) >= 18
        dimension: validity
      - name: sensible_cost
        check: weekly_cost BETWEEN 0 AND 5000 AND (hours IS NULL OR weekly_cost / hours < 100)
      - name: open_client
        check: client.status IN ('open', 'closed') AND NOT days_between(start_date, today()) < 0
    references:
      - name: client
        fields: [person_id]
        dataset: asc.clients
      - name: same_client
        fields: [client_ref]
        dataset: asc.clients
        to: [person_id]
      - name: home
        fields: [home_uprn]
        dataset: llpg.properties
        to: [uprn]
"""

LLPG = """\
owner: LLPG Custodian
datasets:
  properties:
    path: data/llpg.csv
    keys: [uprn]
    fields:
      uprn: {column: UPRN, type: uprn}
      postcode: {column: Postcode, type: postcode}
"""

REFERENCE_DATA = "reference:\n  gazetteer: llpg.properties\n  postcodes: data/onspd.csv\n"


def test_a_full_valid_contract_loads(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"asc": ASC, "llpg": LLPG}, extra=REFERENCE_DATA)
    (root / "data").mkdir()
    (root / "data" / "onspd.csv").write_text("pcds\nSW1A 1AA\n", encoding="utf-8")
    project = load_project(root)
    services = project.dataset("asc.services")
    clients = project.dataset("asc.clients")
    assert services.owner == "Head of Commissioning"
    assert clients.owner == "Head of Adult Social Care", "falls back to the source's owner"
    assert (services.freshness_hours, clients.freshness_hours) == (168, 48)
    assert project.dataset("llpg.properties").freshness_hours is None
    assert list(services.fields)[:2] == ["service_id", "person_id"]
    assert clients.column_for("status") == "status", "a field reads the column named like it by default"
    assert services.column_for("client_ref") == services.column_for("person_id") == "Person ID"
    assert [reference_targets(r) for r in services.spec.references] == [["person_id"], ["person_id"], ["uprn"]]


ERRORS_ASC = """\
owner: Head of Adult Social Care
datasets:
  clients:
    path: data/clients.csv
    keys: [person_id]
    fields:
      person_id: {column: Person ID, type: text}
      date_of_birth: {column: DOB, type: date_of_birth}
      name: {type: person_name, allowed: [a, b]}
      sex: {column: Sex, type: sex, allowed: [Male, Female, Male], mapping: {M: Male, X: Unknown}}
      status: {column: '', type: code, allowed: []}
  services:
    path: data/services.csv
    keys: [service_id, client_id]
    fields:
      service_id: {column: Service ID}
      person_id: {column: Person ID}
      start_date: {column: Start, type: date}
      end_date: {column: End, type: date}
      weekly_cost: {column: Cost, type: money}
    rules:
      - name: end_not_before_start
        check: end_date >= start_dte
      - name: end_not_before_start
        check: random() > 0.5
      - name: costly
        check: weekly_cost + 1
      - name: child_age
        check: age(kid.date_of_birth, start_date) < 18
      - name: client_age
        check: age(client.dob, start_date) >= 18
      - name: broken
        check: end_date >=
      - name: date_text
        check: end_date > '2020-01-01'
    references:
      - name: client
        fields: [person_id]
        dataset: asc.clients
      - name: client
        fields: [person_id, weekly_cost]
        dataset: asc.clients
        to: [person_id, date_of_birth]
      - name: provider
        fields: [provider_id]
        dataset: providers.list
      - name: home
        fields: [person_id]
        dataset: asc.clients
        to: [nobody]
      - name: things
        fields: [person_id]
        dataset: broken.things
"""

BROKEN = "datasets:\n  things:\n    path: things.csv\n    fromat: csv\n"


def test_every_contract_problem_is_reported_with_file_and_line(tmp_path: Path) -> None:
    extra = "reference:\n  gazetteer: asc.clients\n  postcodes: data/onspd.csv\n"
    root = make_project(tmp_path, {"asc": ERRORS_ASC, "broken": BROKEN}, extra=extra)
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    found = {(Path(i.file).name, i.line, i.field): i.problem for i in caught.value.issues}
    clients, services = "datasets.clients", "datasets.services"
    expected = {
        ("asc.yml", 9, f"{clients}.fields.name.allowed"): "'allowed' applies only to the text, code, sex and ethnicity",
        ("asc.yml", 10, f"{clients}.fields.sex.allowed.2"): "'Male' is listed twice",
        ("asc.yml", 10, f"{clients}.fields.sex.mapping.X"): "maps to 'Unknown', which is not in 'allowed'",
        ("asc.yml", 11, f"{clients}.fields.status.column"): "must not be empty",
        ("asc.yml", 11, f"{clients}.fields.status.allowed"): "needs at least one value",
        ("asc.yml", 14, f"{services}.keys.1"): "'client_id' is not a declared field of this dataset",
        ("asc.yml", 23, f"{services}.rules.0.check"): "'start_dte' is not a declared field of this dataset",
        ("asc.yml", 24, f"{services}.rules.1.name"): "another rule of this dataset is already called",
        ("asc.yml", 25, f"{services}.rules.1.check"): "function 'random' is not allowed in a rule; allowed: age,",
        ("asc.yml", 27, f"{services}.rules.2.check"): "a check must be a condition (true or false)",
        ("asc.yml", 29, f"{services}.rules.3.check"): "'kid' (in kid.date_of_birth) is not a reference of this dataset",
        ("asc.yml", 31, f"{services}.rules.4.check"): "'dob' is not a declared field of asc.clients",
        ("asc.yml", 33, f"{services}.rules.5.check"): "cannot read the check near '>='",
        (
            "asc.yml",
            35,
            f"{services}.rules.6.check",
        ): "cannot mix a date and text in end_date > '2020-01-01' (write a date as DATE",
        ("asc.yml", 40, f"{services}.references.1.name"): "another reference is already called 'client'",
        ("asc.yml", 43, f"{services}.references.1.to.1"): "'weekly_cost' (money) cannot match asc.clients.date_of_b",
        ("asc.yml", 45, f"{services}.references.2.fields.0"): "'provider_id' is not a declared field of this dataset",
        ("asc.yml", 46, f"{services}.references.2.dataset"): "no dataset 'providers.list' in this project",
        ("asc.yml", 50, f"{services}.references.3.to.0"): "'nobody' is not a declared field of asc.clients",
        ("broken.yml", 4, "datasets.things.fromat"): "unknown key",
        ("observatory.yml", 3, "reference.gazetteer"): "asc.clients has no 'uprn' field",
        ("observatory.yml", 4, "reference.postcodes"): "file not found",
    }
    for where, problem in expected.items():
        assert where in found, f"not reported: {where} {problem}\nfound: {sorted(found, key=str)}"
        assert problem in found[where], f"{where}: {found[where]!r}"
    assert len(found) == len(expected), f"unexpected: {set(found) - set(expected)}"
    assert not any("broken.things" in problem for problem in found.values()), "a broken file's datasets are not missing"
    message = caught.value.message
    assert message.startswith(f"{len(expected)} problems in the project configuration")
    assert f"asc.yml:25: {services}.rules.1.check: function 'random' is not allowed" in message


def test_a_reference_names_its_fields_there_when_names_differ(tmp_path: Path) -> None:
    services = "datasets:\n  services:\n    path: s.csv\n    fields:\n      client: {}\n    references:\n" + (
        "      - name: client\n        fields: [client]\n        dataset: asc.clients\n"
    )
    root = make_project(tmp_path, {"asc": ASC, "care": services, "llpg": LLPG})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    [issue] = caught.value.issues
    assert (Path(issue.file).name, issue.line, issue.field) == (
        "care.yml",
        8,
        "datasets.services.references.0.fields.0",
    )
    assert issue.problem.endswith("name the matching fields there with 'to'")
    assert "(fields: date_of_birth, person_id, sex, status, uprn)" in issue.problem


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("reference:\n  gazetteer: llpg\n", "name the dataset as source.dataset"),
        ("reference:\n  gazetteer: llpg.streets\n", "no dataset 'llpg.streets' in this project"),
    ],
)
def test_the_gazetteer_must_be_a_dataset(tmp_path: Path, extra: str, problem: str) -> None:
    root = make_project(tmp_path, {"llpg": LLPG}, extra=extra)
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    [issue] = caught.value.issues
    assert (Path(issue.file).name, issue.line, issue.field) == ("observatory.yml", 3, "reference.gazetteer")
    assert issue.problem.startswith(problem)


def test_fields_read_columns_the_file_has(tmp_path: Path) -> None:
    text = (
        "datasets:\n  people:\n    path: p.csv\n    header_row: none\n    columns: [id, born]\n    fields:\n"
        "      id: {}\n      person: {column: id}\n      born: {type: date}\n      died: {type: date}\n"
        "      name: {column: Name}\n"
    )
    root = make_project(tmp_path, {"crm": text})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    found = {(i.line, i.field): i.problem for i in caught.value.issues}
    assert set(found) == {(10, "datasets.people.fields.died"), (11, "datasets.people.fields.name.column")}
    assert found[(11, "datasets.people.fields.name.column")] == (
        "reads column 'Name', which is not one of this dataset's 'columns' (born, id)"
    )


def test_datasets_without_a_contract_still_load(tmp_path: Path) -> None:
    project = load_project(make_project(tmp_path, {"crm": "datasets:\n  people:\n    path: p.csv\n"}))
    people = project.dataset("crm.people")
    assert (people.fields, people.owner, people.freshness_hours) == ({}, "", None)


def test_double_quoted_text_gets_a_hint(tmp_path: Path) -> None:
    text = "datasets:\n  people:\n    path: p.csv\n    fields:\n      status: {}\n    rules:\n"
    text += '      - name: open\n        check: status = "Open"\n'
    with pytest.raises(ConfigError) as caught:
        load_project(make_project(tmp_path, {"crm": text}))
    [issue] = caught.value.issues
    assert (issue.line, issue.field) == (8, "datasets.people.rules.0.check")
    assert (
        issue.problem
        == "'Open' is not a declared field of this dataset (fields: status); text takes single quotes: 'Open'"
    )
