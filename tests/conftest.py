"""Shared fixtures: small projects in temporary folders, the real-file corpus, CI strictness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from observatory import Observatory

pytest_plugins = ["tests.support.fixtures", "tests.support.spark"]

IN_CI = os.environ.get("CI") == "true"
REALDATA = Path(os.environ.get("OBSERVATORY_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata"))


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail under CI=true, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (tests never skip under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The folder of real council files (../shared/realdata or $OBSERVATORY_REALDATA)."""
    if not REALDATA.is_dir():
        skip_or_fail(f"real council files not found at {REALDATA}")
    return REALDATA


def make_project(root: Path, sources: dict[str, str] | None = None, extra: str = "") -> Path:
    """Write ``observatory.yml`` (plus ``extra`` lines) and ``sources/NAME.yml`` files into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "observatory.yml").write_text(f"name: Test Council\n{extra}", encoding="utf-8")
    (root / "sources").mkdir(exist_ok=True)
    for name, text in (sources or {}).items():
        (root / "sources" / f"{name}.yml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def obs(tmp_path: Path) -> Iterator[Observatory]:
    """An empty project opened on DuckDB and SQLite."""
    with Observatory.open(make_project(tmp_path / "project")) as opened:
        yield opened
