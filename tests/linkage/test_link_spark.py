"""The same saved model gives the same residents, households and golden records on DuckDB and Spark."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.linkage.model import MODEL_FILE

pytestmark = [pytest.mark.spark, pytest.mark.slow]

RESIDENTS = 600


def _linked(root: Path) -> tuple[set[frozenset[str]], dict[str, Any], list[dict[str, Any]]]:
    with Observatory.open(root) as obs:
        report = build(obs)
        assert report.ok, report.failures
        assert report.linkage is not None
        engine = obs.engine
        rows = engine.to_arrow(
            engine.table("linked", "resident_records").select("unique_id", "resident_id", "household_id")
        ).to_pylist()
        residents: dict[str, set[str]] = {}
        for row in rows:
            residents.setdefault(row["resident_id"], set()).add(row["unique_id"])
        households = {row["unique_id"]: row["household_id"] for row in rows}
        golden = engine.to_arrow(
            engine.table("linked", "residents")
            .select("records", "surname", "date_of_birth", "uprn")
            .order_by(["surname", "date_of_birth", "uprn", "records"])
        ).to_pylist()
        return {frozenset(ids) for ids in residents.values()}, households, golden


def test_same_clusters_on_duckdb_and_spark(spark: Any, tmp_path: Path) -> None:
    duck = tmp_path / "duckdb"
    generate(duck, residents=RESIDENTS, seed=5)
    clusters, households, golden = _linked(duck)
    sparky = tmp_path / "spark"
    generate(sparky, residents=RESIDENTS, seed=5)
    with (sparky / "observatory.yml").open("a", encoding="utf-8") as handle:
        handle.write("engine: spark\n")
    (sparky / MODEL_FILE).parent.mkdir(parents=True)
    shutil.copy(duck / MODEL_FILE, sparky / MODEL_FILE)  # train once, reuse on the other engine
    spark_clusters, spark_households, spark_golden = _linked(sparky)
    assert spark_clusters == clusters
    assert spark_households == households
    assert spark_golden == golden
