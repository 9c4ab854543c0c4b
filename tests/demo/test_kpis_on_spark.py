"""The demo's KPI SQL, written in DuckDB's dialect, gives the ground truth's values on Spark too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.demo.kpi_truth import expected_totals
from tests.demo.kpi_values import assert_totals_equal, stored_totals

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_every_kpi_total_equals_its_ground_truth_on_spark(spark: Any, tmp_path: Path) -> None:
    root = tmp_path / "council"
    generate(root, residents=500, seed=13)
    with (root / "observatory.yml").open("a", encoding="utf-8") as handle:
        handle.write("engine: spark\n")
    with Observatory.open(root) as obs:
        assert obs.engine.name == "spark"
        report = build(obs, linkage=False)
        assert report.ok, report.failures
        assert_totals_equal(stored_totals(obs), expected_totals(root))
