"""The residents pages: search by each criterion, the single view, purposes and the audit trail, hostile input.

Residents are picked from the built demo's linked tables (and checked against its ground truth), never typed in.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import duckdb
import pytest
from fastapi.testclient import TestClient

from observatory.meta.audit import AuditQuery, entries
from observatory.web.single_view import SEARCH_LIMIT
from tests.web.conftest import WebSite, csrf_of

PURPOSE = "safeguarding"
INJECTIONS = (
    "' OR '1'='1",
    "'; DROP TABLE linked.residents; --",
    '" OR 1=1 --',
    "%",
    "_",
    "R%' UNION SELECT * FROM linked.residents --",
    "\\' OR 1=1 /*",
)


@pytest.fixture(scope="module")
def warehouse(site: WebSite) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the demo's warehouse, to pick residents the way a tester would."""
    con = duckdb.connect(str(site.obs.project.warehouse_path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def resident(warehouse: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A resident seen by several systems, with an NHS number, a date of birth and someone else at their UPRN."""
    found = _rows(
        warehouse,
        """
SELECT r.* FROM linked.residents AS r
WHERE r.datasets >= 2 AND r.nhs_number IS NOT NULL AND r.ni_number IS NOT NULL AND r.uprn IS NOT NULL
  AND r.date_of_birth IS NOT NULL AND r.postcode IS NOT NULL
  AND EXISTS (SELECT 1 FROM linked.resident_records AS m WHERE m.uprn = r.uprn AND m.resident_id <> r.resident_id)
ORDER BY r.datasets DESC, r.records DESC, r.resident_id LIMIT 1""",
    )
    assert found, "the demo council should have a resident known to several systems who shares a household"
    return found[0]


@pytest.fixture(scope="module")
def steward_api(site: WebSite) -> TestClient:
    return site.api("steward")


def search(client: TestClient, **fields: str) -> Any:
    return client.post("/api/residents", data={"purpose": PURPOSE, **fields})


def found_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["resident_id"] for row in response.json()["results"]]


def latest(site: WebSite, **query: Any) -> dict[str, Any]:
    rows, total = entries(site.obs.meta, AuditQuery(limit=1, **query))
    assert total, f"no audit entry matches {query}"
    return rows[0]


# --- searching by each criterion --------------------------------------------------------------------------


def test_search_by_name_ignores_case_accents_and_extra_spaces(site: WebSite, resident: dict[str, Any]) -> None:
    client = site.client("steward")
    form = client.get("/residents")
    assert form.status_code == 200
    typed = f"  {resident['forename'].lower()}    {resident['surname'].title()}  "
    response = client.post("/residents", data={"name": typed, "purpose": PURPOSE, "csrf_token": csrf_of(form.text)})
    assert response.status_code == 200
    assert f'href="/residents/{resident["resident_id"]}?purpose={PURPOSE}"' in response.text
    assert resident["resident_id"] in found_ids(search(site.api("steward"), name=typed))
    surname_first = f"{resident['surname']} {resident['forename'][:2]}"  # any order; the start of a name is enough
    assert resident["resident_id"] in found_ids(search(site.api("steward"), name=surname_first))


def test_search_by_date_of_birth_in_iso_and_uk_forms(steward_api: TestClient, resident: dict[str, Any]) -> None:
    born = resident["date_of_birth"]
    for typed in (born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day}.{born.month}.{born.year}"):
        response = search(steward_api, date_of_birth=typed)
        assert resident["resident_id"] in found_ids(response), typed
        assert response.json()["criteria"]["date_of_birth"] == born.isoformat()


def test_search_by_postcode_sector_and_district(steward_api: TestClient, resident: dict[str, Any]) -> None:
    postcode = resident["postcode"]
    outward, inward = postcode.split(" ")
    for typed in (postcode.replace(" ", "").lower(), f"{outward} {inward[0]}"):
        assert resident["resident_id"] in found_ids(search(steward_api, postcode=typed)), typed
    narrowed = search(steward_api, postcode=outward, name=resident["surname"])
    assert resident["resident_id"] in found_ids(narrowed)


def test_search_by_each_identifier(
    steward_api: TestClient, resident: dict[str, Any], warehouse: duckdb.DuckDBPyConnection
) -> None:
    nhs = resident["nhs_number"]
    record = _rows(
        warehouse,
        "SELECT unique_id, record_key FROM linked.resident_records WHERE resident_id = ? ORDER BY unique_id LIMIT 1",
        [resident["resident_id"]],
    )[0]
    typed = {
        "NHS number with spaces": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        "NI number in lower case": resident["ni_number"].lower(),
        "resident id": resident["resident_id"],
        "record id": record["unique_id"],
        "source record key": record["record_key"],
        "UPRN": str(resident["uprn"]),
    }
    for what, value in typed.items():
        assert resident["resident_id"] in found_ids(search(steward_api, identifier=value)), what
    assert found_ids(search(steward_api, identifier=typed["NHS number with spaces"])) == [resident["resident_id"]]


def test_search_by_upn(steward_api: TestClient, warehouse: duckdb.DuckDBPyConnection) -> None:
    pupil = _rows(
        warehouse,
        "SELECT resident_id, upn FROM linked.residents WHERE upn IS NOT NULL ORDER BY resident_id LIMIT 1",
    )[0]
    assert found_ids(search(steward_api, identifier=pupil["upn"].lower())) == [pupil["resident_id"]]


def test_a_council_tax_account_finds_every_liable_party(
    steward_api: TestClient, warehouse: duckdb.DuckDBPyConnection
) -> None:
    account = _rows(
        warehouse,
        """
SELECT split_part(record_key, '-', 1) AS account, list(DISTINCT resident_id ORDER BY resident_id) AS residents
FROM linked.resident_records WHERE dataset = 'ctax.accounts'
GROUP BY 1 HAVING count(DISTINCT resident_id) > 1 ORDER BY 1 LIMIT 1""",
    )[0]
    assert sorted(found_ids(search(steward_api, identifier=account["account"]))) == account["residents"]


def test_an_nhs_number_finds_the_true_person(
    site: WebSite, steward_api: TestClient, warehouse: duckdb.DuckDBPyConnection
) -> None:
    """Checked against the demo's ground truth: the records found belong to the person with that NHS number."""
    truth = site.root / "ground_truth"
    with (truth / "people.csv").open(newline="") as handle:
        people = {row["nhs_number"]: row["person_id"] for row in csv.DictReader(handle) if row["nhs_number"]}
    with (truth / "records.csv").open(newline="") as handle:
        person_of = {f"{r['source']}.{r['dataset']}:{r['record_key']}": r["person_id"] for r in csv.DictReader(handle)}
    linked = _rows(warehouse, "SELECT DISTINCT nhs_number FROM linked.person_records WHERE nhs_number IS NOT NULL")
    nhs = next(
        row["nhs_number"] for row in sorted(linked, key=lambda row: row["nhs_number"]) if row["nhs_number"] in people
    )
    response = search(steward_api, identifier=nhs)
    results = response.json()["results"]
    assert found_ids(response)
    for row in results:
        assert {person_of[uid] for uid in row["matched_records"]} == {people[nhs]}


def test_results_are_capped_with_a_message(
    site: WebSite, steward_api: TestClient, warehouse: duckdb.DuckDBPyConnection
) -> None:
    busiest = _rows(
        warehouse,
        """
SELECT p.postcode_district AS district, count(DISTINCT m.resident_id) AS residents
FROM linked.person_records AS p JOIN linked.resident_records AS m USING (unique_id)
WHERE p.postcode_district IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1""",
    )[0]
    assert busiest["residents"] > SEARCH_LIMIT, "the demo should have a district with more residents than the cap"
    response = search(steward_api, postcode=busiest["district"])
    assert len(found_ids(response)) == SEARCH_LIMIT and response.json()["more"] is True
    client = site.client("steward")
    page = client.post(
        "/residents",
        data={
            "postcode": busiest["district"],
            "purpose": PURPOSE,
            "csrf_token": csrf_of(client.get("/residents").text),
        },
    )
    assert f"More than {SEARCH_LIMIT} residents found" in page.text and "narrow the search" in page.text


# --- hostile and odd input ---------------------------------------------------------------------------------


def test_sql_injection_in_every_field_is_inert(
    steward_api: TestClient, resident: dict[str, Any], warehouse: duckdb.DuckDBPyConnection
) -> None:
    before = _rows(warehouse, "SELECT count(*) AS n FROM linked.residents")[0]["n"]
    baseline = set(found_ids(search(steward_api, name=resident["surname"])))
    for payload in INJECTIONS:
        for field in ("name", "date_of_birth", "postcode", "identifier"):
            alone = search(steward_api, **{field: payload})
            assert alone.status_code in (200, 400), (field, payload, alone.text)
            if alone.status_code == 200:
                assert found_ids(alone) == [], (field, payload)
            else:
                assert alone.json()["error"]["code"] == "invalid_search"
            if field != "name":
                combined = search(steward_api, name=resident["surname"], **{field: payload})
                assert combined.status_code in (200, 400)
                if combined.status_code == 200:
                    assert set(found_ids(combined)) <= baseline
        resident_page = steward_api.get(f"/api/residents/{quote(payload, safe='')}", params={"purpose": PURPOSE})
        assert resident_page.status_code == 404, payload
    assert _rows(warehouse, "SELECT count(*) AS n FROM linked.residents")[0]["n"] == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_of_birth": "31/02/1990"}, "date_of_birth", "is not a real date"),
        ({"date_of_birth": "next tuesday"}, "date_of_birth", "day/month/year"),
        ({"date_of_birth": "1/1/2999"}, "date_of_birth", "in the past"),
        ({"postcode": "NOT A POSTCODE"}, "postcode", "real postcode"),
        ({"name": "a b c d e f g"}, "name", "at most"),
        ({}, "name", "Enter a name"),
    ],
)
def test_unreadable_criteria_are_clear_errors(
    site: WebSite, steward_api: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    response = search(steward_api, **fields)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_search" and message in response.json()["error"]["message"]
    client = site.client("steward")
    page = client.post(
        "/residents", data={**fields, "purpose": PURPOSE, "csrf_token": csrf_of(client.get("/residents").text)}
    )
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text and f'href="#{field}"' in page.text and message in page.text


def test_overlong_fields_are_refused(steward_api: TestClient) -> None:
    assert search(steward_api, name="x" * 201).status_code == 422
    assert search(steward_api, identifier="9" * 101).status_code == 422


# --- purpose and audit -------------------------------------------------------------------------------------


def test_search_without_a_purpose_is_refused_and_audited(site: WebSite, resident: dict[str, Any]) -> None:
    api = site.api("steward")
    for purpose in ("", "curiosity"):
        response = api.post("/api/residents", data={"name": resident["surname"], "purpose": purpose})
        assert response.status_code == 403 and response.json()["error"]["code"] == "purpose_required"
        entry = latest(site, actor=site.users["steward"].username, action="residents.search")
        assert entry["outcome"] == "refused"
        assert entry["detail"]["reason"] == ("no purpose" if not purpose else "unknown purpose")
    client = site.client("steward")
    page = client.post(
        "/residents", data={"name": resident["surname"], "csrf_token": csrf_of(client.get("/residents").text)}
    )
    assert page.status_code == 403
    assert "Choose why you need to see this personal data" in page.text
    assert resident["resident_id"] not in page.text


def test_each_search_is_audited_with_criteria_and_count(site: WebSite, resident: dict[str, Any]) -> None:
    api = site.api("ig_officer")
    response = api.post(
        "/api/residents",
        data={"name": resident["surname"], "date_of_birth": resident["date_of_birth"].isoformat(), "purpose": PURPOSE},
    )
    ids = found_ids(response)
    entry = latest(site, actor=site.users["ig_officer"].username, action="residents.search")
    assert entry["outcome"] == "allowed" and entry["purpose"] == PURPOSE and entry["role"] == "ig_officer"
    assert entry["detail"]["criteria"]["name"] == resident["surname"]
    assert entry["detail"]["criteria"]["date_of_birth"] == resident["date_of_birth"].isoformat()
    assert entry["detail"]["results"] == len(ids) and entry["detail"]["resident_ids"] == ids


def test_the_search_form_itself_shows_and_audits_nothing(site: WebSite) -> None:
    searches = entries(site.obs.meta, AuditQuery(limit=1, action="residents.search"))[1]
    page = site.client("admin").get("/residents")
    assert page.status_code == 200 and 'name="purpose"' in page.text and 'method="post"' in page.text
    assert entries(site.obs.meta, AuditQuery(limit=1, action="residents.search"))[1] == searches


def test_search_without_a_csrf_token_is_refused(site: WebSite, resident: dict[str, Any]) -> None:
    response = site.client("steward").post("/residents", data={"name": resident["surname"], "purpose": PURPOSE})
    assert response.status_code == 403 and "did not come from this site" in response.text


# --- one resident ------------------------------------------------------------------------------------------


def test_resident_page_asks_for_a_purpose_first(site: WebSite, resident: dict[str, Any]) -> None:
    client = site.client("steward")
    page = client.get(f"/residents/{resident['resident_id']}")
    assert page.status_code == 200
    assert f'action="/residents/{resident["resident_id"]}"' in page.text and 'method="get"' in page.text
    for personal in (resident["surname"], resident["nhs_number"], resident["postcode"]):
        assert personal not in page.text
    api = site.api("steward").get(f"/api/residents/{resident['resident_id']}")
    assert api.status_code == 403 and api.json()["error"]["code"] == "purpose_required"
    entry = latest(site, resident_id=resident["resident_id"], outcome="refused")
    assert entry["action"] == "resident.view" and entry["detail"]["reason"] == "no purpose"
    wrong = client.get(f"/residents/{resident['resident_id']}", params={"purpose": "nosiness"})
    assert wrong.status_code == 403 and "Choose one of the purposes listed" in wrong.text
    assert resident["surname"] not in wrong.text
    assert latest(site, resident_id=resident["resident_id"], outcome="refused")["detail"]["reason"] == (
        "unknown purpose"
    )


def test_resident_page_shows_the_single_view(
    site: WebSite, resident: dict[str, Any], warehouse: duckdb.DuckDBPyConnection
) -> None:
    rid = resident["resident_id"]
    records = _rows(warehouse, "SELECT unique_id, dataset FROM linked.resident_records WHERE resident_id = ?", [rid])
    neighbours = _rows(
        warehouse,
        "SELECT DISTINCT resident_id FROM linked.resident_records WHERE uprn = ? AND resident_id <> ?",
        [resident["uprn"], rid],
    )
    page = site.client("steward").get(f"/residents/{rid}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1 and resident["surname"] in html and resident["nhs_number"] in html
    assert "Safeguarding a child or an adult at risk" in html
    for record in records:
        assert record["unique_id"] in html
    titles = {
        f"{source.name}.{dataset.name}": source.spec.title
        for source in site.obs.project.sources.values()
        for dataset in source.datasets.values()
    }
    for dataset in {record["dataset"] for record in records}:
        assert titles[dataset] in html
    for other in neighbours:
        assert f'href="/residents/{other["resident_id"]}?purpose={PURPOSE}"' in html

    data = site.api("steward").get(f"/api/residents/{rid}", params={"purpose": PURPOSE}).json()
    assert data["golden"]["nhs_number"] == resident["nhs_number"]
    assert {row["unique_id"] for row in data["records"]} == {record["unique_id"] for record in records}
    assert len({row["dataset"] for row in data["records"]}) >= 2
    attributes = {row["attribute"]: row for row in data["attributes"]}
    assert attributes["nhs_number"]["unique_id"] in {record["unique_id"] for record in records}
    assert attributes["surname"]["rule"] in ("only", "trusted", "recent", "frequent", "tie")
    current = [household for household in data["households"] if household["current"]]
    assert current and current[0]["uprn"] == resident["uprn"]
    assert {other["resident_id"] for other in current[0]["residents"]} == {row["resident_id"] for row in neighbours}
    assert all(set(other) == {"resident_id", "forename", "surname", "href"} for other in current[0]["residents"])


def test_each_resident_view_is_audited_with_what_was_shown(site: WebSite, resident: dict[str, Any]) -> None:
    rid = resident["resident_id"]
    data = site.api("admin").get(f"/api/residents/{rid}", params={"purpose": "service_delivery"}).json()
    entry = latest(site, actor=site.users["admin"].username, resident_id=rid, action="resident.view")
    assert entry["outcome"] == "allowed" and entry["purpose"] == "service_delivery"
    assert entry["target"] == f"resident:{rid}"
    assert entry["detail"]["records"] == [row["unique_id"] for row in data["records"]]
    assert entry["detail"]["datasets"] == sorted({row["dataset"] for row in data["records"]})
    shown = {other["resident_id"] for household in data["households"] for other in household["residents"]}
    assert set(entry["detail"]["household_residents"]) == shown


def test_an_unknown_resident_is_not_found_and_audited(site: WebSite) -> None:
    for missing in ("R99999999", "nobody", "R" + "9" * 30):
        response = site.api("steward").get(f"/api/residents/{missing}", params={"purpose": PURPOSE})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        entry = latest(site, resident_id=missing, action="resident.view")
        assert entry["outcome"] == "failed" and entry["detail"]["reason"] == "no such resident"
    assert site.client("steward").get("/residents/R99999999", params={"purpose": PURPOSE}).status_code == 404
    assert site.api("steward").get("/api/residents/" + "R" * 101, params={"purpose": PURPOSE}).status_code == 422


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_without_residents_view_are_refused(site: WebSite, resident: dict[str, Any], role: str) -> None:
    rid = resident["resident_id"]
    client = site.client(role)
    assert client.get("/residents").status_code == 403
    assert client.get(f"/residents/{rid}", params={"purpose": PURPOSE}).status_code == 403
    api = site.api(role)
    assert api.get(f"/api/residents/{rid}", params={"purpose": PURPOSE}).status_code == 403
    assert api.post("/api/residents", data={"name": resident["surname"], "purpose": PURPOSE}).status_code == 403
    assert 'href="/residents"' not in client.get("/").text


def test_nobody_signed_in_is_sent_to_sign_in(site: WebSite, resident: dict[str, Any]) -> None:
    page = site.client().get(f"/residents/{resident['resident_id']}", params={"purpose": PURPOSE})
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert site.api().post("/api/residents", data={"name": "x", "purpose": PURPOSE}).status_code == 401
