"""``observatory build``: run every pipeline stage that exists, in flow order, as recorded runs.

Stages: ingest of every configured dataset into ``raw``; the postcode reference table; the
``standard`` layer of every loaded dataset (the gazetteer first); a quality snapshot of each; the
``linked`` layer (``observatory link``) when datasets name people; every KPI of ``metrics/*.yml``; last, the
catalogue (schemas, rows, refresh times, quality and lineage of everything the build made).
A dataset that fails a stage does not stop the others; its previous version stays current and
the failure is reported with the stage that failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from observatory.catalogue.populate import PopulateReport, populate
from observatory.config import Dataset
from observatory.config.linkage_roles import is_person_dataset
from observatory.errors import ObservatoryError
from observatory.ingest.loads import LoadResult, ingest_dataset
from observatory.linkage.records import person_sources
from observatory.linkage.run import LinkReport, link
from observatory.metrics.run import MetricsReport, compute_metrics
from observatory.platform import Observatory
from observatory.quality.run import assess
from observatory.quality.snapshots import SnapshotSummary
from observatory.standards.layer import StandardResult, refresh_postcodes, standardise, standardise_order

Progress = Callable[[str, int, int], None]
log = structlog.get_logger()


@dataclass
class BuildReport:
    """What a build did, per dataset."""

    loads: list[LoadResult] = field(default_factory=list)
    standard: list[StandardResult] = field(default_factory=list)
    quality: list[SnapshotSummary] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    linkage: LinkReport | None = None
    metrics: MetricsReport | None = None
    catalogue: PopulateReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": self.seconds,
            "loads": [load.to_dict() for load in self.loads],
            "standard": [
                {"dataset": f"{r.dataset.source}.{r.dataset.name}", "rows": r.rows, "run_id": r.run_id}
                for r in self.standard
            ],
            "quality": [summary.to_dict() for summary in self.quality],
            "linkage": self.linkage.to_dict() if self.linkage is not None else None,
            "metrics": self.metrics.to_dict() if self.metrics is not None else None,
            "catalogue": self.catalogue.to_dict() if self.catalogue is not None else None,
            "failures": self.failures,
        }


def build(
    obs: Observatory, *, force: bool = False, progress: Progress | None = None, linkage: bool = True
) -> BuildReport:
    """Ingest every configured dataset (unchanged files are skipped unless ``force``), standardise and assess it,
    then link residents (unless ``linkage`` is false)."""
    report = BuildReport()
    started = time.perf_counter()
    datasets = obs.project.all_datasets()
    steps = 2 * len(datasets) + 4
    for index, dataset in enumerate(datasets):
        if progress:
            progress(f"Loading {dataset.source}.{dataset.name}", index, steps)
        try:
            report.loads.append(ingest_dataset(obs, dataset, force=force))
        except ObservatoryError as exc:
            report.failures.append(_failure(dataset, "ingest", exc))
    if progress:
        progress("Loading reference data", len(datasets), steps)
    refresh_postcodes(obs)
    loaded = [d for d in standardise_order(obs, datasets) if obs.engine.exists("raw", d.table)]
    for index, dataset in enumerate(loaded, start=len(datasets) + 1):
        if progress:
            progress(f"Checking {dataset.source}.{dataset.name}", index, steps)
        try:
            standard = standardise(obs, dataset)
            report.standard.append(standard)
            report.quality.append(assess(obs, standard))
        except ObservatoryError as exc:
            report.failures.append(_failure(dataset, "standard", exc))
    if progress:
        progress("Linking residents", steps - 3, steps)
    if linkage:
        _link(obs, report)
    if progress:
        progress("Computing KPIs", steps - 2, steps)
    _metrics(obs, report)
    if progress:
        progress("Cataloguing", steps - 1, steps)
    _catalogue(obs, report)
    if progress:
        progress("done", steps, steps)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _link(obs: Observatory, report: BuildReport) -> None:
    """Build the linked layer when datasets name people; a failure is reported, never lost or silent."""
    project = obs.project
    if not project.spec.linkage.datasets and not any(is_person_dataset(d.spec) for d in project.all_datasets()):
        return
    try:
        people = person_sources(project)
        missing = [s.id for s in people if not obs.engine.exists("standard", s.dataset.table)]
        if missing:
            raise ObservatoryError(f"not linked: {', '.join(missing)} has no standard table (see the failures above)")
        report.linkage = link(obs)
    except ObservatoryError as exc:
        report.failures.append({"dataset": "linked", "stage": "link", "error": exc.message})
    except Exception as exc:  # Splink or the engine: the build's other results must still be reported
        log.exception("build.link_failed")
        report.failures.append({"dataset": "linked", "stage": "link", "error": f"{type(exc).__name__}: {exc}"})


def _metrics(obs: Observatory, report: BuildReport) -> None:
    """Compute every KPI; a KPI that fails is reported and keeps its previous results."""
    if not obs.project.metrics.kpis:
        return
    try:
        report.metrics = compute_metrics(obs)
    except ObservatoryError as exc:
        report.failures.append({"dataset": "metrics", "stage": "metrics", "error": exc.message})
        return
    for failure in report.metrics.failures:
        report.failures.append({"dataset": f"kpi.{failure['kpi']}", "stage": "metrics", "error": failure["error"]})


def _catalogue(obs: Observatory, report: BuildReport) -> None:
    """Repopulate the catalogue; a failure is reported with the others and the previous catalogue stays."""
    try:
        report.catalogue = populate(obs)
    except ObservatoryError as exc:
        report.failures.append({"dataset": "catalogue", "stage": "catalogue", "error": exc.message})
    except Exception as exc:  # the build's other results must still be reported
        log.exception("build.catalogue_failed")
        report.failures.append({"dataset": "catalogue", "stage": "catalogue", "error": f"{type(exc).__name__}: {exc}"})


def _failure(dataset: Dataset, stage: str, exc: ObservatoryError) -> dict[str, str]:
    return {"dataset": f"{dataset.source}.{dataset.name}", "stage": stage, "error": exc.message}
