"""Row previews: who may see them, what is masked, unmasking only with a role that allows it and a purpose, and an
audit entry for every preview of personal data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from observatory.catalogue.records import AssetRecord
from observatory.catalogue.store import get_asset, list_assets
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import AuditQuery, entries
from observatory.quality.samples import mask
from observatory.web.routes.catalogue_preview import PREVIEW_ROWS, personal_columns, preview_table
from observatory.web.warehouse import fetch_dicts, read_warehouse
from tests.web.conftest import WebSite

SPECIAL = "dataset.asc.clients"  # special-category data: every column is personal
PERSONAL = "dataset.ctax.accounts"  # personal data, not special category
OPEN = "dataset.llpg.properties"  # no personal data


def preview(asset_id: str) -> str:
    return f"/api/catalogue/assets/{asset_id}/preview"


def audit_of(site: WebSite, role: str, action: str) -> list[dict[str, Any]]:
    found, _ = entries(site.obs.meta, AuditQuery(actor=site.users[role].username, action=action, limit=1_000))
    return found


def as_shown(value: Any) -> Any:
    """A stored value as the JSON preview gives it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def stored_rows(site: WebSite, table: str) -> list[dict[str, Any]]:
    layer, _, name = table.partition(".")
    with read_warehouse(site.obs) as connection:
        return fetch_dicts(connection, f'SELECT * FROM "{layer}"."{name}" LIMIT ?', [PREVIEW_ROWS])


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("analyst", 200), ("steward", 200), ("admin", 200)])
def test_previews_are_for_analysts_and_up(site: WebSite, role: str, status: int) -> None:
    assert site.api(role).get(preview(OPEN)).status_code == status
    assert site.client(role).get(f"/catalogue/assets/{OPEN}/preview").status_code == status


def test_a_dataset_without_personal_data_is_shown_as_stored_and_not_audited(site: WebSite) -> None:
    before = len(audit_of(site, "analyst", "catalogue.preview"))
    data = site.api("analyst").get(preview(OPEN)).json()
    assert data["masked"] is False and data["table"] == "standard.llpg__properties"
    expected = stored_rows(site, data["table"])
    assert len(data["rows"]) == len(expected) == PREVIEW_ROWS
    assert data["rows"][0]["uprn"] == expected[0]["uprn"]
    assert len(audit_of(site, "analyst", "catalogue.preview")) == before


def test_personal_fields_are_masked_and_the_preview_is_audited(site: WebSite) -> None:
    data = site.api("analyst").get(preview(PERSONAL)).json()
    columns = {column["name"]: column["personal"] for column in data["columns"]}
    fields = list_assets(site.obs.meta, kind="field", parent_id=PERSONAL)
    personal_fields = [f for f in fields if f.personal]
    assert personal_fields and any(not f.personal for f in fields)
    for field in personal_fields:
        assert columns[field.facts["column"]] is True
        assert all(columns[str(c)] for c in field.facts.get("columns") or [])  # companions too (name__surname)
    stored = stored_rows(site, data["table"])
    for shown, original in zip(data["rows"], stored, strict=True):
        for name, personal in columns.items():
            value = original[name]
            if personal:
                assert shown[name] == mask(None if value is None else str(value))
            elif isinstance(value, str):
                assert shown[name] == value
    entry = audit_of(site, "analyst", "catalogue.preview")[0]
    assert entry["target"] == PERSONAL and entry["outcome"] == "allowed" and entry["purpose"] is None
    assert entry["detail"]["unmasked"] is False and entry["detail"]["rows"] == len(stored)
    assert set(entry["detail"]["personal_columns"]) == {name for name, personal in columns.items() if personal}


def test_every_column_of_special_category_data_is_masked(site: WebSite) -> None:
    data = site.api("steward").get(preview(SPECIAL)).json()
    assert all(column["personal"] for column in data["columns"])
    stored = stored_rows(site, data["table"])
    assert data["rows"][0]["ethnicity"] == mask(stored[0]["ethnicity"])
    assert data["rows"][0]["ethnicity"] != stored[0]["ethnicity"]


