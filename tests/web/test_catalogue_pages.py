"""The catalogue's search and asset pages, and their JSON twins: access by role, classification hiding, bad input,
lineage, quality history, and escaping of whatever people write into the catalogue."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest

from observatory.catalogue.edits import edit_asset
from observatory.catalogue.store import list_assets
from tests.web.conftest import WebSite

SENSITIVE_DATASET = "dataset.asc.clients"
OFFICIAL_DATASET = "dataset.llpg.properties"
ROLES = ("viewer", "analyst", "steward", "ig_officer", "admin")


def page_of(asset_id: str, suffix: str = "") -> str:
    return "/catalogue/assets/" + quote(asset_id, safe="") + suffix


def present(site: WebSite, classification: str | None = None) -> list[str]:
    return [
        asset.id
        for asset in list_assets(site.obs.meta)
        if classification is None or asset.classification == classification
    ]


# --- search ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_search_and_the_html_and_json_agree(site: WebSite, role: str) -> None:
    html = site.client(role).get("/catalogue", params={"q": "postcode"})
    data = site.api(role).get("/api/catalogue", params={"q": "postcode"}).json()
    assert html.status_code == 200
    assert data["total"] > 0
    assert f"{data['total']:,} assets found" in html.text
    for hit in data["hits"]:
        assert hit["href"] in html.text


def test_search_needs_sign_in(site: WebSite) -> None:
    assert site.client().get("/catalogue").status_code == 303
    response = site.api().get("/api/catalogue")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sign_in_required"


def test_the_viewer_finds_only_official_assets_and_the_total_counts_only_those(site: WebSite) -> None:
    official = present(site, "OFFICIAL")
    assert len(official) < len(present(site)), "the demo must hold OFFICIAL-SENSITIVE assets"
    data = site.api("viewer").get("/api/catalogue", params={"limit": 100}).json()
    assert data["total"] == len(official)
    assert data["classification_shown"] == "OFFICIAL"
    assert {hit["classification"] for hit in data["hits"]} == {"OFFICIAL"}
    everything = site.api("analyst").get("/api/catalogue", params={"limit": 1}).json()
    assert everything["total"] == len(present(site))
    assert everything["classification_shown"] is None


def test_the_viewer_finds_the_official_part_of_what_the_analyst_finds(site: WebSite) -> None:
    analyst = site.api("analyst").get("/api/catalogue", params={"q": "nhs number", "limit": 100}).json()
    sensitive = [hit["id"] for hit in analyst["hits"] if hit["classification"] == "OFFICIAL-SENSITIVE"]
    official = [hit["id"] for hit in analyst["hits"] if hit["classification"] == "OFFICIAL"]
    assert sensitive and analyst["total"] == len(analyst["hits"])
    viewer = site.api("viewer").get("/api/catalogue", params={"q": "nhs number", "limit": 100}).json()
    assert viewer["total"] == len(official)
    assert [hit["id"] for hit in viewer["hits"]] == official
    page = site.client("viewer").get("/catalogue", params={"q": "nhs number"}).text
    assert not any(f'/catalogue/assets/{asset_id}"' in page for asset_id in sensitive)


def test_a_classification_the_role_cannot_see_is_refused(site: WebSite) -> None:
    response = site.api("viewer").get("/api/catalogue", params={"classification": "OFFICIAL-SENSITIVE"})
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    html = site.client("viewer").get("/catalogue", params={"classification": "official-sensitive"})
    assert html.status_code == 403
    allowed = site.api("viewer").get("/api/catalogue", params={"classification": "official"})
    assert allowed.status_code == 200
    sensitive = site.api("analyst").get("/api/catalogue", params={"classification": "OFFICIAL-SENSITIVE"}).json()
    assert sensitive["total"] == len(present(site, "OFFICIAL-SENSITIVE"))


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"kind": "spreadsheet"}, 400),
        ({"layer": "bronze"}, 400),
        ({"classification": "SECRET"}, 400),
        ({"personal": "maybe"}, 400),
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"limit": "ten"}, 422),
        ({"page": 0}, 422),
        ({"page": 10_001}, 422),
        ({"q": "x" * 501}, 422),
    ],
)
def test_bad_search_input_is_a_clear_error_in_the_one_shape(
    site: WebSite, params: dict[str, object], status: int
) -> None:
    response = site.api("analyst").get("/api/catalogue", params=params)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status
    assert error["message"]
    html = site.client("analyst").get("/catalogue", params=params)
    assert html.status_code == status
    assert "govuk-heading-l" in html.text


def test_an_unknown_kind_names_the_kinds_there_are(site: WebSite) -> None:
    message = site.api("analyst").get("/api/catalogue", params={"kind": "nope"}).json()["error"]["message"]
    assert "dataset" in message and "field" in message


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE catalogue_assets; --",
        '" OR 1=1 --',
        "postcode' OR '1'='1",
        'NEAR("a" "b") *',
        "facets : =cofficialsensitive",
        "%' UNION SELECT id FROM users --",
    ],
)
def test_search_text_and_filters_are_never_sql(site: WebSite, text: str) -> None:
    before = len(present(site))
    for params in ({"q": text}, {"q": "postcode", "owner": text}, {"area": text}):
        response = site.api("viewer").get("/api/catalogue", params=params)
        assert response.status_code == 200, response.text
        assert all(hit["classification"] == "OFFICIAL" for hit in response.json()["hits"])
    assert site.api("viewer").get("/api/catalogue", params={"owner": text}).json()["total"] == 0
    assert len(present(site)) == before


def test_filters_narrow_the_results(site: WebSite) -> None:
    api = site.api("analyst")
    datasets = api.get("/api/catalogue", params={"kind": "dataset", "limit": 100}).json()
    assert datasets["total"] == len([a for a in list_assets(site.obs.meta) if a.kind == "dataset"])
    assert {hit["kind"] for hit in datasets["hits"]} == {"dataset"}
    raw = api.get("/api/catalogue", params={"kind": "dataset", "layer": "raw", "limit": 100}).json()
    assert raw["total"] > 0 and {hit["layer"] for hit in raw["hits"]} == {"raw"}
    personal = api.get("/api/catalogue", params={"kind": "dataset", "personal": "no", "limit": 100}).json()
    assert personal["total"] > 0 and not any(hit["personal"] for hit in personal["hits"])
    area = api.get("/api/catalogue", params={"area": "adult social care", "kind": "dataset"}).json()
    assert area["total"] > 0 and {hit["business_area"] for hit in area["hits"]} == {"Adult social care"}


def test_results_are_paged_with_the_govuk_pagination(site: WebSite) -> None:
    total = len(present(site))
    first = site.api("analyst").get("/api/catalogue", params={"limit": 20}).json()
    second = site.api("analyst").get("/api/catalogue", params={"limit": 20, "page": 2}).json()
    assert first["pages"] == -(-total // 20) and first["total"] == total
    assert not {hit["id"] for hit in first["hits"]} & {hit["id"] for hit in second["hits"]}
    html = site.client("analyst").get("/catalogue", params={"page": 2}).text
    assert 'class="govuk-pagination' in html
    assert 'href="/catalogue?page=3"' in html and 'rel="prev"' in html
    assert 'aria-current="page"' in html
    filtered = site.client("analyst").get("/catalogue", params={"q": "date", "kind": "field", "limit": 5}).text
    assert "q=date&amp;kind=field&amp;limit=5&amp;page=2" in filtered


def test_the_filter_choices_offer_only_visible_classifications_and_owners(site: WebSite) -> None:
    html = site.client("viewer").get("/catalogue").text
    assert '<option value="OFFICIAL-SENSITIVE"' not in html
    sensitive_owners = {a.owner for a in list_assets(site.obs.meta) if a.classification != "OFFICIAL"}
    official_owners = {a.owner for a in list_assets(site.obs.meta) if a.classification == "OFFICIAL"}
    for owner in sensitive_owners - official_owners:
        assert f'value="{owner}"' not in unescape(html)


# --- the asset page -------------------------------------------------------------------------------------------


def test_an_asset_page_shows_register_dictionary_quality_and_lineage(site: WebSite) -> None:
    response = site.client("analyst").get(page_of(SENSITIVE_DATASET))
    assert response.status_code == 200
    html = response.text
    assert '<h1 class="govuk-heading-l">Adult social care clients</h1>' in html
    for label in ("Information Asset Owner", "Lawful basis (UK GDPR Article 6)", "Last review", "Next review due"):
        assert label in html
    assert 'id="dictionary"' in html and 'href="/catalogue/assets/field.asc.clients.date_of_birth"' in html
    assert 'class="obs-chart"' in html and "Quality snapshots of asc.clients" in html
    assert 'class="obs-diagram"' in html and "obs-diagram__node--root" in html
    assert "Made from (upstream)" in html and 'href="/catalogue/assets/dataset.raw.asc__clients"' in html
    assert "flowchart LR" in html
    assert "Preview the first rows" in html
    assert "Edit this asset" not in html  # analysts do not edit


def test_the_json_twin_holds_the_same_asset(site: WebSite) -> None:
    data = site.api("steward").get("/api/catalogue/assets/" + SENSITIVE_DATASET).json()
    assert data["asset"]["id"] == SENSITIVE_DATASET
    register = {row["name"]: row for row in data["register"]}
    assert register["lawful_basis"]["text"] == "6(1)(e)"
    assert register["next_review_due"]["value"]
    names = {row["field"] for row in data["fields"]}
    assert {"date_of_birth", "nhs_number"} <= names
    nhs = next(row for row in data["fields"] if row["field"] == "nhs_number")
    assert nhs["personal"] is True and nhs["example"] is None and "valid" in nhs["quality"]
    assert data["quality"]["dataset"] == "asc.clients" and data["quality"]["history"][0]["score"] is not None
    assert data["lineage"]["root"] == SENSITIVE_DATASET
    assert data["mermaid"].startswith("flowchart LR")
    assert data["allowed"] == {"edit": True, "review": True, "preview": True}
    assert "diagram" not in data and "chart" not in data


def test_an_asset_the_role_cannot_see_is_refused_and_an_unknown_one_is_not_found(site: WebSite) -> None:
    refused = site.api("viewer").get("/api/catalogue/assets/" + SENSITIVE_DATASET)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert site.client("viewer").get(page_of(SENSITIVE_DATASET)).status_code == 403
    assert site.client("viewer").get(page_of("field.asc.clients.nhs_number")).status_code == 403
    missing = site.api("viewer").get("/api/catalogue/assets/dataset.asc.client")
    assert missing.status_code == 404
    assert "did you mean" not in missing.json()["error"]["message"]  # no hint naming assets it may not see
    assert site.client("analyst").get(page_of("dataset.nowhere.at_all")).status_code == 404


def test_lineage_through_assets_the_viewer_cannot_see_names_none_of_them(site: WebSite) -> None:
    hidden = set(present(site, "OFFICIAL-SENSITIVE"))
    data = site.api("viewer").get("/api/catalogue/assets/" + OFFICIAL_DATASET, params={"depth": 5}).json()
    nodes = {node["id"]: node for node in data["lineage"]["nodes"]}
    restricted = [node for node in nodes.values() if node["kind"] == "restricted"]
    assert restricted, "the gazetteer feeds linked tables the viewer cannot see"
    assert not hidden & set(nodes)
    assert not any(edge["source"] in hidden or edge["target"] in hidden for edge in data["lineage"]["edges"])
    assert not any(asset_id in data["mermaid"] for asset_id in hidden)
    html = site.client("viewer").get(page_of(OFFICIAL_DATASET), params={"depth": 5}).text
    assert not any(f'/catalogue/assets/{asset_id}"' in html for asset_id in hidden)
    assert "An asset you cannot see" in html and "obs-diagram__node--restricted" in html
    analyst = site.api("analyst").get("/api/catalogue/assets/" + OFFICIAL_DATASET, params={"depth": 5}).json()
    assert not any(node["kind"] == "restricted" for node in analyst["lineage"]["nodes"])
    assert len(analyst["lineage"]["nodes"]) == len(nodes)


def test_lineage_depth_and_direction_can_be_chosen(site: WebSite) -> None:
    api = site.api("analyst")
    shallow = api.get("/api/catalogue/assets/source.asc", params={"depth": 1}).json()["lineage"]
    assert shallow["truncated"] and max(node["depth"] for node in shallow["nodes"]) == 1
    html = site.client("analyst").get(page_of("source.asc"), params={"depth": 1}).text
    assert "Show more steps" in html and "depth=3" in html
    upstream = api.get("/api/catalogue/assets/" + SENSITIVE_DATASET, params={"direction": "upstream"}).json()
    assert all(node["depth"] <= 0 for node in upstream["lineage"]["nodes"])
    assert api.get("/api/catalogue/assets/source.asc", params={"depth": 0}).status_code == 422
    assert api.get("/api/catalogue/assets/source.asc", params={"direction": "sideways"}).status_code == 422


def test_a_field_page_shows_its_type_quality_and_its_dataset(site: WebSite) -> None:
    html = site.client("analyst").get(page_of("field.asc.clients.date_of_birth")).text
    assert "Standard type" in html and "Quality measures in the latest build" in html
    assert 'href="/catalogue/assets/dataset.asc.clients"' in html  # its dataset, in the breadcrumbs
    assert "Lineage of its dataset, dataset.asc.clients" in html
    assert "personal fields never show one" in html


def test_a_term_page_lists_only_the_linked_assets_the_role_sees(site: WebSite) -> None:
    term = next(t for t in list_assets(site.obs.meta, kind="term") if len(t.register.get("links") or []) > 1)
    links = [str(link) for link in term.register["links"]]
    data = site.api("viewer").get("/api/catalogue/assets/" + term.id).json()
    shown = {link["id"] for link in data["links"]["shown"]}
    sensitive = set(present(site, "OFFICIAL-SENSITIVE"))
    assert not shown & sensitive
    assert data["links"]["hidden"] == len([link for link in links if link in sensitive])


def test_no_asset_the_viewer_opens_names_an_asset_the_viewer_cannot_see(site: WebSite) -> None:
    """Not in the page, nor in its JSON twin: a term's links as kept and as declared, what a report depends on."""
    sensitive = set(present(site, "OFFICIAL-SENSITIVE"))
    official = present(site, "OFFICIAL")
    assert any(
        t.classification == "OFFICIAL" and set(t.register["links"]) & sensitive
        for t in list_assets(site.obs.meta, kind="term")
    ), "a term the viewer sees links to sensitive assets"
    api, browser = site.api("viewer"), site.client("viewer")
    for asset_id in official:
        for response in (api.get("/api/catalogue/assets/" + asset_id), browser.get(page_of(asset_id))):
            assert response.status_code == 200
            named = {found for found in sensitive if found in response.text}
            assert not named, f"{response.url} names {sorted(named)}"
    term = next(t for t in list_assets(site.obs.meta, kind="term") if set(t.register["links"]) & sensitive)
    analyst = site.api("analyst").get("/api/catalogue/assets/" + term.id).json()
    assert analyst["asset"]["register"]["links"] == term.register["links"], "roles that see them see every link"


