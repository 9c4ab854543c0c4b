"""``observatory build``: run every pipeline stage that exists, in flow order, as recorded runs.

Stages so far: ingest of every configured dataset into ``raw``. A dataset that fails does
not stop the others; its previous version stays current and the failure is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from observatory.errors import ObservatoryError
from observatory.ingest.loads import LoadResult, ingest_dataset
from observatory.platform import Observatory

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    """What a build did, per dataset."""

    loads: list[LoadResult] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": self.seconds,
            "loads": [load.to_dict() for load in self.loads],
            "failures": self.failures,
        }


def build(obs: Observatory, *, force: bool = False, progress: Progress | None = None) -> BuildReport:
    """Ingest every configured dataset (unchanged files are skipped unless ``force``)."""
    report = BuildReport()
    started = time.perf_counter()
    datasets = obs.project.all_datasets()
    for index, dataset in enumerate(datasets):
        if progress:
            progress(f"{dataset.source}.{dataset.name}", index, len(datasets))
        try:
            report.loads.append(ingest_dataset(obs, dataset, force=force))
        except ObservatoryError as exc:
            report.failures.append({"dataset": f"{dataset.source}.{dataset.name}", "error": exc.message})
    if progress:
        progress("done", len(datasets), len(datasets))
    report.seconds = round(time.perf_counter() - started, 3)
    return report
