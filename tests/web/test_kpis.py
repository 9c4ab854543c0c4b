"""The KPI pages and their JSON over a small project with KPIs, built for real: the list in hierarchy order with
statuses, signals and the KPIs needing attention; a KPI's page with its chart, data table, breakdowns, forecast,
versions and lineage; a breakdown member's chart; chart downloads; role access and the names of datasets a role
may not see; the states before anything is computed and before any KPI is defined."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from observatory import Observatory
from observatory.access.roles import ROLES
from observatory.build import build
from observatory.config.project import load_project
from observatory.metrics.chart_svg import STYLES
from observatory.metrics.status import SEVERITY
from observatory.metrics.store import latest_results
from observatory.web.assets import STYLESHEET
from observatory.web.warehouse import fetch_dicts, read_warehouse
from tests.conftest import make_project
from tests.metrics.kpi_project import expected_contacts, month_starts, write_kpi_project
from tests.web.conftest import WebSite, _site

SVG = "{http://www.w3.org/2000/svg}"
SENSITIVE = "care.population"
"""Marked OFFICIAL-SENSITIVE in the fixture, so a viewer may not see it (``placements_rate`` reads it)."""


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.text[:500]
    return response.json()


def _main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found, "the page has no main element"
    return found.group(0)


def _charts(html: str) -> dict[str, ET.Element]:
    """The page's SVG charts by class (``obs-spc``, ``obs-fan``), parsed."""
    found = {}
    for match in re.finditer(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="obs-chart (obs-\w+)".*?</svg>', html, re.S
    ):
        found[match.group(1)] = ET.fromstring(match.group(0))
    return found


