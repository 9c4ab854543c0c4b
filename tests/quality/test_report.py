"""The quality report built from stored snapshots, and its self-contained HTML page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from observatory.meta import MetaStore
from observatory.quality.html import render_html, scale_range, signed_points, sparkline, write_html
from observatory.quality.measures import DatasetQuality, FailingSample
from observatory.quality.report import quality_report
from tests.quality.builders import START, measure, quality, save

SAMPLE = FailingSample(
    "validity:date_of_birth",
    ["client_id", "date_of_birth"],
    [{"client_id": "000123", "date_of_birth": "99/99/9999"}, {"client_id": "000124", "date_of_birth": None}],
    ["date_of_birth"],
)


def _clients(day: int, dob: int, rule: int, **kwargs: Any) -> DatasetQuality:
    return quality(
        measure("completeness:date_of_birth", dob, 1000, critical=True),
        measure("validity:date_of_birth", 950, 1000, critical=True),
        measure("completeness:ethnicity", 700, 1000),
        measure("rule:adult", rule, 1000, dimension="validity", description="age <script>alert(1)</script> >= 18"),
        measure("reference:gp", 1000, 1000, description="gp found in health.practices"),
        at=START + timedelta(days=day),
        **kwargs,
    )


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    store = MetaStore(meta_url)
    store.migrate()
    save(store, _clients(0, 990, 1000))
    save(store, _clients(1, 985, 990))
    save(store, _clients(2, 950, 995, samples=[SAMPLE]))
    save(store, quality(measure("completeness:end_date", 10, 10), dataset="asc.services", owner=""))
    yield store
    store.close()


def _report(meta: MetaStore) -> dict[str, Any]:
    return quality_report(meta, ["asc.clients", "asc.services", "ctax.accounts"], title="Demo County Council")


def test_report_of_a_dataset(meta: MetaStore) -> None:
    report = _report(meta)
    clients, services, missing = report["datasets"]
    assert json.loads(json.dumps(report)) == report  # JSON-able as it is

    assert clients["dataset"] == "asc.clients" and clients["measured"] is True
    assert clients["score"] == pytest.approx((0.95 + (0.95 + 0.995) / 2 + 1.0) / 3)  # 97.41...%
    assert clients["confidence"] == "medium"  # completeness of date of birth is 95.0% and 1 alert is open
    assert clients["statement"].endswith("confidence: medium because 1 alert is open.")
    dimensions = {d["dimension"]: d for d in clients["dimensions"]}
    assert dimensions["completeness"]["score"] == 0.95
    assert dimensions["completeness"]["previous"] == 0.985
    assert dimensions["completeness"]["change"] == -0.035
    assert dimensions["timeliness"] == {"dimension": "timeliness", "score": None, "previous": None, "change": None}
    assert clients["change"] == pytest.approx(clients["score"] - clients["previous"]["score"])
    assert clients["previous"]["snapshot_id"] == clients["snapshot_id"] - 1

    measures = {m["name"]: m for m in clients["measures"]}
    dob = measures["completeness:date_of_birth"]
    assert (dob["passed"], dob["total"], dob["failed"], dob["value"]) == (950, 1000, 50, 0.95)
    assert (dob["previous_value"], dob["change"], dob["key"]) == (0.985, -0.035, True)
    assert measures["completeness:ethnicity"]["key"] is False
    assert [r["name"] for r in clients["rules"]] == ["rule:adult", "reference:gp"]
    assert clients["rules"][0]["change"] == 0.005

    [alert] = clients["alerts"]
    assert alert["measure"] == "completeness:date_of_birth" and alert["status"] == "open"
    assert clients["samples"] == [
        {
            "measure": "validity:date_of_birth",
            "label": "validity of date of birth",
            "columns": SAMPLE.columns,
            "rows": SAMPLE.rows,
            "masked": ["date_of_birth"],
        }
    ]
    trends = clients["trends"]
    assert [p["value"] for p in trends["dimensions"]["completeness"]] == [0.99, 0.985, 0.95]
    assert [t["measure"] for t in trends["measures"]] == ["completeness:date_of_birth", "validity:date_of_birth"]
    assert [p["value"] for p in trends["measures"][0]["points"]] == [0.99, 0.985, 0.95]
    assert len(trends["score"]) == 3

    assert services["previous"] is None and services["change"] is None and services["alerts"] == []
    assert missing == {"dataset": "ctax.accounts", "measured": False}
    assert report["summary"] == {
        "datasets": 3,
        "measured": 2,
        "confidence": {"high": 1, "medium": 1, "low": 0, "not measured": 1},
        "open_alerts": 1,
    }


def test_trends_go_back_a_given_number_of_snapshots(meta: MetaStore) -> None:
    report = quality_report(meta, ["asc.clients"], points=2)
    [clients] = report["datasets"]
    assert [p["value"] for p in clients["trends"]["measures"][0]["points"]] == [0.985, 0.95]
    assert quality_report(meta)["summary"]["datasets"] == 2  # default: every measured dataset


def test_html_is_one_self_contained_page(meta: MetaStore, tmp_path: Path) -> None:
    report = _report(meta)
    path = write_html(report, tmp_path / "out" / "quality.html")
    page = path.read_text(encoding="utf-8")
    assert page == render_html(report)

    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    for outside in ("<script", "<link", "@import", "url(", "<img", "<iframe"):
        assert outside not in page.lower(), outside
    assert "age &lt;script&gt;alert(1)&lt;/script&gt; &gt;= 18" in page  # text from a contract is escaped

    assert "97.4%" in page
    assert '<strong class="tag tag-medium">medium</strong>' in page
    assert '<strong class="tag tag-high">high</strong>' in page
    assert "not measured" in page and 'id="ctax-accounts"' in page and 'href="#asc-clients"' in page
    assert "95.0%" in page and "98.5%" in page and "−3.5" in page
    assert "fell from 99.0% at the baseline (first snapshot) to 95.0%" in page
    assert '<span class="masked" title="masked">99/99/9999</span>' in page
    assert 'date_of_birth <span class="masked-label">(masked)</span>' in page
    # clients: 3 measured dimensions, the score, 2 critical fields; services: 1 dimension and the score
    assert page.count("<svg") == 3 + 1 + 2 + 1 + 1
    assert "completeness of date of birth: 99.0%, 98.5%, 95.0%" in page


def test_sparkline_scales_and_leaves_gaps() -> None:
    assert sparkline([]) == "" and sparkline([None, None]) == ""
    svg = str(sparkline([0.9, None, 1.0, 0.95], width=100, height=20, label="x"))
    assert svg.count("<polyline") == 2  # the gap splits the line
    assert 'points="3.0,17.0"' in svg and 'points="65.7,3.0 97.0,10.0"' in svg
    assert '<circle cx="97.0" cy="10.0"' in svg
    assert "<title>x: 90.0%, not measured, 100.0%, 95.0%</title>" in svg
    flat = str(sparkline([0.5, 0.5], width=100, height=20))
    assert 'points="3.0,10.0 97.0,10.0"' in flat
    assert '"<b>' not in str(sparkline([1.0], label='"<b>'))


def test_scale_and_signed_points() -> None:
    assert scale_range([0.9, 1.0]) == (0.9, 1.0)
    assert scale_range([0.95, 0.96]) == pytest.approx((0.945, 0.965))
    assert [signed_points(v) for v in (0.0123, -0.035, 0.00004, None)] == ["+1.2", "−3.5", "0.0", ""]
