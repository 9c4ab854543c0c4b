"""A small demo council builds: every dataset, the new event datasets included, loads with no rejected row,
the quality checks find exactly the injected duplicates and bad end dates, and every KPI is computed with
the values its ground truth gives."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from observatory import Observatory
from observatory.build import BuildReport, build
from observatory.demo import GenerateSummary, generate
from observatory.demo.kpi_truth import expected_totals
from observatory.quality.snapshots import latest_snapshots
from tests.demo.kpi_values import assert_totals_equal, stored_totals

RESIDENTS = 800
EVENT_DATASETS = (
    "asc.contacts",
    "ctax.payments",
    "housing.homelessness",
    "housing.temporary_accommodation",
    "schools.attendance",
    "population.estimates",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, GenerateSummary, BuildReport, Observatory]]:
    root = tmp_path_factory.mktemp("built") / "council"
    summary = generate(root, residents=RESIDENTS, seed=21)
    with Observatory.open(root) as obs:
        yield root, summary, build(obs, linkage=False), obs


def test_every_dataset_loads_without_rejects(
    built: tuple[Path, GenerateSummary, BuildReport, Observatory],
) -> None:
    _, summary, report, obs = built
    assert report.ok, report.failures
    loads = {f"{load.source}.{load.dataset}": load for load in report.loads}
    assert set(EVENT_DATASETS) <= set(loads)
    assert len(loads) == len(obs.project.all_datasets()) == 17
    for name, load in loads.items():
        assert load.rows_rejected == 0, name
        assert load.rows_loaded == load.rows_read > 0, name
    for name in EVENT_DATASETS:
        dataset = obs.project.dataset(name)
        assert dataset.path is not None
        assert loads[name].rows_loaded == summary.files[dataset.spec.path or ""], name


def test_quality_checks_find_the_injected_faults_of_the_new_datasets(
    built: tuple[Path, GenerateSummary, BuildReport, Observatory],
) -> None:
    root, _, _, obs = built
    with (root / "ground_truth" / "quality_faults.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if f"{row['source']}.{row['dataset']}" in EVENT_DATASETS]
    snapshots = latest_snapshots(obs.meta)
    checked = 0
    for row in rows:
        name = f"{row['source']}.{row['dataset']}"
        if row["fault"] == "duplicate_row":
            measure = "uniqueness:" + ",".join(obs.project.dataset(name).spec.keys or [])
        else:
            measure = f"rule:{row['field_or_rule']}"
        stored = snapshots[name].measure(measure)
        assert stored is not None, (name, measure)
        assert stored.failed == int(row["count"]), (name, measure)
        checked += int(row["count"])
    assert checked > 0


def test_every_kpi_total_equals_its_ground_truth(
    built: tuple[Path, GenerateSummary, BuildReport, Observatory],
) -> None:
    root, _, report, obs = built
    assert report.metrics is not None and report.metrics.ok, report.metrics
    assert len(report.metrics.computed) == len(obs.project.metrics.kpis) == 13
    assert_totals_equal(stored_totals(obs), expected_totals(root))
