"""axe-core on every kind of page, as a person with a role that may see it, in a real browser.

axe-core comes from npm (``node_modules/axe-core``, installed by ``make setup``). The site's content security
policy forbids inline scripts, so axe is not added as a ``<script>`` tag: its source is evaluated through the
DevTools protocol (``page.evaluate``), which page CSP does not govern; the page itself is checked exactly as
served, CSP and all. Violations of impact *serious* or *critical* fail the test; the others are printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from observatory.web.assets import node_modules
from tests.conftest import skip_or_fail
from tests.web.browser.conftest import Live, Screenshots, Visit

pytestmark = pytest.mark.browser

FAILING_IMPACTS = frozenset({"serious", "critical"})


@cache
def axe_source() -> str:
    path = node_modules() / "axe-core" / "axe.min.js"
    if not path.exists():
        skip_or_fail(f"axe-core not found at {path} (make setup runs npm ci)")
    return Path(path).read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's default rules (WCAG 2.x A and AA, and best practice) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violation: dict[str, Any]) -> str:
    """One line per violation: impact, rule, help, and the first few elements (selector and opening tag)."""
    nodes = [f"{', '.join(node['target'])} {node['html'][:100]!r}" for node in violation["nodes"][:3]]
    more = f" and {len(violation['nodes']) - 3} more" if len(violation["nodes"]) > 3 else ""
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']}) at {nodes}{more}"


Arrive = Callable[[Page, Live], object]
"""How a page is reached when it has no fixed URL: navigate ``page`` there (ids come from the JSON API)."""


@dataclass(frozen=True)
class PageCase:
    """One kind of page: what it is called, who looks at it and how to get there."""

    name: str
    role: str | None
    path: str | Arrive
    status: int = 200
    publish: str | None = None
    """The name of its picture in the docs (``$OBSERVATORY_SCREENSHOTS``), for pages no flow test shows."""

    def open(self, page: Page, live: Live) -> None:
        if isinstance(self.path, str):
            response = page.goto(self.path)
            assert response is not None and response.status == self.status, (response and response.status, page.url)
        else:
            self.path(page, live)


def goto(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, (response and response.status, path)


def first_href(live: Live, role: str, path: str, key: str) -> str:
    """The ``href`` of the first row of list ``key`` in the JSON of ``path``."""
    rows = live.api(role, path)[key]
    assert rows, f"{path} has no {key}"
    href: str = rows[0]["href"]
    return href


def dataset_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "analyst", "/catalogue?q=council+tax&kind=dataset", "hits"))


def field_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "analyst", "/catalogue?q=date+of+birth&kind=field", "hits"))


def dataset_edit_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "steward", "/catalogue?q=council+tax&kind=dataset", "hits") + "/edit")


def dataset_preview_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "analyst", "/catalogue?q=clients&kind=dataset&layer=standard", "hits") + "/preview")


def quality_dataset_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "analyst", "/quality", "datasets"))


def failing_rows_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "steward", "/quality", "datasets") + "/failing-rows")


def kpi_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "viewer", "/kpis", "kpis"))


def run_page(page: Page, live: Live) -> None:
    goto(page, first_href(live, "analyst", "/runs", "runs"))


def review_item_page(page: Page, live: Live) -> None:
    items = live.api("steward", "/review?status=all")["items"]
    assert items, "the review queue is empty"
    goto(page, f"/review/{items[0]['id']}")


def user_page(page: Page, live: Live) -> None:
    goto(page, f"/users/{live.users['analyst'].username}")


def login_error_page(page: Page, live: Live) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(live.users["viewer"].username)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def resident_results_page(page: Page, live: Live) -> None:
    found = live.api("steward", "/residents", {"identifier": "R00000001", "purpose": "data_quality"})["results"]
    district = found[0]["postcode"].split()[0]
    page.goto("/residents")
    page.get_by_label("Postcode").fill(district)
    page.get_by_label(live.purposes["data_quality"]).check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("found")


def resident_search_error_page(page: Page, live: Live) -> None:
    page.goto("/residents")
    page.get_by_label("Date of birth").fill("31/02/1941")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_be_visible()


PAGES = [
    PageCase("login", None, "/login"),
    PageCase("login-error", None, login_error_page),
    PageCase("home", "viewer", "/"),
    PageCase("account", "analyst", "/account"),
    PageCase("kpis", "viewer", "/kpis", publish="kpis"),
    PageCase("kpi", "viewer", kpi_page, publish="kpi"),
    PageCase("catalogue-search", "analyst", "/catalogue?q=council+tax"),
    PageCase("catalogue-nothing-found", "viewer", "/catalogue?q=zzzzqqq"),
    PageCase("asset-dataset", "analyst", dataset_page),
    PageCase("asset-field", "analyst", field_page),
    PageCase("asset-edit", "steward", dataset_edit_page),
    PageCase("asset-preview", "analyst", dataset_preview_page),
    PageCase("catalogue-reviews", "steward", "/catalogue/reviews"),
    PageCase("catalogue-export", "analyst", "/catalogue/export"),
    PageCase("quality", "viewer", "/quality", publish="quality"),
    PageCase("quality-dataset", "analyst", quality_dataset_page, publish="quality-dataset"),
    PageCase("quality-failing-rows", "steward", failing_rows_page),
    PageCase("runs", "analyst", "/runs", publish="runs"),
    PageCase("run", "analyst", run_page, publish="run"),
    PageCase("residents-search", "steward", "/residents"),
    PageCase("residents-search-error", "steward", resident_search_error_page),
    PageCase("residents-results", "steward", resident_results_page),
    PageCase("resident", "steward", "/residents/R00000001?purpose=data_quality"),
    PageCase("resident-purpose", "ig_officer", "/residents/R00000001"),
    PageCase("review-queue", "steward", "/review"),
    PageCase("review-item", "steward", review_item_page),
    PageCase("users", "admin", "/users", publish="users"),
    PageCase("user", "admin", user_page),
    PageCase("audit", "ig_officer", "/audit", publish="audit"),
    PageCase("not-found", "viewer", "/no-such-page", status=404),
    PageCase("refused", "viewer", "/audit", status=403),
]


NARROW: ViewportSize = {"width": 390, "height": 844}
"""A phone's width: tables that fit a desktop scroll sideways here, so scrolling regions are checked too."""


