"""The generated folder is a valid Observatory project whose files are where and how it says."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from observatory.config import load_project
from observatory.demo import GenerateSummary, GeneratorConfig, generate


def test_project_loads_with_every_source(root: Path) -> None:
    project = load_project(root)
    assert project.spec.name == "Demo County Council"
    assert set(project.sources) == {"asc", "csc", "ctax", "housing", "schools", "llpg"}
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
        "people.csv",
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
    assert len(housing.datasets) == len(sheets)


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
