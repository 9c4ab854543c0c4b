"""The standard layer: postcodes from a full ONSPD file, recorded runs, contracts that do not fit the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from observatory import Observatory
from observatory.build import build
from observatory.errors import ConfigError
from observatory.meta.models import Run
from observatory.standards.layer import standardise
from observatory.standards.reference_tables import read_postcodes
from tests.conftest import make_project
from tests.quality.fixtures import faulty_project

ONSPD = """\
"pcds","dointr","doterm","laua","ward","lsoa11","msoa11","lsoa21","msoa21"
"SW1A 1AA","198001","","E09000033","E05013806","E01004736","E02000977","E01004736","E02000977"
"M41 0AA","198001","200012","E08000009","E05000820","E01006075","E02001263","",""
"M41 9AA","198001","","E08000009","E05000820","E01006075","E02001263","",""
"""


def test_a_full_onspd_file_gives_live_postcodes_with_the_newest_geography(tmp_path: Path) -> None:
    path = tmp_path / "onspd.csv"
    path.write_text(ONSPD, encoding="utf-8")
    rows = read_postcodes(path).to_pylist()
    assert rows == [
        {
            "postcode": "M41 9AA",
            "local_authority": "E08000009",
            "ward": "E05000820",
            "lsoa": "E01006075",
            "msoa": "E02001263",
        },
        {
            "postcode": "SW1A 1AA",
            "local_authority": "E09000033",
            "ward": "E05013806",
            "lsoa": "E01004736",
            "msoa": "E02000977",
        },
    ]  # M41 0AA was terminated in 2000


def test_a_configured_onspd_file_is_used_by_the_build(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "people": "datasets:\n  clients:\n    path: clients.csv\n    fields:\n"
            "      postcode: {column: Postcode, type: postcode}\n"
        },
        extra="reference:\n  postcodes: onspd.csv\n",
    )
    (root / "onspd.csv").write_text(ONSPD, encoding="utf-8")
    (root / "clients.csv").write_text("Postcode\nsw1a1aa\nM41 0AA\nAB10 1AB\n", encoding="utf-8")
    with Observatory.open(root) as obs:
        assert build(obs).ok
        table = obs.engine.table("standard", "people__clients")
        found = {r["postcode__raw"]: r for r in obs.engine.to_arrow(table).to_pylist()}
    assert found["sw1a1aa"]["postcode__exists"] is True
    assert found["sw1a1aa"]["postcode__local_authority"] == "E09000033"
    assert found["M41 0AA"]["postcode__exists"] is False  # terminated
    assert found["AB10 1AB"]["postcode__exists"] is False  # not in this directory


def test_standard_and_quality_steps_are_recorded_runs(tmp_path: Path) -> None:
    with Observatory.open(faulty_project(tmp_path / "p")) as obs:
        build(obs)
        with obs.meta.session() as session:
            runs = session.scalars(select(Run).where(Run.kind.in_(["standardise", "quality", "reference"]))).all()
            seen = {(r.kind, r.node_id, r.status) for r in runs}
            inputs = {r.node_id: r.inputs for r in runs if r.kind == "standardise"}
    assert ("reference", "reference.postcodes", "succeeded") in seen
    assert ("standardise", "dataset.people.clients", "succeeded") in seen
    assert ("quality", "quality.people.services", "succeeded") in seen
    assert inputs["dataset.people.clients"] == ["raw.people__clients", "standard.ref_postcodes"]


def test_a_declared_column_missing_from_the_data_names_file_line_and_field(tmp_path: Path) -> None:
    root = faulty_project(tmp_path / "p")
    with Observatory.open(root) as obs:
        assert build(obs).ok
        before = obs.engine.count_rows("standard", "people__clients")
    contract = (root / "sources" / "people.yml").read_text(encoding="utf-8")
    (root / "sources" / "people.yml").write_text(
        contract.replace("column: DOB", "column: Birth Date"), encoding="utf-8"
    )
    with Observatory.open(root) as obs:
        with pytest.raises(ConfigError) as raised:
            standardise(obs, obs.project.dataset("people.clients"))
        issue = raised.value.issues[0]
        assert issue.file.endswith("people.yml")
        assert issue.line == 11
        assert issue.field == "datasets.clients.fields.date_of_birth.column"
        assert "'Birth Date' is not in the loaded data" in issue.problem
        report = build(obs)
        assert [f["stage"] for f in report.failures] == ["standard"]
        assert obs.engine.count_rows("standard", "people__clients") == before  # the previous version stays


def test_field_options_the_type_cannot_use_are_reported_with_file_and_line(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "people": "datasets:\n  clients:\n    path: c.csv\n    fields:\n"
            "      sex: {column: Sex, type: sex, mapping: {Man: banana}}\n"
        },
    )
    (root / "c.csv").write_text("Sex\nMan\n", encoding="utf-8")
    with Observatory.open(root) as obs:
        report = build(obs)
    assert [(f["dataset"], f["stage"]) for f in report.failures] == [("people.clients", "standard")]
    assert "people.yml:5: datasets.clients.fields.sex:" in report.failures[0]["error"]
