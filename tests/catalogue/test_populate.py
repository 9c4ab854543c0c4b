"""The catalogue after a build of the demo council: assets, lineage, register, edits that survive, reviews."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from observatory import Observatory
from observatory.build import build
from observatory.catalogue.edits import edit_asset, history, mark_reviewed
from observatory.catalogue.lineage import impact
from observatory.catalogue.populate import populate
from observatory.catalogue.review import reviews_due
from observatory.catalogue.search import SearchFilters
from observatory.catalogue.search import search as search_assets
from observatory.catalogue.store import get_asset, list_assets, list_edges
from observatory.cli.main import app
from observatory.demo.generator import generate
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.models import Run

RESIDENTS = 400


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalogued") / "council"
    generate(root, residents=RESIDENTS, seed=5)
    with Observatory.open(root) as obs:
        report = build(obs)
        assert report.ok, report.failures
        assert report.catalogue is not None
    return root


@pytest.fixture
def council(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built demo, for tests that change it."""
    root = tmp_path / "council"
    shutil.copytree(built, root)
    return root


def _edges(obs: Observatory) -> set[tuple[str, str, str, str]]:
    return {(e.source, e.target, e.level, e.via) for e in list_edges(obs.meta)}


def test_every_layer_is_catalogued_with_facts_from_the_build(built: Path) -> None:
    with Observatory.open(built) as obs:
        kinds = {a.kind for a in list_assets(obs.meta)}
        clients = get_asset(obs.meta, "dataset.asc.clients")
        rows = obs.engine.count_rows("standard", "asc__clients")
        residents = get_asset(obs.meta, "dataset.linked.residents")
        raw_dob = get_asset(obs.meta, "field.raw.asc__clients.Date of Birth")
        dob = get_asset(obs.meta, "field.asc.clients.date_of_birth")
        snapshot_score = clients.facts["quality"]["score"]
    assert kinds == {"source", "file", "dataset", "field", "term", "report", "output", "kpi"}  # the demo's KPIs
    assert clients.layer == "standard" and clients.in_register
    assert clients.facts["rows"] == rows and clients.facts["table"] == "standard.asc__clients"
    assert clients.facts["refreshed_at"] is not None
    assert clients.register["quality_score"] == round(snapshot_score, 4)
    assert residents.layer == "linked" and residents.in_register
    assert residents.facts["rows"] > 0
    assert raw_dob.layer == "raw" and raw_dob.personal
    assert dob.facts["standard_type"] == "date_of_birth" and dob.facts["critical"] is True
    assert {m["dimension"] for m in dob.facts["quality"]} >= {"completeness", "validity"}


def test_register_values_come_from_yaml_and_are_derived_where_missing(built: Path) -> None:
    with Observatory.open(built) as obs:
        clients = get_asset(obs.meta, "dataset.asc.clients")
        properties = get_asset(obs.meta, "dataset.llpg.properties")
        residents = get_asset(obs.meta, "dataset.linked.residents")
        pairs = get_asset(obs.meta, "dataset.linked.pairs")
        postcodes = get_asset(obs.meta, "dataset.standard.ref_postcodes")
    assert clients.register["lawful_basis"] == "6(1)(e)"  # from the source's register
    assert clients.register["special_category_condition"] == "9(2)(h)"
    assert clients.personal and clients.special_category  # derived from the field types
    assert clients.classification == "OFFICIAL-SENSITIVE"
    assert clients.owner == "Head of Adult Social Care Operations"  # the dataset's owner is its IAO
    assert clients.register["refresh_frequency"] == "weekly"  # from freshness: 2d
    assert not properties.personal and properties.classification == "OFFICIAL"
    assert residents.owner == "Chief Data Officer"  # catalogue.assets
    assert residents.personal and residents.classification == "OFFICIAL-SENSITIVE"  # from what it is made from
    assert pairs.personal and pairs.owner == ""  # derived, no register entry
    assert postcodes.access_rights == "open" and not postcodes.personal
    with Observatory.open(built) as obs:
        plans = get_asset(obs.meta, "dataset.csc.plans")
        services = get_asset(obs.meta, "dataset.asc.services")
        raw = get_asset(obs.meta, "dataset.raw.asc__clients")
        provenance_value = get_asset(obs.meta, "field.linked.golden_provenance.value")
        linked_ethnicity = get_asset(obs.meta, "field.linked.person_records.ethnicity")
    assert plans.personal and plans.classification == "OFFICIAL-SENSITIVE"  # it references children
    assert services.special_category and services.personal  # the source's Article 9 condition
    assert raw.owner == clients.owner and raw.personal and not raw.in_register
    assert provenance_value.personal  # no lineage to trace: personal because its table is
    assert linked_ethnicity.special_category


