"""Everything works with JavaScript turned off: every page is rendered on the server and every action is a form.

Each test runs in a browser context with ``java_script_enabled=False`` (as for someone whose council laptop
blocks scripts, or whose script failed to load), and checks that the page really did run without it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import Live, Screenshots, Visit

pytestmark = pytest.mark.browser


def without_javascript(visit: Visit, role: str) -> Page:
    page = visit(role, javascript=False)
    # GOV.UK Frontend marks the body when scripts run (js-enabled.js): it must not be there
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    return page


def test_sign_in_and_out(visit: Visit, live: Live) -> None:
    page = without_javascript(visit, "viewer")  # signs in through the form
    expect(page).to_have_url(live.url + "/")
    expect(page.get_by_role("banner")).to_contain_text("(viewer)")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_search_the_catalogue_and_open_an_asset(visit: Visit, shots: Screenshots) -> None:
    page = without_javascript(visit, "analyst")
    page.goto("/catalogue")
    page.get_by_label("Search the catalogue").fill("postcode")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/catalogue\?q=postcode"))
    hits = page.locator("ol.obs-results a")
    expect(hits.first).to_be_visible()
    # the filters are a <details> element: it opens without script too
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Kind").select_option("field")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"kind=field"))
    field_link = page.locator("ol.obs-results a[href^='/catalogue/assets/field.']").first
    title = field_link.inner_text()
    field_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    shots.take(page, "asset-without-javascript")


def test_open_a_resident_for_a_purpose(visit: Visit, live: Live, shots: Screenshots) -> None:
    page = without_javascript(visit, "ig_officer")
    page.goto("/residents")
    page.get_by_label("Identifier").fill("R00000002")
    page.get_by_label(live.purposes["subject_access"]).check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("1 resident found")
    page.get_by_role("link", name="R00000002").click()
    expect(page).to_have_url(re.compile(r"/residents/R00000002\?purpose=subject_access$"))
    expect(page.get_by_role("heading", name="Golden record", exact=True)).to_be_visible()

    page.goto("/residents/R00000002")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why do you need to see this resident?")
    page.get_by_label(live.purposes["statutory_return"]).check()
    page.get_by_role("button", name="Open the single view").click()
    expect(page).to_have_url(re.compile(r"/residents/R00000002\?purpose=statutory_return$"))
    expect(page.get_by_text(f"Opened for: {live.purposes['statutory_return']}")).to_be_visible()
    shots.take(page, "resident-without-javascript")


def test_decide_a_review_pair(visit: Visit, live: Live) -> None:
    page = without_javascript(visit, "steward")
    page.goto("/review")
    first = page.locator("table a[href^='/review/']").first
    item_id = int((first.get_attribute("href") or "").rsplit("/", 1)[1])
    first.click()
    page.get_by_label("Match", exact=True).check()
    page.get_by_role("button", name="Save and go to the next item").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        re.compile(rf"Item {item_id} recorded as a match\b")
    )
    decided = live.api("steward", f"/review/{item_id}")["item"]
    assert decided["decisions"][-1]["decision"] == "match"
