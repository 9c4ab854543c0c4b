"""Editing the catalogue from the web: who may, the form, mistakes shown with nothing changed, the audit trail, the
review of an information asset and the list of reviews due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta

from observatory.catalogue.edits import history
from observatory.catalogue.register import EDITABLE
from observatory.catalogue.review import reviews_due
from observatory.catalogue.store import get_asset, list_assets
from observatory.meta.audit import AuditQuery, entries, verify
from observatory.web.routes.catalogue_edit import EditForm
from tests.web.conftest import WebSite, csrf_of

DATASET = "dataset.ctax.accounts"
OFFICIAL = "dataset.llpg.properties"
EDIT = f"/catalogue/assets/{DATASET}/edit"


def test_the_form_covers_every_editable_value_of_every_kind() -> None:
    assert set().union(*EDITABLE.values()) <= set(EditForm.model_fields)


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("analyst", 403), ("steward", 200), ("ig_officer", 200)])
def test_only_stewards_ig_officers_and_admins_edit(site: WebSite, role: str, status: int) -> None:
    assert site.client(role).get(EDIT).status_code == status
    assert site.api(role).get("/api" + EDIT).status_code == status
    if status == 403:
        response = site.api(role).post("/api" + EDIT, data={"steward": "Someone"})
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
        assert get_asset(site.obs.meta, DATASET).steward != "Someone"


def test_the_form_is_prefilled_with_the_current_values(site: WebSite) -> None:
    asset = get_asset(site.obs.meta, DATASET)
    html = site.client("steward").get(EDIT).text
    assert f'value="{asset.steward}"' in html
    assert f'<option value="{asset.register["lawful_basis"]}" selected>' in html
    assert 'name="personal_data" type="radio" value="yes" checked' in html
    data = site.api("steward").get("/api" + EDIT).json()
    fields = {field["name"]: field for field in data["fields"]}
    assert set(fields) == set(EDITABLE["dataset"])
    assert fields["classification"]["choices"] == ["OFFICIAL", "OFFICIAL-SENSITIVE"]
    assert fields["keywords"]["kind"] == "list"


def test_a_personal_field_is_offered_no_example(site: WebSite) -> None:
    data = site.api("steward").get("/api/catalogue/assets/field.ctax.accounts.name/edit").json()
    assert [field["name"] for field in data["fields"]] == ["title", "description"]
    assert data["personal_example"] is True
    plain = next(a for a in list_assets(site.obs.meta, kind="field") if not a.personal and not a.special_category)
    offered = site.api("steward").get(f"/api/catalogue/assets/{plain.id}/edit").json()
    assert "example" in [field["name"] for field in offered["fields"]]


def test_saving_changes_redirects_to_the_asset_with_a_banner_and_is_audited(private_site: WebSite) -> None:
    client = private_site.client("steward")
    token = csrf_of(client.get(EDIT).text)
    form = {field["name"]: field["value"] for field in private_site.api("steward").get("/api" + EDIT).json()["fields"]}
    assert form["risk_rating"] != "low"
    response = client.post(
        EDIT,
        data={**form, "csrf_token": token, "steward": "Revenues Data Team", "risk_rating": "low", "note": "checked"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/catalogue/assets/{DATASET}?saved=2"
    page = client.get(response.headers["location"]).text
    assert "govuk-notification-banner--success" in page and "Saved: 2 changes." in page
    assert "Revenues Data Team (edited)" in page
    asset = get_asset(private_site.obs.meta, DATASET)
    assert asset.steward == "Revenues Data Team" and asset.register["risk_rating"] == "low"
    logged = history(private_site.obs.meta, DATASET)
    assert {(e.field, e.edited_by, e.note) for e in logged[:2]} == {
        ("steward", "steward-user", "checked"),
        ("risk_rating", "steward-user", "checked"),
    }
    audit, _ = entries(private_site.obs.meta, AuditQuery(action="catalogue.edit"))
    assert audit[0]["actor"] == "steward-user" and audit[0]["role"] == "steward" and audit[0]["target"] == DATASET
    assert set(audit[0]["detail"]["fields"]) == {"steward", "risk_rating"}
    assert verify(private_site.obs.meta).ok
    assert "Revenues Data Team" in client.get(f"/catalogue/assets/{DATASET}").text


def test_an_unchanged_form_changes_nothing(private_site: WebSite) -> None:
    client = private_site.client("steward")
    before = len(history(private_site.obs.meta, DATASET))
    fields = private_site.api("steward").get("/api" + EDIT).json()["fields"]
    form = {field["name"]: field["value"] for field in fields if field["kind"] != "bool" or field["value"]}
    response = client.post(EDIT, data={**form, "csrf_token": csrf_of(client.get(EDIT).text)})
    assert response.headers["location"].endswith("?saved=0")
    assert len(history(private_site.obs.meta, DATASET)) == before
    assert "Nothing changed" in client.get(response.headers["location"]).text


def test_mistakes_show_the_form_again_with_every_problem_and_change_nothing(private_site: WebSite) -> None:
    client = private_site.client("ig_officer")
    token = csrf_of(client.get(EDIT).text)
    before = get_asset(private_site.obs.meta, DATASET)
    response = client.post(
        EDIT,
        data={
            "csrf_token": token,
            "steward": "A new steward",
            "lawful_basis": "public task",
            "personal_data": "perhaps",
        },
    )
    assert response.status_code == 400
    html = response.text
    assert "govuk-error-summary" in html and "<title>Error: " in html
    assert 'href="#field-lawful_basis"' in html and 'href="#field-personal_data"' in html
    assert "Lawful basis (UK GDPR Article 6): &#39;public task&#39; is not one of" in html
    assert 'value="A new steward"' in html  # what was typed is kept
    after = get_asset(private_site.obs.meta, DATASET)
    assert after.steward == before.steward and after.register == before.register
    api = private_site.api("ig_officer").post("/api" + EDIT, data={"criticality": "extreme"})
    assert api.status_code == 400 and "Criticality" in api.json()["error"]["message"]


def test_a_value_another_kind_of_asset_has_is_refused(private_site: WebSite) -> None:
    response = private_site.api("admin").post(
        "/api/catalogue/assets/field.ctax.accounts.band/edit", data={"lawful_basis": "6(1)(e)"}
    )
    assert response.status_code == 400
    assert "cannot be edited on a field" in response.json()["error"]["message"]
    refused = private_site.api("admin").post(
        "/api/catalogue/assets/field.ctax.accounts.name/edit", data={"example": "Ann Smith"}
    )
    assert refused.status_code == 400 and get_asset(private_site.obs.meta, "field.ctax.accounts.name").register.get(
        "example"
    ) in (None, "")


def test_term_links_must_name_catalogued_assets(private_site: WebSite) -> None:
    term = list_assets(private_site.obs.meta, kind="term")[0]
    response = private_site.api("steward").post(
        f"/api/catalogue/assets/{term.id}/edit", data={"links": "dataset.asc.clients, dataset.no.such"}
    )
    assert response.status_code == 400 and "dataset.no.such" in response.json()["error"]["message"]
    ok = private_site.api("steward").post(
        f"/api/catalogue/assets/{term.id}/edit", data={"links": "dataset.asc.clients, kpi.new_requests"}
    )
    assert ok.status_code == 200
    assert get_asset(private_site.obs.meta, term.id).register["links"] == ["dataset.asc.clients", "kpi.new_requests"]


def test_a_value_left_empty_resets_to_the_yaml_value(private_site: WebSite) -> None:
    api = private_site.api("steward")
    declared = get_asset(private_site.obs.meta, DATASET).declared["steward"]
    assert api.post("/api" + EDIT, data={"steward": "Temporary"}).json()["edits"][0]["after"] == "Temporary"
    assert api.post("/api" + EDIT, data={"purpose": "Council tax billing"}).status_code == 200
    reset = api.post("/api" + EDIT, data={"reset": "steward"}).json()["edits"]
    assert [(e["field"], e["action"], e["after"]) for e in reset] == [("steward", "reset", declared)]
    client = private_site.client("steward")
    form = {field["name"]: field["value"] for field in api.get("/api" + EDIT).json()["fields"]}
    assert form["purpose"] == "Council tax billing"
    response = client.post(EDIT, data={**form, "purpose": "", "csrf_token": csrf_of(client.get(EDIT).text)})
    assert response.headers["location"].endswith("?saved=1")
    asset = get_asset(private_site.obs.meta, DATASET)
    assert asset.steward == declared and asset.register.get("purpose") == asset.declared.get("purpose")


def test_a_form_without_its_csrf_token_is_refused(private_site: WebSite) -> None:
    client = private_site.client("steward")
    assert client.post(EDIT, data={"steward": "Forged"}).status_code == 403
    assert client.post(EDIT, data={"steward": "Forged", "csrf_token": "0" * 64}).status_code == 403
    assert get_asset(private_site.obs.meta, DATASET).steward != "Forged"


def test_the_viewer_cannot_edit_even_an_official_asset(private_site: WebSite) -> None:
    assert (
        private_site.api("viewer").post(f"/api/catalogue/assets/{OFFICIAL}/edit", data={"steward": "x"}).status_code
        == 403
    )


# --- reviews ----------------------------------------------------------------------------------------------------


def test_marking_a_review_moves_the_next_one_a_cycle_on_and_is_audited(private_site: WebSite) -> None:
    client = private_site.client("steward")
    page = client.get(f"/catalogue/assets/{DATASET}").text
    assert "Mark as reviewed today" in page
    response = client.post(
        f"/catalogue/assets/{DATASET}/review", data={"csrf_token": csrf_of(page), "note": "checked with the IAO"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/catalogue/assets/{DATASET}?reviewed=true"
    today = datetime.now(UTC).date()
    due = today + relativedelta(months=private_site.obs.project.spec.catalogue.review_months)
    assert f"The next review is due on {due.isoformat()}." in client.get(response.headers["location"]).text
    asset = get_asset(private_site.obs.meta, DATASET)
    assert asset.last_reviewed == today and asset.next_review_due == due
    audit, _ = entries(private_site.obs.meta, AuditQuery(action="catalogue.review"))
    assert (audit[0]["actor"], audit[0]["role"], audit[0]["target"]) == ("steward-user", "steward", DATASET)
    assert audit[0]["detail"]["note"] == "checked with the IAO"
    assert DATASET not in {d.id for d in reviews_due(private_site.obs.meta, today=today)}


def test_only_register_assets_are_reviewed_and_only_by_roles_that_review(private_site: WebSite) -> None:
    assert private_site.api("analyst").post(f"/api/catalogue/assets/{DATASET}/review").status_code == 403
    field = private_site.api("steward").post("/api/catalogue/assets/field.ctax.accounts.band/review")
    assert field.status_code == 400 and "register" in field.json()["error"]["message"]
    analyst_page = private_site.client("analyst").get(f"/catalogue/assets/{DATASET}").text
    assert "Mark as reviewed today" not in analyst_page


def test_reviews_due_lists_what_is_due_and_hides_what_the_role_cannot_see(site: WebSite) -> None:
    today = datetime.now(UTC).date()
    due = reviews_due(site.obs.meta, today=today, within_days=30)
    data = site.api("analyst").get("/api/catalogue/reviews").json()
    assert [item["id"] for item in data["due"]] == [item.id for item in due]
    assert data["within"] == 30 and sum(data["counts"].values()) == len(due)
    official = {a.id for a in list_assets(site.obs.meta, in_register=True) if a.classification == "OFFICIAL"}
    viewer = site.api("viewer").get("/api/catalogue/reviews", params={"within": 3650}).json()
    assert viewer["due"] and {item["id"] for item in viewer["due"]} <= official
    html = site.client("viewer").get("/catalogue/reviews", params={"within": 3650}).text
    assert "Due in" in html or "Overdue by" in html or "Never reviewed" in html
    assert site.api("viewer").get("/api/catalogue/reviews", params={"within": -1}).status_code == 422
    never = [item for item in data["due"] if item["status"] == "never reviewed"]
    assert all(item["last_reviewed"] is None for item in never)
    assert all(item["owner"] == get_asset(site.obs.meta, item["id"]).owner for item in data["due"])
