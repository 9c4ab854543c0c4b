"""The generated folder is a valid Observatory project whose files are where and how it says."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from observatory.config import load_project
from observatory.config.project import Dataset
from observatory.demo import FaultRates, GenerateSummary, GeneratorConfig, generate
from observatory.standards.types import field_type
from tests.demo.readers import Seen, read_sources, read_truth


def test_project_loads_with_every_source(root: Path) -> None:
    project = load_project(root)
    assert project.spec.name == "Demo County Council"
    assert set(project.sources) == {"asc", "csc", "ctax", "housing", "schools", "llpg", "population"}
    datasets = {dataset.node_id for dataset in project.all_datasets()}
    assert {
        "dataset.ctax.accounts",
        "dataset.housing.applications",
        "dataset.housing.tenancies",
        "dataset.schools.pupils",
        "dataset.llpg.properties",
        "dataset.asc.services",
    } <= datasets


def test_every_declared_file_exists_and_detection_is_left_to_the_loader(root: Path) -> None:
    for dataset in load_project(root).all_datasets():
        assert dataset.path is not None and dataset.path.is_file(), dataset.node_id
        assert dataset.spec.encoding == "auto" and dataset.spec.delimiter == "auto"
        assert dataset.spec.header_row == "auto"
        assert not dataset.spec.path.startswith("ground_truth")  # type: ignore[union-attr]


def test_summary_counts_rows_per_file(root: Path, summary: GenerateSummary) -> None:
    assert summary.residents == 5000
    assert 1800 < summary.households < 2400
    for relative, rows in summary.files.items():
        path = root / relative
        assert path.is_file()
        if path.suffix == ".csv" and "ctax" not in relative:
            assert rows == path.read_text(encoding="utf-8").count("\n") - 1, relative


def test_council_tax_is_windows_1252_with_a_title_block(root: Path) -> None:
    raw = (root / "data/ctax/accounts.csv").read_bytes()
    assert b"\x92" in raw  # ’ in O’Brien and friends: a byte only Windows-1252 gives that meaning
    assert b"\xa3" in raw  # £
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("windows-1252").split("\r\n")
    assert lines[0] == "Demo County Council"
    assert lines[3] == ""
    assert lines[4].startswith("Account Ref,Liable Party,Name,")
    text = raw.decode("windows-1252")
    assert any(letter in text for letter in "éñáóü")
    assert "O’" in text


def test_housing_workbook_opens_with_its_declared_sheets(root: Path) -> None:
    book = load_workbook(root / "data/housing/housing_register.xlsx", read_only=True)
    assert book.sheetnames == ["Applications", "Tenancies"]
    header = next(book["Tenancies"].iter_rows(values_only=True))
    assert header[:3] == ("Tenancy Ref", "Tenant", "Title")
    book.close()


def test_ground_truth_is_apart_from_the_sources(root: Path) -> None:
    assert sorted(p.name for p in (root / "ground_truth").iterdir()) == [
        "README.md",
        "households.csv",
        "kpi_events.csv",
        "kpi_monthly.csv",
        "people.csv",
        "quality_faults.csv",
        "records.csv",
    ]
    assert not any("ground_truth" in str(p) for p in (root / "data").rglob("*"))


def test_long_tables_continue_on_further_sheets_declared_as_datasets(tmp_path: Path) -> None:
    summary = generate(tmp_path, residents=600, seed=3, config=GeneratorConfig(xlsx_max_rows=21))
    book = load_workbook(tmp_path / "data/housing/housing_register.xlsx", read_only=True)
    sheets = book.sheetnames
    rows = {name: sum(1 for _ in book[name].iter_rows()) - 1 for name in sheets}
    book.close()
    assert "Tenancies (2)" in sheets and "Applications" in sheets
    assert all(0 < count <= 20 for count in rows.values())
    assert sum(rows.values()) == summary.files["data/housing/housing_register.xlsx"]
    housing = load_project(tmp_path).sources["housing"]
    assert {"tenancies", "tenancies_2"} <= set(housing.datasets)
    assert housing.datasets["tenancies_2"].spec.sheet == "Tenancies (2)"
    assert housing.datasets["tenancies_2"].spec.fields == housing.datasets["tenancies"].spec.fields
    assert len([d for d in housing.datasets.values() if d.spec.sheet is not None]) == len(sheets)


def test_a_failed_run_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    generate(tmp_path, residents=300, seed=1)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path, residents=900, seed=2, config=GeneratorConfig(chunk_residents=300), progress=interrupt)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    generate(tmp_path, residents=900, seed=2)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / ".demo-partial").exists()


def _header(dataset: Dataset) -> list[str]:
    assert dataset.path is not None
    if dataset.spec.format == "xlsx":
        book = load_workbook(dataset.path, read_only=True)
        header = [str(name) for name in next(book[str(dataset.spec.sheet)].iter_rows(values_only=True))]
        book.close()
        return header
    text = dataset.path.read_bytes().decode("windows-1252" if dataset.source == "ctax" else "utf-8")
    lines = text.splitlines()
    return next(csv.reader(io.StringIO(lines[4] if dataset.source == "ctax" else lines[0])))


def test_every_raw_column_is_a_field_of_the_contract_in_column_order(root: Path) -> None:
    project = load_project(root)
    for dataset in project.all_datasets():
        spec = dataset.spec
        assert [field.column for field in spec.fields.values()] == _header(dataset), dataset.node_id
        assert spec.owner and spec.freshness and spec.keys, dataset.node_id
        assert any(field.critical for field in spec.fields.values()), dataset.node_id
    assert project.spec.reference.gazetteer == "llpg.properties"
    gazetteer = project.dataset("llpg.properties").spec.fields
    assert (gazetteer["uprn"].type, gazetteer["usrn"].type) == ("uprn", "usrn")


def _names(check: str) -> list[str]:
    """The field names a rule's check uses (``field`` or ``reference.field``), not its functions."""
    return [
        name for name in re.findall(r"[a-z_][a-z0-9_.]*(?![a-z0-9_.]*\()", check) if name not in ("and", "or", "not")
    ]


