"""Fill the catalogue from the project, the warehouse and the recorded runs: what every build does last.

Schemas, row counts, refresh times, quality and lineage come from the build; titles, descriptions and
register fields from YAML (``sources/*.yml``, ``catalogue:`` in ``observatory.yml``, ``glossary.yml``); then
every person's latest edit is put back on top, so a rebuild never overwrites what someone wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from observatory.catalogue.derive import dataset_register, derived_register
from observatory.catalogue.edits import apply_edits, latest_edits, latest_reviews
from observatory.catalogue.ids import dataset_id, field_id, file_id, report_id, source_id, table_id, term_id
from observatory.catalogue.records import AssetRecord, EdgeRecord, inherited
from observatory.catalogue.register import EDITABLE
from observatory.catalogue.run_edges import (
    extract_edges,
    latest_runs,
    linkage_field_edges,
    run_edges,
    standard_field_edges,
)
from observatory.catalogue.store import write_catalogue
from observatory.catalogue.warehouse import (
    EXAMPLE_TYPES,
    TableFacts,
    catalogued_tables,
    example_values,
    table_facts,
)
from observatory.config import Dataset
from observatory.config.models import LAYERS
from observatory.linkage.tables import TITLES as LINKED_TITLES
from observatory.meta.runs import recorded_run
from observatory.platform import Observatory
from observatory.quality.snapshots import Snapshot, latest_snapshots
from observatory.standards.fields import StandardField, standard_fields
from observatory.standards.reference_tables import POSTCODES_TABLE
from observatory.standards.types import field_type

KNOWN_TABLES: dict[str, tuple[str, str]] = {
    **{f"linked.{name}": title for name, title in LINKED_TITLES.items()},
    f"standard.{POSTCODES_TABLE}": (
        "Postcode reference (ONS Postcode Directory)",
        "Every postcode with its local authority, ward, LSOA and MSOA, from the ONS Postcode Directory "
        "(Open Government Licence).",
    ),
}
"""Titles and descriptions of tables that Observatory itself makes."""


@dataclass
class PopulateReport:
    """What a population wrote."""

    assets: dict[str, int] = field(default_factory=dict)
    edges: int = 0
    edited: int = 0
    seconds: float = 0.0
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assets": self.assets,
            "edges": self.edges,
            "edited": self.edited,
            "seconds": self.seconds,
            "run_id": self.run_id,
        }


def populate(obs: Observatory) -> PopulateReport:
    """Rebuild the catalogue as a recorded ``catalogue`` run."""
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
    edges, made, extra_files = run_edges(latest_runs(obs.meta), contract_tables)
    edges += extract_edges(project)
    snapshots = latest_snapshots(obs.meta)
    assets: dict[str, AssetRecord] = {}

    for source in project.sources.values():
        assets[source_id(source.name)] = AssetRecord(
            source_id(source.name),
            "source",
            source.name,
            source.spec.title or source.name,
            source.spec.description,
            owner=source.spec.owner,
            business_area=source.spec.title or source.name,
            facts={"system": source.spec.system, "file": str(source.file.relative_to(project.root))},
        )
    tables = {
        layer: {name: table_facts(engine, layer, name) for name in catalogued_tables(engine, layer)} for layer in LAYERS
    }
    for dataset in datasets:
        _add_contract_dataset(
            obs, dataset, tables, snapshots.get(f"{dataset.source}.{dataset.name}"), made, assets, edges
        )
    for layer, by_name in tables.items():
        for name, facts in by_name.items():
            asset = table_id(layer, name, contract_tables)
            if asset not in assets:
                _add_table(asset, facts, made, assets)
    linked = {name: list(facts.columns) for name, facts in tables["linked"].items()}
    if linked:
        edges += linkage_field_edges(project, linked)
    for asset, path in extra_files.items():
        assets.setdefault(
            asset, AssetRecord(asset, "file", asset.split(".", 1)[1], path.rsplit("/", 1)[-1], facts={"path": path})
        )
    _add_quality_outputs(snapshots, assets)
    _add_reports(obs, assets, edges)
    _add_terms(obs, assets, edges)
    edges = [e for e in edges if e.source in assets and (e.target in assets or e.target.startswith("kpi."))]
    _derive_registers(obs, assets, edges)
    edited = _apply_people(obs, assets)
    for record in assets.values():
        parent = assets.get(record.parent_id or "")
        if parent is not None:
            record.owner, record.business_area, record.classification, record.access_rights = inherited(parent)
    return list(assets.values()), edges, edited


def _add_contract_dataset(
    obs: Observatory,
    dataset: Dataset,
    tables: dict[str, dict[str, TableFacts]],
    snapshot: Snapshot | None,
    made: dict[str, Any],
    assets: dict[str, AssetRecord],
    edges: list[EdgeRecord],
) -> None:
    """The dataset (its contract and standard table), its extract file, its raw table and their fields."""
    source = obs.project.sources[dataset.source]
    asset = dataset_id(dataset.source, dataset.name)
    raw = tables["raw"].get(dataset.table)
    standard = tables["standard"].get(dataset.table)
    fields = standard_fields(dataset, source, list(raw.columns)) if raw is not None else []
    register = dataset_register(dataset, source)
    refreshed = made.get(asset) or made.get(table_id("raw", dataset.table))
    facts: dict[str, Any] = {
        "table": f"standard.{dataset.table}",
        "rows": standard.rows if standard else None,
        "columns": len(standard.columns) if standard else None,
        "refreshed_at": refreshed.finished_at if refreshed else None,
        "keys": list(dataset.spec.keys or []),
        "references": [
            {"fields": r.fields, "dataset": f"dataset.{r.dataset}", "to": r.to or r.fields}
            for r in dataset.spec.references
        ],
        "source_file": dataset.spec.path,
        "freshness": dataset.spec.freshness,
    }
    if snapshot is not None:
        facts["quality"] = {
            "score": snapshot.score,
            "confidence": snapshot.confidence,
            "statement": snapshot.statement,
            "measured_at": snapshot.measured_at.isoformat(),
            "dimensions": snapshot.dimensions,
            "rows": snapshot.rows,
        }
        register["quality_score"] = round(snapshot.score, 4) if snapshot.score is not None else None
    register["last_refresh"] = facts["refreshed_at"]
    record = AssetRecord(
        asset, "dataset", dataset.name, layer="standard", in_register=True, facts=facts, declared=dict(register)
    )
    for name, value in register.items():
        record.set(name, value)
    assets[asset] = record
    file_asset = file_id(dataset.source, dataset.name)
    file_made = made.get(table_id("raw", dataset.table))
    assets[file_asset] = AssetRecord(
        file_asset,
        "file",
        dataset.name,
        (dataset.spec.path or dataset.spec.table or "query").rsplit("/", 1)[-1],
        f"The extract {source.spec.system or source.name} gives for {dataset.name}.",
        owner=record.owner,
        personal=record.personal,
        classification=record.classification,
        facts={
            "path": dataset.spec.path,
            "format": dataset.spec.format,
            "loaded_at": file_made.finished_at if file_made else None,
        },
    )
    if raw is not None:
        raw_asset = table_id("raw", dataset.table)
        _add_table(raw_asset, raw, made, assets, parent_register=register)
        personal_columns = {f.column for f in fields if f.personal}
        for column in raw.columns:
            assets[field_id(raw_asset, column)].personal = column in personal_columns
        edges += standard_field_edges(asset, dataset.table, fields)
    _add_contract_fields(obs, dataset, asset, fields, standard, snapshot, assets)


def _add_contract_fields(
    obs: Observatory,
    dataset: Dataset,
    asset: str,
    fields: list[StandardField],
    standard: TableFacts | None,
    snapshot: Snapshot | None,
    assets: dict[str, AssetRecord],
) -> None:
    """The data dictionary of a source's dataset: one field asset per standard field (declared fields first)."""
    declared = {name: spec for name, spec in dataset.fields.items()}
    if not fields:  # not loaded yet: the contract alone
        fields = [
            StandardField(name, spec.column or name, spec, field_type(spec), True) for name, spec in declared.items()
        ]
    eligible = [
        f.name
        for f in fields
        if f.declared
        and f.spec.type in EXAMPLE_TYPES
        and not f.personal
        and f.spec.example is None
        and standard is not None
        and f.name in standard.columns
    ]
    examples = example_values(obs.engine, "standard", dataset.table, eligible) if eligible else {}
    measures = snapshot.measures if snapshot is not None else []
    for position, f in enumerate(fields):
        columns = [c for c in (standard.columns if standard else {}) if c == f.name or c.startswith(f"{f.name}__")]
        example = None if f.personal else (f.spec.example or examples.get(f.name))
        facts = {
            "column": f.name,
            "source_column": f.column,
            "position": position,
            "declared": f.declared,
            "type": standard.columns.get(f.name) if standard else None,
            "standard_type": f.spec.type,
            "type_title": f.type.title,
            "rule": f.type.rule,
            "allowed": f.spec.allowed,
            "critical": f.spec.critical,
            "columns": columns,
            "quality": [
                {"name": m.name, "dimension": m.dimension, "passed": m.passed, "total": m.total}
                for m in measures
                if m.field == f.name
            ],
        }
        record = AssetRecord(
            field_id(asset, f.name),
            "field",
            f.name,
            field_title(f),
            f.spec.description,
            layer="standard",
            parent_id=asset,
            personal=f.personal,
            special_category=f.spec.type == "ethnicity",
            facts=facts,
        )
        record.register["example"] = example
        record.declared = {"title": record.title, "description": record.description, "example": example}
        assets[record.id] = record


