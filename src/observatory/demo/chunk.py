"""One chunk of the generation: a few thousand residents, from households to encoded rows.

A chunk is a pure function of the seed, the settings and its plan, with its own seeded random
streams (population, selection into systems, faults, rendering), so chunks can be built in any
process and in any order and the output is still byte-identical.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from observatory.demo import ground_truth
from observatory.demo.config import GeneratorConfig
from observatory.demo.faults import FaultInjector
from observatory.demo.geography import Gazetteer
from observatory.demo.ground_truth import KpiTotal, QualityFault
from observatory.demo.names import NamePools
from observatory.demo.population import ChunkPlan, PopulationBuilder
from observatory.demo.randomness import stream
from observatory.demo.records import Draft
from observatory.demo.systems import people_systems
from observatory.demo.systems.base import TRUTH_KEY, ChunkContext
from observatory.demo.systems.llpg import Gazetteer as GazetteerExtract
from observatory.demo.systems.population_estimates import PopulationCount, PopulationEstimates
from observatory.demo.tables import Cell, Table


@dataclass(frozen=True)
class GeneratorSetup:
    """Everything a worker needs to build any chunk (picklable)."""

    seed: int
    config: GeneratorConfig
    pools: NamePools
    blocks: int


@dataclass
class ChunkOutput:
    """A built chunk: CSV rows already encoded to bytes, XLSX rows as cells, and counts.

    ``quality_faults`` counts the chunk's quality faults by (source, dataset, field or rule, fault);
    ``totals`` and ``population`` are the chunk's true KPI totals and resident counts, added up at the end.
    """

    index: int
    residents: int
    households: int
    csv: dict[str, bytes] = field(default_factory=dict)
    xlsx: dict[str, list[list[Cell]]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    quality_faults: Counter[QualityFault] = field(default_factory=Counter)
    totals: Counter[KpiTotal] = field(default_factory=Counter)
    population: Counter[PopulationCount] = field(default_factory=Counter)


def encode_rows(table: Table, rows: Sequence[Sequence[Cell]]) -> bytes:
    """``rows`` as CSV text in the table's encoding and line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=table.line_end).writerows(rows)
    return buffer.getvalue().encode(table.encoding)


class ChunkBuilder:
    """Builds chunks for one generation."""

    def __init__(self, setup: GeneratorSetup) -> None:
        self.setup = setup
        on = setup.config.reference_date
        self.gazetteer = Gazetteer(setup.seed, setup.blocks)
        self.population = PopulationBuilder(setup.pools, self.gazetteer, on)
        self.systems = people_systems(on)
        self.llpg = GazetteerExtract(on)
        self.estimates = PopulationEstimates(on)
        tables = [t for s in self.systems for t in s.tables] + list(self.llpg.tables) + list(ground_truth.TABLES)
        self.tables = {table.key: table for table in tables}

    def build(self, plan: ChunkPlan) -> ChunkOutput:
        seed = self.setup.seed
        on = self.setup.config.reference_date
        faults = FaultInjector(
            self.setup.config.faults, stream(seed, "chunk", plan.index, "faults"), self.gazetteer, on
        )
        ctx = ChunkContext(plan, seed, on, self.gazetteer, faults)
        households = self.population.chunk(stream(seed, "chunk", plan.index, "population"), plan)
        ctx.households = households
        drafts = {system.info.name: system.drafts(households, ctx) for system in self.systems}
        everything: list[Draft[Any]] = [draft for found in drafts.values() for draft in found]
        for duplicate in faults.apply(everything):
            drafts[duplicate.rules.source].append(duplicate)
        for system in self.systems:
            system.render(drafts[system.info.name], ctx)
        self.llpg.render(households, ctx)
        self.estimates.count(households, ctx)
        ctx.rows[ground_truth.PEOPLE.key] = ground_truth.people_rows(households)
        ctx.rows[ground_truth.HOUSEHOLDS.key] = ground_truth.household_rows(households)
        output = ChunkOutput(plan.index, sum(len(h.members) for h in households), len(households))
        output.quality_faults = ground_truth.quality_faults(ctx.rows[TRUTH_KEY]) + ctx.quality
        output.totals = ctx.totals
        output.population = ctx.population
        for key, rows in ctx.rows.items():
            table = self.tables[key]
            output.rows[key] = len(rows)
            if table.format == "xlsx":
                output.xlsx[key] = [[None if value == "" else value for value in row] for row in rows]
            else:
                output.csv[key] = encode_rows(table, rows)
        for household in households:
            household.members.clear()  # no reference cycles left: the chunk is freed at once
        return output
