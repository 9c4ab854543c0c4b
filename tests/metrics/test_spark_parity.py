"""The same KPI project built on DuckDB and on Spark gives the same values for every KPI, period and breakdown
member: the KPI SQL (written once, in DuckDB's dialect) is translated for Spark by Ibis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.metrics.store import latest_results, run_values
from tests.metrics.kpi_project import write_kpi_project

pytestmark = pytest.mark.spark


def _values(obs: Observatory) -> dict[tuple[Any, ...], tuple[float | None, float | None, float | None]]:
    found = {}
    for kpi_id, result in latest_results(obs.meta).items():
        for row in run_values(obs.engine, result.run_id, kpi_id):
            key = (kpi_id, row["period_start"], row["breakdown"], row["member"])
            found[key] = (row["numerator"], row["denominator"], row["value"])
    return found


@pytest.fixture(scope="module")
def both(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Observatory]]:
    base: Path = tmp_path_factory.mktemp("kpi-parity")
    opened: dict[str, Observatory] = {}
    try:
        for engine in ("duckdb", "spark"):
            root = base / engine
            write_kpi_project(root, engine=engine)
            obs = Observatory.open(root)
            opened[engine] = obs
            report = build(obs, linkage=False)
            assert report.ok, report.failures
        yield opened
    finally:
        for obs in opened.values():
            obs.close()


def test_every_kpi_value_is_the_same_on_duckdb_and_spark(both: dict[str, Observatory]) -> None:
    duck, spark = _values(both["duckdb"]), _values(both["spark"])
    assert len(duck) > 400
    assert duck.keys() == spark.keys()
    for key, (numerator, denominator, value) in duck.items():
        other = spark[key]
        assert other[0] == pytest.approx(numerator), key
        assert other[1] == pytest.approx(denominator), key
        assert other[2] == pytest.approx(value), key


def test_statuses_agree(both: dict[str, Observatory]) -> None:
    duck, spark = (latest_results(both[e].meta) for e in ("duckdb", "spark"))
    assert {k: r.status for k, r in duck.items()} == {k: r.status for k, r in spark.items()}
