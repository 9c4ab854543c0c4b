"""The users pages (administrators only) and the audit pages (IG officers and administrators), HTML and JSON."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import text

from observatory.access.roles import ROLES
from observatory.meta.audit import AuditEvent, AuditQuery, entries, record, verify
from tests.web.conftest import WebSite, csrf_of, sign_in

NOT_ADMINS = [role for role in ROLES if role != "admin"]
AUDITORS = ["ig_officer", "admin"]


def _form(client: Any, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def _actions(site: WebSite, action: str) -> list[dict[str, Any]]:
    """Entries of ``action`` made through the site (not by the fixture that set the users up)."""
    return [entry for entry in entries(site.obs.meta, AuditQuery(action=action))[0] if entry["actor"] != "test-setup"]


# --- who may ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_manage_users(site: WebSite, role: str) -> None:
    browser = site.client(role)
    assert browser.get("/users").status_code == 403
    assert browser.get(f"/users/{site.users['admin'].username}").status_code == 403
    token = _form(browser, "/account")
    refused = browser.post("/users", data={"username": "sneaky", "role": "admin", "csrf_token": token})
    assert refused.status_code == 403
    api = site.api(role)
    assert api.get("/api/users").status_code == 403
    answer = api.post("/api/users", data={"username": "sneaky", "role": "admin"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert api.post(f"/api/users/{site.users[role].username}/role", data={"role": "admin"}).status_code == 403


@pytest.mark.parametrize("role", [role for role in ROLES if role not in AUDITORS])
def test_only_ig_officers_and_admins_read_the_audit_trail(site: WebSite, role: str) -> None:
    assert site.client(role).get("/audit").status_code == 403
    assert site.api(role).get("/api/audit").status_code == 403
    assert site.client(role).get("/audit/export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(site: WebSite) -> None:
    anonymous = site.client()
    for page in ("/users", "/audit", "/audit/export.csv"):
        response = anonymous.get(page)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert site.api().get("/api/audit").status_code == 401


# --- users ----------------------------------------------------------------------------------------------


def test_the_users_page_lists_every_user(site: WebSite) -> None:
    page = site.client("admin").get("/users")
    assert page.status_code == 200
    for user in site.users.values():
        assert f">{user.username}</a>" in page.text
    listed = {user["username"]: user for user in site.api("admin").get("/api/users").json()["users"]}
    assert listed[site.users["ig_officer"].username]["role"] == "ig_officer"
    assert all("password" not in str(user) for user in listed.values())


def test_an_admin_adds_a_user_whose_password_is_shown_once(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    token = _form(admin, "/users")
    response = admin.post(
        "/users", data={"username": "pat.jones", "role": "steward", "display_name": "Pat Jones", "csrf_token": token}
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    found = re.search(r'<code id="password">([^<]+)</code>', response.text)
    assert found is not None
    password = found.group(1)
    assert password not in admin.get("/users/pat.jones").text
    assert password not in admin.get("/users").text

    newcomer = private_site.client()
    sign_in(newcomer, "pat.jones", password)
    assert newcomer.get("/api/account").json()["role"]["name"] == "steward"
    [added] = _actions(private_site, "user.add")[:1]
    assert (added["actor"], added["role"], added["target"]) == (
        private_site.users["admin"].username,
        "admin",
        "user:pat.jones",
    )


def test_adding_a_user_through_the_api_returns_the_password(private_site: WebSite) -> None:
    api = private_site.api("admin")
    response = api.post("/api/users", data={"username": "robot", "role": "analyst"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "robot" and len(body["password"]) >= 20
    duplicate = api.post("/api/users", data={"username": "robot", "role": "analyst"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.json()["error"]["message"]


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"username": "Pat Jones", "role": "analyst"}, "lower-case"),
        ({"username": "", "role": "analyst"}, "Enter a user name"),
        ({"username": "pat", "role": ""}, "Choose a role"),
        ({"username": "pat", "role": "analyst", "display_name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_a_wrong_add_form_is_shown_again_with_the_problem(
    private_site: WebSite, form: dict[str, str], problem: str
) -> None:
    admin = private_site.client("admin")
    response = admin.post("/users", data={**form, "csrf_token": _form(admin, "/users")})
    assert response.status_code == 400
    assert "There is a problem" in response.text and problem in response.text
    assert "<title>Error: Users" in response.text
    assert _actions(private_site, "user.add") == []


def test_adding_a_name_already_taken_is_shown_on_the_form(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    taken = private_site.users["viewer"].username
    response = admin.post("/users", data={"username": taken, "role": "admin", "csrf_token": _form(admin, "/users")})
    assert response.status_code == 400 and "already exists" in response.text


def test_forms_without_the_csrf_token_are_refused(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    response = admin.post("/users", data={"username": "pat", "role": "admin"})
    assert response.status_code == 403
    target = private_site.users["viewer"].username
    assert admin.post(f"/users/{target}/disable", data={"csrf_token": "forged"}).status_code == 403
    assert _actions(private_site, "user.add") == [] and _actions(private_site, "user.disable") == []


def test_changing_a_role_ends_their_sessions(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    analyst = private_site.client("analyst")
    name = private_site.users["analyst"].username
    token = _form(admin, f"/users/{name}")
    response = admin.post(f"/users/{name}/role", data={"role": "steward", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == f"/users/{name}?done=role"
    assert "The role was changed" in admin.get(response.headers["location"]).text
    assert analyst.get("/").status_code == 303, "their session has ended"
    assert private_site.api("analyst").get("/api/account").json()["role"]["name"] == "steward"
    [changed] = _actions(private_site, "user.role")
    assert changed["detail"] == {"before": "analyst", "after": "steward"}


def test_disabling_ends_sessions_and_tokens_and_enabling_lets_them_sign_in(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    steward = private_site.client("steward")
    user = private_site.users["steward"]
    token = _form(admin, f"/users/{user.username}")
    assert admin.post(f"/users/{user.username}/disable", data={"csrf_token": token}).status_code == 303
    assert steward.get("/").status_code == 303
    assert private_site.api("steward").get("/api/account").status_code == 401
    assert "is disabled" in admin.get(f"/users/{user.username}").text
    assert admin.post(f"/users/{user.username}/enable", data={"csrf_token": token}).status_code == 303
    sign_in(private_site.client(), user.username, user.password)
    assert private_site.api("steward").get("/api/account").status_code == 401, "old tokens stay revoked"


def test_the_only_admin_cannot_be_disabled_from_the_web(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    name = private_site.users["admin"].username
    response = admin.post(f"/users/{name}/disable", data={"csrf_token": _form(admin, f"/users/{name}")})
    assert response.status_code == 400 and "only enabled administrator" in response.text


def test_resetting_a_password_shows_the_new_one_once(private_site: WebSite) -> None:
    admin = private_site.client("admin")
    user = private_site.users["viewer"]
    response = admin.post(
        f"/users/{user.username}/password", data={"csrf_token": _form(admin, f"/users/{user.username}")}
    )
    assert response.status_code == 200
    found = re.search(r'<code id="password">([^<]+)</code>', response.text)
    assert found is not None
    sign_in(private_site.client(), user.username, found.group(1))
    visitor = private_site.client()
    form = {"username": user.username, "password": user.password, "next": "/", "csrf_token": _form(visitor, "/login")}
    assert visitor.post("/login", data=form).status_code == 400, "the old password no longer works"
    [reset] = _actions(private_site, "user.password")
    assert reset["target"] == f"user:{user.username}" and reset["detail"] == {}


def test_revoking_tokens(private_site: WebSite) -> None:
    api = private_site.api("admin")
    name = private_site.users["analyst"].username
    assert api.post(f"/api/users/{name}/revoke").json() == {"username": name, "revoked": 1, "done": "revoked"}
    assert private_site.api("analyst").get("/api/account").status_code == 401
    tokens = api.get(f"/api/users/{name}").json()["tokens"]
    assert len(tokens) == 1 and tokens[0]["revoked_at"] is not None


def test_an_unknown_user_is_not_found(site: WebSite) -> None:
    assert site.client("admin").get("/users/nobody-here").status_code == 404
    assert site.api("admin").get("/api/users/nobody-here").json()["error"]["code"] == "not_found"


# --- audit ----------------------------------------------------------------------------------------------


def test_the_audit_page_shows_entries_newest_first_and_that_the_chain_is_intact(site: WebSite) -> None:
    record(site.obs.meta, AuditEvent("someone", "steward", "catalogue.edit", "dataset.asc.clients"))
    for role in AUDITORS:
        page = site.client(role).get("/audit?check=full")
        assert page.status_code == 200
        assert "The hash chain is intact" in page.text
    data = site.api("ig_officer").get("/api/audit", params={"check": "full"}).json()
    truth = verify(site.obs.meta)  # reading the trail through the API adds no entry
    assert data["verification"]["ok"] is True
    assert (data["verification"]["entries"], data["verification"]["head"]) == (truth.entries, truth.head)
    assert data["total"] == truth.entries
    seqs = [entry["seq"] for entry in data["entries"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == min(50, data["total"])


def test_the_audit_page_filters(site: WebSite) -> None:
    meta = site.obs.meta
    record(
        meta,
        AuditEvent("filter-fan", "steward", "resident.view", "resident:R77", purpose="safeguarding", resident_id="R77"),
    )
    record(meta, AuditEvent("filter-fan", "steward", "personal.unmask", "dataset.x", outcome="refused"))
    api = site.api("ig_officer")
    by_user = api.get("/api/audit", params={"user": "filter-fan"}).json()
    assert by_user["total"] == 2 and {e["actor"] for e in by_user["entries"]} == {"filter-fan"}
    assert api.get("/api/audit", params={"user": "filter-fan", "outcome": "refused"}).json()["total"] == 1
    assert api.get("/api/audit", params={"user": "filter-fan", "action": "resident.view"}).json()["total"] == 1
    assert api.get("/api/audit", params={"since": "2999-01-01"}).json()["total"] == 0
    html = site.client("ig_officer").get("/audit", params={"user": "filter-fan"}).text
    assert "2 entries" in html and 'value="filter-fan"' in html


def test_looking_up_a_residents_entries_is_audited(site: WebSite) -> None:
    record(site.obs.meta, AuditEvent("someone", "steward", "resident.view", "resident:R88", resident_id="R88"))
    officer = site.users["ig_officer"].username
    response = site.api("ig_officer").get("/api/audit", params={"resident": "R88"})
    assert response.status_code == 200 and response.json()["total"] == 1
    lookups = [e for e in entries(site.obs.meta, AuditQuery(actor=officer, action="audit.view"))[0]]
    assert lookups and lookups[0]["resident_id"] == "R88"


def test_a_bad_filter_is_explained(site: WebSite) -> None:
    page = site.client("ig_officer").get("/audit", params={"since": "last tuesday"})
    assert page.status_code == 400 and "Enter the date as YYYY-MM-DD" in page.text
    answer = site.api("ig_officer").get("/api/audit", params={"outcome": "maybe"})
    assert answer.status_code == 400 and "outcome" in answer.json()["error"]["message"]
    assert site.api("ig_officer").get("/api/audit", params={"page": 0}).status_code == 422
    assert site.api("ig_officer").get("/api/audit", params={"user": "a\x00b"}).status_code == 400


def test_the_audit_page_is_paged(site: WebSite) -> None:
    for number in range(55):
        record(site.obs.meta, AuditEvent("pager", "analyst", "catalogue.view", f"page-{number}"))
    api = site.api("admin")
    first = api.get("/api/audit", params={"user": "pager"}).json()
    second = api.get("/api/audit", params={"user": "pager", "page": 2}).json()
    assert (first["total"], first["pages"], len(first["entries"]), len(second["entries"])) == (55, 2, 50, 5)
    assert first["entries"][-1]["seq"] > second["entries"][0]["seq"]
    html = site.client("admin").get("/audit", params={"user": "pager"}).text
    assert 'href="/audit?user=pager&amp;page=2"' in html


def test_a_tampered_trail_is_reported_on_the_page(private_site: WebSite) -> None:
    meta = private_site.obs.meta
    for number in range(3):
        record(meta, AuditEvent("x", "admin", "catalogue.view", f"t{number}"))
    with meta.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"))
    page = private_site.client("ig_officer").get("/audit?check=full")
    assert page.status_code == 200
    assert "has been tampered with at entry 2" in page.text and "changed" in page.text
    assert private_site.api("admin").get("/api/audit").json()["verification"]["first_bad"] == 2


def test_the_csv_export_is_formula_safe_utf8_with_a_bom_and_audited(site: WebSite) -> None:
    record(
        site.obs.meta,
        AuditEvent("=cmd()", "steward", "catalogue.edit", '=HYPERLINK("http://evil","x")', detail={"note": "@SUM(1)"}),
    )
    response = site.client("ig_officer").get("/audit/export.csv", params={"action": "catalogue.edit"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-')
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and {row["action"] for row in rows} == {"catalogue.edit"}
    forged = [row for row in rows if row["actor"] == "'=cmd()"]
    assert len(forged) == 1
    assert forged[0]["target"] == '\'=HYPERLINK("http://evil","x")'
    assert forged[0]["detail"] == '{"note": "@SUM(1)"}', "text that starts with { is not a formula"
    assert [int(row["seq"]) for row in rows] == sorted(int(row["seq"]) for row in rows)
    officer = site.users["ig_officer"].username
    [export] = entries(site.obs.meta, AuditQuery(actor=officer, action="audit.export", limit=1))[0]
    assert export["detail"] == {"filters": {"action": "catalogue.edit"}}
