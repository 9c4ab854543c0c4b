"""The home page, the quality pages and the runs pages: content and JSON for the roles allowed, refusals for the
others, classification hiding, masking and auditing of failing rows and rejected rows, and odd query strings."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from observatory import Observatory
from observatory.access.roles import CLASSIFICATIONS, PROFILES
from observatory.catalogue.store import list_assets
from observatory.demo.generator import generate
from observatory.ingest.loads import ingest_path
from observatory.meta.models import AuditEntry, Load, Run
from observatory.meta.runs import recorded_run
from observatory.quality.alerts import list_alerts
from observatory.quality.confidence import HIGH_MEASURE, MEDIUM_MEASURE
from observatory.quality.measures import DatasetQuality, FailingSample
from observatory.quality.samples import mask
from observatory.quality.snapshots import failing_samples, latest_snapshot, measured_datasets, save_snapshot
from observatory.web.app import create_app
from observatory.web.cache import STATE_KEY, PayloadCache, data_version
from tests.web.conftest import WebSite, _add_users

OFFICIAL_DATASET = "llpg.properties"
SENSITIVE_DATASET = "asc.clients"
SHAPE = re.compile(r"^[9Xx\W_]*$")
"""What a value masked by shape is made of: 9, X, x and punctuation."""


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _audit(obs: Observatory, action: str) -> list[AuditEntry]:
    with obs.meta.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return list(entries)


def _main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found, "the page has no main element"
    return found.group(0)


# --- home -----------------------------------------------------------------------------------------------------


def test_home_json_counts_what_the_catalogue_holds(site: WebSite) -> None:
    data = _json(site.api("analyst").get("/api/home"))
    datasets = list_assets(site.obs.meta, kind="dataset")
    registered = [a for a in datasets if a.in_register]
    held = data["holdings"]
    assert held["sources"] == len(list_assets(site.obs.meta, kind="source"))
    assert held["datasets"] == len(registered)
    assert held["personal_datasets"] == sum(1 for a in registered if a.personal) > 0
    assert held["rows"] == sum(a.facts.get("rows") or 0 for a in registered)
    by_layer = {row["layer"]: row["datasets"] for row in held["layers"]}
    assert by_layer == dict(Counter(a.layer for a in datasets))
    assert sum(area["datasets"] for area in held["business_areas"]) == len(registered)
    kpis = _json(site.api("analyst").get("/api/kpis"))
    assert data["kpis"] == {"defined": kpis["defined"], "computed": kpis["computed"]}
    assert data["kpis_needing_attention"] == kpis["needing_attention"]
    assert data["quality"]["datasets"] == len(measured_datasets(site.obs.meta))


def test_home_lists_the_ten_latest_runs_for_roles_that_read_runs(site: WebSite) -> None:
    data = _json(site.api("analyst").get("/api/home"))
    with site.obs.meta.session() as session:
        newest = list(session.scalars(select(Run.id).order_by(Run.id.desc()).limit(10)))
    assert [run["run_id"] for run in data["latest_runs"]] == newest
    assert data["runs_visible"] is True
    assert {"label": "Runs", "href": "/runs"}.items() <= next(
        link for link in data["links"] if link["href"] == "/runs"
    ).items()


def test_home_page_shows_holdings_quality_runs_and_kpis(site: WebSite) -> None:
    response = site.client("steward").get("/")
    assert response.status_code == 200
    main = _main(response.text)
    for text in ("What the council holds", "Datasets by layer", "Quality", "Latest runs", "KPIs needing attention"):
        assert text in main
    assert 'href="/runs/' in main
    assert main.count("<h1") == 1


def test_home_counts_only_what_a_viewer_may_see_and_names_nothing_else(site: WebSite) -> None:
    data = _json(site.api("viewer").get("/api/home"))
    official = [a for a in list_assets(site.obs.meta, kind="dataset") if a.classification == "OFFICIAL"]
    hidden = [a for a in list_assets(site.obs.meta, kind="dataset") if a.classification != "OFFICIAL"]
    assert hidden, "the demo has OFFICIAL-SENSITIVE datasets"
    assert data["holdings"]["datasets"] == sum(1 for a in official if a.in_register)
    assert data["holdings"]["personal_datasets"] == 0
    assert data["quality"]["datasets"] == 2  # the gazetteer and the population estimates are OFFICIAL
    assert data["runs_visible"] is False and data["latest_runs"] == []
    assert data["kpis_needing_attention"] == _json(site.api("viewer").get("/api/kpis"))["needing_attention"]
    assert "/runs" not in {link["href"] for link in data["links"]}
    page = _main(site.client("viewer").get("/").text)
    # KPIs are for every role: their titles may share words with a dataset's title ("Households ...")
    kpi_section = re.compile(r'<h2 class="govuk-heading-l">KPIs needing attention</h2>.*?(?=<h2 )', re.S)
    without_kpis = {key: value for key, value in data.items() if key != "kpis_needing_attention"}
    for shown in (str(without_kpis), kpi_section.sub("", page)):
        for asset in hidden:
            assert asset.id.removeprefix("dataset.") not in shown
            assert asset.title not in shown


def test_home_needs_sign_in(site: WebSite) -> None:
    assert site.api().get("/api/home").status_code == 401
    response = site.client().get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --- quality --------------------------------------------------------------------------------------------------


def test_quality_overview_has_score_dimensions_confidence_and_alerts(site: WebSite) -> None:
    data = _json(site.api("analyst").get("/api/quality"))
    measured = measured_datasets(site.obs.meta)
    assert [row["dataset"] for row in data["datasets"]] == measured
    open_alerts = Counter(alert.dataset for alert in list_alerts(site.obs.meta))
    for row in data["datasets"]:
        latest = latest_snapshot(site.obs.meta, row["dataset"])
        assert latest is not None
        assert row["score"] == latest.score and row["confidence"] == latest.confidence
        assert row["statement"] == latest.statement
        assert set(row["dimensions"]) == {
            "completeness",
            "uniqueness",
            "consistency",
            "timeliness",
            "validity",
            "accuracy",
        }
        assert row["open_alerts"] == open_alerts[row["dataset"]]
    assert data["summary"]["open_alerts"] == sum(open_alerts.values())


def test_quality_page_states_each_datasets_confidence(site: WebSite) -> None:
    response = site.client("analyst").get("/quality")
    assert response.status_code == 200
    latest = latest_snapshot(site.obs.meta, SENSITIVE_DATASET)
    assert latest is not None
    main = _main(response.text)
    assert f'href="/quality/{SENSITIVE_DATASET}"' in main
    assert latest.statement.replace("'", "&#39;") in main
    assert "Accuracy" in main and "Open alerts" in main


def test_viewer_sees_only_official_datasets_quality(site: WebSite) -> None:
    data = _json(site.api("viewer").get("/api/quality"))
    assert [row["dataset"] for row in data["datasets"]] == [OFFICIAL_DATASET, "population.estimates"]
    assert SENSITIVE_DATASET not in _main(site.client("viewer").get("/quality").text)
    for path in (f"/api/quality/{SENSITIVE_DATASET}", f"/api/quality/{SENSITIVE_DATASET}/failing-rows"):
        response = site.api("viewer").get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert site.client("viewer").get(f"/quality/{SENSITIVE_DATASET}").status_code == 404
    assert site.api("viewer").get(f"/api/quality/{OFFICIAL_DATASET}").status_code == 200


def test_unknown_dataset_is_not_found(site: WebSite) -> None:
    response = site.api("admin").get("/api/quality/no.such_dataset")
    assert response.status_code == 404
    assert site.client("admin").get("/quality/no.such_dataset/failing-rows").status_code == 404


def test_dataset_quality_measures_against_thresholds(site: WebSite) -> None:
    data = _json(site.api("analyst").get(f"/api/quality/{SENSITIVE_DATASET}"))
    latest = latest_snapshot(site.obs.meta, SENSITIVE_DATASET)
    assert latest is not None
    assert {m["name"]: (m["passed"], m["total"]) for m in data["measures"]} == {
        m.name: (m.passed, m.total) for m in latest.measures
    }
    for measure in data["measures"]:
        if not measure["key"]:
            assert measure["threshold"] is None
            continue
        assert measure["threshold"] == {"high": 0.95, "minimum": 0.8}
        share = measure["passed"] / measure["total"]
        expected = "meets" if share >= HIGH_MEASURE else "below high" if share >= MEDIUM_MEASURE else "below minimum"
        assert measure["standing"] == expected
    assert "samples" not in data
    assert data["failing_rows"]["href"] == f"/quality/{SENSITIVE_DATASET}/failing-rows"
    assert data["trends"]["score"][-1]["value"] == latest.score


def test_dataset_quality_page_draws_trends_with_tables(site: WebSite) -> None:
    response = site.client("analyst").get(f"/quality/{SENSITIVE_DATASET}")
    assert response.status_code == 200
    main = _main(response.text)
    assert '<svg class="obs-chart" role="img"' in main
    assert "Score and dimensions over the last" in main
    assert "Measures" in main and "Alerts" in main
    assert "<script" not in main and 'style="' not in main


def _personal_samples(obs: Observatory) -> tuple[str, list[FailingSample]]:
    """A personal dataset whose latest snapshot kept failing rows with a masked column, and those samples."""
    personal = {a.id.removeprefix("dataset.") for a in list_assets(obs.meta, kind="dataset") if a.personal}
    for dataset in measured_datasets(obs.meta):
        latest = latest_snapshot(obs.meta, dataset)
        if dataset in personal and latest is not None:
            samples = [s for s in failing_samples(obs.meta, latest.id) if s.rows]
            if any(s.masked for s in samples):
                return dataset, samples
    raise AssertionError("the demo has no personal dataset with masked failing rows")


def test_failing_rows_of_a_personal_dataset_are_shown_as_stored_and_audited(site: WebSite) -> None:
    dataset, stored = _personal_samples(site.obs)
    rows = sum(len(s.rows) for s in stored)
    before = len(_audit(site.obs, "quality.failing_rows"))
    data = _json(site.api("analyst").get(f"/api/quality/{dataset}/failing-rows"))
    assert [(s["measure"], s["columns"], s["masked"], s["rows"]) for s in data["samples"]] == [
        (s.measure, s.columns, s.masked, s.rows) for s in stored
    ]
    masked_values = [row[c] for s in stored for row in s.rows for c in s.masked]
    assert all(SHAPE.match(value) for value in masked_values if value is not None)  # as quality.samples stored them
    assert "cannot be shown" in data["masking"]
    entries = _audit(site.obs, "quality.failing_rows")
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.actor, entry.role, entry.target, entry.outcome) == (
        site.users["analyst"].username,
        "analyst",
        f"dataset.{dataset}",
        "allowed",
    )
    assert entry.detail["rows"] == rows
    page = site.client("steward").get(f"/quality/{dataset}/failing-rows")
    masked_column = next(c for s in stored for c in s.masked)
    assert f'{masked_column} <span class="govuk-body-s">(masked)</span>' in page.text
    assert len(_audit(site.obs, "quality.failing_rows")) == before + 2


def test_failing_rows_of_a_dataset_without_personal_data_are_not_audited(site: WebSite) -> None:
    before = len(_audit(site.obs, "quality.failing_rows"))
    _json(site.api("viewer").get(f"/api/quality/{OFFICIAL_DATASET}/failing-rows"))
    assert len(_audit(site.obs, "quality.failing_rows")) == before


# --- runs -----------------------------------------------------------------------------------------------------


def test_every_role_that_reads_runs_sees_every_classification() -> None:
    """Runs name every dataset they read and wrote, so they are only for roles that see all classifications."""
    for role in PROFILES.values():
        if role.allows("runs.view"):
            assert role.classifications == frozenset(CLASSIFICATIONS), role.name


def test_runs_list_newest_first_with_pages_and_filters(site: WebSite) -> None:
    client = site.api("analyst")
    data = _json(client.get("/api/runs"))
    with site.obs.meta.session() as session:
        total = session.scalar(select(func.count()).select_from(Run))
        loads = session.scalar(select(func.count()).select_from(Run).where(Run.kind == "load"))
    assert data["total"] == total and data["page"] == 1
    ids = [run["run_id"] for run in data["runs"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == min(total or 0, data["page_size"])
    assert set(data["runs"][0]) >= {"kind", "node", "status", "started_at", "duration_seconds", "rows_out", "error"}
    filtered = _json(client.get("/api/runs", params={"kind": "load", "status": "succeeded"}))
    assert filtered["total"] == loads
    assert {(run["kind"], run["status"]) for run in filtered["runs"]} == {("load", "succeeded")}
    assert _json(client.get("/api/runs", params={"status": "failed"}))["total"] == 0
    beyond = _json(client.get("/api/runs", params={"page": 999}))
    assert beyond["runs"] == [] and beyond["next"] is None


def test_runs_page_has_a_labelled_filter_and_the_runs(site: WebSite) -> None:
    response = site.client("analyst").get("/runs", params={"kind": "quality"})
    assert response.status_code == 200
    main = _main(response.text)
    assert '<label class="govuk-label" for="status">' in main and '<label class="govuk-label" for="kind">' in main
    assert '<option value="quality" selected>' in main
    assert "quality.asc.clients" in main and "dataset.asc.clients</td>" not in main


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"page": "-1"}, 422),
        ({"page": "0"}, 422),
        ({"page": "many"}, 422),
        ({"page": "99999999999999999999"}, 422),
        ({"status": "<script>alert(1)</script>"}, 400),
        ({"kind": "<script>"}, 400),
        ({"kind": "x" * 500}, 422),
    ],
)
def test_odd_query_strings_are_refused_cleanly(site: WebSite, query: dict[str, str], status: int) -> None:
    api = site.api("analyst").get("/api/runs", params=query)
    assert api.status_code == status
    assert set(api.json()["error"]) >= {"code", "message", "status"}
    html = site.client("analyst").get("/runs", params=query)
    assert html.status_code == status
    assert "<script>alert" not in html.text and "<script>" not in _main(html.text)


def test_runs_are_refused_to_a_viewer(site: WebSite) -> None:
    for path in ("/api/runs", "/api/runs/1"):
        response = site.api("viewer").get(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert site.client("viewer").get("/runs").status_code == 403


def test_unknown_run_is_not_found(site: WebSite) -> None:
    assert site.api("analyst").get("/api/runs/987654").status_code == 404
    assert site.client("analyst").get("/runs/987654").status_code == 404
    assert site.api("analyst").get("/api/runs/not-a-number").status_code == 422


def test_a_load_run_shows_its_load_record(site: WebSite) -> None:
    with site.obs.meta.session() as session:
        load = session.scalars(select(Load).order_by(Load.id)).first()
        assert load is not None
        run_id, load_id, rows = load.run_id, load.id, load.rows_loaded
    data = _json(site.api("analyst").get(f"/api/runs/{run_id}"))
    assert data["run"]["kind"] == "load" and data["run"]["outputs"]
    assert [(x["load_id"], x["rows_loaded"], x["rows_rejected"]) for x in data["loads"]] == [(load_id, rows, 0)]
    assert data["loads"][0]["rejects"] == [] and data["unmasked"] is False


def test_a_quality_run_links_to_the_quality_results(site: WebSite) -> None:
    with site.obs.meta.session() as session:
        run_id = session.scalar(select(Run.id).where(Run.node_id == f"quality.{SENSITIVE_DATASET}"))
    data = _json(site.api("analyst").get(f"/api/runs/{run_id}"))
    assert data["quality_href"] == f"/quality/{SENSITIVE_DATASET}" and data["loads"] == []


# --- rejected rows: masked, unmasked with a purpose, audited -------------------------------------------------

REJECTED_LINE = "2,Ann Smith,M1 1AE,extra"


@pytest.fixture
def rejects_site(private_site: WebSite, tmp_path: Path) -> tuple[WebSite, int]:
    """A private council with one more load, of a file with a row that cannot be parsed; and that run's id."""
    extract = tmp_path / "people.csv"
    extract.write_text(f"id,name,postcode\n1,Bob Jones,M1 1AA\n{REJECTED_LINE}\n3,Cy Li,M2 3CC\n", encoding="utf-8")
    with Observatory.open(private_site.root) as obs:
        result = ingest_path(obs, extract, dataset="people")
    assert result.rows_rejected == 1
    with private_site.obs.meta.session() as session:
        run_id = session.scalar(select(Load.run_id).where(Load.id == result.load_id))
    assert run_id is not None
    return private_site, run_id


