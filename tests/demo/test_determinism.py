"""Same seed, same bytes: whatever the number of worker processes."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from observatory.demo import FaultRates, GeneratorConfig, generate

SMALL = GeneratorConfig(chunk_residents=500, workers=2)


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", residents=2500, seed=7, config=SMALL)
    generate(tmp_path / "b", residents=2500, seed=7, config=SMALL)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(first) == 38  # 16 data files, 7 sources, observatory.yml, glossary.yml, 6 metrics, 7 ground truth
    assert first == second


def test_output_does_not_depend_on_workers_or_how_they_start(tmp_path: Path) -> None:
    generate(tmp_path / "one", residents=2500, seed=7, config=GeneratorConfig(chunk_residents=500, workers=1))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # like a progress bar: workers now start from a fork server
    other.start()
    try:
        generate(tmp_path / "three", residents=2500, seed=7, config=GeneratorConfig(chunk_residents=500, workers=3))
    finally:
        stop.set()
        other.join()
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "three")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", residents=1500, seed=7, config=SMALL)
    generate(tmp_path / "b", residents=1500, seed=8, config=SMALL)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    changed = [name for name in first if name.startswith("data/") and first[name] != second[name]]
    assert len(changed) == 16


def test_fault_rates_change_the_records_but_not_the_population(tmp_path: Path) -> None:
    generate(tmp_path / "faulty", residents=1500, seed=7, config=SMALL)
    generate(
        tmp_path / "clean",
        residents=1500,
        seed=7,
        config=GeneratorConfig(faults=FaultRates.none(), chunk_residents=500, workers=2),
    )
    faulty, clean = _hashes(tmp_path / "faulty"), _hashes(tmp_path / "clean")
    for same in ("ground_truth/people.csv", "ground_truth/households.csv", "data/llpg/properties.csv"):
        assert faulty[same] == clean[same]
    assert faulty["data/ctax/accounts.csv"] != clean["data/ctax/accounts.csv"]


def test_progress_reports_every_chunk(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(
        tmp_path,
        residents=1234,
        seed=1,
        config=GeneratorConfig(chunk_residents=500),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(500, 1234), (1000, 1234), (1234, 1234)]
