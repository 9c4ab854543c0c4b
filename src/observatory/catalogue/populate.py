"""Fill the catalogue from the project, the warehouse and the recorded runs: what every build does last.

Schemas, row counts, refresh times, quality and lineage come from the build; titles, descriptions and
register fields from YAML (``sources/*.yml``, ``catalogue:`` in ``observatory.yml``, ``glossary.yml``); then
every person's latest edit is put on top, so a rebuild never overwrites what someone wrote. What follows
lineage (personal data, classifications, owners of raw copies and fields) is settled after the edits, so an
edit to a dataset reaches everything made from it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from observatory.catalogue.assemble import (
    add_contract_dataset,
    add_kpis,
    add_quality_outputs,
    add_reports,
    add_source_assets,
    add_table,
    add_terms,
)
from observatory.catalogue.edits import apply_edits, latest_edits, latest_reviews
from observatory.catalogue.ids import file_id, table_id
from observatory.catalogue.propagate import (
    derive_made_datasets,
    settle_fields,
    settle_parts,
    settle_source_datasets,
    upstream_of,
)
from observatory.catalogue.records import AssetRecord, EdgeRecord
from observatory.catalogue.register import EDITABLE
from observatory.catalogue.run_edges import extract_edges, latest_runs, linkage_field_edges, run_edges
from observatory.catalogue.store import write_catalogue
from observatory.catalogue.warehouse import catalogued_tables, table_facts
from observatory.config.models import LAYERS
from observatory.meta.runs import recorded_run
from observatory.platform import Observatory
from observatory.quality.snapshots import latest_snapshots


@dataclass
class PopulateReport:
    """What a population wrote."""

    assets: dict[str, int] = field(default_factory=dict)
    edges: int = 0
    edited: int = 0
    seconds: float = 0.0
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def populate(obs: Observatory) -> PopulateReport:
    """Rebuild the catalogue as a recorded ``catalogue`` run (one transaction: a failure leaves the last one)."""
    started = time.perf_counter()
    report = PopulateReport()
    inputs = [f"{layer}.*" for layer in LAYERS] + ["meta.runs", "meta.quality_snapshots"]
    with recorded_run(
        obs.meta,
        kind="catalogue",
        node_id="catalogue",
        inputs=inputs,
        outputs=["meta.catalogue_assets"],
        engine=obs.engine.name,
    ) as run:
        report.run_id = run.id
        assets, edges, report.edited = collect(obs)
        write_catalogue(obs.meta, assets, edges)
        run.rows_out = len(assets)
    for asset in assets:
        report.assets[asset.kind] = report.assets.get(asset.kind, 0) + 1
    report.edges = len(edges)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def collect(obs: Observatory) -> tuple[list[AssetRecord], list[EdgeRecord], int]:
    """Every asset and lineage edge of the project as it stands, with people's edits applied."""
    project, engine = obs.project, obs.engine
    datasets = project.all_datasets()
    contract_tables = {d.table: d.node_id for d in datasets}
    gazetteer = project.spec.reference.gazetteer
    edges, made, extra_files = run_edges(
        latest_runs(obs.meta),
        contract_tables,
        {d.node_id: file_id(d) for d in datasets},
        project.dataset(gazetteer).node_id if gazetteer else None,
    )
    edges += extract_edges(project)
    snapshots = latest_snapshots(obs.meta)
    edits = latest_edits(obs.meta)
    assets: dict[str, AssetRecord] = {}
    add_source_assets(project, assets)
    tables = {layer: {t: table_facts(engine, layer, t) for t in catalogued_tables(engine, layer)} for layer in LAYERS}
    fixed: dict[str, set[str]] = {}
    for dataset in datasets:
        snapshot = snapshots.get(f"{dataset.source}.{dataset.name}")
        explicit = add_contract_dataset(obs, dataset, tables, snapshot, made, assets, edges)
        fixed[dataset.node_id] = explicit | set(edits.get(dataset.node_id, {}))
    for layer, by_name in tables.items():
        for name, facts in by_name.items():
            if table_id(layer, name, contract_tables) not in assets:
                add_table(table_id(layer, name, contract_tables), facts, made, assets)
    linked = {name: list(facts.columns) for name, facts in tables["linked"].items()}
    if linked:
        edges += linkage_field_edges(project, linked)
    for asset, path in extra_files.items():
        name = path.rsplit("/", 1)[-1]
        assets.setdefault(asset, AssetRecord(asset, "file", name, name, facts={"path": path}))
    add_quality_outputs(snapshots, assets)
    add_reports(project, assets, edges)
    add_kpis(project, assets, edges)
    add_terms(project, assets, edits)
    for record in assets.values():  # what a reset returns to
        for name in ("title", "description", "owner"):
            record.declared.setdefault(name, getattr(record, name))
        if record.kind == "term":
            record.declared.setdefault("synonyms", list(record.register.get("synonyms", [])))
            record.declared.setdefault("links", list(record.register.get("links", [])))
    edited = _apply(assets, edits)
    settle_source_datasets(assets, fixed)
    edges += [
        EdgeRecord(term.id, link, "glossary", "describes")
        for term in assets.values()
        if term.kind == "term"
        for link in term.register.get("links", [])
    ]
    edges = [e for e in edges if e.source in assets and (e.target in assets or e.target.startswith("kpi."))]
    upstream = upstream_of(edges)
    derive_made_datasets(assets, upstream, dict(project.spec.catalogue.assets), set(fixed))
    _apply(assets, edits)  # again: the datasets Observatory makes were derived after the first pass
    settle_parts(assets)
    settle_fields(assets, upstream)
    _set_reviews(obs, assets)
    return list(assets.values()), edges, edited


def _apply(assets: dict[str, AssetRecord], edits: dict[str, dict[str, Any]]) -> int:
    """Put every person's latest edit back; the number of assets edited."""
    edited = 0
    for asset, record in assets.items():
        changes = {k: v for k, v in edits.get(asset, {}).items() if k in EDITABLE.get(record.kind, ())}
        if changes:
            apply_edits(record, changes)
            edited += 1
    return edited


def _set_reviews(obs: Observatory, assets: dict[str, AssetRecord]) -> None:
    """The last review (the later of a recorded review and YAML's ``last_reviewed``) and the next one due."""
    months = obs.project.spec.catalogue.review_months
    reviews = latest_reviews(obs.meta)
    for asset, record in assets.items():
        if not record.in_register:
            continue
        declared = record.declared.get("last_reviewed")
        dates = [d for d in (reviews.get(asset), date.fromisoformat(declared) if declared else None) if d]
        last = max(dates) if dates else None
        record.last_reviewed = last
        record.next_review_due = last + relativedelta(months=months) if last else None
        record.register["last_reviewed"] = last.isoformat() if last else None
        record.register["next_review_due"] = record.next_review_due.isoformat() if record.next_review_due else None
