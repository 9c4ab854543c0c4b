"""Security properties of the whole site, generated from the route table wherever a property is per route.

CSRF on every state-changing route, cookies, session expiry and sign-out, disabled users, sign-in throttling,
open redirects, security headers on every page, request size, one JSON error shape, cross-site scripting,
SQL injection, spreadsheet formula injection, and an audit entry for every look at personal data.

Everything runs on ``module_site`` (a private copy of the test council), because several checks change data
(an edited description carrying a payload, a disabled user) and sign-in throttling counts per address.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from html.parser import HTMLParser
from typing import Annotated, Any
from urllib.parse import urljoin, urlsplit

import httpx
import openpyxl
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from observatory.access.accounts import Actor, ThrottledError, add_user, list_users, set_disabled
from observatory.access.roles import PROFILES, ROLES
from observatory.access.sessions import create_token, digest
from observatory.catalogue.edits import edit_asset
from observatory.cells import FORMULA_TRIGGERS
from observatory.meta.audit import verify
from observatory.meta.models import AuditEntry, CatalogueAsset, WebSession
from observatory.web.app import create_app
from observatory.web.auth import ANON_COOKIE, PUBLIC, SESSION_COOKIE, Need, Principal
from observatory.web.routes import ROUTERS
from observatory.web.security import MAX_BODY
from tests.web.conftest import BASE_URL, WebSite, csrf_of, sign_in
from tests.web.routes_sample import (
    PUBLIC_ASSET,
    PURPOSE_PARAM,
    UNMASK_PARAM,
    Samples,
    View,
    allowed,
    api_routes,
    form_fields,
    integer_params,
    is_api_path,
    needs_of,
    prepare,
    query_param_names,
    route_id,
    string_path_params,
    string_query_params,
)

SETUP = Actor("security-test", "cli")
PASSWORD = "a-long-enough-password-1"


# --- the site, its routes and clients ----------------------------------------------------------------------


@dataclass
class Secured:
    site: WebSite
    samples: Samples

    @property
    def views(self) -> list[View]:
        return api_routes(self.site.app.routes)

    def gets(self) -> list[View]:
        return [view for view in self.views if "GET" in view.methods]

    def changes(self) -> list[View]:
        return [view for view in self.views if set(view.methods) - {"GET", "HEAD"}]

    def client(self, role: str | None = None, *, base_url: str = BASE_URL, **kwargs: Any) -> TestClient:
        """A browser that reports server errors as responses (so a test can name every route that fails)."""
        client = TestClient(
            self.site.app, base_url=base_url, follow_redirects=False, raise_server_exceptions=False, **kwargs
        )
        if role is not None:
            sign_in(client, self.site.users[role].username, self.site.users[role].password)
        return client

    def token(self, role: str) -> TestClient:
        headers = {"Authorization": f"Bearer {self.site.users[role].token}"}
        return TestClient(
            self.site.app, base_url=BASE_URL, headers=headers, follow_redirects=False, raise_server_exceptions=False
        )


@pytest.fixture(scope="module")
def secured(module_site: WebSite) -> Secured:
    return Secured(module_site, prepare(module_site.root, module_site.obs))


@pytest.fixture(scope="module")
def admin(secured: Secured) -> TestClient:
    return secured.client("admin")


@pytest.fixture(scope="module")
def admin_token(secured: Secured) -> TestClient:
    return secured.token("admin")


def form_token(client: TestClient) -> str:
    """The CSRF token of a signed-in browser (from the sign-out form every page has)."""
    return csrf_of(client.get("/account").text)


def new_user(site: WebSite, role: str = "viewer") -> str:
    username = f"user-{secrets.token_hex(4)}"
    add_user(site.obs.meta, username, role, PASSWORD, by=SETUP)
    return username


def assert_error_shape(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "status"} <= set(error), body
    assert error["status"] == status and isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, body
    return dict(error)


def audit_head(site: WebSite) -> int:
    with site.obs.meta.session() as session:
        return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


def audit_since(site: WebSite, seq: int) -> list[AuditEntry]:
    with site.obs.meta.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)))


# --- CSRF --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_admin(secured: Secured) -> TestClient:
    """A second browser session of the same administrator: its CSRF token must not work for the first."""
    return secured.client("admin")


def test_every_change_route_refuses_a_browser_without_its_own_csrf_token(
    secured: Secured, admin: TestClient, other_admin: TestClient
) -> None:
    foreign = form_token(other_admin)
    assert foreign != form_token(admin)
    visitor = secured.client()
    visitor.get("/login")
    problems = []
    before = audit_head(secured.site)
    changes = secured.changes()
    assert changes, "no state-changing routes found"
    for view in changes:
        public = all(need.action == PUBLIC for need in needs_of(view))
        browser = visitor if public else admin
        url = secured.samples.url(view)
        method = next(iter(set(view.methods) - {"HEAD"}))
        attempts = {
            "no token": browser.request(method, url, data={}),
            "another session's token": browser.request(method, url, data={"csrf_token": foreign}),
            "another session's token in the header": browser.request(method, url, headers={"X-CSRF-Token": foreign}),
        }
        for how, response in attempts.items():
            if response.status_code != 403:
                problems.append(f"{route_id(view)} with {how}: {response.status_code}")
            elif is_api_path(url) and response.json()["error"]["code"] != "csrf_failed":
                problems.append(f"{route_id(view)} with {how}: {response.json()}")
            elif not is_api_path(url) and "This form has expired" not in response.text:
                problems.append(f"{route_id(view)} with {how}: not the CSRF error page")
    assert not problems, "\n".join(problems)
    assert audit_head(secured.site) == before, "a request refused for its CSRF token changed something"


def test_api_tokens_need_no_csrf_token(secured: Secured, admin_token: TestClient) -> None:
    """A machine with a bearer token is not a browser a page could trick into posting: no CSRF token needed."""
    changes = [view for view in secured.changes() if is_api_path(view.path)]
    for view in changes:
        response = admin_token.post(secured.samples.url(view))
        assert response.status_code not in (401, 403) and response.status_code < 500, (route_id(view), response.text)


def test_signing_in_needs_the_visitors_own_csrf_token(secured: Secured) -> None:
    username = new_user(secured.site)
    form = {"username": username, "password": PASSWORD, "next": "/"}
    browser = secured.client()
    token = csrf_of(browser.get("/login").text)
    someone_else = secured.client()
    foreign = csrf_of(someone_else.get("/login").text)
    for sent in ({}, {"csrf_token": foreign}, {"csrf_token": ""}):
        response = browser.post("/login", data={**form, **sent})
        assert response.status_code == 403 and SESSION_COOKIE not in response.cookies, sent
    nobody = secured.client()
    assert nobody.post("/login", data={**form, "csrf_token": token}).status_code == 403, "no visitor cookie"
    response = browser.post("/login", data={**form, "csrf_token": token})
    assert response.status_code == 303 and response.cookies.get(SESSION_COOKIE)


# --- cookies, expiry, sign-out, disabled users -------------------------------------------------------------


def cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    for header in response.headers.get_list("set-cookie"):
        first, *rest = (part.strip() for part in header.split(";"))
        if first.split("=", 1)[0] == name:
            return {key.lower(): value for key, _, value in (part.partition("=") for part in rest)}
    raise AssertionError(f"no {name} cookie set")


def sign_in_response(secured: Secured, base_url: str, username: str) -> tuple[httpx.Response, httpx.Response]:
    browser = secured.client(base_url=base_url)
    login_page = browser.get("/login")
    data = {"username": username, "password": PASSWORD, "csrf_token": csrf_of(login_page.text), "next": "/"}
    # browsers send Secure cookies to http://localhost (a secure context); httpx does not, so send it by hand
    visitor = {"cookie": f"{ANON_COOKIE}={login_page.cookies[ANON_COOKIE]}"}
    return login_page, browser.post("/login", data=data, headers=visitor)


@pytest.mark.parametrize("base_url", [BASE_URL, "http://localhost:8000", "http://127.0.0.1:8000"])
def test_cookies_are_http_only_same_site_and_secure_over_https_and_loopback(secured: Secured, base_url: str) -> None:
    login_page, signed_in = sign_in_response(secured, base_url, new_user(secured.site))
    assert signed_in.status_code == 303
    session = cookie_attributes(signed_in, SESSION_COOKIE)
    visitor = cookie_attributes(login_page, ANON_COOKIE)
    assert "httponly" in session and "secure" in session and session["samesite"].lower() == "lax"
    assert "httponly" in visitor and "secure" in visitor and visitor["samesite"].lower() == "strict"
    hours = secured.site.obs.project.spec.access.session_hours
    assert int(session["max-age"]) == hours * 3600


def test_cookies_are_not_marked_secure_over_plain_http_to_another_host(secured: Secured) -> None:
    """Plain HTTP to a named host is only for a trusted network; a Secure cookie would never come back."""
    _, signed_in = sign_in_response(secured, "http://observatory.internal", new_user(secured.site))
    assert "secure" not in cookie_attributes(signed_in, SESSION_COOKIE)


def session_row(secured: Secured, client: TestClient) -> WebSession:
    with secured.site.obs.meta.session() as session:
        row = session.get(WebSession, digest(client.cookies[SESSION_COOKIE]))
        assert row is not None
        session.expunge(row)
        return row


def set_session(secured: Secured, client: TestClient, **values: datetime) -> None:
    with secured.site.obs.meta.session() as session:
        session.execute(
            update(WebSession).where(WebSession.token_hash == digest(client.cookies[SESSION_COOKIE])).values(**values)
        )


def assert_signed_out(client: TestClient) -> None:
    assert_error_shape(client.get("/api/account"), 401, "sign_in_required")
    page = client.get("/account")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Faccount"


def test_a_session_ends_after_the_idle_time(secured: Secured) -> None:
    browser = secured.client("viewer")
    assert browser.get("/api/account").status_code == 200
    now = datetime.now(UTC)
    set_session(secured, browser, last_seen_at=now - timedelta(minutes=31), expires_at=now - timedelta(minutes=1))
    assert_signed_out(browser)


def test_a_session_ends_at_its_hard_end(secured: Secured) -> None:
    browser = secured.client("viewer")
    hours = secured.site.obs.project.spec.access.session_hours
    now = datetime.now(UTC)
    started = now - timedelta(hours=hours, minutes=1)
    set_session(
        secured,
        browser,
        created_at=started,
        last_seen_at=now - timedelta(minutes=2),
        expires_at=started + timedelta(hours=hours),
    )
    assert_signed_out(browser)


def test_activity_never_slides_a_session_past_its_hard_end(secured: Secured) -> None:
    browser = secured.client("viewer")
    hours = secured.site.obs.project.spec.access.session_hours
    now = datetime.now(UTC)
    started = now - timedelta(hours=hours) + timedelta(minutes=5)
    set_session(
        secured,
        browser,
        created_at=started,
        last_seen_at=now - timedelta(minutes=2),
        expires_at=now + timedelta(minutes=1),
    )
    assert browser.get("/api/account").status_code == 200
    row = session_row(secured, browser)
    assert row.expires_at <= started + timedelta(hours=hours)


@pytest.mark.parametrize("limit", ["session_hours", "session_idle_minutes"])
def test_a_session_past_a_configured_limit_is_refused_even_if_its_stored_expiry_is_later(
    secured: Secured, limit: str
) -> None:
    """As after ``session_hours`` or ``session_idle_minutes`` is lowered: the new limit applies at once."""
    browser = secured.client("viewer")
    settings = secured.site.obs.project.spec.access
    now = datetime.now(UTC)
    if limit == "session_hours":
        started, seen = now - timedelta(hours=settings.session_hours, minutes=1), now - timedelta(minutes=2)
    else:
        started, seen = now - timedelta(hours=1), now - timedelta(minutes=settings.session_idle_minutes + 1)
    set_session(secured, browser, created_at=started, last_seen_at=seen, expires_at=now + timedelta(minutes=28))
    assert_signed_out(browser)


def test_signing_out_ends_the_session_on_the_server(secured: Secured) -> None:
    browser = secured.client("steward")
    secret = browser.cookies[SESSION_COOKIE]
    before = audit_head(secured.site)
    response = browser.post("/logout", data={"csrf_token": form_token(browser)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    replay = secured.client()
    replay.cookies.set(SESSION_COOKIE, secret, domain="testserver")
    assert_signed_out(replay)
    assert session_row_ended(secured, secret)
    assert [(entry.actor, entry.action) for entry in audit_since(secured.site, before)] == [
        (secured.site.users["steward"].username, "auth.logout")
    ]


def session_row_ended(secured: Secured, secret: str) -> bool:
    with secured.site.obs.meta.session() as session:
        row = session.get(WebSession, digest(secret))
        return row is not None and row.ended_at is not None


def test_disabling_a_user_ends_their_sessions_and_tokens_at_once(secured: Secured) -> None:
    username = new_user(secured.site, "analyst")
    browser = secured.client()
    sign_in(browser, username, PASSWORD)
    machine = TestClient(
        secured.site.app,
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {create_token(secured.site.obs.meta, username, 'script', by=SETUP)}"},
    )
    assert browser.get("/api/account").status_code == 200 and machine.get("/api/account").status_code == 200
    set_disabled(secured.site.obs.meta, username, True, by=SETUP)
    assert_signed_out(browser)
    assert_error_shape(machine.get("/api/account"), 401)
    page = machine.get("/runs")
    assert page.status_code == 401 and "The API token is not valid" in page.text, "a page, not a redirect loop"


# --- sign-in throttling ------------------------------------------------------------------------------------


def attempt(client: TestClient, username: str, password: str) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    response: httpx.Response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    return response


def test_sign_in_is_throttled_after_repeated_failures_even_with_the_right_password(secured: Secured) -> None:
    settings = secured.site.obs.project.spec.access
    username = new_user(secured.site)
    browser = secured.client(client=("198.51.100.7", 40000))
    before = audit_head(secured.site)
    for _ in range(settings.max_failed_logins):
        assert attempt(browser, username, "not-the-password").status_code == 400
    throttled = attempt(browser, username, PASSWORD)
    assert throttled.status_code == 429 and SESSION_COOKIE not in throttled.cookies
    retry = int(throttled.headers["retry-after"])
    assert 0 < retry <= settings.lockout_minutes * 60 + 1
    assert "Too many failed sign-in attempts" in throttled.text
    refused = [
        (entry.action, entry.outcome, entry.detail.get("reason"))
        for entry in audit_since(secured.site, before)
        if entry.actor == username
    ]
    wrong = ("auth.login", "refused", "wrong user name or password")
    assert refused == [wrong] * settings.max_failed_logins + [("auth.login", "refused", "throttled")]
    other_address = secured.client(client=("198.51.100.8", 40000))
    assert attempt(other_address, username, PASSWORD).status_code == 429, "throttled per user name"
    other_user = new_user(secured.site)
    assert attempt(browser, other_user, PASSWORD).status_code == 429, "throttled per address"


# --- open redirects ----------------------------------------------------------------------------------------

REDIRECTS = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/path",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/%2F%2Fevil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https:evil.example",
]


def is_local(location: str) -> bool:
    target = urlsplit(urljoin(BASE_URL + "/", location))
    return target.scheme == "https" and target.netloc == "testserver" and not location.startswith("//")


@pytest.mark.parametrize("target", REDIRECTS)
def test_sign_in_never_redirects_to_another_site(secured: Secured, target: str) -> None:
    username = new_user(secured.site)
    browser = secured.client()
    page = browser.get("/login", params={"next": target})
    hidden = re.search(r'name="next" value="([^"]*)"', page.text)
    assert hidden and is_local(hidden.group(1).replace("&amp;", "&")), hidden
    response = browser.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": target}
    )
    assert response.status_code == 303 and is_local(response.headers["location"]), response.headers["location"]
    again = browser.get("/login", params={"next": target})
    assert again.status_code == 303 and is_local(again.headers["location"]), again.headers["location"]


# --- security headers --------------------------------------------------------------------------------------


DATA_SCRIPTS = ("application/json", "application/ld+json")
"""Script types that hold data, not code (the CSP lets them be)."""


class PageScan(HTMLParser):
    """Inline script, inline event handlers and style attributes: the CSP blocks them, so each is a broken page
    (Swagger UI, on ``/api/docs`` only, may set inline styles)."""

    def __init__(self, *, styles_allowed: bool = False) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.styles_allowed = styles_allowed
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in values and values.get("type", "").lower() not in DATA_SCRIPTS:
            self._in_script = True
        for name in values:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> (inline event handler)")
            if name == "style" and not self.styles_allowed:
                self.problems.append(f"<{tag} style=...> (inline style)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")


def header_problems(response: httpx.Response, path: str) -> list[str]:
    headers = response.headers
    problems = []
    policy = headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    scripts = directives.get("script-src", directives.get("default-src", []))
    if not scripts or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"script-src {scripts}")
    if directives.get("frame-ancestors") != ["'none'"] or directives.get("object-src") != ["'none'"]:
        problems.append(f"CSP {policy!r}")
    expected = {
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cache-control": "no-store",
        "strict-transport-security": "max-age=31536000",
    }
    problems += [f"{name}: {headers.get(name)!r}" for name, value in expected.items() if headers.get(name) != value]
    if "text/html" in headers.get("content-type", ""):
        scan = PageScan(styles_allowed=path == "/api/docs")
        scan.feed(response.text)
        problems += scan.problems
    return problems


def test_every_page_and_answer_has_the_security_headers(
    secured: Secured, admin: TestClient, admin_token: TestClient
) -> None:
    problems = []
    nobody = secured.client()
    extra = [(nobody, "/login"), (nobody, "/api/docs"), (nobody, "/api/openapi.json"), (nobody, "/no-such-page")]
    extra += [(admin, "/no-such-page"), (admin_token, "/api/no-such-thing"), (nobody, "/catalogue")]
    calls = [
        (admin if not is_api_path(view.path) else admin_token, secured.samples.url(view)) for view in secured.gets()
    ]
    for client, url in calls + extra:
        response = client.get(url)
        problems += [f"GET {url}: {problem}" for problem in header_problems(response, urlsplit(url).path)]
    assert not problems, "\n".join(problems)


def test_static_assets_may_be_cached(secured: Secured) -> None:
    response = secured.client().get("/assets/static/build/observatory.css")
    assert response.status_code == 200 and response.headers["cache-control"].startswith("public")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.fixture(scope="module")
def faulty(module_site: WebSite) -> TestClient:
    """The app with two more views: one with a bug, one refusing as sign-in throttling does (no route of the
    API can be throttled, so this is how its 429 is seen)."""
    app = create_app(module_site.obs)
    extra = APIRouter()

    @extra.get("/api/broken")
    @extra.get("/broken")
    def broken(who: Annotated[Principal, Depends(Need(PUBLIC))]) -> None:
        raise RuntimeError("a bug")

    @extra.get("/api/throttled")
    def throttled(who: Annotated[Principal, Depends(Need(PUBLIC))]) -> None:
        raise ThrottledError(90)

    app.include_router(extra)
    return TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)


@pytest.mark.slow
def test_a_server_error_has_the_one_shape_and_the_security_headers(faulty: TestClient) -> None:
    """A fault in a view: a 500 in the one error shape (JSON or the error page), with every header.

    Slow because structlog draws the traceback with its locals (about 4 s a time, also in production:
    ``observatory.logs`` should use a plain exception formatter)."""
    api = faulty.get("/api/broken")
    assert_error_shape(api, 500, "internal_error")
    page = faulty.get("/broken")
    assert page.status_code == 500 and "Sorry, there is a problem with the service" in page.text
    for response in (api, page):
        assert "a bug" not in response.text
        assert header_problems(response, "/broken") == []


def test_too_many_attempts_has_the_one_shape_and_says_when_to_retry(faulty: TestClient) -> None:
    response = faulty.get("/api/throttled")
    assert_error_shape(response, 429, "too_many_attempts")
    assert response.headers["retry-after"] == "90"


# --- request size and the error shape ----------------------------------------------------------------------


def test_a_request_body_over_the_limit_is_refused_with_the_one_error_shape(
    secured: Secured, admin_token: TestClient
) -> None:
    view = next(view for view in secured.changes() if is_api_path(view.path))
    url = secured.samples.url(view)
    big = b"x=" + b"a" * MAX_BODY
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert_error_shape(admin_token.post(url, content=big, headers=form), 413, "too_large")
    chunked = iter([big[: MAX_BODY // 2], big[MAX_BODY // 2 :]])
    assert_error_shape(admin_token.post(url, content=chunked, headers=form), 413, "too_large")
    small = admin_token.post(url, content=iter([b"note=", b"fine"]), headers=form)
    assert small.status_code != 413 and small.status_code < 500


def test_api_errors_have_one_shape(secured: Secured, admin_token: TestClient) -> None:
    nobody = secured.client()
    viewer = secured.token("viewer")
    assert_error_shape(admin_token.get("/api/no-such-thing"), 404, "not_found")
    missing = next(view for view in secured.gets() if "asset_id" in view.path and is_api_path(view.path))
    assert_error_shape(admin_token.get(missing.path_format.replace("{asset_id}", "dataset.no.such")), 404)
    wrong_method = admin_token.delete("/api/account")
    assert_error_shape(wrong_method, 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["allow"]
    typed = [(view, name) for view in secured.gets() if is_api_path(view.path) for name in integer_params(view)[0]]
    assert typed, "no API route takes a whole-number parameter"
    view, name = typed[0]
    invalid = assert_error_shape(admin_token.get(secured.samples.url(view, {name: "not-a-number"})), 422)
    assert invalid["code"] == "invalid_request" and invalid["issues"]
    anonymous = nobody.get("/api/account")
    assert_error_shape(anonymous, 401, "sign_in_required")
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert_error_shape(secured.client().get("/api/account", headers={"Authorization": "Bearer obs_wrong"}), 401)
    refused = next(view for view in secured.gets() if is_api_path(view.path) and not allowed("viewer", view))
    assert_error_shape(viewer.get(secured.samples.url(refused)), 403, "forbidden")


# --- cross-site scripting ----------------------------------------------------------------------------------

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"]


def html_answers(client: TestClient, url: str) -> Iterator[tuple[str, httpx.Response]]:
    """The answer to ``url`` and, for a redirect, the page it leads to (which must be on this site)."""
    response = client.get(url)
    yield url, response
    location = response.headers.get("location")
    if response.status_code in (301, 302, 303, 307, 308) and location:
        assert is_local(location), f"GET {url} redirects to another site: {location}"
        yield location, client.get(location)


def raw_payloads(response: httpx.Response) -> list[str]:
    if "text/html" not in response.headers.get("content-type", ""):
        return []
    return [payload for payload in XSS if payload in response.text]


@pytest.fixture(scope="module")
def seeded_payloads(secured: Secured) -> dict[str, str]:
    """Catalogue text that carries script (as a careless steward or a hostile insider might type it)."""
    meta = secured.site.obs.meta
    field_id = secured.samples.values["field_id"]
    edits = {PUBLIC_ASSET: XSS[0], field_id: XSS[1]}
    for asset_id, payload in edits.items():
        edit_asset(meta, asset_id, {"description": f"Described {payload} here"}, by="security-test", role="admin")
    edit_asset(meta, PUBLIC_ASSET, {"title": XSS[2]}, by="security-test", role="admin")
    return edits


def test_no_page_shows_a_payload_unescaped(
    secured: Secured, admin: TestClient, seeded_payloads: dict[str, str]
) -> None:
    problems = []
    shown_escaped = False
    pages = [view for view in secured.gets() if not is_api_path(view.path)]
    for view in pages:
        urls = [secured.samples.url(view)]
        urls += [secured.samples.url(view, {name: payload}) for name in string_query_params(view) for payload in XSS]
        for name in string_path_params(view):
            for payload in XSS:
                urls.append(secured.samples.but(**{name: payload}).url(view))
        for url in urls:
            for shown, response in html_answers(admin, url):
                problems += [f"GET {shown}: {payload}" for payload in raw_payloads(response)]
                if response.status_code >= 500:
                    problems.append(f"GET {shown}: {response.status_code}")
                shown_escaped = shown_escaped or escape(XSS[0], quote=False) in response.text
    nobody = secured.client()
    for payload in XSS:
        for shown, response in html_answers(nobody, f"/login?next=/{payload}"):
            problems += [f"GET {shown}: {found}" for found in raw_payloads(response)]
    assert not problems, "\n".join(problems)
    assert shown_escaped, "the seeded description is shown on no page (so this test checked nothing)"


def test_no_form_echoes_a_payload_unescaped(secured: Secured, admin: TestClient) -> None:
    token = form_token(admin)
    problems = []
    for view in secured.changes():
        if is_api_path(view.path) or view.path in ("/logout", "/login"):
            continue
        url = secured.samples.url(view)
        for payload in XSS:
            fields = {name: payload for name in form_fields(view)}
            response = admin.post(url, data={**fields, "csrf_token": token})
            problems += [f"POST {url}: {found}" for found in raw_payloads(response)]
            if response.status_code >= 500:
                problems.append(f"POST {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


# --- SQL injection -----------------------------------------------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "%' UNION SELECT username, password_hash FROM users --",
    "') OR ('1'='1",
    "1; SELECT pg_sleep(5)",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "Ω≈ç√∫˜µ≤≥÷ 𝕏 👩‍👩‍👧 \u202e",
    '"unterminated',
    "NEAR(a b) OR title:*",
    "*",
    "\\",
    "%_%",
]

NUMBERS = ["0", "-1", str(2**31), str(2**63), str(2**70), "1e3", "0x10"]
"""Whole numbers at and past the edges of the databases' integers (and things that only look like one)."""


