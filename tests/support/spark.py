"""Pytest plugin: one local Spark session for the whole test run, shared by every Spark test.

The session is started with Spark's in-memory catalog (attaching and detaching projects is then
a matter of milliseconds; the Hive metastore a project's own session uses is tested in a second
process), so each project a test opens on ``engine: spark`` is *attached* to it: its tables are
registered from its own warehouse folder. Engines never stop a session they did not start, so the
session lives until the end of the run. Spark tests are marked ``@pytest.mark.spark``; they skip
on a laptop without pyspark or Java and fail under ``CI=true``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import skip_or_fail


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The test run's Spark session (reused if something already started one)."""
    if importlib.util.find_spec("pyspark") is None:
        skip_or_fail("pyspark is not installed (pip install 'observatory[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        skip_or_fail("Java is not installed (Spark needs a JRE 17)")
    from observatory.engine.spark_engine import running_session, start_session

    existing = running_session()
    if existing is not None:
        yield existing
        return
    home = tmp_path_factory.mktemp("spark")
    try:
        session = start_session(
            home / "spark-warehouse",
            home / "spark-metastore",
            master="local[2]",
            conf={"spark.sql.catalogImplementation": "in-memory"},
        )
    except Exception as exc:  # pragma: no cover - depends on the machine
        skip_or_fail(f"Spark did not start: {exc}")
    yield session
    session.stop()
