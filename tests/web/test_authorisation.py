"""Who may call what: every route of the app, for every role and for nobody, against the rule it declares.

Generated from the route table: a route without a ``Need`` fails, and a route added tomorrow is checked
tomorrow. Whether a role may call a route comes from ``PROFILES`` (never listed here). Each route is called
by a browser session and by an API token of every role, and by nobody:

- allowed: the view runs (GET: a 2xx or 3xx answer; POST: anything but 401, 403 or a server error);
- refused, signed in: 403 (``forbidden``), and a refused POST changes nothing;
- nobody signed in: 401 in the JSON error shape on ``/api/...``, a 303 to ``/login?next=...`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Mount, Route

from observatory import Observatory
from observatory.access.roles import ACTIONS, ROLES
from observatory.meta.models import ApiToken, AuditEntry, CatalogueEdit, LinkDecision, User
from observatory.web.auth import PUBLIC, SIGNED_IN
from observatory.web.routes import ROUTERS
from tests.web.conftest import WebSite, csrf_of
from tests.web.routes_sample import (
    Samples,
    View,
    allowed,
    api_routes,
    is_api_path,
    needs_of,
    other_routes,
    prepare,
    route_id,
)

Who = str | None
"""A role, or None for nobody signed in."""

WHO: tuple[Who, ...] = (*ROLES, None)

ROUTE_KEYS = sorted(
    {(method, route.path) for router in ROUTERS for route in api_routes(router.routes) for method in route.methods},
    key=lambda key: (key[1], key[0]),
)
GET_KEYS = [key for key in ROUTE_KEYS if key[0] == "GET"]
CHANGE_KEYS = [key for key in ROUTE_KEYS if key[0] != "GET"]
KEY_IDS = [f"{method} {path}" for method, path in ROUTE_KEYS]

OPENAPI = "/api/openapi.json"
ASSET_MOUNTS = ("/assets/govuk", "/assets/swagger", "/assets/static")
"""The only routes that are not views: the API's schema and the static assets (all public)."""


def find_route(app: FastAPI, method: str, path: str) -> View:
    for route in api_routes(app.routes):
        if route.path == path and method in route.methods:
            return route
    raise AssertionError(f"{method} {path} is in a router but not in the app")


