"""The payload cache (``web.cache``): served while the data version stands, rebuilt when a run, a catalogue edit or
review, or a quality snapshot changes it, and the version read at most every ``check_every`` seconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from observatory.catalogue.edits import edit_asset, mark_reviewed
from observatory.meta.runs import recorded_run
from observatory.web.cache import CHECK_EVERY, STATE_KEY, PayloadCache, data_version
from tests.web.conftest import WebSite
from tests.web.test_home_quality_runs import SENSITIVE_DATASET, remeasure


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = CHECK_EVERY + 0.1) -> None:
        self.now += seconds


class Source:
    """A data version the test changes, counting how often it is read."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.version


def counting(value: str) -> tuple[Callable[[], dict[str, Any]], list[int]]:
    calls: list[int] = []

    def build() -> dict[str, Any]:
        calls.append(1)
        return {"value": value, "build": len(calls)}

    return build, calls


def test_a_payload_is_built_once_while_the_version_stands() -> None:
    clock, source = Clock(), Source()
    cache = PayloadCache(source, clock=clock)
    build, calls = counting("home")
    first = cache.get("home", "analyst", build)
    assert cache.get("home", "analyst", build) is first
    assert len(calls) == 1 and source.reads == 1 and (cache.hits, cache.misses) == (1, 1)
    clock.advance()
    assert cache.get("home", "analyst", build) is first
    assert len(calls) == 1 and source.reads == 2


def test_the_version_is_read_at_most_once_per_interval() -> None:
    clock, source = Clock(), Source()
    cache = PayloadCache(source, clock=clock)
    build, calls = counting("home")
    cache.get("home", "analyst", build)
    source.version = 2
    clock.advance(CHECK_EVERY / 2)
    assert cache.get("home", "analyst", build)["build"] == 1  # within the interval: not read yet
    assert source.reads == 1
    clock.advance(CHECK_EVERY / 2 + 0.01)
    assert cache.get("home", "analyst", build)["build"] == 2
    assert source.reads == 2 and len(calls) == 2


def test_a_new_version_drops_every_payload() -> None:
    clock, source = Clock(), Source()
    cache = PayloadCache(source, clock=clock)
    home, _ = counting("home")
    quality, quality_calls = counting("quality")
    cache.get("home", "analyst", home)
    cache.get("quality", "analyst", quality)
    assert len(cache) == 2
    source.version = 2
    clock.advance()
    cache.get("home", "analyst", home)
    assert len(cache) == 1
    cache.get("quality", "analyst", quality)
    assert len(quality_calls) == 2


def test_roles_have_their_own_payloads() -> None:
    cache = PayloadCache(Source(), clock=Clock())
    assert cache.get("home", "viewer", lambda: {"role": "viewer"}) == {"role": "viewer"}
    assert cache.get("home", "analyst", lambda: {"role": "analyst"}) == {"role": "analyst"}
    assert cache.get("home", "viewer", lambda: {"role": "wrong"}) == {"role": "viewer"}


def test_the_least_recently_used_payload_goes_first() -> None:
    cache = PayloadCache(Source(), clock=Clock(), max_entries=2)
    cache.get("a", "analyst", lambda: "a")
    cache.get("b", "analyst", lambda: "b")
    cache.get("a", "analyst", lambda: "a again")
    cache.get("c", "analyst", lambda: "c")
    assert cache.get("a", "analyst", lambda: "rebuilt") == "a"
    assert cache.get("b", "analyst", lambda: "rebuilt") == "rebuilt"


def test_a_payload_built_across_a_version_change_is_not_kept() -> None:
    clock, source = Clock(), Source()
    cache = PayloadCache(source, clock=clock)

    def build_while_data_changes() -> str:
        source.version = 2
        clock.advance()
        cache.version()  # another request notices the change meanwhile
        return "built from data of version 1 or 2"

    cache.get("home", "analyst", build_while_data_changes)
    assert len(cache) == 0
    assert cache.get("home", "analyst", lambda: "fresh") == "fresh"


def test_forget_reads_the_version_again() -> None:
    clock, source = Clock(), Source()
    cache = PayloadCache(source, clock=clock)
    cache.get("home", "analyst", lambda: "old")
    cache.forget()
    assert cache.get("home", "analyst", lambda: "new") == "new" and source.reads == 2


