"""Standards test fixtures: engine connections and the engine/Python agreement check.

The Spark session is the run's shared ``spark`` fixture (``tests/support/spark.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis
import pytest

from observatory.standards.types import FieldType
from tests.standards.engine_parity import engine_results

Agreement = Callable[[FieldType, Sequence[str | None]], list[str]]


def python_results(ftype: FieldType, values: Sequence[str | None]) -> list[tuple[Any, ...]]:
    """``(value, status, *extras)`` per input from the Python reference (extras when the type has ``extra_values``)."""
    rows = []
    extra_values = getattr(ftype, "extra_values", None)
    for text in values:
        verdict = ftype.validate(text)
        extras = list(extra_values(text).values()) if extra_values is not None else []
        rows.append((verdict.value, verdict.status, *extras))
    return rows


def differences(ftype: FieldType, values: Sequence[str | None], con: Any) -> list[str]:
    """Inputs on which the engine's value, status or extras differ from Python's."""
    values = list(values)
    engine = engine_results(ftype, values, con)
    python = python_results(ftype, values)
    if not hasattr(ftype, "extra_values"):
        engine = [row[:2] for row in engine]
    return [
        f"{text!r}: python {expected} engine {found}"
        for text, expected, found in zip(values, python, engine, strict=True)
        if expected != found
    ]


@pytest.fixture(scope="session")
def duckdb_con() -> Any:
    """One in-memory DuckDB connection for the standards tests."""
    return ibis.duckdb.connect()


@pytest.fixture(scope="session")
def spark_con(spark: Any) -> Any:
    """An Ibis connection to the test run's Spark session."""
    return ibis.pyspark.connect(spark)


@pytest.fixture
def on_duckdb(duckdb_con: Any) -> Agreement:
    """``differences`` on the shared DuckDB connection."""
    return lambda ftype, values: differences(ftype, values, duckdb_con)