def test_the_edit_history_of_links_names_only_assets_the_role_sees(private_site: WebSite) -> None:
    term = next(t for t in list_assets(private_site.obs.meta, kind="term") if t.classification == "OFFICIAL")
    edit_asset(private_site.obs.meta, term.id, {"links": f"{SENSITIVE_DATASET}, {OFFICIAL_DATASET}"}, by="a-steward")
    viewer = private_site.api("viewer").get("/api/catalogue/assets/" + term.id).json()
    assert viewer["asset"]["register"]["links"] == [OFFICIAL_DATASET]
    assert viewer["history"][0]["after"] == [OFFICIAL_DATASET]
    assert SENSITIVE_DATASET not in private_site.client("viewer").get(page_of(term.id)).text
    analyst = private_site.api("analyst").get("/api/catalogue/assets/" + term.id).json()
    assert analyst["history"][0]["after"] == [SENSITIVE_DATASET, OFFICIAL_DATASET]


def test_an_asset_id_with_awkward_characters_opens(site: WebSite) -> None:
    raw_field = next(a for a in list_assets(site.obs.meta, kind="field") if " " in a.id)
    response = site.client("analyst").get(page_of(raw_field.id))
    assert response.status_code == 200
    assert raw_field.name in unescape(response.text)


# --- escaping -------------------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
TITLE = '"><svg onload=alert(2)><script>alert(3)</script>'