def users_and_chain(site: WebSite) -> tuple[list[dict[str, Any]], bool, int]:
    with site.obs.meta.session() as session:
        assets = int(session.scalar(select(func.count()).select_from(CatalogueAsset)) or 0)
    return [account.to_dict() for account in list_users(site.obs.meta)], verify(site.obs.meta).ok, assets


def injected_urls(samples: Samples, view: View) -> Iterator[str]:
    """The route with each payload in each of its text parameters, and each edge number in each number one."""
    texts = [(name, False) for name in string_query_params(view)] + [(name, True) for name in string_path_params(view)]
    query_numbers, path_numbers = integer_params(view)
    numbers = [(name, False) for name in query_numbers] + [(name, True) for name in path_numbers]
    for params, payloads in ((texts, INJECTIONS), (numbers, NUMBERS)):
        for name, in_path in params:
            for payload in payloads:
                yield samples.but(**{name: payload}).url(view) if in_path else samples.url(view, {name: payload})


@pytest.mark.slow
def test_injected_text_never_breaks_a_route_or_the_stores(
    secured: Secured, admin: TestClient, admin_token: TestClient
) -> None:
    users_before, chain_ok, assets_before = users_and_chain(secured.site)
    assert chain_ok
    problems = []
    for view in secured.gets():
        client = admin_token if is_api_path(view.path) else admin
        for url in injected_urls(secured.samples, view):
            status = client.get(url).status_code
            if status >= 500:
                problems.append(f"GET {url[:200]!r}: {status}")
    for view in secured.changes():
        if not is_api_path(view.path) or not form_fields(view):
            continue
        for payload in INJECTIONS:
            fields = dict.fromkeys(form_fields(view), payload)
            status = admin_token.post(secured.samples.url(view), data=fields).status_code
            if status >= 500:
                problems.append(f"POST {view.path} {payload[:40]!r}: {status}")
    assert not problems, "\n".join(problems)
    users_after, chain_ok, assets_after = users_and_chain(secured.site)
    assert users_after == users_before and chain_ok and assets_after == assets_before