def test_examples_are_never_personal(built: Path) -> None:
    with Observatory.open(built) as obs:
        fields = list_assets(obs.meta, kind="field")
    personal = [f for f in fields if f.personal]
    assert personal and all(f.register.get("example") is None for f in personal)
    examples = {f.id: f.register["example"] for f in fields if f.register.get("example")}
    assert examples, "some non-personal fields have examples from the data"
    assert all(not f.startswith(("field.raw.", "field.linked.")) for f in examples)


def test_lineage_edges_follow_the_recorded_runs(built: Path) -> None:
    with Observatory.open(built) as obs:
        edges = _edges(obs)
        runs = {(r.id, r.kind) for r in obs.meta.session().__enter__().scalars(select(Run))}
        run_ids = {(e.run_id, e.via) for e in list_edges(obs.meta) if e.run_id is not None}
    expected = {
        ("source.asc", "file.asc.clients.csv", "dataset", "extract"),
        ("file.asc.clients.csv", "dataset.raw.asc__clients", "dataset", "load"),
        # two datasets read from one workbook share its file
        ("file.housing.housing_register.xlsx", "dataset.raw.housing__applications", "dataset", "load"),
        ("file.housing.housing_register.xlsx", "dataset.raw.housing__tenancies", "dataset", "load"),
        ("dataset.raw.asc__clients", "dataset.asc.clients", "dataset", "standardise"),
        ("file.postcodes", "dataset.standard.ref_postcodes", "dataset", "reference"),
        ("dataset.standard.ref_postcodes", "dataset.asc.clients", "dataset", "standardise"),
        ("dataset.asc.clients", "dataset.linked.person_records", "dataset", "link"),
        ("dataset.llpg.properties", "dataset.linked.address_matches", "dataset", "link"),
        ("dataset.linked.person_records", "dataset.linked.pairs", "dataset", "link"),
        ("dataset.linked.pairs", "dataset.linked.resident_records", "dataset", "link"),
        ("dataset.linked.resident_records", "dataset.linked.residents", "dataset", "link"),
        ("dataset.linked.address_matches", "dataset.linked.households", "dataset", "link"),
        ("dataset.asc.clients", "output.quality.asc.clients", "dataset", "quality"),
        ("dataset.asc.clients", "output.quality.asc.services", "dataset", "quality"),  # services reference clients
        ("field.raw.asc__clients.Date of Birth", "field.asc.clients.date_of_birth", "field", "standardise"),
        ("field.asc.clients.date_of_birth", "field.linked.person_records.date_of_birth", "field", "link"),
        ("field.asc.clients.name", "field.linked.person_records.surname", "field", "link"),
        ("field.linked.person_records.date_of_birth", "field.linked.residents.date_of_birth", "field", "link"),
        ("field.linked.address_matches.uprn", "field.linked.residents.uprn", "field", "link"),
        ("field.asc.clients.primary_support_reason", "report.salt_return", "field", "declared"),
        ("dataset.asc.services", "report.salt_return", "dataset", "declared"),
        ("term.nhs_number", "field.asc.clients.nhs_number", "glossary", "describes"),
    }
    assert expected <= edges
    assert ("dataset.llpg.properties", "dataset.linked.pairs", "dataset", "link") not in edges  # only addresses
    assert ("dataset.asc.clients", "dataset.linked.residents", "dataset", "link") not in edges  # through records
    assert run_ids <= runs  # every edge made by a run names a run of that kind
    # nothing is drawn into a layer from a later one: data moves forward only
    order = {"raw": 0, "standard": 1, "linked": 2}
    for source, target, level, _ in edges:
        if level == "dataset" and source.startswith("dataset.raw.") and target.startswith("dataset."):
            assert order.get(target.split(".")[1], 1) >= 1


