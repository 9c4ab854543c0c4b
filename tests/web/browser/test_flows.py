"""What people do in Observatory, in a real browser against a real server: sign in, find a dataset, open a
resident for a stated purpose, decide a review pair, sign out. Each step is screenshotted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import Live, PageProblems, Screenshots, Visit, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_through_the_form_and_out_again(visit: Visit, live: Live, shots: Screenshots) -> None:
    page = visit(None)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$|/login$"))
    shots.take(page, "sign-in", publish="sign-in")

    user = live.users["analyst"]
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("User name")).to_have_value(user.username)
    shots.take(page, "sign-in-refused")

    sign_in(page, user)
    expect(page).to_have_url(live.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("(analyst)")
    shots.take(page, "home", publish="home")

    page.get_by_role("link", name="Your account and role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("main")).to_contain_text("Analyst")
    shots.take(page, "account")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login"))
    shots.take(page, "signed-out")


def test_a_page_asked_for_before_sign_in_is_shown_after_it(visit: Visit, live: Live) -> None:
    page = visit(None)
    page.goto("/kpis")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    user = live.users["viewer"]
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live.url + "/kpis")


def test_api_docs_render_the_schema(visit: Visit, shots: Screenshots) -> None:
    page: Page = visit("analyst")
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Observatory")
    expect(page.locator(".opblock").first).to_be_visible()
    shots.take(page, "api-docs", publish="api-docs")


def test_search_the_catalogue_and_open_a_dataset(visit: Visit, shots: Screenshots) -> None:
    page = visit("analyst")
    page.get_by_role("link", name="Catalogue").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    page.get_by_label("Search the catalogue").fill("council tax")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/catalogue\?q=council\+tax"))
    expect(page.locator("#results")).to_contain_text("found")
    shots.take(page, "catalogue-search", publish="catalogue-search")

    dataset = page.locator("ol.obs-results a[href^='/catalogue/assets/dataset.']").first
    title = dataset.inner_text()
    dataset.click()
    expect(page).to_have_url(re.compile(r"/catalogue/assets/dataset\."))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="Data dictionary", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Lineage", exact=True)).to_be_visible()
    shots.take(page, "catalogue-dataset", publish="catalogue-dataset")


def a_resident(live: Live) -> dict[str, str]:
    """The golden record of the first resident (found through the API, as another system would)."""
    found = live.api("steward", "/residents", {"identifier": "R00000001", "purpose": "data_quality"})
    assert found["results"], found
    row: dict[str, str] = found["results"][0]
    return row


def test_open_a_resident_for_a_purpose_and_be_refused_without_one(visit: Visit, live: Live, shots: Screenshots) -> None:
    resident = a_resident(live)
    resident_id, surname = resident["resident_id"], resident["surname"]
    purpose_id, purpose_title = "safeguarding", live.purposes["safeguarding"]
    page = visit("steward")
    page.goto("/residents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a resident")
    page.get_by_label("Name").fill(f"{resident['forename']} {surname}".title())
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose why you need to see this personal data")
    shots.take(page, "resident-search-needs-a-purpose")

    page.get_by_label(purpose_title).check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("found")
    shots.take(page, "resident-search", publish="resident-search")
    page.get_by_role("link", name=resident_id).click()
    expect(page).to_have_url(re.compile(rf"/residents/{resident_id}\?purpose={purpose_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(surname)
    expect(page.get_by_text(f"Opened for: {purpose_title}")).to_be_visible()
    expect(page.get_by_role("heading", name="Linked records", exact=True)).to_be_visible()
    shots.take(page, "resident", publish="resident")

    page.goto(f"/residents/{resident_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why do you need to see this resident?")
    expect(page.get_by_role("main")).not_to_contain_text(surname)
    shots.take(page, "resident-purpose-question")
    response = page.goto(f"/residents/{resident_id}?purpose=curiosity")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Choose one of the purposes listed")
    expect(page.get_by_role("main")).not_to_contain_text(surname)
    page.get_by_label(live.purposes["data_quality"]).check()
    page.get_by_role("button", name="Open the single view").click()
    expect(page).to_have_url(re.compile(rf"/residents/{resident_id}\?purpose=data_quality$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(surname)

    trail = live.api("admin", f"/audit?resident={resident_id}&user={live.users['steward'].username}")
    seen = {(entry["action"], entry["outcome"], entry["purpose"]) for entry in trail["entries"]}
    assert ("resident.view", "allowed", purpose_id) in seen, seen
    assert any(action == "resident.view" and outcome != "allowed" for action, outcome, _ in seen), seen


def test_decide_a_review_pair(visit: Visit, live: Live, shots: Screenshots) -> None:
    page = visit("steward")
    page.goto("/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clerical review")
    shots.take(page, "review-queue", publish="review-queue")
    first = page.locator("table a[href^='/review/']").first
    item_id = int(first.get_attribute("href").rsplit("/", 1)[1])  # type: ignore[union-attr]
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review item {item_id}")
    expect(page.get_by_role("heading", name="Why the model was unsure")).to_be_visible()
    shots.take(page, "review-item", publish="review-item")

    page.get_by_role("button", name="Save and go to the next item").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose match, not a match or skip")
    page.get_by_label("Not a match").check()
    page.get_by_label("Note (optional)").fill("Different dates of birth and no shared identifier.")
    page.get_by_role("button", name="Save and go to the next item").click()
    steward = live.users["steward"].username
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        re.compile(rf"Item {item_id} recorded as not a match\b.*\b{steward}\b")
    )
    shots.take(page, "review-decided")
    decided = live.api("steward", f"/review/{item_id}")["item"]
    assert decided["status"] == "decided" and decided["decisions"][-1]["decision"] == "not_match"
    assert decided["decisions"][-1]["note"] == "Different dates of birth and no shared identifier."


def test_the_browser_enforces_the_content_security_policy(visit: Visit, problems: PageProblems) -> None:
    """An injected inline script does not run (and the page watcher notices the refusal)."""
    page = visit("viewer")
    page.goto("/")
    page.evaluate(
        "() => { const script = document.createElement('script');"
        " script.textContent = 'window.injected = true'; document.body.append(script); }"
    )
    assert page.evaluate("() => window.injected") is None
    refused = [found for found in problems.found if "Content Security Policy" in found]
    assert refused, problems.found
    problems.found.clear()
