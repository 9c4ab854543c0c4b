"""Engine test helpers. The ``spark`` session fixture is in ``tests/support/spark.py``, for every test package."""

from __future__ import annotations

from pathlib import Path


def write_project(root: Path, engine: str, name: str = "Parity") -> Path:
    """A project folder with only ``observatory.yml``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "observatory.yml").write_text(f"name: {name}\nengine: {engine}\n", encoding="utf-8")
    return root
