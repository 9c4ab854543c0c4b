"""Catalogue exports: the register as CSV and XLSX, the data dictionary, DCAT JSON-LD and Frictionless packages."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frictionless
import pytest
from openpyxl import load_workbook
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from observatory.catalogue.exports import (
    datapackage,
    dcat_catalog,
    dictionary_rows,
    glossary_rows,
    quality_summary,
    register_rows,
    schema_columns,
    write_datapackages,
    write_dictionary_csv,
    write_register_csv,
    write_register_xlsx,
)
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import REGISTER_FIELDS
from observatory.catalogue.store import list_assets, write_catalogue
from observatory.errors import ObservatoryError
from observatory.meta.store import MetaStore

FORMULA = '=HYPERLINK("http://x","y")'
BASE = "https://data.example.gov.uk"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
DPV = Namespace("https://w3id.org/dpv#")
UKGOV = Namespace("https://w3id.org/co-cddo/uk-cross-government-metadata-exchange-model/")
OBS = Namespace(f"{BASE}/def/catalogue#")
EU = "http://publications.europa.eu/resource/authority/"


def clients() -> AssetRecord:
    asset = AssetRecord(
        "dataset.asc.clients",
        "dataset",
        "clients",
        "Adult social care clients",
        FORMULA,
        layer="standard",
        owner="Director of Adult Social Care",
        steward="asc.data@example.gov.uk",
        business_area="Adult social care",
        classification="OFFICIAL-SENSITIVE",
        personal=True,
        special_category=True,
        in_register=True,
        last_reviewed=date(2026, 1, 10),
        next_review_due=date(2027, 1, 10),
        facts={
            "rows": 3,
            "refreshed_at": "2026-11-02T06:30:00+00:00",
            "table": "standard.asc__clients",
            "keys": ["client_id"],
            "references": [
                {"fields": ["carer_id"], "dataset": "dataset.asc.clients", "to": ["client_id"]},
                {"fields": ["uprn"], "dataset": "dataset.llpg.properties", "to": ["uprn"]},
            ],
            "quality": {
                "score": 0.97,
                "confidence": "high",
                "statement": "Good enough for monthly reporting.",
                "measured_at": "2026-11-02T06:35:00+00:00",
                "dimensions": {"completeness": 0.995, "validity": 0.98, "timeliness": None},
            },
        },
    )
    for name, value in {
        "title": "Adult social care clients",
        "description": FORMULA,
        "information_asset_owner": "Director of Adult Social Care",
        "steward": "asc.data@example.gov.uk",
        "business_area": "Adult social care",
        "purpose": "Care assessments and reviews",
        "source_system": "Mosaic",
        "classification": "OFFICIAL-SENSITIVE",
        "access_rights": "internal",
        "personal_data": True,
        "special_category": True,
        "data_subjects": ["clients", "carers"],
        "lawful_basis": "6(1)(e)",
        "special_category_condition": "9(2)(h)",
        "retention_period": "-6 years after the case closes",
        "disposal": "destroy",
        "refresh_frequency": "daily",
        "last_refresh": "2026-11-02T06:30:00+00:00",
        "criticality": "high",
        "quality_score": 0.97,
        "keywords": ["care", "clients"],
        "last_reviewed": "2026-01-10",
        "next_review_due": "2027-01-10",
    }.items():
        asset.set(name, value)
    return asset


def libraries() -> AssetRecord:
    asset = AssetRecord(
        "dataset.libraries.branches",
        "dataset",
        "branches",
        "Library branches",
        "Every library branch with its opening hours.",
        layer="standard",
        in_register=True,
        facts={"rows": 2, "table": "standard.libraries__branches", "keys": ["branch_id"]},
    )
    for name, value in {"access_rights": "open", "refresh_frequency": "monthly", "business_area": "Libraries"}.items():
        asset.set(name, value)
    return asset


def field(dataset: str, column: str, position: int, kind: str, standard: str, **extra: Any) -> AssetRecord:
    example = extra.pop("example", None)
    facts = {"column": column, "type": kind, "standard_type": standard, "position": position, "critical": False}
    facts.update(extra.pop("facts", {}))
    record = AssetRecord(
        f"field.{dataset.removeprefix('dataset.')}.{column}",
        "field",
        column,
        column.replace("_", " ").capitalize(),
        extra.pop("description", ""),
        layer="standard",
        parent_id=dataset,
        facts=facts,
        **extra,
    )
    record.register["example"] = example
    return record


def client_fields() -> list[AssetRecord]:
    ds = "dataset.asc.clients"
    return [
        field(
            ds,
            "service_type",
            3,
            "text",
            "code",
            example="nursing",
            description="The service the client receives.",
            facts={"allowed": ["residential", "nursing", "home care"], "critical": True},
        ),
        field(
            ds,
            "client_id",
            0,
            "integer",
            "integer",
            example="1001",
            facts={
                "critical": True,
                "quality": [
                    {"name": "client_id_valid", "dimension": "validity", "passed": 980, "total": 1000},
                    {"name": "client_id_complete", "dimension": "completeness", "passed": 995, "total": 1000},
                ],
            },
        ),
        field(
            ds,
            "date_of_birth",
            1,
            "date",
            "date_of_birth",
            example="1950-01-01",
            personal=True,
            description="Date of birth.",
        ),
        field(ds, "postcode", 2, "text", "postcode", example="SW1A 1AA", description=FORMULA),
        field(ds, "carer_id", 4, "integer", "integer"),
        field(ds, "uprn", 5, "integer", "uprn"),
    ]


def library_fields() -> list[AssetRecord]:
    ds = "dataset.libraries.branches"
    return [field(ds, "branch_id", 0, "integer", "integer"), field(ds, "name", 1, "text", "text")]


def term() -> AssetRecord:
    return AssetRecord(
        "term.client",
        "term",
        "client",
        "Client",
        "A person who receives a care service.",
        owner="Head of ASC",
        register={"synonyms": ["service user", "-customer"], "links": ["dataset.asc.clients"]},
    )


def raw_table() -> AssetRecord:
    return AssetRecord("dataset.raw.asc__clients", "dataset", "asc__clients", "asc clients (as loaded)", layer="raw")


def catalogue() -> tuple[list[AssetRecord], list[AssetRecord]]:
    datasets = [clients(), libraries(), raw_table()]
    fields = client_fields() + library_fields()
    return datasets, fields


# --- the register ---------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_register_csv_has_the_ig_layout_and_neutralises_formulas(tmp_path: Path) -> None:
    datasets, _ = catalogue()
    path = tmp_path / "register.csv"
    assert write_register_csv([*datasets, term()], path) == 2
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    header, *rows = read_csv(path)
    assert header == ["Asset ID", *(f.label for f in REGISTER_FIELDS)]
    assert [row[0] for row in rows] == ["dataset.asc.clients", "dataset.libraries.branches"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Description"] == "'" + FORMULA
    assert row["Retention period"] == "'-6 years after the case closes"
    assert row["Personal data"] == "Yes" and row["Special category data"] == "Yes"
    assert row["Data subjects"] == "clients, carers"
    assert row["Keywords"] == "care, clients"
    assert row["Last refresh"] == "2026-11-02 06:30:00"
    assert row["Quality score"] == "0.97"
    assert row["Next review due"] == "2027-01-10"
    open_row = dict(zip(header, rows[1], strict=True))
    assert open_row["Personal data"] == "No" and open_row["Access rights"] == "open"
    assert open_row["Information asset"] == "Library branches" and open_row["Lawful basis (UK GDPR Article 6)"] == ""


def test_register_rows_are_json_ready() -> None:
    datasets, _ = catalogue()
    rows = register_rows(datasets)
    assert [r["id"] for r in rows] == ["dataset.asc.clients", "dataset.libraries.branches"]
    assert rows[0]["last_reviewed"] == "2026-01-10" and rows[0]["personal_data"] is True
    json.dumps(rows)


def test_register_xlsx_sheets_are_laid_out_and_hold_no_formula(tmp_path: Path) -> None:
    datasets, fields = catalogue()
    noisy = clients()
    noisy.id = "dataset.asc.assessments"
    noisy.set("purpose", "bell\x07 in the text")
    path = tmp_path / "register.xlsx"
    written = write_register_xlsx([*datasets, noisy], path, dictionary=fields, glossary=[term()])
    assert written == 3
    book = load_workbook(path)
    assert book.sheetnames == ["Register", "Data dictionary", "Glossary"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), cell.coordinate
    register = book["Register"]
    header = [c.value for c in register[1]]
    assert header == ["Asset ID", *(f.label for f in REGISTER_FIELDS)]
    assert all(c.font.bold for c in register[1])
    assert register.freeze_panes == "A2"
    assert register.auto_filter.ref == f"A1:{register.cell(1, len(header)).column_letter}4"
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in register.iter_rows(min_row=2, values_only=True)}
    clients_row = rows["dataset.asc.clients"]
    assert clients_row["Description"] == "'" + FORMULA
    assert clients_row["Personal data"] == "Yes"
    assert clients_row["Last refresh"] == datetime(2026, 11, 2, 6, 30)
    assert clients_row["Last review"] == datetime(2026, 1, 10)
    assert clients_row["Quality score"] == pytest.approx(0.97)
    assert rows["dataset.asc.assessments"]["Purpose of processing"] == "bell in the text"
    column = {label: register.cell(1, i + 1).column_letter for i, label in enumerate(header)}
    assert register.cell(2, header.index("Last refresh") + 1).number_format == "yyyy-mm-dd hh:mm"
    assert register.cell(2, header.index("Quality score") + 1).number_format == "0.0%"
    assert 8 <= register.column_dimensions[column["Description"]].width <= 60
    assert register.column_dimensions[column["Asset ID"]].width >= len("dataset.libraries.branches")
    dictionary = book["Data dictionary"]
    entries = {r[2]: r for r in dictionary.iter_rows(min_row=2, values_only=True) if r[0] == "dataset.asc.clients"}
    dob = dict(zip([c.value for c in dictionary[1]], entries["date_of_birth"], strict=True))
    assert dob["Personal"] == "Yes" and dob["Example"] is None
    glossary = [r for r in book["Glossary"].iter_rows(values_only=True)]
    assert glossary[1][:4] == (
        "Client",
        "A person who receives a care service.",
        "Head of ASC",
        "service user, -customer",
    )


# --- the data dictionary --------------------------------------------------------------------------------------


def test_dictionary_rows_never_show_a_personal_example() -> None:
    datasets, fields = catalogue()
    rows = dictionary_rows(fields, datasets)
    clients_rows = [r for r in rows if r["dataset"] == "dataset.asc.clients"]
    assert [r["field"] for r in clients_rows] == [
        "client_id",
        "date_of_birth",
        "postcode",
        "service_type",
        "carer_id",
        "uprn",
    ]
    by_field = {r["field"]: r for r in clients_rows}
    assert by_field["date_of_birth"]["example"] is None and by_field["date_of_birth"]["personal"] is True
    assert by_field["postcode"]["example"] == "SW1A 1AA"
    assert by_field["service_type"]["allowed_values"] == ["residential", "nursing", "home care"]
    assert by_field["service_type"]["critical"] is True
    assert by_field["client_id"]["quality"] == "98.0% valid, 99.5% complete"
    assert by_field["client_id"]["dataset_title"] == "Adult social care clients"
    assert by_field["uprn"]["allowed_values"] is None
    json.dumps(rows)


def test_dictionary_csv_is_safe(tmp_path: Path) -> None:
    datasets, fields = catalogue()
    path = tmp_path / "dictionary.csv"
    assert write_dictionary_csv(fields, path, datasets) == len(fields)
    header, *rows = read_csv(path)
    by_field = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_field["postcode"]["Description"] == "'" + FORMULA
    assert by_field["date_of_birth"]["Example"] == ""
    assert by_field["service_type"]["Allowed values"] == "residential, nursing, home care"
    assert by_field["client_id"]["Critical"] == "Yes"


def test_quality_summary_adds_up_measures_per_dimension() -> None:
    measures = [
        {"name": "a", "dimension": "completeness", "passed": 90, "total": 100},
        {"name": "b", "dimension": "validity", "passed": 45, "total": 50},
        {"name": "c", "dimension": "validity", "passed": 50, "total": 50},
        {"name": "d", "dimension": "validity", "passed": 0, "total": 0},
    ]
    assert quality_summary(measures) == "95.0% valid, 90.0% complete"
    assert quality_summary(None) == "" and quality_summary([]) == ""


def test_glossary_rows() -> None:
    assert glossary_rows([term(), clients()]) == [
        {
            "id": "term.client",
            "term": "Client",
            "definition": "A person who receives a care service.",
            "owner": "Head of ASC",
            "synonyms": ["service user", "-customer"],
            "links": ["dataset.asc.clients"],
        }
    ]


# --- DCAT -----------------------------------------------------------------------------------------------------


def dcat_graph(assets: list[AssetRecord], fields: list[AssetRecord]) -> Graph:
    document = dcat_catalog(assets, fields, "Example Council data catalogue", "Example Council", BASE + "/")
    return Graph().parse(data=json.dumps(document), format="json-ld")


def test_dcat_parses_as_rdf_with_the_expected_triples() -> None:
    datasets, fields = catalogue()
    graph = dcat_graph([*datasets, term()], fields)
    catalog = URIRef(f"{BASE}/catalogue")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert (catalog, DCT.title, Literal("Example Council data catalogue")) in graph
    listed = set(graph.objects(catalog, DCAT.dataset))
    assert listed == set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(listed) == 2
    ds = URIRef(f"{BASE}/catalogue/dataset.asc.clients")
    assert (ds, DCT.identifier, Literal("dataset.asc.clients")) in graph
    assert (ds, DCT.title, Literal("Adult social care clients")) in graph
    assert (ds, DCT.description, Literal(FORMULA)) in graph
    assert {str(k) for k in graph.objects(ds, DCAT.keyword)} == {"care", "clients"}
    assert (ds, UKGOV.securityClassification, Literal("OFFICIAL")) in graph
    assert (ds, UKGOV.accessRights, Literal("INTERNAL")) in graph
    assert (ds, OBS.securityMarking, Literal("OFFICIAL-SENSITIVE")) in graph
    assert (ds, DCT.accessRights, URIRef(EU + "access-right/NON_PUBLIC")) in graph
    assert (ds, DCT.accrualPeriodicity, URIRef(EU + "frequency/DAILY")) in graph
    assert (ds, DCT.modified, Literal("2026-11-02T06:30:00+00:00", datatype=XSD.dateTime)) in graph
    assert (ds, OBS.personalData, Literal(True)) in graph
    assert set(graph.objects(ds, DPV.hasPersonalData)) == {DPV.PersonalData, DPV.SpecialCategoryPersonalData}
    assert (ds, OBS.lawfulBasis, Literal("6(1)(e)")) in graph
    assert (ds, OBS.lastReviewed, Literal("2026-01-10", datatype=XSD.date)) in graph
    theme = graph.value(ds, DCAT.theme)
    assert graph.value(theme, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")) == Literal("Adult social care")
    publisher = graph.value(ds, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) == Literal("Director of Adult Social Care")
    contact = graph.value(ds, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.fn) == Literal("asc.data@example.gov.uk")
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:asc.data@example.gov.uk")
    assert graph.value(ds, DCT.conformsTo) == URIRef(f"{BASE}/datapackage/dataset.asc.clients/datapackage.json")
    distribution = graph.value(ds, DCAT.distribution)
    assert (distribution, RDF.type, DCAT.Distribution) in graph
    assert graph.value(distribution, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(distribution, DCT["format"]) == URIRef(EU + "file-type/CSV")
    scores = {
        str(graph.value(m, DQV.isMeasurementOf)).rsplit("#", 1)[-1]: graph.value(m, DQV.value).toPython()
        for m in graph.objects(ds, DQV.hasQualityMeasurement)
    }
    assert scores == {"qualityScore": 0.97, "completenessScore": 0.995, "validityScore": 0.98}
    assert (OBS.validityScore, DQV.inDimension, OBS.validity) in graph
    assert (OBS.qualityScore, RDF.type, DQV.Metric) in graph


def test_dcat_maps_open_data_to_public_and_its_frequency() -> None:
    datasets, fields = catalogue()
    graph = dcat_graph(datasets, fields)
    ds = URIRef(f"{BASE}/catalogue/dataset.libraries.branches")
    assert (ds, DCT.accessRights, URIRef(EU + "access-right/PUBLIC")) in graph
    assert (ds, UKGOV.accessRights, Literal("OPEN")) in graph
    assert (ds, UKGOV.securityClassification, Literal("OFFICIAL")) in graph
    assert (ds, DCT.accrualPeriodicity, URIRef(EU + "frequency/MONTHLY")) in graph
    assert (ds, OBS.personalData, Literal(False)) in graph
    assert graph.value(ds, DPV.hasPersonalData) is None
    assert graph.value(graph.value(ds, DCT.publisher), FOAF.name) == Literal("Example Council")


def test_dcat_describes_the_columns_of_the_csv() -> None:
    datasets, fields = catalogue()
    graph = dcat_graph(datasets, fields)
    csvw = Namespace("http://www.w3.org/ns/csvw#")
    distribution = graph.value(URIRef(f"{BASE}/catalogue/dataset.asc.clients"), DCAT.distribution)
    columns = graph.collection(graph.value(graph.value(distribution, csvw.tableSchema), csvw.column))
    assert [str(graph.value(c, csvw.name)) for c in columns] == [
        "client_id",
        "date_of_birth",
        "postcode",
        "service_type",
        "carer_id",
        "uprn",
    ]
    assert graph.value(list(columns)[1], csvw.datatype) == XSD.date


def test_dcat_needs_an_http_base_uri() -> None:
    with pytest.raises(ObservatoryError, match="not an http"):
        dcat_catalog([clients()], [], "Catalogue", "Council", "data.example.gov.uk")


# --- Frictionless ---------------------------------------------------------------------------------------------

GOOD_CLIENTS = [
    ["client_id", "date_of_birth", "postcode", "service_type", "carer_id", "uprn"],
    ["1001", "1950-01-01", "SW1A 1AA", "nursing", "", "100023336956"],
    ["1002", "1948-07-30", "LS1 1UR", "home care", "1001", ""],
    ["1003", "1961-03-12", "M1 1AE", "residential", "1002", "100023336957"],
]


def writer_of(rows_by_dataset: dict[str, list[list[str]]]) -> Any:
    def write(asset: AssetRecord, path: Path) -> None:
        rows = rows_by_dataset[asset.id]
        assert rows[0] == schema_columns(asset, [*client_fields(), *library_fields()])
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)

    return write


def validate(descriptor: Path) -> frictionless.Report:
    return frictionless.validate(str(descriptor))


def test_datapackage_with_conforming_data_validates(tmp_path: Path) -> None:
    datasets, fields = catalogue()
    data = {
        "dataset.asc.clients": GOOD_CLIENTS,
        "dataset.libraries.branches": [["branch_id", "name"], ["1", "Central"], ["2", "=Westside"]],
    }
    written = write_datapackages([*datasets, term()], fields, tmp_path, data_writer=writer_of(data))
    assert [p.parent.name for p in written] == ["dataset.asc.clients", "dataset.libraries.branches"]
    for path in written:
        report = validate(path)
        assert report.valid, report.flatten(["type", "note"])
    assert (tmp_path / "dataset.asc.clients" / "standard.asc__clients.csv").exists()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ((1, 3, "spaceship"), "constraint-error"),
        ((2, 0, "not a number"), "type-error"),
        ((2, 1, "30/07/1948"), "type-error"),
        ((3, 0, "1001"), "primary-key"),
        ((3, 4, "9999"), "foreign-key"),
    ],
)
def test_datapackage_with_data_that_breaks_its_schema_is_invalid(
    tmp_path: Path, change: tuple[int, int, str], error: str
) -> None:
    fields = client_fields()
    rows = [list(row) for row in GOOD_CLIENTS]
    row, column, value = change
    rows[row][column] = value
    [path] = write_datapackages([clients()], fields, tmp_path, data_writer=writer_of({"dataset.asc.clients": rows}))
    report = validate(path)
    assert not report.valid
    assert error in {e[0] for e in report.flatten(["type"])}


def test_datapackage_descriptor_alone_passes_the_metadata_check(tmp_path: Path) -> None:
    datasets, fields = catalogue()
    written = write_datapackages(datasets, fields, tmp_path)
    assert len(written) == 2
    assert not list(tmp_path.rglob("*.csv"))
    descriptor = json.loads(written[0].read_text(encoding="utf-8"))
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    resource = descriptor["resources"][0]
    assert resource["path"] == "standard.asc__clients.csv"
    assert resource["name"] == "clients"
    schema = resource["schema"]
    assert schema["primaryKey"] == ["client_id"]
    assert schema["foreignKeys"] == [{"fields": ["carer_id"], "reference": {"resource": "", "fields": ["client_id"]}}]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types == {
        "client_id": "integer",
        "date_of_birth": "date",
        "postcode": "string",
        "service_type": "string",
        "carer_id": "integer",
        "uprn": "integer",
    }
    enum = next(f for f in schema["fields"] if f["name"] == "service_type")["constraints"]["enum"]
    assert enum == ["residential", "nursing", "home care"]
    assert "licenses" not in descriptor
    assert descriptor["x-observatory"]["foreignKeys"] == [
        {
            "fields": ["uprn"],
            "reference": {
                "package": "../dataset.llpg.properties/datapackage.json",
                "resource": "properties",
                "fields": ["uprn"],
            },
            "dataset": "dataset.llpg.properties",
        }
    ]


def test_open_datasets_carry_the_open_government_licence() -> None:
    descriptor = datapackage(libraries(), library_fields())
    assert descriptor["name"] == "dataset.libraries.branches"
    in_column_order = datapackage(clients(), client_fields())["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in in_column_order] == [
        f.name for f in sorted(client_fields(), key=lambda f: f.facts["position"])
    ]
    assert datapackage(clients(), [])["contributors"][1]["email"] == "asc.data@example.gov.uk"
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    assert descriptor["resources"][0]["path"] == "standard.libraries__branches.csv"
    assert frictionless.Package.validate_descriptor(descriptor).valid


def test_engine_types_map_to_table_schema_types() -> None:
    ds = "dataset.x.y"
    cases = {
        "int64": "integer",
        "integer": "integer",
        "decimal": "number",
        "float64": "number",
        "decimal(18, 2)": "number",
        "timestamp('UTC')": "datetime",
        "date": "date",
        "boolean": "boolean",
        "text": "string",
        "string": "string",
        "!int32": "integer",
    }
    for position, (engine, expected) in enumerate(cases.items()):
        descriptor = datapackage(clients(), [field(ds, "c", position, engine, "text")])
        assert descriptor["resources"][0]["schema"]["fields"][0]["type"] == expected, engine
    unknown = field(ds, "born", 0, "", "date_of_birth")
    unknown.facts["type"] = None
    assert datapackage(clients(), [unknown])["resources"][0]["schema"]["fields"][0]["type"] == "date"


# --- records read back from the metadata store ----------------------------------------------------------------


def test_exports_of_records_read_back_from_the_store(meta_url: str, tmp_path: Path) -> None:
    datasets, fields = catalogue()
    meta = MetaStore(meta_url)
    meta.migrate()
    try:
        write_catalogue(meta, [*datasets, *fields, term()], [])
        stored = list_assets(meta)
    finally:
        meta.close()
    write_register_csv(datasets, tmp_path / "memory.csv")
    write_register_csv(stored, tmp_path / "stored.csv")
    assert read_csv(tmp_path / "stored.csv") == read_csv(tmp_path / "memory.csv")
    stored_fields = [a for a in stored if a.kind == "field"]
    assert dictionary_rows(stored_fields, stored) == dictionary_rows(fields, datasets)
    assert dcat_catalog(stored, stored_fields, "C", "P", BASE) == dcat_catalog(datasets, fields, "C", "P", BASE)
    written = write_datapackages(stored, stored_fields, tmp_path / "packages")
    assert frictionless.Package.validate_descriptor(json.loads(written[0].read_text(encoding="utf-8"))).valid
