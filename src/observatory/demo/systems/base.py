"""What every source system provides, and the per-chunk state they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from observatory.demo.faults import FaultInjector
from observatory.demo.geography import Gazetteer
from observatory.demo.population import ChunkPlan, Household, Person
from observatory.demo.randomness import stream
from observatory.demo.records import Draft, linked_truth_row, truth_row
from observatory.demo.tables import GROUND_TRUTH, Cell, SourceInfo, Table

SERIALS_PER_CHUNK = 10_000
TRUTH_KEY = f"{GROUND_TRUTH}.records"


class ChunkContext:
    """One chunk being generated: its plan, random streams, faults, the gazetteer and the rows made so far.

    ``quality`` counts quality-rule failures that no record's own faults explain, by (source, dataset,
    rule, cause): a referral of a child whose recorded date of birth makes them an adult, say.
    """

    def __init__(
        self, plan: ChunkPlan, seed: int, reference_date: date, gazetteer: Gazetteer, faults: FaultInjector
    ) -> None:
        self.plan = plan
        self.on = reference_date
        self.gazetteer = gazetteer
        self.faults = faults
        self.select_rng = stream(seed, "chunk", plan.index, "select")
        self.render_rng = stream(seed, "chunk", plan.index, "render")
        self.rows: dict[str, list[Sequence[Cell]]] = {}
        self.quality: Counter[tuple[str, str, str, str]] = Counter()
        self._serials: dict[str, int] = {}

    def add(self, table: Table, row: Sequence[Cell]) -> None:
        self.rows.setdefault(table.key, []).append(row)

    def add_truth(self, row: Sequence[Cell]) -> None:
        self.rows.setdefault(TRUTH_KEY, []).append(row)

    def add_record(self, table: Table, row: Sequence[Cell], key: str, draft: Draft[Any]) -> None:
        """A source row made from ``draft`` and its ground-truth row."""
        self.add(table, row)
        self.add_truth(truth_row(draft, key))

    def add_linked(
        self, table: Table, row: Sequence[Cell], key: str, person: Person, faults: Sequence[str] = ()
    ) -> None:
        """A source row about ``person`` that holds no personal details, and its ground-truth row."""
        self.add(table, row)
        self.add_truth(linked_truth_row(table.source, table.dataset, key, person, faults))

    def serial(self, name: str) -> int:
        """The next number of series ``name``, unique across all chunks."""
        count = self._serials.get(name, 0)
        if count >= SERIALS_PER_CHUNK:
            raise ValueError(f"more than {SERIALS_PER_CHUNK} {name} records in one chunk")
        self._serials[name] = count + 1
        return self.plan.index * SERIALS_PER_CHUNK + count


class SourceSystem(ABC):
    """A source system the demo council exports data from: its description and its tables."""

    info: ClassVar[SourceInfo]

    def __init__(self, reference_date: date) -> None:
        self.on = reference_date

    @property
    @abstractmethod
    def tables(self) -> tuple[Table, ...]:
        """Its datasets, in the order they are declared."""


class System(SourceSystem):
    """A line-of-business system holding records about people: who they are and how it writes them."""

    @abstractmethod
    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        """Records about people of ``households``, holding the true values."""

    @abstractmethod
    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        """Write ``drafts`` (faults applied, duplicates included) and their dependent rows to ``ctx``."""
