"""The clerical review pages: the queue, one pair side by side with its explanation, and the decide flow.

The 400-resident demo scores every pair it keeps either at 0.97 or above or below 0.5, so nothing falls in the
default review band (0.5 to 0.95). The shared test council is built with ``thresholds.review: 0.01``
(``tests/web/conftest.py``), which queues its near misses with real explanations, for example the girl whose
surname changed and who moved, whose two records score about 0.06.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from observatory import Observatory
from observatory.linkage.review import count_queue, get_item, list_queue
from observatory.meta.audit import AuditQuery, entries
from tests.web.conftest import WebSite, _site, csrf_of


@pytest.fixture(scope="module")
def review_site(built_council: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    """A private copy of the demo council, whose widened review band (see ``build_council``) queued pairs."""
    root = tmp_path_factory.mktemp("review") / "council"
    shutil.copytree(built_council, root)
    with Observatory.open(root) as obs:
        assert count_queue(obs.meta)["open"] >= 5
    yield from _site(root)


def open_items(site: WebSite) -> list[dict[str, Any]]:
    """The open items in queue order."""
    return list_queue(site.obs.meta, "open", limit=1000)


def latest(site: WebSite, **query: Any) -> dict[str, Any]:
    rows, total = entries(site.obs.meta, AuditQuery(limit=1, **query))
    assert total, f"no audit entry matches {query}"
    return rows[0]


def test_the_queue_lists_open_items_with_counts(review_site: WebSite) -> None:
    counts = count_queue(review_site.obs.meta)
    data = review_site.api("steward").get("/api/review").json()
    assert data["counts"] == counts and data["total"] == counts["open"]
    assert [item["id"] for item in data["items"]] == [item["id"] for item in open_items(review_site)][:25]
    page = review_site.client("ig_officer").get("/review")
    assert page.status_code == 200
    for item in data["items"]:
        assert f'href="/review/{item["id"]}"' in page.text and item["unique_id_l"] in page.text
        assert f"{item['match_probability']:.4f}" in page.text
    assert f"Open ({counts['open']})" in page.text


def test_the_queue_pages_and_filters(review_site: WebSite) -> None:
    api = review_site.api("steward")
    beyond = api.get("/api/review", params={"status": "all", "page": 50}).json()
    assert beyond["items"] == [] and beyond["page"] == 50
    assert api.get("/api/review", params={"status": "withdrawn"}).json()["items"] == []
    assert "No withdrawn items" in review_site.client("steward").get("/review?status=withdrawn").text
    for bad in ({"status": "pending"}, {"page": 0}, {"page": 10**9}, {"decided": 0}, {"page": "two"}):
        response = api.get("/api/review", params=bad)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request", bad


def test_an_item_shows_both_records_and_how_the_weight_adds_up(review_site: WebSite) -> None:
    item = open_items(review_site)[0]
    data = review_site.api("steward").get(f"/api/review/{item['id']}").json()
    assert data["records"]["left"]["unique_id"] == item["unique_id_l"]
    assert data["records"]["right"]["unique_id"] == item["unique_id_r"]
    explanation = data["explanation"]
    parts = explanation["prior_weight"] + sum(row["match_weight"] for row in explanation["comparisons"])
    assert parts == pytest.approx(item["match_weight"], abs=1e-3)
    assert explanation["prior_weight"] < 0  # two records picked at random are unlikely to be one person
    differs = [row["field"] for row in data["comparison"] if row["differs"]]
    assert "dataset" in differs or "record_key" in differs

    html = review_site.client("steward").get(f"/review/{item['id']}").text
    assert html.count("<h1") == 1
    assert item["unique_id_l"] in html and item["unique_id_r"] in html
    assert 'class="govuk-table__cell obs-compare__differs"' in html
    assert '<svg class="obs-chart" role="img"' in html and "obs-chart__bar--total" in html
    for row in explanation["comparisons"]:
        assert f"{row['match_weight']:+.2f}" in html
    assert 'action="/review/{}/decide"'.format(item["id"]) in html and 'name="csrf_token"' in html


def test_viewing_an_item_is_audited(review_site: WebSite) -> None:
    item = open_items(review_site)[-1]
    review_site.client("ig_officer").get(f"/review/{item['id']}")
    entry = latest(review_site, actor=review_site.users["ig_officer"].username, action="review.view")
    assert entry["purpose"] == "data_quality" and entry["target"] == f"review:{item['id']}"
    assert entry["detail"]["records"] == [item["unique_id_l"], item["unique_id_r"]]
    assert entry["detail"]["item"] == item["id"] and entry["detail"]["residents"]


def test_a_reader_who_cannot_decide_sees_no_form_and_is_refused(review_site: WebSite) -> None:
    item = open_items(review_site)[0]
    client = review_site.client("ig_officer")
    page = client.get(f"/review/{item['id']}")
    assert page.status_code == 200 and "/decide" not in page.text and "not decide pairs" in page.text
    token = csrf_of(page.text)  # the sign-out form's token: a valid token, still the wrong role
    refused = client.post(f"/review/{item['id']}/decide", data={"decision": "match", "csrf_token": token})
    assert refused.status_code == 403
    assert (
        review_site.api("ig_officer").post(f"/api/review/{item['id']}/decide", data={"decision": "match"}).status_code
        == 403
    )
    assert get_item(review_site.obs.meta, item["id"])["status"] == "open"


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_without_review_view_are_refused(review_site: WebSite, role: str) -> None:
    item = open_items(review_site)[0]
    client = review_site.client(role)
    assert client.get("/review").status_code == 403
    assert client.get(f"/review/{item['id']}").status_code == 403
    assert review_site.api(role).get("/api/review").status_code == 403


def test_deciding_records_it_and_moves_to_the_next_item(review_site: WebSite) -> None:
    queue = open_items(review_site)
    item, expected_next = queue[0], queue[1]
    client = review_site.client("steward")
    page = client.get(f"/review/{item['id']}")
    response = client.post(
        f"/review/{item['id']}/decide",
        data={"decision": "not_match", "note": "different dates of birth", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/review/{expected_next['id']}?decided={item['id']}"
    stored = get_item(review_site.obs.meta, item["id"])
    assert stored["status"] == "decided"
    assert stored["decisions"][-1]["decision"] == "not_match"
    assert stored["decisions"][-1]["decided_by"] == review_site.users["steward"].username
    assert stored["decisions"][-1]["note"] == "different dates of birth"
    entry = latest(review_site, action="review.decide", actor=review_site.users["steward"].username)
    assert entry["role"] == "steward" and entry["detail"]["item"] == item["id"]
    assert entry["detail"]["decision"] == "not_match"
    following = client.get(response.headers["location"])
    assert following.status_code == 200
    assert f"Item {item['id']} recorded as not a match" in following.text
    assert "govuk-notification-banner--success" in following.text
    assert item["id"] not in [row["id"] for row in open_items(review_site)]


def test_the_api_decides_and_returns_the_item_and_a_skip_reopens(review_site: WebSite) -> None:
    queue = open_items(review_site)
    item = queue[-1]
    api = review_site.api("admin")
    decided = api.post(f"/api/review/{item['id']}/decide", data={"decision": "match", "note": "same NHS number"})
    assert decided.status_code == 200
    body = decided.json()
    assert body["id"] == item["id"] and body["status"] == "decided" and body["decisions"][-1]["decision"] == "match"
    assert body["next_item_id"] == queue[0]["id"]  # the last in the queue wraps round to the first
    reopened = api.post(f"/api/review/{item['id']}/decide", data={"decision": "skip"}).json()
    assert reopened["status"] == "open"
    assert [d["decision"] for d in reopened["decisions"]][-2:] == ["match", "skip"]
    assert item["id"] in [row["id"] for row in open_items(review_site)]
    skipped_again = api.post(f"/api/review/{item['id']}/decide", data={"decision": "skip"}).json()
    assert skipped_again["status"] == "open" and skipped_again["next_item_id"] != item["id"]


def test_a_skip_in_the_browser_moves_on_and_says_it_stays_open(review_site: WebSite) -> None:
    queue = open_items(review_site)
    item = queue[0]
    client = review_site.client("admin")
    page = client.get(f"/review/{item['id']}")
    response = client.post(f"/review/{item['id']}/decide", data={"decision": "skip", "csrf_token": csrf_of(page.text)})
    assert (
        response.status_code == 303 and response.headers["location"] == f"/review/{queue[1]['id']}?decided={item['id']}"
    )
    assert "skipped: it stays open in the queue" in client.get(response.headers["location"]).text
    assert get_item(review_site.obs.meta, item["id"])["status"] == "open"


def test_deciding_without_a_csrf_token_is_refused(review_site: WebSite) -> None:
    item = open_items(review_site)[0]
    before = len(get_item(review_site.obs.meta, item["id"])["decisions"])
    response = review_site.client("steward").post(f"/review/{item['id']}/decide", data={"decision": "match"})
    assert response.status_code == 403 and "did not come from this site" in response.text
    forged = review_site.client("steward").post(
        f"/review/{item['id']}/decide", data={"decision": "match", "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    assert len(get_item(review_site.obs.meta, item["id"])["decisions"]) == before


def test_odd_input_gets_a_clear_4xx(review_site: WebSite) -> None:
    item = open_items(review_site)[0]
    before = len(get_item(review_site.obs.meta, item["id"])["decisions"])
    api = review_site.api("steward")
    unknown = api.post(f"/api/review/{item['id']}/decide", data={"decision": "maybe"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_decision"
    assert "match, not_match, skip" in unknown.json()["error"]["message"]
    assert api.post(f"/api/review/{item['id']}/decide", data={}).status_code == 400
    assert (
        api.post(f"/api/review/{item['id']}/decide", data={"decision": "match", "note": "n" * 2001}).status_code == 422
    )
    for missing in (0, -1, 10**6, 2**63, 10**30):
        assert api.get(f"/api/review/{missing}").status_code == 404, missing
        assert api.post(f"/api/review/{missing}/decide", data={"decision": "match"}).status_code == 404, missing
    assert api.get("/api/review/abc").status_code == 422
    assert api.get(f"/api/review/{item['id']}", params={"decided": 10**30}).status_code == 422
    assert review_site.client("steward").get("/review/0").status_code == 404
    assert len(get_item(review_site.obs.meta, item["id"])["decisions"]) == before


def test_forgetting_to_choose_shows_the_form_again_with_an_error(review_site: WebSite) -> None:
    item = open_items(review_site)[0]
    before = len(get_item(review_site.obs.meta, item["id"])["decisions"])
    client = review_site.client("steward")
    page = client.get(f"/review/{item['id']}")
    response = client.post(f"/review/{item['id']}/decide", data={"note": "hmm", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and 'href="#decision"' in response.text
    assert "Choose match, not a match or skip" in response.text
    assert len(get_item(review_site.obs.meta, item["id"])["decisions"]) == before
