"""What every source system provides, and the per-chunk state they share."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from observatory.demo.faults import FaultInjector
from observatory.demo.formats import iso_date
from observatory.demo.geography import Gazetteer
from observatory.demo.population import ChunkPlan, Household, Person
from observatory.demo.randomness import stream
from observatory.demo.records import Draft, linked_truth_row, truth_row
from observatory.demo.tables import GROUND_TRUTH, Cell, SourceInfo, Table

SERIALS_PER_CHUNK = 10_000
TRUTH_KEY = f"{GROUND_TRUTH}.records"
EVENTS_KEY = f"{GROUND_TRUTH}.kpi_events"


class ChunkContext:
    """One chunk being generated: its plan, random streams, faults, the gazetteer and the rows made so far.

    ``quality`` counts quality-rule failures that no record's own faults explain, by (source, dataset,
    rule, cause): a referral of a child whose recorded date of birth makes them an adult, say.
    ``totals`` adds up true KPI quantities by (dataset, period start, measure) for ``kpi_monthly.csv``, and
    ``population`` counts residents by (mid-year, ward, age band, sex) for the population estimates.
    """

    def __init__(
        self, plan: ChunkPlan, seed: int, reference_date: date, gazetteer: Gazetteer, faults: FaultInjector
    ) -> None:
        self.plan = plan
        self.seed = seed
        self.on = reference_date
        self.gazetteer = gazetteer
        self.faults = faults
        self.select_rng = stream(seed, "chunk", plan.index, "select")
        self.render_rng = stream(seed, "chunk", plan.index, "render")
        self.rows: dict[str, list[Sequence[Cell]]] = {}
        self.quality: Counter[tuple[str, str, str, str]] = Counter()
        self.totals: Counter[tuple[str, str, str]] = Counter()
        self.population: Counter[tuple[int, str, str, str]] = Counter()
        self.households: list[Household] = []
        self._serials: dict[str, int] = {}

    def stream(self, name: str) -> random.Random:
        """The chunk's own random stream ``name`` (one per event generator, so each is independent)."""
        return stream(self.seed, "chunk", self.plan.index, name)

    def home_on(self, household: Household, day: date) -> int:
        """The property ``household`` lived at on ``day``: its home, or before moving in its previous one."""
        return household.property_index if household.moved_in <= day else household.previous_property_index

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

    def add_event(
        self,
        dataset: str,
        key: str,
        subject: str,
        when: date | None,
        end: date | None = None,
        kind: str = "",
        age_band: str = "",
        outcome: str = "",
        faults: Sequence[str] = (),
    ) -> None:
        """A row of ``kpi_events.csv``: an event or spell as its source row records it, with its faults."""
        row = [dataset, key, subject, iso_date(when), iso_date(end), kind, age_band, outcome, ";".join(faults)]
        self.rows.setdefault(EVENTS_KEY, []).append(row)

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