# --- formula injection in exports --------------------------------------------------------------------------

FORMULAS = {
    "description": '=HYPERLINK("http://evil.example","FORMULA-A")',
    "title": "+SUM(1,1)FORMULA-B",
    "information_asset_owner": "@FORMULA-C",
    "steward": "-2+3FORMULA-D",
}
"""Values a spreadsheet would run, typed into the register (each carries a marker to find it again). A leading
tab or carriage return cannot be typed in: edits are trimmed."""


def export_cells(response: httpx.Response) -> list[str]:
    """Every text cell of a CSV or XLSX answer."""
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return [
            cell
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        ]
    return [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]


MARKERS = ("FORMULA-A", "FORMULA-B", "FORMULA-C", "FORMULA-D")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
"""A CSV cell that is a plain number (a negative one starts with ``-`` and is no formula)."""


def is_export(view: View, response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return view.path.endswith((".csv", ".xlsx")) or "text/csv" in kind or "spreadsheetml" in kind


def test_no_export_carries_a_formula(secured: Secured, admin: TestClient, admin_token: TestClient) -> None:
    meta = secured.site.obs.meta
    for asset_id in (PUBLIC_ASSET, secured.samples.values["field_id"]):
        edit_asset(meta, asset_id, {"description": FORMULAS["description"]}, by="security-test", role="admin")
    edit_asset(
        meta,
        PUBLIC_ASSET,
        {name: value for name, value in FORMULAS.items() if name != "description"},
        by="security-test",
        role="admin",
    )
    exports = []
    problems = []
    found_markers: set[str] = set()
    for view in secured.gets():
        client = admin_token if is_api_path(view.path) else admin
        response = client.get(secured.samples.url(view))
        if not is_export(view, response):
            continue
        exports.append(route_id(view))
        assert response.status_code == 200, (route_id(view), response.text[:200])
        cells = export_cells(response)
        assert cells, f"{route_id(view)}: no cells read"
        for cell in cells:
            if cell.startswith(FORMULA_TRIGGERS) and not NUMBER.match(cell):
                problems.append(f"{route_id(view)}: {cell[:60]!r}")
            found_markers |= {marker for marker in MARKERS if marker in cell}
    assert exports, "no CSV or XLSX export found in the route table"
    assert not problems, "\n".join(problems)
    assert found_markers == set(MARKERS), f"some seeded values reached no export ({exports}): {found_markers}"


# --- personal data: every look is audited -----------------------------------------------------------------

PERSONAL_ACTIONS = {"residents.view", "review.view"}

NOT_PERSONAL = {
    "GET /residents": "the search form only; results come from POST /residents",
    "GET /api/residents": "the search form's data only; results come from POST /api/residents",
    "GET /review": "the queue: record keys, scores and counts, no names or other attributes",
    "GET /api/review": "the queue: record keys, scores and counts, no names or other attributes",
}
"""Routes needing a personal-data action that show no personal data (checked to still exist)."""

KNOWN_GAPS: dict[str, str] = {}
"""Routes known to break the one-entry rule, with the reason (each becomes a strict xfail)."""


def shows_personal_data(view: View) -> bool:
    return any(need.action in PERSONAL_ACTIONS for need in needs_of(view)) or UNMASK_PARAM in query_param_names(view)


ROUTER_VIEWS = {
    f"{method} {view.path}": view for router in ROUTERS for view in api_routes(router.routes) for method in view.methods
}
"""Every view of the routers by ``METHOD /path`` (for choosing test cases when tests are collected)."""

PERSONAL_KEYS = sorted(
    f"{method} {view.path}"
    for router in ROUTERS
    for view in api_routes(router.routes)
    if shows_personal_data(view)
    for method in sorted(set(view.methods) - {"HEAD"})
    if f"{method} {view.path}" not in NOT_PERSONAL
)
PERSONAL_CASES = [
    pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[key])) if key in KNOWN_GAPS else key
    for key in PERSONAL_KEYS
]