def test_impact_of_a_field_reaches_reports_and_the_single_view(built: Path) -> None:
    with Observatory.open(built) as obs:
        found = impact(obs.meta, "field.asc.clients.date_of_birth").to_dict()
    reached = {item["id"]: item for items in found["groups"].values() for item in items}
    assert reached["report.salt_return"]["relation"] == "direct"  # it declares this very field
    assert reached["field.linked.residents.date_of_birth"]["relation"] == "direct"  # field-level lineage
    assert reached["report.household_profile"]["relation"] == "via_dataset"  # it uses whole linked tables


def test_edits_are_recorded_and_survive_a_rebuild(council: Path) -> None:
    with Observatory.open(council) as obs:
        edit_asset(
            obs.meta,
            "dataset.asc.clients",
            {"description": "Everyone ASC has assessed.", "steward": "Jo Bloggs", "risk_rating": "medium"},
            by="jo",
        )
        edit_asset(obs.meta, "field.asc.services.service_type", {"description": "What is arranged."}, by="jo")
        edit_asset(obs.meta, "term.resident", {"synonyms": "citizen, householder"}, by="ann")
        report = build(obs)
        assert report.ok, report.failures
        clients = get_asset(obs.meta, "dataset.asc.clients")
        service_type = get_asset(obs.meta, "field.asc.services.service_type")
        resident = get_asset(obs.meta, "term.resident")
        log = history(obs.meta, "dataset.asc.clients")
        field = get_asset(obs.meta, "field.asc.clients.sex")
    assert report.catalogue is not None and report.catalogue.edited == 3
    assert clients.description == "Everyone ASC has assessed." and clients.steward == "Jo Bloggs"
    assert clients.register["risk_rating"] == "medium" and clients.declared["risk_rating"] == "high"
    assert service_type.description == "What is arranged."
    assert resident.register["synonyms"] == ["citizen", "householder"]
    assert {(e.field, e.before, e.after, e.edited_by) for e in log} == {
        (
            "description",
            "One row per client record: name, date of birth, gender, ethnicity, NHS number, address.",
            "Everyone ASC has assessed.",
            "jo",
        ),
        ("steward", "ASC Performance and Data Team", "Jo Bloggs", "jo"),
        ("risk_rating", "high", "medium", "jo"),
    }
    assert all(e.edited_at <= datetime.now(UTC) for e in log)
    assert field.owner == clients.owner  # fields follow their dataset


def test_an_empty_value_resets_to_the_yaml(council: Path) -> None:
    with Observatory.open(council) as obs:
        edit_asset(obs.meta, "dataset.asc.clients", {"steward": "Jo Bloggs"}, by="jo")
        edit_asset(obs.meta, "dataset.asc.clients", {"steward": ""}, by="jo")
        assert get_asset(obs.meta, "dataset.asc.clients").steward == "ASC Performance and Data Team"
        populate(obs)
        assert get_asset(obs.meta, "dataset.asc.clients").steward == "ASC Performance and Data Team"
        assert [e.action for e in history(obs.meta, "dataset.asc.clients")] == ["reset", "edit"]


def test_edits_are_checked_before_any_is_applied(council: Path) -> None:
    with Observatory.open(council) as obs:
        with pytest.raises(ObservatoryError, match="lawful_basis: 'public task' is not one of 6"):
            edit_asset(obs.meta, "dataset.asc.clients", {"steward": "X", "lawful_basis": "public task"}, by="jo")
        with pytest.raises(ObservatoryError, match="quality_score cannot be edited on a dataset"):
            edit_asset(obs.meta, "dataset.asc.clients", {"quality_score": "1"}, by="jo")
        with pytest.raises(ObservatoryError, match="holds personal data"):
            edit_asset(obs.meta, "field.asc.clients.nhs_number", {"example": "943 476 5919"}, by="jo")
        with pytest.raises(NotFoundError, match="did you mean"):
            edit_asset(obs.meta, "dataset.asc.client", {"steward": "X"}, by="jo")
        assert get_asset(obs.meta, "dataset.asc.clients").steward == "ASC Performance and Data Team"
        assert history(obs.meta) == []