def field_title(field: StandardField) -> str:
    """A field's title: its type's (``NHS number``) when the field is named after its type, else its name in words."""
    if field.declared and field.name == field.spec.type:
        return field.type.title
    words = field.name.replace("_", " ")
    return words[:1].upper() + words[1:]


def _add_table(
    asset: str,
    facts: TableFacts,
    made: dict[str, Any],
    assets: dict[str, AssetRecord],
    parent_register: dict[str, Any] | None = None,
) -> None:
    """A warehouse table Observatory made (or a raw copy), with a field asset per column."""
    key = f"{facts.layer}.{facts.name}"
    title, description = KNOWN_TABLES.get(key, (facts.name.replace("__", ".").replace("_", " "), ""))
    if facts.layer == "raw":
        title, description = f"{title} (as loaded)", "The current load, exactly as read from the extract."
    refreshed = made.get(asset)
    record = AssetRecord(
        asset,
        "dataset",
        facts.name,
        title,
        description,
        layer=facts.layer,
        in_register=facts.layer != "raw",
        facts={
            "table": key,
            "rows": facts.rows,
            "columns": len(facts.columns),
            "refreshed_at": refreshed.finished_at if refreshed else None,
        },
    )
    if parent_register is not None:
        for name in ("information_asset_owner", "business_area", "classification", "personal_data", "special_category"):
            record.set(name, parent_register.get(name))
    assets[asset] = record
    for position, (column, kind) in enumerate(facts.columns.items()):
        assets[field_id(asset, column)] = AssetRecord(
            field_id(asset, column),
            "field",
            column,
            column.replace("_", " "),
            layer=facts.layer,
            parent_id=asset,
            facts={"column": column, "type": kind, "position": position},
        )