def find_view(secured: Secured, key: str) -> View:
    method, path = key.split(" ", 1)
    return next(view for view in secured.views if view.path == path and method in view.methods)


def personal(secured: Secured) -> Samples:
    """Samples whose dataset holds personal fields (so a preview has something to unmask)."""
    return secured.samples.but(asset_id=secured.samples.values["personal_asset_id"])


def personal_call(samples: Samples, view: View, client: TestClient, token: str | None) -> httpx.Response:
    """One look at the personal data a route shows: with a purpose, unmasked where it can be."""
    extra = {UNMASK_PARAM: "true"} if UNMASK_PARAM in query_param_names(view) else {}
    url = samples.url(view, extra)
    if "GET" in view.methods:
        looked: httpx.Response = client.get(url)
        return looked
    fields = dict.fromkeys(form_fields(view), "")
    fields.update({name: samples.values[name] for name in fields if name in FORM_SAMPLES})
    if PURPOSE_PARAM in fields:
        fields[PURPOSE_PARAM] = samples.purpose
    if token:
        fields["csrf_token"] = token
    searched: httpx.Response = client.post(url, data=fields)
    return searched


FORM_SAMPLES = {"identifier"}
"""Form fields filled with a sample (a resident search by resident id); the rest are left empty."""


def test_the_personal_data_lists_are_current() -> None:
    stale = (set(NOT_PERSONAL) | set(KNOWN_GAPS)) - set(ROUTER_VIEWS)
    assert not stale, f"NOT_PERSONAL or KNOWN_GAPS name routes that no longer exist: {stale}"
    assert PERSONAL_KEYS, "no route shows personal data?"