def test_unmasking_needs_a_purpose_and_the_refusal_is_audited(site: WebSite) -> None:
    refused = site.api("steward").get(preview(PERSONAL), params={"unmask": "true"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "purpose_required"
    unknown = site.api("steward").get(preview(PERSONAL), params={"unmask": "true", "purpose": "curiosity"})
    assert unknown.status_code == 403
    refusals = [e for e in audit_of(site, "steward", "personal.unmask") if e["outcome"] == "refused"]
    assert [e["detail"]["reason"] for e in refusals[:2]] == ["unknown purpose", "no purpose"]
    assert {e["target"] for e in refusals[:2]} == {PERSONAL}


def test_the_page_asks_again_for_a_purpose_and_keeps_the_rows_masked(site: WebSite) -> None:
    response = site.client("ig_officer").get(f"/catalogue/assets/{PERSONAL}/preview", params={"unmask": "true"})
    assert response.status_code == 403
    assert "govuk-error-summary" in response.text and 'href="#purpose"' in response.text
    assert 'name="purpose"' in response.text and "obs-masked" in response.text
    found, _ = entries(site.obs.meta, AuditQuery(actor=site.users["ig_officer"].username, limit=2))
    assert [(e["action"], e["outcome"], e["detail"].get("unmasked")) for e in found] == [
        ("catalogue.preview", "allowed", False),  # the masked rows it was shown
        ("personal.unmask", "refused", None),
    ]


def test_unmasking_with_a_purpose_shows_the_values_and_is_audited_once_with_it(site: WebSite) -> None:
    params = {"unmask": "true", "purpose": "data_quality"}
    before = {action: len(audit_of(site, "ig_officer", action)) for action in ("personal.unmask", "catalogue.preview")}
    data = site.api("ig_officer").get(preview(PERSONAL), params=params).json()
    assert data["unmasked"] is True and data["masked"] is False and data["purpose"] == "data_quality"
    stored = stored_rows(site, data["table"])
    personal = [column["name"] for column in data["columns"] if column["personal"]]
    for name in personal:
        assert data["rows"][0][name] == as_shown(stored[0][name])
    unmask = audit_of(site, "ig_officer", "personal.unmask")
    assert len(unmask) == before["personal.unmask"] + 1
    assert unmask[0]["outcome"] == "allowed" and unmask[0]["purpose"] == "data_quality"
    assert unmask[0]["target"] == PERSONAL and set(unmask[0]["detail"]["fields"]) == set(personal)
    assert len(audit_of(site, "ig_officer", "catalogue.preview")) == before["catalogue.preview"]


def test_a_role_without_unmasking_is_refused_and_sees_no_purpose_form(site: WebSite) -> None:
    refused = site.api("analyst").get(preview(PERSONAL), params={"unmask": "true", "purpose": "data_quality"})
    assert refused.status_code == 403
    assert audit_of(site, "analyst", "personal.unmask")[0]["outcome"] == "refused"
    analyst_page = site.client("analyst").get(f"/catalogue/assets/{PERSONAL}/preview").text
    assert 'name="purpose"' not in analyst_page and "obs-masked" in analyst_page
    steward_page = site.client("steward").get(f"/catalogue/assets/{PERSONAL}/preview").text
    for purpose in site.obs.project.spec.access.purposes:
        assert f'value="{purpose.id}"' in steward_page


def test_only_datasets_with_a_table_the_role_sees_are_previewed(site: WebSite) -> None:
    assert site.api("analyst").get(preview("field.asc.clients.nhs_number")).status_code == 400
    assert site.api("analyst").get(preview("source.asc")).status_code == 400
    assert site.api("analyst").get(preview("dataset.nowhere.at_all")).status_code == 404


# --- the table comes from the catalogue, checked ----------------------------------------------------------------


def dataset(asset_id: str, table: object) -> AssetRecord:
    return AssetRecord(asset_id, "dataset", asset_id.rsplit(".", 1)[-1], facts={"table": table})


@pytest.mark.parametrize(
    ("asset_id", "table"),
    [
        ("dataset.asc.clients", "standard.asc__clients"),
        ("dataset.raw.asc__clients", "raw.asc__clients"),
        ("dataset.linked.residents", "linked.residents"),
    ],
)
def test_the_table_of_a_dataset_is_its_own(asset_id: str, table: str) -> None:
    assert str(preview_table(dataset(asset_id, table))) == table


@pytest.mark.parametrize(
    ("asset_id", "table"),
    [
        ("dataset.asc.clients", 'standard.asc__clients"; DROP TABLE x; --'),
        ("dataset.asc.clients", "standard.asc__services"),  # another dataset's table
        ("dataset.asc.clients", "main.asc__clients"),  # not a layer
        ("dataset.raw.asc__clients", "raw.asc__clients; SELECT 1"),
        ("dataset.raw.x", "raw.x y"),
    ],
)
def test_a_table_name_that_is_not_a_plain_layer_table_is_refused(asset_id: str, table: str) -> None:
    with pytest.raises(ObservatoryError) as raised:
        preview_table(dataset(asset_id, table))
    assert not isinstance(raised.value, NotFoundError)


def test_a_dataset_not_built_yet_has_no_preview() -> None:
    with pytest.raises(NotFoundError):
        preview_table(dataset("dataset.asc.clients", None))


def test_columns_no_field_describes_are_personal_in_a_personal_dataset(site: WebSite) -> None:
    asset = get_asset(site.obs.meta, PERSONAL)
    fields = list_assets(site.obs.meta, kind="field", parent_id=PERSONAL)
    assert "mystery" in personal_columns(asset, fields, ["mystery"])
    plain = replace(asset, personal=False, special_category=False)
    assert "mystery" not in personal_columns(plain, [], ["mystery"])
