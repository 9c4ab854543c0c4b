"""The server's secret key: made once per project, shared by every worker, owner-only, never empty."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from observatory.web.secret import KEY_FILE, secret_key

WORKERS = 16
ROUNDS = 40


def test_the_key_is_made_once_and_kept_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSERVATORY_SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) == 64 and secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [KEY_FILE]


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATORY_SECRET_KEY", "configured elsewhere")
    assert secret_key(tmp_path) == b"configured elsewhere"
    assert not (tmp_path / KEY_FILE).exists()


def test_workers_starting_together_all_get_the_same_whole_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Server workers start at the same moment: none may read the key file before its key is written (an empty
    key would sign CSRF tokens no other worker accepts)."""
    monkeypatch.delenv("OBSERVATORY_SECRET_KEY", raising=False)
    for round_number in range(ROUNDS):
        folder = tmp_path / str(round_number)
        folder.mkdir()
        start = threading.Barrier(WORKERS)
        keys: list[bytes] = []

        def worker(folder: Path = folder, start: threading.Barrier = start, keys: list[bytes] = keys) -> None:
            start.wait()
            keys.append(secret_key(folder))

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(keys) == WORKERS and len(set(keys)) == 1, f"round {round_number}: {sorted(set(keys))}"
        assert len(keys[0]) == 64
        assert [path.name for path in folder.iterdir()] == [KEY_FILE]
