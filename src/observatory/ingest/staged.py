"""What a reader reports after writing a load into staging."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StageResult:
    """Counts and findings of one staged load; ``rows_read`` = loaded + rejected once published."""

    rows_read: int
    blank_rows_dropped: int = 0
    empty_columns_dropped: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    detection: dict[str, Any] = field(default_factory=dict)
