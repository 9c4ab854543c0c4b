"""DuckDB and Spark give the same quality snapshot for the demo council: every measure and every sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.quality.measures import FailingSample, Measure
from observatory.quality.snapshots import failing_samples

pytestmark = pytest.mark.spark

RESIDENTS = 600


def _quality(root: Path) -> tuple[dict[str, list[Measure]], dict[str, list[FailingSample]], dict[str, Any]]:
    with Observatory.open(root) as obs:
        report = build(obs, linkage=False)  # linkage parity: tests/linkage/test_link_spark.py
        assert report.ok, report.failures
        standard = {f"{r.dataset.source}.{r.dataset.name}": r.rows for r in report.standard}
        measures = {s.snapshot.dataset: s.snapshot.measures for s in report.quality}

        samples = {s.snapshot.dataset: failing_samples(obs.meta, s.snapshot.id) for s in report.quality}
        return measures, samples, standard


def test_demo_quality_is_the_same_on_duckdb_and_spark(spark: Any, tmp_path: Path) -> None:
    results = {}
    for engine in ("duckdb", "spark"):
        root = tmp_path / engine
        generate(root, residents=RESIDENTS, seed=11)
        with (root / "observatory.yml").open("a", encoding="utf-8") as handle:
            handle.write(f"engine: {engine}\n")
        results[engine] = _quality(root)
    duck, sparky = results["duckdb"], results["spark"]
    assert duck[2] == sparky[2]  # standard-layer row counts
    assert len(duck[0]) == 17
    for dataset, measures in duck[0].items():
        assert [(m.name, m.passed, m.total) for m in measures] == [
            (m.name, m.passed, m.total) for m in sparky[0][dataset]
        ], dataset
    for dataset, samples in duck[1].items():
        assert [(s.measure, s.columns, s.rows) for s in samples] == [
            (s.measure, s.columns, s.rows) for s in sparky[1][dataset]
        ], dataset