def test_rejected_rows_are_masked_by_default(rejects_site: tuple[WebSite, int]) -> None:
    site, run_id = rejects_site
    before = len(_audit(site.obs, "personal.unmask"))
    data = _json(site.api("analyst").get(f"/api/runs/{run_id}"))
    (load,) = data["loads"]
    assert load["rows_rejected"] == 1 and load["rejects_total"] == 1
    (reject,) = load["rejects"]
    assert reject["line"] == 3 and reject["file"] == "people.csv"
    assert "too many fields" in reject["reason"]
    assert reject["raw"] == mask(REJECTED_LINE) and "Ann" not in str(data)
    assert data["unmasked"] is False
    assert len(_audit(site.obs, "personal.unmask")) == before
    page = site.client("steward").get(f"/runs/{run_id}")
    assert mask(REJECTED_LINE) in page.text and "Ann Smith" not in page.text
    assert 'name="purpose"' in page.text
    assert 'name="purpose"' not in site.client("analyst").get(f"/runs/{run_id}").text


def test_rejected_rows_unmasked_with_a_purpose_are_audited(rejects_site: tuple[WebSite, int]) -> None:
    site, run_id = rejects_site
    purpose = site.obs.project.spec.access.purposes[0].id
    data = _json(site.api("steward").get(f"/api/runs/{run_id}", params={"unmask": "true", "purpose": purpose}))
    assert data["loads"][0]["rejects"][0]["raw"] == REJECTED_LINE and data["unmasked"] is True
    entry = _audit(site.obs, "personal.unmask")[-1]
    assert (entry.actor, entry.target, entry.purpose, entry.outcome) == (
        site.users["steward"].username,
        f"run:{run_id}",
        purpose,
        "allowed",
    )
    page = site.client("ig_officer").get(f"/runs/{run_id}", params={"unmask": "true", "purpose": purpose})
    assert REJECTED_LINE in page.text


