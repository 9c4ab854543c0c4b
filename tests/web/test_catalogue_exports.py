"""Catalogue downloads: who may have them, what they hold, and that nothing in them runs as a formula."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from observatory.access.accounts import Account
from observatory.catalogue.edits import edit_asset
from observatory.catalogue.exports.values import ASSET_ID_LABEL
from observatory.catalogue.store import list_assets
from observatory.web.auth import Principal
from observatory.web.routes.catalogue_export import holdings
from tests.web.conftest import WebSite

DOWNLOADS = {
    "register.csv": ("text/csv", "asset-register.csv"),
    "register.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "asset-register.xlsx"),
    "dictionary.csv": ("text/csv", "data-dictionary.csv"),
    "catalogue.jsonld": ("application/ld+json", "catalogue.jsonld"),
}
FORMULA = '=HYPERLINK("http://x")'


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("name", DOWNLOADS)
def test_each_export_is_a_download(site: WebSite, name: str) -> None:
    media_type, filename = DOWNLOADS[name]
    for client, path in ((site.client("analyst"), f"/catalogue/export/{name}"), (site.api("ig_officer"), None)):
        response = client.get(path or f"/api/catalogue/export/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
        assert response.headers["cache-control"] == "no-store"
        assert response.content


@pytest.mark.parametrize("role", ["viewer", None])
def test_exports_need_the_export_right(site: WebSite, role: str | None) -> None:
    for name in DOWNLOADS:
        response = site.api(role).get(f"/api/catalogue/export/{name}")
        assert response.status_code == (403 if role else 401)
    assert site.client("viewer").get("/catalogue/export").status_code == 403


def test_the_exports_hold_the_register_and_the_dictionary(site: WebSite) -> None:
    client = site.client("analyst")
    register = csv_rows(client.get("/catalogue/export/register.csv").content)
    expected = sorted(a.id for a in list_assets(site.obs.meta, in_register=True))
    assert [row[ASSET_ID_LABEL] for row in register] == expected
    dictionary = csv_rows(client.get("/catalogue/export/dictionary.csv").content)
    assert len(dictionary) == len(list_assets(site.obs.meta, kind="field"))
    workbook = load_workbook(io.BytesIO(client.get("/catalogue/export/register.xlsx").content))
    assert workbook.sheetnames == ["Register", "Data dictionary", "Glossary"]
    assert workbook["Register"].max_row == len(expected) + 1
    catalog = json.loads(client.get("/catalogue/export/catalogue.jsonld").content)["@graph"][0]
    assert catalog["@type"] == "dcat:Catalog"
    assert len(catalog["dcat:dataset"]) == len([a for a in expected if a.startswith("dataset.")])
    page = client.get("/catalogue/export").text
    assert f"{len(expected)} information assets" in page and 'href="/catalogue/export/register.xlsx"' in page


def test_a_role_gets_only_the_classifications_it_sees(site: WebSite) -> None:
    viewer = Principal(Account(0, "v", "V", "viewer", False, datetime.now(UTC)), "token", "")
    analyst = Principal(Account(0, "a", "A", "analyst", False, datetime.now(UTC)), "token", "")
    seen = holdings(site.obs, viewer)
    assert seen.assets and {a.classification for a in seen.assets} == {"OFFICIAL"}
    everything = holdings(site.obs, analyst)
    assert {a.classification for a in everything.assets} == {"OFFICIAL", "OFFICIAL-SENSITIVE"}
    assert len(everything.assets) == len(list_assets(site.obs.meta))


def test_a_formula_edited_into_the_catalogue_is_neutralised_in_csv_and_xlsx(private_site: WebSite) -> None:
    meta = private_site.obs.meta
    edit_asset(meta, "dataset.llpg.properties", {"description": FORMULA, "steward": "@SUM(1+1)"}, by="test")
    edit_asset(meta, "field.llpg.properties.uprn", {"description": "+cmd|' /C calc'!A0"}, by="test")
    client = private_site.client("analyst")
    register = {row[ASSET_ID_LABEL]: row for row in csv_rows(client.get("/catalogue/export/register.csv").content)}
    assert register["dataset.llpg.properties"]["Description"] == "'" + FORMULA
    assert register["dataset.llpg.properties"]["Data steward"] == "'@SUM(1+1)"
    dictionary = {row["Field ID"]: row for row in csv_rows(client.get("/catalogue/export/dictionary.csv").content)}
    assert dictionary["field.llpg.properties.uprn"]["Description"] == "'+cmd|' /C calc'!A0"
    workbook = load_workbook(io.BytesIO(client.get("/catalogue/export/register.xlsx").content))
    sheet = workbook["Register"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "dataset.llpg.properties")
    description = row[header.index("Description")]
    assert description.value == "'" + FORMULA and description.data_type == "s"
    for cells in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in cells)
    fields = workbook["Data dictionary"]
    assert any(cell.value == "'+cmd|' /C calc'!A0" for r in fields.iter_rows() for cell in r)
