"""The minimal web page and its JSON twin."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from observatory import Observatory
from observatory.ingest.loads import ingest_path
from observatory.web.app import create_app


def test_status_page_and_api(obs: Observatory, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("id,name\n1,Ann\n2\n", encoding="utf-8")
    ingest_path(obs, path)
    client = TestClient(create_app(obs))
    api = client.get("/api/status")
    assert api.status_code == 200
    [entry] = api.json()["datasets"]
    assert entry["current"]["rows_loaded"] == 1 and entry["current"]["rows_rejected"] == 1
    page = client.get("/")
    assert page.status_code == 200
    assert "adhoc.clients" in page.text and "clients.csv" in page.text
    assert "Ann" not in page.text  # the page lists loads, never row contents
