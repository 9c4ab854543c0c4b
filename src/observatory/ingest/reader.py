"""The reader interface: detect a file's layout, then write it into a staging table as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from observatory.engine import Staging
from observatory.ingest.staged import StageResult


class Reader(Protocol):
    """One source file or table. ``detect`` reads a little; ``stage`` reads it all."""

    format: str

    def detect(self) -> dict[str, Any]:
        """What was found (encoding, delimiter, sheet, header row, columns, notes), JSON-ready."""
        ...

    def stage(self, staging: Staging, workdir: Path) -> StageResult:
        """Create ``staging.data`` (all VARCHAR) and fill ``staging.rejects`` / ``staging.cell_errors``."""
        ...
