"""A quality run of one dataset: measure it in the engine, save the snapshot, raise alerts."""

from __future__ import annotations

from observatory.meta.runs import recorded_run
from observatory.platform import Observatory
from observatory.quality.engine import measure_dataset
from observatory.quality.snapshots import SnapshotSummary, save_snapshot
from observatory.standards.layer import LAYER, StandardResult


def assess(obs: Observatory, standard: StandardResult) -> SnapshotSummary:
    """Measure ``standard``'s dataset and store the snapshot (with alerts) as a recorded ``quality`` run."""
    dataset = standard.dataset
    inputs = [f"{LAYER}.{dataset.table}"] + [
        f"{LAYER}.{obs.project.dataset(ref.dataset).table}" for ref in dataset.spec.references
    ]
    with recorded_run(
        obs.meta,
        kind="quality",
        node_id=f"quality.{dataset.source}.{dataset.name}",
        inputs=inputs,
        outputs=[f"meta.quality_snapshots:{dataset.source}.{dataset.name}"],
        engine=obs.engine.name,
    ) as run:
        quality = measure_dataset(obs, dataset, standard.fields)
        summary = save_snapshot(obs.meta, quality, run.id, obs.project.spec.quality)
        run.rows_out = quality.rows
    return summary