@dataclass
class Callers:
    """Clients of one site: a signed-in browser and an API token per role, and an anonymous browser."""

    site: WebSite
    sessions: dict[Who, TestClient] = field(default_factory=dict)
    tokens: dict[str, TestClient] = field(default_factory=dict)
    csrf: dict[Who, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for who in WHO:
            self.sign_in(who)
        self.tokens = {role: self.site.api(role) for role in ROLES}

    def sign_in(self, who: Who) -> None:
        client = self.site.client(who)
        self.sessions[who] = client
        page = client.get("/login" if who is None else "/account")
        self.csrf[who] = csrf_of(page.text)

    def still_signed_in(self) -> None:
        """Sign a role in again if a route it was allowed to call ended its session (``/logout``)."""
        for role in ROLES:
            if self.sessions[role].get("/api/account").status_code == 401:
                self.sign_in(role)

    def each(self) -> Iterator[tuple[Who, str, TestClient]]:
        for who in WHO:
            yield who, "session", self.sessions[who]
        for role in ROLES:
            yield role, "token", self.tokens[role]


def refusal_problem(response: httpx.Response, who: Who, url: str) -> str | None:
    """What is wrong with the answer to a request ``who`` may not make (None when it is refused properly)."""
    status = response.status_code
    if who is not None:
        if status != 403:
            return f"expected 403, got {status}"
        if is_api_path(url) and response.json()["error"]["code"] != "forbidden":
            return f"expected the error code 'forbidden', got {response.json()}"
        return None
    if is_api_path(url):
        if status != 401:
            return f"expected 401, got {status}"
        if response.json()["error"]["code"] != "sign_in_required":
            return f"expected the error code 'sign_in_required', got {response.json()}"
        return None
    if status != 303:
        return f"expected a 303 to sign in, got {status}"
    location = urlsplit(response.headers["location"])
    back = parse_qs(location.query).get("next", [""])[0]
    if location.path != "/login" or unquote(back) != unquote(url):
        return f"expected a redirect to /login?next={url}, got {response.headers['location']}"
    return None


def problem(response: httpx.Response, who: Who, url: str, *, may_call: bool, method: str) -> str | None:
    status = response.status_code
    if not may_call:
        return refusal_problem(response, who, url)
    if method == "GET" and status >= 400:
        return f"expected the page, got {status}: {response.text[:300]}"
    if status in (401, 403) or status >= 500:
        return f"expected the guard to let it through, got {status}: {response.text[:300]}"
    return None


def describe(who: Who, via: str) -> str:
    return f"{who or 'nobody'} ({via})"


# --- every route declares its rule -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ROUTE_KEYS, ids=KEY_IDS)
def test_every_route_declares_the_action_it_needs(site: WebSite, key: tuple[str, str]) -> None:
    route = find_route(site.app, *key)
    needs = needs_of(route)
    assert needs, f"{route_id(route, key[0])} has no Need(...) dependency: declare who may call it"
    for need in needs:
        assert need.action in {PUBLIC, SIGNED_IN, *ACTIONS}, f"{route_id(route, key[0])}: unknown action {need}"


def test_the_route_table_is_the_routers_and_public_extras(site: WebSite) -> None:
    """Every view comes from a router in ``routes.ROUTERS`` (so it is checked here); the rest are known."""
    in_app = {(method, route.path) for route in api_routes(site.app.routes) for method in route.methods}
    assert in_app == set(ROUTE_KEYS)
    unexpected = [
        getattr(route, "path", repr(route))
        for route in other_routes(site.app.routes)
        if not (isinstance(route, Route) and route.path == OPENAPI)
        and not (isinstance(route, Mount) and route.path in ASSET_MOUNTS)
    ]
    assert not unexpected, f"routes outside the Need rule: {unexpected}"


def test_every_action_is_needed_by_some_route(site: WebSite) -> None:
    """An action no route needs is a permission that guards nothing (``personal.unmask`` is checked in views)."""
    needed = {need.action for route in api_routes(site.app.routes) for need in needs_of(route)}
    unused = set(ACTIONS) - needed - {"personal.unmask"}
    assert not unused, f"actions no route needs: {sorted(unused)}"


def test_public_routes_answer_anybody(site: WebSite) -> None:
    nobody = site.client()
    public = [
        route
        for route in api_routes(site.app.routes)
        if "GET" in route.methods and all(need.action == PUBLIC for need in needs_of(route))
    ]
    assert {route.path for route in public} >= {"/login", "/api/docs"}
    for route in public:
        response = nobody.get(route.path)
        assert response.status_code == 200, f"{route.path}: {response.status_code}"
    schema = nobody.get(OPENAPI)
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    for asset in ("/assets/static/build/observatory.css", "/assets/govuk/all.bundle.mjs", "/assets/swagger/index.css"):
        assert nobody.get(asset).status_code == 200, asset


# --- the matrix (on a private copy with an item to review; allowed calls may change data) ------------------


@pytest.fixture(scope="module")
def samples(module_site: WebSite) -> Samples:
    return prepare(module_site.root, module_site.obs)


@pytest.fixture(scope="module")
def callers(module_site: WebSite, samples: Samples) -> Callers:
    return Callers(module_site)


@pytest.mark.parametrize("key", GET_KEYS, ids=[f"GET {path}" for _, path in GET_KEYS])
def test_get_routes_answer_exactly_the_roles_allowed(
    module_site: WebSite, callers: Callers, samples: Samples, key: tuple[str, str]
) -> None:
    route = find_route(module_site.app, *key)
    needs = needs_of(route)
    url = samples.url(route)
    problems = []
    for who, via, client in callers.each():
        found = problem(client.get(url), who, url, may_call=allowed(who, route), method="GET")
        if found:
            problems.append(f"{describe(who, via)}: {found}")
    assert not problems, f"GET {url} ({needs}):\n" + "\n".join(problems)


def effects(obs: Observatory) -> dict[str, Any]:
    """What a state-changing request leaves behind: audit entries, edits, decisions, users and tokens."""
    with obs.meta.session() as session:
        return {
            "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
            "edits": session.scalar(select(func.count()).select_from(CatalogueEdit)),
            "decisions": session.scalar(select(func.count()).select_from(LinkDecision)),
            "tokens": session.execute(select(ApiToken.token_hash, ApiToken.revoked_at)).all(),
            "users": session.execute(
                select(User.username, User.role, User.disabled, User.password_hash).order_by(User.username)
            ).all(),
        }


def send(callers: Callers, who: Who, via: str, client: TestClient, method: str, url: str) -> httpx.Response:
    """A state-changing request with nothing but a valid CSRF token (for a browser)."""
    form = {"csrf_token": callers.csrf[who]} if via == "session" else {}
    response: httpx.Response = client.request(method, url, data=form)
    return response


@pytest.mark.parametrize("key", CHANGE_KEYS, ids=[f"{method} {path}" for method, path in CHANGE_KEYS])
def test_change_routes_answer_exactly_the_roles_allowed_and_refuse_before_any_effect(
    module_site: WebSite, callers: Callers, samples: Samples, key: tuple[str, str]
) -> None:
    method = key[0]
    route = find_route(module_site.app, *key)
    needs = needs_of(route)
    url = samples.url(route)
    refused = [(who, via, client) for who, via, client in callers.each() if not allowed(who, route)]
    before = effects(module_site.obs)
    problems = []
    for who, via, client in refused:
        found = problem(send(callers, who, via, client, method, url), who, url, may_call=False, method=method)
        if found:
            problems.append(f"{describe(who, via)}: {found}")
    assert effects(module_site.obs) == before, f"{method} {url}: a refused request changed something"
    for who, via, client in callers.each():
        if allowed(who, route):
            response = send(callers, who, via, client, method, url)
            found = problem(response, who, url, may_call=True, method=method)
            if found:
                problems.append(f"{describe(who, via)}: {found}")
    callers.still_signed_in()
    assert not problems, f"{method} {url} ({needs}):\n" + "\n".join(problems)
