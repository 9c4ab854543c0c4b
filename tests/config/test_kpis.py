"""KPI definitions: a valid file compiles; every problem in every file is reported at once, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.metrics.kpi_project import METRICS, write_kpi_project

from observatory.config import load_project
from observatory.errors import ConfigError


def _issues(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    return [str(issue) for issue in caught.value.issues]


def test_valid_definitions_compile(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_kpi_project(root)
    project = load_project(root)
    metrics = project.metrics
    assert sorted(metrics.kpis) == [
        "assessments_share",
        "contact_cost",
        "contacts",
        "placements_rate",
        "repeat_contacts",
    ]
    assert list(metrics.priorities) == ["care"]
    assert [k.id for k in metrics.children("contacts")] == ["assessments_share", "repeat_contacts"]
    share = metrics.kpis["assessments_share"]
    assert share.spec.multiplier == 100 and share.node_id == "kpi.assessments_share"
    assert share.line == METRICS.splitlines().index("  assessments_share:") + 1
    assert project.spec.metrics.as_of is not None


BROKEN = """
kpis:
  bad_one:
    title: Broken
    definition: Too short
    owner: Someone
    business_area: Nowhere
    unit: percent
    polarity: sideways
    numerator: {dataset: care.contacts, sql: "SELECT 1", date: contact_date}
    depends_on: {care.contacts: []}
  bad_two:
    title: Unknown things
    definition: Counts something that does not exist in the project at all.
    owner: Someone
    business_area: Nowhere
    unit: count
    polarity: higher_is_better
    numerator: {dataset: care.nothing, count: contact_id, date: contact_date}
    breakdowns: {colour: {title: Colour}}
    depends_on: {care.contacts: [no_field], care.nothing: []}
    parent: missing_parent
  bad_three:
    title: SQL reading undeclared data
    definition: Reads a dataset it does not declare, and has a broken where.
    owner: Someone
    business_area: Nowhere
    unit: count
    polarity: neutral
    numerator: {sql: "SELECT * FROM care.placements", count: placement_id, date: start_date}
    denominator: {dataset: care.contacts, where: "team = = 'x'", count: wrong_column, date: contact_date}
    targets: [{from: 2024-01-01, value: 3}]
    depends_on: {care.contacts: [contact_id]}
  loop_a:
    title: Loop A
    definition: Part of a hierarchy that loops back on itself.
    owner: Someone
    business_area: Nowhere
    unit: count
    polarity: neutral
    numerator: {dataset: care.contacts, date: contact_date}
    depends_on: {care.contacts: []}
    parent: loop_b
  loop_b:
    title: Loop B
    definition: The other half of a hierarchy that loops back on itself.
    owner: Someone
    business_area: Nowhere
    unit: count
    polarity: neutral
    numerator: {dataset: care.contacts, date: contact_date}
    depends_on: {care.contacts: []}
    parent: loop_a
"""


def test_every_problem_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_kpi_project(root)
    (root / "metrics" / "broken.yml").write_text(BROKEN, encoding="utf-8")
    (root / "metrics" / "twice.yml").write_text("kpis:\n  contacts:\n    title: x\n", encoding="utf-8")
    issues = _issues(root)
    text = "\n".join(issues)
    lines = BROKEN.splitlines()

    def at(fragment: str) -> str:
        return f"broken.yml:{next(i for i, line in enumerate(lines, 1) if fragment in line)}"

    assert f"{at('definition: Too short')}: kpis.bad_one.definition" in text
    assert f"{at('polarity: sideways')}: kpis.bad_one.polarity" in text
    assert "give either dataset (with an optional where) or sql, not both" in text
    assert (
        f"{at('numerator: {dataset: care.nothing')}: kpis.bad_two.numerator.dataset: care.nothing is read here"
        not in text
    )
    assert "kpis.bad_two.depends_on.care.nothing: source 'care' has no dataset 'nothing'" in text
    assert "kpis.bad_two.depends_on.care.contacts.0: care.contacts has no field 'no_field'" in text
    assert f"{at('parent: missing_parent')}: kpis.bad_two.parent: no KPI or priority 'missing_parent'" in text
    assert "kpis.bad_three.numerator.sql: the SQL reads care.placements, so it must be listed in depends_on" in text
    assert "kpis.bad_three.denominator.where: the condition does not parse" in text
    assert "kpis.bad_three.denominator.count: care.contacts has no column 'wrong_column'" in text
    assert "kpis.bad_three.targets: a neutral KPI has no better direction" in text
    assert "kpis.loop_a.parent: the hierarchy loops: loop_a → loop_b → loop_a" in text
    assert "twice.yml:2: kpis.contacts: the id 'contacts' is already used in care.yml" in text


def test_a_percentage_needs_a_denominator_and_a_rate_a_scale(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_kpi_project(root)
    text = (root / "metrics" / "care.yml").read_text()
    text = text.replace("    scale: 1000\n", "").replace(
        "    denominator: {dataset: care.contacts, count: contact_id, date: contact_date}\n", ""
    )
    (root / "metrics" / "care.yml").write_text(text)
    issues = "\n".join(_issues(root))
    assert "kpis.assessments_share: Value error" not in issues
    assert "a percent needs a denominator" in issues
    assert "a rate needs a scale" in issues
