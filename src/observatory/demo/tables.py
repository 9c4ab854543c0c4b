"""The files the generator writes: each source system's tables and the ground-truth tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Cell = str | int | float | date | None
"""A value in a row: text in CSV files, typed cells in XLSX sheets."""


@dataclass(frozen=True)
class Table:
    """One dataset: a CSV file, or a worksheet of an XLSX workbook (``sheet``).

    A table longer than a worksheet continues on further sheets, each a dataset of its own with its
    ``part`` number (2, 3 ...) and the same contract as the first.
    """

    source: str
    dataset: str
    title: str
    description: str
    path: str
    columns: tuple[str, ...]
    sheet: str | None = None
    encoding: str = "utf-8"
    line_end: str = "\n"
    preamble: tuple[str, ...] = ()
    part: int = 1

    @property
    def key(self) -> str:
        return f"{self.source}.{self.dataset}"

    @property
    def first_part(self) -> str:
        """``source.dataset`` of the table's first part (its contract's name)."""
        return self.key if self.part == 1 else self.key.removesuffix(f"_{self.part}")

    @property
    def format(self) -> str:
        return "xlsx" if self.path.endswith(".xlsx") else "csv"


@dataclass(frozen=True)
class SourceInfo:
    """A source system as ``sources/<name>.yml`` describes it."""

    name: str
    title: str
    system: str
    owner: str
    description: str


GROUND_TRUTH = "ground_truth"