def test_script_written_into_the_catalogue_is_shown_as_text_everywhere(private_site: WebSite) -> None:
    edit_asset(
        private_site.obs.meta,
        OFFICIAL_DATASET,
        {"description": f"Gazetteer {SCRIPT} properties", "title": TITLE},
        by="test",
    )
    viewer = private_site.client("viewer")
    pages = [
        viewer.get("/catalogue", params={"q": "gazetteer alert"}).text,
        viewer.get(page_of(OFFICIAL_DATASET)).text,
        viewer.get(page_of("dataset.raw.llpg__properties")).text,  # the title, as a node of the lineage diagram
        viewer.get("/catalogue/reviews", params={"within": 3650}).text,
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert "<svg onload" not in html
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html or "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    asset_page = pages[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in asset_page
    diagram = re.search(r'<svg class="obs-diagram".*?</svg>', pages[2], re.S)
    assert diagram and "&lt;svg onload=alert(2)&gt;" in diagram.group(0)
    assert all(tag in {"svg", "title", "desc", "defs", "marker", "path", "a", "g", "rect", "text"}
               for tag in re.findall(r"<([a-z]+)", diagram.group(0)))  # fmt: skip
    api = private_site.api("viewer").get("/api/catalogue/assets/" + OFFICIAL_DATASET).json()
    assert api["asset"]["description"] == f"Gazetteer {SCRIPT} properties"  # JSON keeps the text as written
