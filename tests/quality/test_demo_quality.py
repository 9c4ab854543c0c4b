"""The demo council's quality snapshots show exactly the faults its generator injected."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.quality.report import quality_report
from observatory.quality.snapshots import latest_snapshots

RESIDENTS = 3000


def _measure_for(dataset_keys: dict[str, list[str]], dataset: str, subject: str, fault: str) -> str:
    if fault == "duplicate_row":
        return f"uniqueness:{','.join(dataset_keys[dataset])}"
    if fault in ("invalid_nhs_number", "postcode_town", "postcode_outward"):
        return f"validity:{subject}"
    if fault == "orphan_reference":
        return f"reference:{subject}"
    return f"rule:{subject}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "council"
    generate(root, residents=RESIDENTS, seed=7)
    with Observatory.open(root) as obs:
        report = build(obs)
        assert report.ok, report.failures
    return root


def test_every_injected_fault_is_counted(demo: Path) -> None:
    with Observatory.open(demo) as obs:
        keys = {f"{d.source}.{d.name}": list(d.spec.keys or []) for d in obs.project.all_datasets()}
        expected: dict[tuple[str, str], int] = defaultdict(int)
        with (demo / "ground_truth" / "quality_faults.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                dataset = f"{row['source']}.{row['dataset']}"
                expected[(dataset, _measure_for(keys, dataset, row["field_or_rule"], row["fault"]))] += int(
                    row["count"]
                )
        assert sum(expected.values()) > 0
        snapshots = latest_snapshots(obs.meta)
        found = {}
        for dataset, measure in expected:
            stored = snapshots[dataset].measure(measure)
            assert stored is not None, (dataset, measure)
            found[(dataset, measure)] = stored.failed
        assert found == dict(expected)


def test_every_dataset_has_a_snapshot_with_confidence(demo: Path) -> None:
    with Observatory.open(demo) as obs:
        report = quality_report(obs.meta, [f"{d.source}.{d.name}" for d in obs.project.all_datasets()])
    datasets = report["datasets"]
    assert len(datasets) == 17
    for entry in datasets:
        assert entry["confidence"] in ("high", "medium", "low")
        assert entry["statement"]
