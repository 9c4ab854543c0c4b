"""The quality engine on data with known faults: exact counts for every measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.quality.engine import measure_dataset
from observatory.quality.measures import DatasetQuality
from observatory.standards.layer import refresh_postcodes, standardise
from tests.quality.fixtures import faulty_project


def _counts(quality: DatasetQuality) -> dict[str, tuple[int, int]]:
    return {m.name: (m.passed, m.total) for m in quality.measures}


@pytest.fixture
def measured(tmp_path: Path) -> dict[str, DatasetQuality]:
    with Observatory.open(faulty_project(tmp_path / "p")) as obs:
        report = build(obs)
        assert report.ok, report.failures
        results = {}
        for name in ("people.clients", "people.services"):
            dataset = obs.project.dataset(name)
            standard = standardise(obs, dataset)
            results[name] = measure_dataset(obs, dataset, standard.fields)
        return results


def test_clients_measures_are_exact(measured: dict[str, DatasetQuality]) -> None:
    clients = measured["people.clients"]
    assert clients.rows == 8
    assert clients.owner == "Head of Data"
    assert _counts(clients) == {
        "completeness:client_id": (8, 8),
        "completeness:date_of_birth": (7, 8),
        "validity:date_of_birth": (5, 7),  # 31/02 impossible, 2090 in the future
        "completeness:nhs_number": (7, 8),
        "validity:nhs_number": (6, 7),  # one wrong check digit
        "completeness:postcode": (8, 8),
        "validity:postcode": (6, 8),  # M41 is partial, Aberdeen is not a postcode
        "accuracy:postcode": (5, 6),  # AB10 9ZZ is well formed but does not exist
        "completeness:status": (7, 8),
        "allowed:status": (6, 7),  # Pending
        "uniqueness:client_id": (7, 8),  # C6 twice
        "timeliness:freshness": (1, 1),
    }


def test_services_measures_are_exact(measured: dict[str, DatasetQuality]) -> None:
    services = measured["people.services"]
    counts = _counts(services)
    assert counts["reference:client"] == (4, 5)  # C9 unknown; the row without a client is not measured
    assert counts["rule:end_not_before_start"] == (1, 2)
    assert counts["rule:adult_at_start"] == (2, 3)  # C6 is a child; unknown client and missing dob not evaluated
    assert counts["validity:weekly_cost"] == (4, 5)  # 1.2k is ambiguous
    assert counts["completeness:end_date"] == (2, 6)
    assert services.owner == "Head of Commissioning"
    assert "timeliness:freshness" not in counts  # no freshness declared


def test_failing_samples_show_keys_and_masked_personal_values(measured: dict[str, DatasetQuality]) -> None:
    clients = measured["people.clients"]
    samples = {s.measure: s for s in clients.samples}
    nhs = samples["validity:nhs_number"]
    assert nhs.columns == ["client_id", "nhs_number__raw"]
    assert nhs.rows == [{"client_id": "C4", "nhs_number__raw": "9999999999"}]
    assert "nhs_number__raw" in nhs.masked
    assert samples["allowed:status"].rows == [{"client_id": "C4", "status__raw": "Pending"}]
    assert samples["uniqueness:client_id"].rows == [{"client_id": "C6", "rows": "2"}]
    postcode = samples["validity:postcode"]
    assert [r["client_id"] for r in postcode.rows] == ["C6", "C8"]
    services = {s.measure: s for s in measured["people.services"].samples}
    assert services["reference:client"].rows == [{"service_id": "S3", "client_id": "C9"}]
    assert services["rule:end_not_before_start"].rows[0]["service_id"] == "S2"
    assert "completeness:end_date" not in services  # not critical: no sample


def test_standard_layer_keeps_originals_and_geography(tmp_path: Path) -> None:
    with Observatory.open(faulty_project(tmp_path / "p")) as obs:
        build(obs)
        table = obs.engine.table("standard", "people__clients")
        rows = obs.engine.to_arrow(table.order_by("postcode__raw")).to_pylist()
        by_raw = {r["postcode__raw"]: r for r in rows}
        assert by_raw["ab101ab"]["postcode"] == "AB10 1AB"
        assert by_raw["ab101ab"]["postcode__exists"] is True
        assert by_raw["ab101ab"]["postcode__local_authority"] == "S12000033"
        assert by_raw["AB10 9ZZ"]["postcode__exists"] is False
        assert by_raw["Aberdeen"]["postcode__status"] == "invalid"
        assert by_raw["Aberdeen"]["postcode__exists"] is None


def test_refresh_postcodes_is_a_recorded_run(obs: Observatory) -> None:
    assert refresh_postcodes(obs) == 4237