@pytest.mark.parametrize("case", PAGES, ids=lambda case: case.name)
def test_no_serious_accessibility_problems(case: PageCase, visit: Visit, live: Live, shots: Screenshots) -> None:
    page = visit(case.role)
    case.open(page, live)
    shots.take(page, case.name, publish=case.publish)
    failing = []
    for width, violations in (("desktop", axe_violations(page)), ("narrow", axe_violations(narrow(page)))):
        for violation in violations:
            print(f"{case.name} ({width}): {describe(violation)}")
            if violation["impact"] in FAILING_IMPACTS:
                failing.append(f"{width}: {describe(violation)}")
    assert not failing, f"{case.name} ({page.url}):\n" + "\n".join(failing)


def narrow(page: Page) -> Page:
    page.set_viewport_size(NARROW)
    return page


def test_axe_finds_problems_when_there_are_some(visit: Visit) -> None:
    """The check itself works: a page with an unlabelled input and an image without text fails it."""
    page = visit(None)
    page.goto("/login")
    page.evaluate(
        "() => { const main = document.querySelector('main');"
        " main.insertAdjacentHTML('beforeend', '<input type=\"text\"><img src=\"/assets/static/favicon.svg\">'); }"
    )
    found = {violation["id"]: violation["impact"] for violation in axe_violations(page)}
    assert found.get("label") == "critical", json.dumps(found)
    assert found.get("image-alt") == "critical", json.dumps(found)