def test_reviews_due_and_marking_one_reviewed(council: Path) -> None:
    today = datetime.now(UTC).date()
    with Observatory.open(council) as obs:
        due = {d.id: d for d in reviews_due(obs.meta, today=today)}
        assert due["dataset.csc.children"].status == "overdue"  # reviewed 500 days before the extract date
        assert due["dataset.ctax.accounts"].status == "never reviewed"
        assert "dataset.asc.clients" not in due or today > date(2027, 1, 1)
        mark_reviewed(obs.meta, "dataset.csc.children", by="steward", review_months=12, note="all checked")
        populate(obs)
        children = get_asset(obs.meta, "dataset.csc.children")
        due_after = {d.id for d in reviews_due(obs.meta, today=today)}
    assert children.last_reviewed == today and children.next_review_due is not None
    assert children.next_review_due > today + timedelta(days=360)
    assert "dataset.csc.children" not in due_after


def test_cli_answers_what_we_hold_who_owns_it_and_where_it_comes_from(council: Path) -> None:
    runner = CliRunner()
    base = ["--project", str(council), "--json"]
    found = runner.invoke(app, ["catalogue", "search", "NHS number", *base])
    assert found.exit_code == 0, found.output
    ids = [hit["id"] for hit in json.loads(found.output)["hits"]]
    assert "field.asc.clients.nhs_number" in ids
    shown = runner.invoke(app, ["catalogue", "show", "dataset.asc.clients", *base])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["owner"] == "Head of Adult Social Care Operations"
    assert [f["name"] for f in data["fields"]][:3] == ["person_id", "name", "date_of_birth"]
    assert data["facts"]["quality"]["confidence"] in ("high", "medium", "low")
    up = runner.invoke(app, ["catalogue", "lineage", "dataset.asc.clients", "--upstream", *base])
    assert up.exit_code == 0, up.output
    assert {"dataset.raw.asc__clients", "file.asc.clients.csv", "source.asc"} <= {
        n["id"] for n in json.loads(up.output)["nodes"]
    }
    edited = runner.invoke(
        app, ["catalogue", "edit", "dataset.asc.clients", "--steward", "Sam", "--by", "sam", "--project", str(council)]
    )
    assert edited.exit_code == 0, edited.output
    bad = runner.invoke(
        app,
        ["catalogue", "edit", "dataset.asc.clients", "--criticality", "huge", "--by", "sam", "--project", str(council)],
    )
    assert bad.exit_code == 2 and "criticality" in bad.output
    review = runner.invoke(app, ["catalogue", "review", *base])
    assert review.exit_code == 0 and "dataset.ctax.accounts" in review.output