def _add_quality_outputs(snapshots: dict[str, Snapshot], assets: dict[str, AssetRecord]) -> None:
    for name, snapshot in snapshots.items():
        asset = f"output.quality.{name}"
        dataset = assets.get(f"dataset.{name}")
        assets[asset] = AssetRecord(
            asset,
            "output",
            f"quality.{name}",
            f"Quality snapshots of {dataset.title if dataset else name}",
            snapshot.statement,
            owner=snapshot.owner,
            facts={
                "score": snapshot.score,
                "confidence": snapshot.confidence,
                "measured_at": snapshot.measured_at.isoformat(),
            },
        )


def _add_reports(obs: Observatory, assets: dict[str, AssetRecord], edges: list[EdgeRecord]) -> None:
    for name, spec in obs.project.spec.catalogue.reports.items():
        asset = report_id(name)
        assets[asset] = AssetRecord(
            asset,
            "report",
            name,
            spec.title,
            spec.description,
            owner=spec.owner,
            facts={"url": spec.url, "depends_on": list(spec.depends_on)},
        )
        assets[asset].declared = {"title": spec.title, "description": spec.description, "owner": spec.owner}
        for upstream in spec.depends_on:
            level = "field" if upstream.startswith("field.") else "dataset"
            edges.append(EdgeRecord(upstream, asset, level, "declared"))