def test_unmasking_rejected_rows_without_a_purpose_or_the_right_is_refused(rejects_site: tuple[WebSite, int]) -> None:
    site, run_id = rejects_site
    response = site.api("steward").get(f"/api/runs/{run_id}", params={"unmask": "true"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "purpose_required"
    refused = _audit(site.obs, "personal.unmask")[-1]
    assert (refused.actor, refused.outcome) == (site.users["steward"].username, "refused")
    purpose = site.obs.project.spec.access.purposes[0].id
    response = site.api("analyst").get(f"/api/runs/{run_id}", params={"unmask": "true", "purpose": purpose})
    assert response.status_code == 403
    refused = _audit(site.obs, "personal.unmask")[-1]
    assert (refused.actor, refused.outcome) == (site.users["analyst"].username, "refused")
    assert REJECTED_LINE not in site.client("steward").get(f"/runs/{run_id}", params={"unmask": "true"}).text


# --- a new measurement: change since the previous one, alerts opened and closed ------------------------------


def remeasure(obs: Observatory, dataset: str, passed: dict[str, int]) -> int:
    """Store a new snapshot of ``dataset`` as a recorded quality run: its latest measures, with the ``passed``
    counts given here instead. Returns the run's id."""
    latest = latest_snapshot(obs.meta, dataset)
    assert latest is not None
    measures = [replace(m, passed=passed.get(m.name, m.passed)) for m in latest.measures]
    quality = DatasetQuality(dataset, latest.rows, measures, [], datetime.now(UTC), latest.owner)
    with recorded_run(
        obs.meta, kind="quality", node_id=f"quality.{dataset}", inputs=[], outputs=[], engine="duckdb"
    ) as run:
        save_snapshot(obs.meta, quality, run.id, obs.project.spec.quality)
        return run.id


def test_a_fall_shows_as_a_change_and_an_open_alert_then_a_closed_one(private_site: WebSite) -> None:
    # read the data version on every request (the cache's own tests cover its 2-second bound)
    private_site.app.state.cache[STATE_KEY] = PayloadCache(lambda: data_version(private_site.obs.meta), check_every=0)
    obs, client = private_site.obs, private_site.api("steward")
    measure = "completeness:person_id"
    latest = latest_snapshot(obs.meta, SENSITIVE_DATASET)
    assert latest is not None and latest.measure(measure) is not None
    total = latest.measure(measure).total  # type: ignore[union-attr]
    remeasure(obs, SENSITIVE_DATASET, {measure: total - 2})
    data = _json(client.get(f"/api/quality/{SENSITIVE_DATASET}"))
    fallen = next(m for m in data["measures"] if m["name"] == measure)
    assert fallen["change"] == pytest.approx(-2 / total)
    assert fallen["standing"] == "below minimum"
    assert [alert["measure"] for alert in data["alerts"]] == [measure] and data["closed_alerts"] == []
    assert data["confidence"] == "low" and len(data["trends"]["score"]) == 2
    overview = _json(client.get("/api/quality"))
    assert next(r for r in overview["datasets"] if r["dataset"] == SENSITIVE_DATASET)["open_alerts"] == 1
    page = _main(private_site.client("steward").get(f"/quality/{SENSITIVE_DATASET}").text)
    assert "1 open alert" in page and "fell from" in page
    remeasure(obs, SENSITIVE_DATASET, {measure: total})
    data = _json(client.get(f"/api/quality/{SENSITIVE_DATASET}"))
    assert data["alerts"] == []
    assert [alert["measure"] for alert in data["closed_alerts"]] == [measure]
    assert "Recently closed alerts" in _main(private_site.client("steward").get(f"/quality/{SENSITIVE_DATASET}").text)


def test_a_failed_run_shows_its_error(private_site: WebSite) -> None:
    with (
        pytest.raises(RuntimeError),
        recorded_run(
            private_site.obs.meta,
            kind="standardise",
            node_id="dataset.test.broken",
            inputs=[],
            outputs=[],
            engine="duckdb",
        ),
    ):
        raise RuntimeError("the extract has no header row")
    failed = _json(private_site.api("analyst").get("/api/runs", params={"status": "failed"}))
    (run,) = failed["runs"]
    assert (run["node"], run["status"], run["error"]) == (
        "dataset.test.broken",
        "failed",
        "RuntimeError: the extract has no header row",
    )
    listing = _main(private_site.client("analyst").get("/runs", params={"status": "failed"}).text)
    assert "Error: RuntimeError: the extract has no header row" in listing
    detail = _main(private_site.client("analyst").get(f"/runs/{run['run_id']}").text)
    assert "RuntimeError: the extract has no header row" in detail and "Failed" in detail


# --- a council not built yet ----------------------------------------------------------------------------------


def test_pages_of_a_council_not_built_yet(tmp_path: Path) -> None:
    root = tmp_path / "council"
    generate(root, residents=60, seed=3)
    with Observatory.open(root) as obs:
        users = _add_users(obs)
        site = WebSite(root, obs, create_app(obs), users)
        home = _json(site.api("analyst").get("/api/home"))
        assert home["holdings"]["datasets"] == 0 and home["latest_runs"] == []
        assert home["quality"]["measured"] == 0
        assert home["quality"]["confidence"] == "low"  # a dataset never measured counts as low
        assert home["quality"]["levels"]["not measured"] == len(obs.project.all_datasets())
        assert "Nothing has run yet" in _main(site.client("analyst").get("/").text)
        quality = _json(site.api("analyst").get("/api/quality"))
        assert {row["measured"] for row in quality["datasets"]} == {False}
        assert "Not measured yet" in _main(site.client("analyst").get("/quality").text)
        name = quality["datasets"][0]["dataset"]
        assert _json(site.api("analyst").get(f"/api/quality/{name}"))["measured"] is False
        assert "has not been measured yet" in _main(site.client("analyst").get(f"/quality/{name}").text)
        assert _json(site.api("viewer").get("/api/quality"))["datasets"] == []  # not catalogued: not shown
        assert _json(site.api("analyst").get("/api/runs"))["total"] == 0
        assert "No runs match" in _main(site.client("analyst").get("/runs").text)