def test_keys_rules_and_references_name_declared_fields(root: Path) -> None:
    project = load_project(root)
    checked = 0
    for dataset in project.all_datasets():
        spec = dataset.spec
        assert set(spec.keys or ()) <= set(spec.fields), dataset.node_id
        references = {ref.name: ref for ref in spec.references}
        for ref in spec.references:
            target = project.dataset(ref.dataset).spec
            assert set(ref.fields) <= set(spec.fields) and set(ref.to or ref.fields) <= set(target.fields)
        for rule in spec.rules:
            for name in _names(rule.check):
                reference, _, field = name.rpartition(".")
                fields = project.dataset(references[reference].dataset).spec.fields if reference else spec.fields
                assert field in fields, (dataset.node_id, rule.name, name)
                checked += 1
    assert checked >= 5


def test_date_formats_and_code_lists_fit_every_value(root: Path, sources: dict[str, list[Seen]]) -> None:
    project = load_project(root)
    for key, rows in sources.items():
        for name, field in project.dataset(key).spec.fields.items():
            values = {seen.raw[field.column] for seen in rows} - {""}  # type: ignore[index]
            if field.formats:
                for value in values:
                    assert any(_parses(value, layout) for layout in field.formats), (key, name, value)
            if field.type == "code":
                assert values <= set(field.allowed or ()), (key, name, values - set(field.allowed or ()))
            assert values or name in ("saon", "locality", "category", "discount"), (key, name)


def _parses(value: str, layout: str) -> bool:
    try:
        datetime.strptime(value, layout)
    except ValueError:
        return False
    return True


def test_quality_faults_name_a_field_rule_or_reference_of_their_dataset(root: Path) -> None:
    project = load_project(root)
    for row in read_truth(root, "quality_faults"):
        spec = project.dataset(f"{row['source']}.{row['dataset']}").spec
        names = {*spec.fields, *(rule.name for rule in spec.rules), *(ref.name for ref in spec.references)}
        assert row["field_or_rule"] in names, row


def test_clean_extracts_meet_the_standards_their_contracts_declare(tmp_path: Path) -> None:
    generate(tmp_path, residents=1500, seed=11, config=GeneratorConfig(faults=FaultRates.none()))
    project = load_project(tmp_path)
    checked = 0
    for key, rows in read_sources(tmp_path).items():
        for name, spec in project.dataset(key).spec.fields.items():
            try:
                kind = field_type(spec)
            except ModuleNotFoundError:  # a standard type not written yet
                continue
            for seen in rows:
                verdict = kind.validate(seen.raw[spec.column])  # type: ignore[index]
                gypsy_or_roma = verdict.value == "white_gypsy_or_roma"  # DfE's WROM: partial by the standard
                assert verdict.status in ("valid", "missing") or gypsy_or_roma, (key, name, seen.raw, verdict)
                checked += 1
    assert checked > 20_000