def _add_terms(obs: Observatory, assets: dict[str, AssetRecord], edges: list[EdgeRecord]) -> None:
    for name, spec in obs.project.glossary.terms.items():
        asset = term_id(name)
        record = AssetRecord(
            asset,
            "term",
            name,
            spec.name,
            spec.definition,
            owner=spec.owner,
            register={"synonyms": list(spec.synonyms), "links": list(spec.links)},
        )
        record.declared = {
            "title": spec.name,
            "description": spec.definition,
            "owner": spec.owner,
            "synonyms": list(spec.synonyms),
        }
        assets[asset] = record
        edges.extend(EdgeRecord(asset, link, "glossary", "describes") for link in spec.links)


def _derive_registers(obs: Observatory, assets: dict[str, AssetRecord], edges: list[EdgeRecord]) -> None:
    """Register values of datasets made in the warehouse, from ``catalogue.assets`` and what they are made from;
    and personal flags of their fields from the fields they are made from."""
    upstream: dict[str, list[str]] = {}
    for edge in edges:
        if edge.level in ("dataset", "field"):
            upstream.setdefault(edge.target, []).append(edge.source)
    declared = obs.project.spec.catalogue.assets
    done: dict[str, dict[str, Any]] = {}

    def register_of(asset: str, seen: frozenset[str]) -> dict[str, Any]:
        record = assets[asset]
        if asset in done:
            return done[asset]
        if record.kind != "dataset" or record.layer == "raw" or record.declared:
            done[asset] = record.register
            return record.register
        parents = [register_of(p, seen | {asset}) for p in upstream.get(asset, []) if p in assets and p not in seen]
        values = derived_register(declared.get(asset), record.title, parents)
        values.setdefault("description", record.description)
        values["last_refresh"] = record.facts.get("refreshed_at")
        record.declared = dict(values)
        for name, value in values.items():
            record.set(name, value)
        done[asset] = record.register
        return record.register

    for asset in list(assets):
        if assets[asset].kind == "dataset":
            register_of(asset, frozenset())
    personal: dict[str, bool] = {}

    def field_personal(asset: str, seen: frozenset[str]) -> bool:
        if asset not in personal:
            record = assets[asset]
            personal[asset] = record.personal or any(
                field_personal(p, seen | {asset})
                for p in upstream.get(asset, [])
                if p in assets and p not in seen and assets[p].kind == "field"
            )
        return personal[asset]

    for asset, record in assets.items():
        if record.kind != "field":
            continue
        if record.layer not in ("raw", "standard"):
            record.personal = field_personal(asset, frozenset())


def _apply_people(obs: Observatory, assets: dict[str, AssetRecord]) -> int:
    """Put every person's latest edit and review back; set the review dates. Returns the assets edited."""
    months = obs.project.spec.catalogue.review_months
    edits = latest_edits(obs.meta)
    reviews = latest_reviews(obs.meta)
    edited = 0
    for asset, record in assets.items():
        changes = {k: v for k, v in edits.get(asset, {}).items() if k in EDITABLE.get(record.kind, ())}
        if changes:
            apply_edits(record, changes)
            edited += 1
        if not record.in_register:
            continue
        declared = record.declared.get("last_reviewed")
        last = reviews.get(asset) or (date.fromisoformat(declared) if declared else None)
        record.last_reviewed = last
        record.next_review_due = last + relativedelta(months=months) if last else None
        record.register["last_reviewed"] = last.isoformat() if last else None
        record.register["next_review_due"] = record.next_review_due.isoformat() if record.next_review_due else None
    return edited
