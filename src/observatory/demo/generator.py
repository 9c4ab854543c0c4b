"""``generate``: write the Demo County Council project folder, chunk by chunk, in bounded memory."""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import shutil
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from observatory.demo import ground_truth
from observatory.demo.chunk import ChunkBuilder, ChunkOutput, GeneratorSetup
from observatory.demo.config import GenerateSummary, GeneratorConfig
from observatory.demo.geography import PROPERTIES_PER_BLOCK
from observatory.demo.identifiers import NHS_CAPACITY
from observatory.demo.names import draw_name_pools
from observatory.demo.population import ChunkPlan
from observatory.demo.project_files import write_project_files
from observatory.demo.systems import PopulationEstimates, all_sources
from observatory.demo.systems.population_estimates import PopulationCount
from observatory.demo.writers import ProjectWriter

logger = logging.getLogger(__name__)

RESIDENTS_PER_BLOCK = 52
"""Residents planned per block of 24 properties: about 22 households of 2.4, so about 9% stand empty."""
MAX_AUTOMATIC_WORKERS = 4
PARALLEL_FROM_CHUNKS = 4
"""From this many chunks on, chunks are built in worker processes while the main process writes."""

STAGING_FOLDER = ".demo-partial"
"""Where a generation writes before its files are moved into place."""

Progress = Callable[[int, int], None]


def plan_chunks(residents: int, chunk_residents: int) -> list[ChunkPlan]:
    """Split ``residents`` into chunks, each with its own contiguous range of properties."""
    full_blocks = math.ceil(chunk_residents / RESIDENTS_PER_BLOCK)
    counts = [min(chunk_residents, residents - start) for start in range(0, residents, chunk_residents)]
    blocks = [math.ceil(count / RESIDENTS_PER_BLOCK) for count in counts]
    total = sum(blocks) * PROPERTIES_PER_BLOCK
    return [
        ChunkPlan(
            i,
            i * chunk_residents,
            count,
            i * full_blocks * PROPERTIES_PER_BLOCK,
            blocks[i] * PROPERTIES_PER_BLOCK,
            total,
        )
        for i, count in enumerate(counts)
    ]


_worker: ChunkBuilder | None = None


def _start_worker(setup: GeneratorSetup) -> None:
    global _worker  # one builder per worker process
    _worker = ChunkBuilder(setup)
    gc.freeze()  # the worker's own process: keep the collector off the imported modules' objects


def _build_in_worker(plan: ChunkPlan) -> ChunkOutput:
    assert _worker is not None
    return _worker.build(plan)


def _outputs(setup: GeneratorSetup, plans: list[ChunkPlan], workers: int) -> Iterator[ChunkOutput]:
    """Built chunks in order: here for a few chunks, else in ``workers`` processes while this one writes.

    At most two chunks per worker are in flight, so memory stays bounded.
    """
    if len(plans) < PARALLEL_FROM_CHUNKS:
        builder = ChunkBuilder(setup)
        for plan in plans:
            yield builder.build(plan)
        return
    context = _process_context()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(setup,)) as pool:
        waiting = iter(plans)
        pending: deque[Future[ChunkOutput]] = deque()
        for plan in waiting:
            pending.append(pool.submit(_build_in_worker, plan))
            if len(pending) >= 2 * workers:
                break
        while pending:
            output = pending.popleft().result()
            following = next(waiting, None)
            if following is not None:
                pending.append(pool.submit(_build_in_worker, following))
            yield output


def _process_context() -> multiprocessing.context.BaseContext:
    """The way to start worker processes.

    Fork when this process runs a single thread: quick, and scripts without a ``__main__`` guard work.
    When other threads run (a progress bar, a web server) forking can deadlock, so use a fork server.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([ChunkBuilder.__module__])
        return context
    return multiprocessing.get_context("spawn")


def _worker_count(config: GeneratorConfig, chunks: int) -> int:
    wanted = config.workers or min(MAX_AUTOMATIC_WORKERS, os.cpu_count() or 1)
    return max(1, min(wanted, chunks))


def _publish(staging: Path, root: Path) -> None:
    """Move every file written under ``staging`` to the same place under ``root``, replacing what is there."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
    shutil.rmtree(staging)


def generate(
    directory: Path,
    residents: int = 5000,
    seed: int = 42,
    config: GeneratorConfig | None = None,
    progress: Progress | None = None,
) -> GenerateSummary:
    """Write the Demo County Council project into ``directory`` and return what was written.

    The same ``residents``, ``seed`` and ``config`` always give byte-identical files. ``progress``, if
    given, is called with (residents done, residents in total) after each chunk. Files are written
    under ``directory/.demo-partial`` and moved into place only when all are complete, so a failed
    run leaves what was there before; files of the folder that the generator does not write are kept.
    """
    if not 1 <= residents <= NHS_CAPACITY:
        raise ValueError(f"residents must be between 1 and {NHS_CAPACITY:,}")
    config = config or GeneratorConfig()
    started = time.perf_counter()
    root = Path(directory)
    staging = root / STAGING_FOLDER
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        summary = _generate(staging, residents, seed, config, progress)
        _publish(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    logger.info("demo council written to %s: %d residents in %.1f s", root, summary.residents, seconds)
    return replace(summary, seconds=seconds)


def _generate(
    root: Path, residents: int, seed: int, config: GeneratorConfig, progress: Progress | None
) -> GenerateSummary:
    plans = plan_chunks(residents, config.chunk_residents)
    blocks = plans[-1].total_properties // PROPERTIES_PER_BLOCK
    setup = GeneratorSetup(seed, config, draw_name_pools(seed), blocks)
    sources = all_sources(config.reference_date)
    tables = [table for source in sources for table in source.tables] + list(ground_truth.TABLES)
    workers = _worker_count(config, len(plans))
    logger.info(
        "generating demo council: %d residents, seed %d, %d chunks, %d workers", residents, seed, len(plans), workers
    )
    placed = households = 0
    quality: Counter[ground_truth.QualityFault] = Counter()
    totals: Counter[ground_truth.KpiTotal] = Counter()
    population: Counter[PopulationCount] = Counter()
    writer = ProjectWriter(root, tables, config.xlsx_max_rows, config.reference_date)
    with writer:
        for output in _outputs(setup, plans, workers):
            writer.write(output)
            placed += output.residents
            households += output.households
            quality.update(output.quality_faults)
            totals.update(output.totals)
            population.update(output.population)
            if progress is not None:
                progress(min(residents, (output.index + 1) * config.chunk_residents), residents)
        estimates = PopulationEstimates(config.reference_date)
        writer.write_rows(estimates.tables[0], estimates.rows(population))
    datasets = writer.datasets()
    declared = [(source.info, [t for t in datasets if t.source == source.info.name]) for source in sources]
    write_project_files(root, declared, seed=seed, residents=placed, reference_date=config.reference_date)
    files = dict(writer.rows)
    files[ground_truth.QUALITY_FAULTS_PATH] = ground_truth.write_quality_faults(root, quality)
    files[ground_truth.KPI_MONTHLY_PATH] = ground_truth.write_kpi_totals(root, totals)
    return GenerateSummary(
        residents=placed,
        households=households,
        properties=plans[-1].total_properties,
        files=files,
        seconds=0.0,
    )