@pytest.mark.parametrize("key", PERSONAL_CASES)
def test_a_look_at_personal_data_writes_one_audit_entry_naming_the_user(
    secured: Secured, admin: TestClient, admin_token: TestClient, key: str
) -> None:
    view = find_view(secured, key)
    api = is_api_path(view.path)
    before = audit_head(secured.site)
    response = personal_call(personal(secured), view, admin_token if api else admin, None if api else form_token(admin))
    assert response.status_code < 400, response.text[:300]
    entries = [(entry.actor, entry.action, entry.outcome) for entry in audit_since(secured.site, before)]
    assert len(entries) == 1 and entries[0][0] == secured.site.users["admin"].username, entries


REFUSABLE_KEYS = [
    key
    for key in PERSONAL_KEYS
    if key.startswith("GET /api/") and PURPOSE_PARAM in query_param_names(ROUTER_VIEWS[key])
]


@pytest.mark.parametrize("key", REFUSABLE_KEYS)
def test_personal_data_without_a_purpose_is_refused_and_the_refusal_audited(
    secured: Secured, admin_token: TestClient, key: str
) -> None:
    view = find_view(secured, key)
    extra = {UNMASK_PARAM: "true"} if UNMASK_PARAM in query_param_names(view) else {}
    before = audit_head(secured.site)
    response = admin_token.get(personal(secured).url(view, extra, purpose=False))
    assert_error_shape(response, 403, "purpose_required")
    entries = [(entry.actor, entry.outcome) for entry in audit_since(secured.site, before)]
    assert entries == [(secured.site.users["admin"].username, "refused")]