# --- the data version follows the store ------------------------------------------------------------------------


def test_the_data_version_changes_with_runs_edits_reviews_and_snapshots(private_site: WebSite) -> None:
    meta = private_site.obs.meta
    seen = [data_version(meta)]
    assert data_version(meta) == seen[0]

    def changed() -> None:
        now = data_version(meta)
        assert now not in seen
        seen.append(now)

    with recorded_run(meta, kind="load", node_id="dataset.test.x", inputs=[], outputs=[], engine="duckdb"):
        changed()  # a run started
    changed()  # and finished
    edit_asset(meta, f"dataset.{SENSITIVE_DATASET}", {"description": "Edited in a test."}, by="tester")
    changed()
    mark_reviewed(meta, f"dataset.{SENSITIVE_DATASET}", by="tester", review_months=12)
    changed()
    remeasure(private_site.obs, SENSITIVE_DATASET, {})
    changed()


# --- the cached endpoint ----------------------------------------------------------------------------------------


@pytest.fixture
def cached_site(private_site: WebSite) -> tuple[WebSite, Clock, PayloadCache]:
    clock = Clock()
    cache = PayloadCache(lambda: data_version(private_site.obs.meta), clock=clock)
    private_site.app.state.cache[STATE_KEY] = cache
    return private_site, clock, cache


def test_home_is_served_from_the_cache(cached_site: tuple[WebSite, Clock, PayloadCache]) -> None:
    site, _, cache = cached_site
    client = site.api("analyst")
    first = client.get("/api/home").json()
    hits = cache.hits
    assert client.get("/api/home").json() == first
    assert cache.hits == hits + 1


def test_a_new_run_shows_on_home_once_the_version_is_read_again(
    cached_site: tuple[WebSite, Clock, PayloadCache],
) -> None:
    site, clock, _ = cached_site
    client = site.api("analyst")
    before = client.get("/api/home").json()["latest_runs"][0]["run_id"]
    with recorded_run(
        site.obs.meta, kind="load", node_id="dataset.test.new", inputs=[], outputs=[], engine="duckdb"
    ) as run:
        pass
    assert client.get("/api/home").json()["latest_runs"][0]["run_id"] == before  # within the 2-second bound
    clock.advance()
    latest = client.get("/api/home").json()["latest_runs"][0]
    assert (latest["run_id"], latest["node"], latest["status"]) == (run.id, "dataset.test.new", "succeeded")


def test_a_catalogue_edit_shows_on_home_and_quality(cached_site: tuple[WebSite, Clock, PayloadCache]) -> None:
    site, clock, _ = cached_site
    client = site.api("steward")
    client.get("/api/home")
    client.get("/api/quality")
    changes = {"title": "Clients renamed in a test", "business_area": "Area made in a test"}
    edit_asset(site.obs.meta, f"dataset.{SENSITIVE_DATASET}", changes, by="tester")
    clock.advance()
    areas = {row["business_area"] for row in client.get("/api/home").json()["holdings"]["business_areas"]}
    assert "Area made in a test" in areas
    titles = {row["title"] for row in client.get("/api/quality").json()["datasets"]}
    assert "Clients renamed in a test" in titles


def test_a_new_snapshot_shows_on_the_dataset_page(cached_site: tuple[WebSite, Clock, PayloadCache]) -> None:
    site, clock, _ = cached_site
    client = site.api("analyst")
    before = client.get(f"/api/quality/{SENSITIVE_DATASET}").json()["snapshot_id"]
    remeasure(site.obs, SENSITIVE_DATASET, {})
    clock.advance()
    assert client.get(f"/api/quality/{SENSITIVE_DATASET}").json()["snapshot_id"] > before


def test_the_cache_keeps_roles_apart(cached_site: tuple[WebSite, Clock, PayloadCache]) -> None:
    site, _, _ = cached_site
    analyst = site.api("analyst").get("/api/home").json()
    viewer = site.api("viewer").get("/api/home").json()
    assert viewer["holdings"]["datasets"] < analyst["holdings"]["datasets"]
    assert viewer["latest_runs"] == [] and analyst["latest_runs"]
    assert site.api("viewer").get("/api/home").json() == viewer