def _sensitive(root: Path) -> None:
    """Mark the population dataset OFFICIAL-SENSITIVE in the source's register entries."""
    path = root / "sources" / "care.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["datasets"]["population"]["register"] = {"classification": "OFFICIAL-SENSITIVE"}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def kpi_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    """The small KPI project, built (loads, quality, KPIs, catalogue); its rows as written."""
    root = tmp_path_factory.mktemp("kpi-web") / "council"
    rows = write_kpi_project(root)
    _sensitive(root)
    with Observatory.open(root) as obs:
        report = build(obs)
    assert report.metrics is not None and report.metrics.ok, report.to_dict()
    return root, rows


@pytest.fixture(scope="module")
def kpi_site(kpi_project: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    root = tmp_path_factory.mktemp("kpi-site") / "council"
    shutil.copytree(kpi_project[0], root)
    yield from _site(root)


@pytest.fixture(scope="module")
def rows(kpi_project: tuple[Path, dict[str, list[dict[str, str]]]]) -> dict[str, list[dict[str, str]]]:
    return kpi_project[1]


# --- the list -------------------------------------------------------------------------------------------------


def test_the_list_follows_the_hierarchy_with_each_kpis_stored_result(kpi_site: WebSite) -> None:
    data = _json(kpi_site.api("viewer").get("/api/kpis"))
    order = [(row["id"], row["depth"], row["priority"]) for row in data["kpis"]]
    assert order == [
        ("contact_cost", 0, "care"),
        ("contacts", 0, "care"),
        ("assessments_share", 1, "care"),
        ("repeat_contacts", 1, "care"),
        ("placements_rate", 0, "care"),
    ]
    stored = latest_results(kpi_site.obs.meta)
    assert data["defined"] == data["computed"] == len(stored) == 5
    for row in data["kpis"]:
        summary = stored[row["id"]].summary
        assert row["status"] == stored[row["id"]].status
        assert row["latest"] == summary["latest"] and row["target"] == summary["target"]
        assert row["variation"] == summary["variation"] and row["assurance"] == summary["assurance"]
        assert row["confidence"] == summary["confidence"]["level"]
        assert row["href"] == f"/kpis/{row['id']}"
    by_id = {row["id"]: row for row in data["kpis"]}
    family = [by_id[k]["status"] for k in ("contacts", "assessments_share", "repeat_contacts")]
    assert by_id["contacts"]["rolled_status"] == max(family, key=SEVERITY.index)
    (priority,) = data["priorities"]
    assert priority["id"] == "care" and priority["status"] == max(
        (by_id[k]["rolled_status"] for k in ("contact_cost", "contacts", "placements_rate")), key=SEVERITY.index
    )


def test_kpis_needing_attention_come_first_with_their_reasons(kpi_site: WebSite) -> None:
    data = _json(kpi_site.api("viewer").get("/api/kpis"))
    expected = []
    for kpi_id, result in latest_results(kpi_site.obs.meta).items():
        signal = result.summary["spc"]["points"][-1]["special_cause"] is not None
        if result.status in ("off_track", "at_risk", "no_data") or (result.status == "monitor" and signal):
            expected.append(kpi_id)
    flagged = data["needing_attention"]
    assert sorted(row["id"] for row in flagged) == sorted(expected)
    assert [SEVERITY.index(row["status"]) for row in flagged] == sorted(
        (SEVERITY.index(row["status"]) for row in flagged), reverse=True
    )
    for row in flagged:
        first = latest_results(kpi_site.obs.meta)[row["id"]].summary["reasons"][0]
        assert row["reason"].startswith(first.removesuffix(" but")), row
    html = _main(kpi_site.client("viewer").get("/kpis").text)
    assert "Needing attention" in html
    for row in flagged:
        assert row["title"] in html


def test_the_list_filters_by_business_area_and_status(kpi_site: WebSite) -> None:
    api = kpi_site.api("analyst")
    everything = _json(api.get("/api/kpis"))["kpis"]
    status = everything[0]["status"]
    only = _json(api.get("/api/kpis", params={"status": status}))
    assert only["filters"]["status"] == status
    assert [row["id"] for row in only["kpis"]] == [row["id"] for row in everything if row["status"] == status]
    area = _json(api.get("/api/kpis", params={"business_area": "Adult social care"}))["kpis"]
    assert len(area) == len(everything)
    assert _json(api.get("/api/kpis", params={"business_area": "Parks"}))["kpis"] == []
    refused = api.get("/api/kpis", params={"status": "sideways"})
    assert refused.status_code == 400 and "no status 'sideways'" in refused.json()["error"]["message"]
    page = kpi_site.client("viewer").get("/kpis", params={"business_area": "Parks"})
    assert "No KPIs match these filters" in page.text


def test_the_list_page_shows_icons_words_tags_and_indentation(kpi_site: WebSite) -> None:
    response = kpi_site.client("viewer").get("/kpis")
    assert response.status_code == 200
    main = _main(response.text)
    assert main.count("<h1") == 1
    data = _json(kpi_site.api("viewer").get("/api/kpis"))
    colours = {"off_track": "red", "at_risk": "orange", "on_track": "green", "monitor": "grey", "no_data": "grey"}
    for row in data["kpis"]:
        assert f'href="{row["href"]}"' in main
        assert f'govuk-tag--{colours[row["status"]]}">{row["status_text"]}<' in main
    assert main.count('class="obs-icon obs-icon--') >= 2 * len(data["kpis"])
    assert 'aria-hidden="true"' in main, "icons beside their words are hidden from screen readers"
    assert main.count("obs-kpi-depth-1") == 2
    assert "How to read these charts and icons" in main
    assert "style=" not in main and "<script" not in main


# --- one KPI --------------------------------------------------------------------------------------------------


def test_the_json_of_a_kpi_is_its_summary_and_its_series(kpi_site: WebSite, rows: dict[str, Any]) -> None:
    data = _json(kpi_site.api("analyst").get("/api/kpis/contacts"))
    stored = latest_results(kpi_site.obs.meta)["contacts"]
    assert data["summary"] == stored.summary
    assert data["run_id"] == stored.run_id and data["current_definition"] is True
    points = data["series"]["points"]
    assert [p["period"] for p in points] == [m.isoformat() for m in month_starts()]
    truth = expected_contacts(rows["contacts"])
    assert [p["value"] for p in points] == [float(truth[m]) for m in month_starts()]
    assert all(p["numerator"] == p["value"] for p in points)
    assert [p["mean"] for p in points] == [p["mean"] for p in stored.summary["spc"]["points"]]
    assert data["links"]["spc_svg"] == "/kpis/contacts/spc.svg"
    assert data["versions"][0]["version"] == stored.version
    assert data["history"][0]["run_id"] == stored.run_id
    assert data["hierarchy"]["priority"]["id"] == "care"
    assert [child["id"] for child in data["hierarchy"]["children"]] == ["assessments_share", "repeat_contacts"]
    share = _json(kpi_site.api("analyst").get("/api/kpis/assessments_share"))
    for point in share["series"]["points"]:
        if point["denominator"]:
            assert point["value"] == pytest.approx(100 * point["numerator"] / point["denominator"])
    assert share["hierarchy"]["parent"]["id"] == "contacts"


def test_a_kpi_page_shows_definition_status_chart_and_its_data(kpi_site: WebSite) -> None:
    data = _json(kpi_site.api("analyst").get("/api/kpis/assessments_share"))
    response = kpi_site.client("analyst").get("/kpis/assessments_share")
    assert response.status_code == 200
    main = _main(response.text)
    assert main.count("<h1") == 1 and "Contacts leading to an assessment" in main
    summary = data["summary"]
    shown = [summary["definition"], summary["owner"], summary["latest"]["shown"], "45.0% from 2024-04-01"]
    shown += ["Higher is better", data["status_text"], summary["confidence"]["level"].capitalize()]
    for text in shown:
        assert text in main, text
    chart = _charts(main)["obs-spc"]
    markers = [e for e in chart.iter(f"{SVG}path") if "obs-spc__point" in e.attrib.get("class", "").split()]
    assert len(markers) == sum(1 for p in data["series"]["points"] if p["value"] is not None)
    assert chart.find(f"{SVG}title").text == "Contacts leading to an assessment (SPC chart)"  # type: ignore[union-attr]
    assert "<style>" not in main, "the page's stylesheet styles the chart"
    table = re.search(r'id="spc-table-caption".*?</table>', main, re.S)
    assert table and table.group(0).count('<th scope="row"') == len(data["series"]["points"])
    for group in summary["breakdowns"]:
        for member in group["members"]:
            query = urlencode({"breakdown": group["name"], "member": member["member"]}).replace("&", "&amp;")
            assert f'href="/kpis/assessments_share?{query}#spc"' in main
    assert "disclosure control" in main
    assert 'href="/catalogue/assets/dataset.care.contacts"' in main
    assert 'href="/kpis/assessments_share/spc.png"' in main
    assert "Forecast with prediction intervals" in main and "Mean absolute scaled error" in main
    assert "Versions of the definition" in main


def test_a_breakdown_member_is_charted_from_its_own_values(kpi_site: WebSite, rows: dict[str, Any]) -> None:
    api = kpi_site.api("analyst")
    data = _json(api.get("/api/kpis/contacts", params={"breakdown": "team", "member": "North"}))
    assert data["selected"]["member"] == "North" and data["series"]["member"] == "North"
    truth = expected_contacts(rows["contacts"], "North")
    assert [p["value"] for p in data["series"]["points"]] == [float(truth[m]) for m in month_starts()]
    with read_warehouse(kpi_site.obs) as connection:
        stored = fetch_dicts(
            connection,
            "SELECT mean, upper FROM governed.kpi_values WHERE run_id = ? AND kpi_id = ? AND member = ? "
            "ORDER BY period_start",
            [data["run_id"], "contacts", "North"],
        )
    assert [p["mean"] for p in data["series"]["points"]] == [row["mean"] for row in stored]
    page = kpi_site.client("viewer").get("/kpis/contacts", params={"breakdown": "team", "member": "North"})
    main = _main(page.text)
    assert "Showing Team: <strong>North</strong>" in main
    chart = _charts(main)["obs-spc"]
    assert not [e for e in chart.iter() if "obs-spc__target" in e.attrib.get("class", "")]
    assert 'href="/kpis/contacts/spc.svg?breakdown=team&amp;member=North"' in main


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/kpis/no_such_kpi", 404),
        ("/api/kpis/contacts?breakdown=team&member=Nowhere", 404),
        ("/api/kpis/contacts?breakdown=locality&member=North", 404),
        ("/api/kpis/contacts?breakdown=team", 400),
        ("/api/kpis/contact_cost?breakdown=team&member=North", 404),
        ("/kpis/no_such_kpi/spc.svg", 404),
        ("/kpis/contacts/spc.png?breakdown=team&member=Nowhere", 404),
        ("/kpis/contact_cost/forecast.svg", 404),
    ],
)
def test_unknown_kpis_members_and_charts_are_not_found(kpi_site: WebSite, path: str, status: int) -> None:
    response = kpi_site.api("analyst").get(path)
    assert response.status_code == status, response.text[:300]
    if path.startswith("/api/"):
        assert response.json()["error"]["status"] == status


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_charts_download_as_files_that_render_on_their_own(kpi_site: WebSite) -> None:
    client = kpi_site.client("viewer")
    for path, name in (
        ("/kpis/contacts/spc.svg", "contacts-spc.svg"),
        ("/kpis/contacts/forecast.svg", "contacts-forecast.svg"),
        ("/kpis/contacts/spc.svg?breakdown=team&member=South", "contacts-spc-team-south.svg"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        root = ET.fromstring(response.text)
        assert root.find(f"{SVG}style") is not None and root.find(f"{SVG}title") is not None
    svg = ET.fromstring(client.get("/kpis/contacts/spc.svg").text)
    for path in ("/kpis/contacts/spc.png", "/kpis/contacts/forecast.png"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        width, _ = _png_size(response.content)
        assert width == 2 * int(svg.attrib["width"])
    assert _png_size(client.get("/kpis/contacts/spc.png").content)[1] == 2 * int(svg.attrib["height"])


# --- who sees what --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_kpis(kpi_site: WebSite, role: str) -> None:
    for path in ("/kpis", "/kpis/placements_rate", "/kpis/placements_rate/spc.svg"):
        assert kpi_site.client(role).get(path).status_code == 200, path
    assert _json(kpi_site.api(role).get("/api/kpis/placements_rate"))["id"] == "placements_rate"


def test_nobody_signed_in_is_sent_to_sign_in(kpi_site: WebSite) -> None:
    nobody = kpi_site.client()
    assert nobody.get("/api/kpis").status_code == 401
    for path in ("/kpis", "/kpis/contacts", "/kpis/contacts/spc.png"):
        response = nobody.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_a_viewer_never_sees_the_name_of_a_dataset_their_role_may_not_see(kpi_site: WebSite) -> None:
    viewer = kpi_site.api("viewer").get("/api/kpis/placements_rate").text
    assert SENSITIVE not in viewer and "restricted dataset 1" in viewer
    lineage = _json(kpi_site.api("viewer").get("/api/kpis/placements_rate"))["lineage"]
    hidden = [d for d in lineage["datasets"] if not d["visible"]]
    assert [d["href"] for d in hidden] == [None] and lineage["hidden"] == 1
    assert SENSITIVE not in _main(kpi_site.client("viewer").get("/kpis/placements_rate").text)
    analyst = _json(kpi_site.api("analyst").get("/api/kpis/placements_rate"))
    assert SENSITIVE in analyst["summary"]["depends_on"]
    assert {d["dataset"]: d["href"] for d in analyst["lineage"]["datasets"]}[SENSITIVE] == (
        f"/catalogue/assets/dataset.{SENSITIVE}"
    )


# --- the home page ----------------------------------------------------------------------------------------------


def test_the_home_page_lists_the_kpis_needing_attention(kpi_site: WebSite) -> None:
    home = _json(kpi_site.api("viewer").get("/api/home"))
    listed = _json(kpi_site.api("viewer").get("/api/kpis"))["needing_attention"]
    assert home["kpis_needing_attention"] == listed and listed
    assert home["kpis"] == {"defined": 5, "computed": 5}
    main = _main(kpi_site.client("viewer").get("/").text)
    for row in listed:
        assert f'<a class="govuk-link" href="{row["href"]}">{row["title"]}</a>' in main


# --- before anything is computed, and without KPIs ------------------------------------------------------------


@pytest.fixture(scope="module")
def unbuilt_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    root = tmp_path_factory.mktemp("kpi-unbuilt") / "council"
    write_kpi_project(root)
    yield from _site(root)


def test_before_a_build_the_pages_say_so(unbuilt_site: WebSite) -> None:
    data = _json(unbuilt_site.api("viewer").get("/api/kpis"))
    assert data["defined"] == 5 and data["computed"] == 0 and data["needing_attention"] == []
    assert {row["status"] for row in data["kpis"]} == {"no_data"}
    assert all(row["latest"] is None and not row["computed"] for row in data["kpis"])
    page = _main(unbuilt_site.client("viewer").get("/kpis").text)
    assert "No KPI has been computed yet" in page and "observatory build" in page
    kpi = _json(unbuilt_site.api("viewer").get("/api/kpis/contacts"))
    assert kpi["computed"] is False and kpi["summary"] is None and kpi["series"]["points"] == []
    assert kpi["definition"]["definition"].startswith("Every contact received in the month")
    page = _main(unbuilt_site.client("viewer").get("/kpis/contacts").text)
    assert "This KPI has not been computed yet" in page and "Every contact received in the month" in page
    assert unbuilt_site.api("viewer").get("/kpis/contacts/spc.svg").status_code == 404
    home = _main(unbuilt_site.client("viewer").get("/").text)
    assert "The KPIs have not been computed yet" in home


def test_without_kpis_the_list_says_how_to_define_them(tmp_path: Path) -> None:
    root = make_project(tmp_path / "empty")
    for site in _site(root):
        data = _json(site.api("viewer").get("/api/kpis"))
        assert data["defined"] == 0 and data["kpis"] == [] and data["priorities"] == []
        assert "No KPIs are defined" in _main(site.client("viewer").get("/kpis").text)
        assert site.api("viewer").get("/api/kpis/contacts").status_code == 404
        assert "No KPIs are defined yet" in _main(site.client("viewer").get("/").text)


def test_results_of_an_older_definition_are_marked_as_such(kpi_project: tuple[Path, Any], tmp_path: Path) -> None:
    root = tmp_path / "council"
    shutil.copytree(kpi_project[0], root)
    metrics = root / "metrics" / "care.yml"
    metrics.write_text(
        metrics.read_text(encoding="utf-8").replace("counted once per contact id", "counted once per contact"),
        encoding="utf-8",
    )
    for site in _site(root):
        data = _json(site.api("viewer").get("/api/kpis/contacts"))
        assert data["current_definition"] is False
        assert "has changed since these results were computed" in site.client("viewer").get("/kpis/contacts").text
        assert _json(site.api("viewer").get("/api/kpis/repeat_contacts"))["current_definition"] is True


def test_while_a_build_holds_the_warehouse_the_page_still_shows_the_total(
    kpi_project: tuple[Path, Any], tmp_path: Path
) -> None:
    """A build writes the warehouse with a lock other processes cannot share: the KPI's page falls back on its
    stored summary (no numerators), and a member's chart, which only the warehouse holds, answers 503."""
    root = tmp_path / "council"
    shutil.copytree(kpi_project[0], root)
    holder = "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(120)"
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(load_project(root).warehouse_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        for site in _site(root):
            data = _json(site.api("viewer").get("/api/kpis/contacts"))
            assert data["series"]["points"] and all(p["numerator"] is None for p in data["series"]["points"])
            assert [p["value"] for p in data["series"]["points"]] == [
                p["value"] for p in data["summary"]["spc"]["points"]
            ]
            busy = site.api("viewer").get("/api/kpis/contacts", params={"breakdown": "team", "member": "North"})
            assert busy.status_code == 503 and busy.json()["error"]["code"] == "warehouse_busy"
    finally:
        process.kill()
        process.wait()


# --- the stylesheet -------------------------------------------------------------------------------------------


def _declarations(text: str) -> dict[str, str]:
    found = {}
    for part in text.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            value = re.sub(r"\s*,\s*", ",", value.strip().lower())
            found[name.strip()] = {"#fff": "#ffffff", "white": "#ffffff"}.get(value, value)
    return found


def test_the_page_stylesheet_has_the_same_chart_rules_as_standalone_files() -> None:
    """Charts in pages are styled by observatory.css, files by the ``<style>`` they embed: they must agree."""
    css = STYLESHEET.read_text(encoding="utf-8")
    for selector, rules in STYLES.items():
        found = re.search(re.escape(selector) + r"\{([^}]*)\}", css)
        assert found, f"{selector} is not in observatory.css (recompile observatory.scss)"
        expected = {name: re.sub(r"\s*,\s*", ",", value.lower()) for name, value in rules.items()}
        assert _declarations(found.group(1)) == expected, selector