UNMASK_CASES = [
    (key, role)
    for key in PERSONAL_KEYS
    if key.startswith("GET /api/") and UNMASK_PARAM in query_param_names(ROUTER_VIEWS[key])
    for role in ROLES
    if not PROFILES[role].may_unmask and allowed(role, ROUTER_VIEWS[key])
]


@pytest.mark.parametrize(("key", "role"), UNMASK_CASES)
def test_unmasking_without_the_right_is_refused_and_audited(secured: Secured, key: str, role: str) -> None:
    view = find_view(secured, key)
    before = audit_head(secured.site)
    response = secured.token(role).get(personal(secured).url(view, {UNMASK_PARAM: "true"}))
    assert_error_shape(response, 403, "forbidden")
    entries = [(entry.actor, entry.action, entry.outcome) for entry in audit_since(secured.site, before)]
    assert entries == [(secured.site.users[role].username, "personal.unmask", "refused")]


NAV_LINK = re.compile(
    r'class="govuk-service-navigation__link"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*class="govuk-service-navigation__link"'
)


def test_every_role_is_offered_only_the_pages_it_may_open(secured: Secured) -> None:
    """The navigation links of each role all open (a link a role cannot follow is a bug)."""
    for role in ROLES:
        browser = secured.client(role)
        links = {first or second for first, second in NAV_LINK.findall(browser.get("/account").text)}
        assert "/" in links, (role, links)
        for link in links:
            assert browser.get(link).status_code == 200, (role, link)
