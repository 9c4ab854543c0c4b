"""A demo council of 5,000 residents, generated once for the whole demo test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.demo import GenerateSummary, generate
from tests.demo.readers import Seen, read_sources, read_truth

RESIDENTS = 5000
SEED = 42


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    root = tmp_path_factory.mktemp("demo") / "council"
    return root, generate(root, residents=RESIDENTS, seed=SEED)


@pytest.fixture(scope="session")
def root(demo: tuple[Path, GenerateSummary]) -> Path:
    return demo[0]


@pytest.fixture(scope="session")
def summary(demo: tuple[Path, GenerateSummary]) -> GenerateSummary:
    return demo[1]


@pytest.fixture(scope="session")
def sources(root: Path) -> dict[str, list[Seen]]:
    return read_sources(root)


@pytest.fixture(scope="session")
def truth_records(root: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(f"{r['source']}.{r['dataset']}", r["record_key"]): r for r in read_truth(root, "records")}


@pytest.fixture(scope="session")
def people(root: Path) -> dict[str, dict[str, str]]:
    return {row["person_id"]: row for row in read_truth(root, "people")}