@pytest.mark.postgres
def test_the_catalogue_on_postgresql(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue("postgres_server")
    url = server.create_database("catalogue_build")
    try:
        root = tmp_path / "council"
        generate(root, residents=150, seed=9)
        with (root / "observatory.yml").open("a", encoding="utf-8") as config:
            config.write(f"metadata_url: {url}\n")
        with Observatory.open(root) as obs:
            report = build(obs, linkage=False)
            assert report.ok, report.failures
            edit_asset(obs.meta, "dataset.asc.clients", {"purpose": "Care Act duties"}, by="jo")
            populate(obs)
            clients = get_asset(obs.meta, "dataset.asc.clients")
            edges = _edges(obs)
            hits = [h.id for h in search_assets(obs.meta, "primary support").hits]
        assert clients.register["purpose"] == "Care Act duties"
        assert ("dataset.raw.asc__clients", "dataset.asc.clients", "dataset", "standardise") in edges
        assert "field.asc.clients.primary_support_reason" in hits
    finally:
        server.drop_database("catalogue_build")


def test_exports_of_the_demo_open_and_validate(council: Path) -> None:
    import frictionless
    import openpyxl
    import rdflib

    runner = CliRunner()
    out = council / "out"
    for name, target in (
        ("csv", "register.csv"),
        ("xlsx", "register.xlsx"),
        ("dcat", "catalogue.jsonld"),
        ("dictionary", "dictionary.csv"),
    ):
        result = runner.invoke(
            app, ["catalogue", "export", "--format", name, "--out", str(out / target), "--project", str(council)]
        )
        assert result.exit_code == 0, result.output
    packages = runner.invoke(
        app,
        [
            "catalogue",
            "export",
            "--format",
            "datapackage",
            "--with-data",
            "--out",
            str(out / "packages"),
            "--project",
            str(council),
            "--json",
        ],
    )
    assert packages.exit_code == 0, packages.output
    written = [Path(p) for p in json.loads(packages.output)["written"]]
    names = {p.parent.name for p in written}
    assert "dataset.llpg.properties" in names and "dataset.asc.clients" not in names  # personal data stays in
    for descriptor in written:
        report = frictionless.validate(str(descriptor))
        assert report.valid, (descriptor, report.flatten(["type", "note"])[:5])
    workbook = openpyxl.load_workbook(out / "register.xlsx")
    register = workbook["Register"]
    ids = [row[0].value for row in register.iter_rows(min_row=2)]
    assert "dataset.asc.clients" in ids and "dataset.linked.residents" in ids
    assert not any(cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    graph = rdflib.Graph().parse(out / "catalogue.jsonld", format="json-ld")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    datasets = set(graph.subjects(rdflib.RDF.type, dcat.Dataset))
    assert len(datasets) == len(ids)
    csv_text = (out / "register.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Asset ID,Information asset")


def test_an_edit_reaches_raw_copies_fields_and_search_at_once(council: Path) -> None:
    with Observatory.open(council) as obs:
        edit_asset(obs.meta, "dataset.asc.clients", {"information_asset_owner": "Jane Newowner"}, by="jo")
        hits = {h.id for h in search_assets(obs.meta, "nhs", SearchFilters(owner="Jane Newowner")).hits}
        assert "field.asc.clients.nhs_number" in hits  # the fields follow, in the index too
        old_owner = SearchFilters(owner="Head of Adult Social Care Operations", layer="standard")
        assert not search_assets(obs.meta, "nhs", old_owner).hits  # raw copies follow at the next population
        populate(obs)
        raw = get_asset(obs.meta, "dataset.raw.asc__clients")
        extract = get_asset(obs.meta, "file.asc.clients.csv")
        field = get_asset(obs.meta, "field.raw.asc__clients.NHS Number")
    assert raw.owner == extract.owner == field.owner == "Jane Newowner"


def test_a_reset_without_an_edit_changes_nothing(council: Path) -> None:
    with Observatory.open(council) as obs:
        assert edit_asset(obs.meta, "source.asc", {"title": ""}, by="jo") == []
        assert get_asset(obs.meta, "source.asc").title == "Adult social care"
        edit_asset(obs.meta, "dataset.raw.asc__clients", {"description": "Copy"}, by="jo")
        edit_asset(obs.meta, "dataset.raw.asc__clients", {"description": ""}, by="jo")
        assert get_asset(obs.meta, "dataset.raw.asc__clients").description.startswith("The current load")


def test_a_glossary_term_can_be_added_and_linked_by_an_edit(council: Path) -> None:
    with Observatory.open(council) as obs:
        with pytest.raises(ObservatoryError, match="give it a --title and a --description"):
            edit_asset(obs.meta, "term.carer", {"title": "Carer"}, by="ann")
        with pytest.raises(NotFoundError):
            edit_asset(
                obs.meta, "term.carer", {"title": "Carer", "description": "x", "links": "dataset.nope"}, by="ann"
            )
        edit_asset(
            obs.meta,
            "term.carer",
            {"title": "Carer", "description": "Someone who looks after a relative.", "links": "dataset.asc.clients"},
            by="ann",
        )
        populate(obs)
        term = get_asset(obs.meta, "term.carer")
        edges = _edges(obs)
        hits = {h.id for h in search_assets(obs.meta, "carer").hits}
    assert term.title == "Carer" and term.register["links"] == ["dataset.asc.clients"]
    assert ("term.carer", "dataset.asc.clients", "glossary", "describes") in edges
    assert {"term.carer", "dataset.asc.clients"} <= hits


def test_no_example_for_special_category_data(council: Path) -> None:
    with Observatory.open(council) as obs:
        ethnicity = get_asset(obs.meta, "field.schools.pupils.ethnicity")
        with pytest.raises(ObservatoryError, match="holds personal data"):
            edit_asset(obs.meta, "field.schools.pupils.ethnicity", {"example": "WBRI"}, by="jo")
    assert ethnicity.special_category and ethnicity.register.get("example") is None
