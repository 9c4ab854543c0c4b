"""Asset records as YAML and the warehouse describe them, before anything is propagated or edited.

``populate`` calls these builders, then ``propagate`` (flags and registers that follow lineage) and puts
people's edits on top.
"""

from __future__ import annotations

from typing import Any

from observatory.catalogue.derive import dataset_register, explicit_register
from observatory.catalogue.ids import dataset_id, field_id, file_id, report_id, table_id, term_id
from observatory.catalogue.records import AssetRecord, EdgeRecord
from observatory.catalogue.run_edges import RunOutput, standard_field_edges
from observatory.catalogue.warehouse import EXAMPLE_TYPES, TableFacts, example_values
from observatory.config import Dataset, Project
from observatory.config.models import FieldSpec
from observatory.errors import ConfigError
from observatory.linkage.tables import TITLES as LINKED_TITLES
from observatory.platform import Observatory
from observatory.quality.snapshots import Snapshot
from observatory.standards.fields import StandardField, standard_fields
from observatory.standards.reference_tables import POSTCODES_TABLE
from observatory.standards.types import FieldType, field_type

KNOWN_TABLES: dict[str, tuple[str, str]] = {
    **{f"linked.{name}": title for name, title in LINKED_TITLES.items()},
    "governed.kpi_values": (
        "KPI values",
        "Every value of every governed KPI, per run, period and breakdown, with its SPC mean, limits and "
        "special-cause flags. Every run is kept, so history and the effect of a changed definition stay visible.",
    ),
    f"standard.{POSTCODES_TABLE}": (
        "Postcode reference (ONS Postcode Directory)",
        "Every postcode with its local authority, ward, LSOA and MSOA, from the ONS Postcode Directory "
        "(Open Government Licence).",
    ),
}
"""Titles and descriptions of tables that Observatory itself makes."""


def add_source_assets(project: Project, assets: dict[str, AssetRecord]) -> None:
    for source in project.sources.values():
        asset = f"source.{source.name}"
        assets[asset] = AssetRecord(
            asset,
            "source",
            source.name,
            source.spec.title or source.name,
            source.spec.description,
            owner=source.spec.owner,
            business_area=source.spec.title or source.name,
            facts={"system": source.spec.system, "file": str(source.file.relative_to(project.root))},
        )


def add_contract_dataset(
    obs: Observatory,
    dataset: Dataset,
    tables: dict[str, dict[str, TableFacts]],
    snapshot: Snapshot | None,
    made: dict[str, RunOutput],
    assets: dict[str, AssetRecord],
    edges: list[EdgeRecord],
) -> set[str]:
    """The dataset (its contract and standard table), its extract file, its raw table and their fields.

    Returns the register fields YAML sets explicitly (the rest may be re-derived after edits)."""
    source = obs.project.sources[dataset.source]
    asset = dataset_id(dataset.source, dataset.name)
    raw = tables["raw"].get(dataset.table)
    standard = tables["standard"].get(dataset.table)
    problem = None
    fields: list[StandardField] = []
    if raw is not None:
        try:
            fields = standard_fields(dataset, source, list(raw.columns))
        except ConfigError as exc:  # the contract names a column the current load lacks: catalogue the contract
            problem = exc.message
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
    if problem is not None:
        facts["problem"] = problem
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
    record = AssetRecord(asset, "dataset", dataset.name, layer="standard", in_register=True, facts=facts)
    for name, value in register.items():
        record.set(name, value)
    record.declared = dict(record.register)
    assets[asset] = record
    file_asset = file_id(dataset)
    loaded = made.get(table_id("raw", dataset.table))
    if file_asset not in assets:
        assets[file_asset] = AssetRecord(
            file_asset,
            "file",
            file_asset.split(".", 2)[2],
            file_asset.split(".", 2)[2],
            f"An extract from {source.spec.system or source.spec.title or source.name}.",
            facts={"path": dataset.spec.path, "format": dataset.spec.format, "datasets": []},
        )
    assets[file_asset].facts["datasets"].append(asset)
    if loaded is not None:
        assets[file_asset].facts["loaded_at"] = loaded.finished_at
    if raw is not None:
        raw_asset = table_id("raw", dataset.table)
        add_table(raw_asset, raw, made, assets, parent=asset)
        for f in fields:
            column = assets.get(field_id(raw_asset, f.column))
            if column is not None:
                column.personal = column.personal or f.personal
                column.special_category = column.special_category or f.spec.type == "ethnicity"
        edges += standard_field_edges(asset, dataset.table, fields)
    add_contract_fields(obs, dataset, asset, fields, standard, snapshot, assets)
    return set(explicit_register(dataset, source))


def add_contract_fields(
    obs: Observatory,
    dataset: Dataset,
    asset: str,
    fields: list[StandardField],
    standard: TableFacts | None,
    snapshot: Snapshot | None,
    assets: dict[str, AssetRecord],
) -> None:
    """The data dictionary of a source's dataset: one field asset per standard field (declared fields first)."""
    if not fields:  # not loaded yet (or not loadable): the contract alone
        fields = [
            StandardField(name, spec.column or name, spec, _type_of(spec), True)
            for name, spec in dataset.fields.items()
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
        record.register["example"] = f.spec.example or examples.get(f.name)
        record.declared = {"example": record.register["example"]}
        assets[record.id] = record


def _type_of(spec: FieldSpec) -> FieldType:
    """The field's type; plain text when its options do not fit it (the build reports that with file and line)."""
    try:
        return field_type(spec)
    except ValueError:
        return field_type(FieldSpec())


def field_title(field: StandardField) -> str:
    """A field's title: its type's (``NHS number``) when the field is named after its type, else its name in words."""
    if field.declared and field.name == field.spec.type:
        return field.type.title
    words = field.name.replace("_", " ")
    return words[:1].upper() + words[1:]


def add_table(
    asset: str, facts: TableFacts, made: dict[str, RunOutput], assets: dict[str, AssetRecord], parent: str | None = None
) -> None:
    """A warehouse table Observatory made (or the raw copy of ``parent``), with a field asset per column."""
    key = f"{facts.layer}.{facts.name}"
    title, description = KNOWN_TABLES.get(key, (facts.name.replace("__", ".").replace("_", " "), ""))
    if facts.layer == "raw":
        title, description = f"{title} (as loaded)", "The current load, exactly as read from the extract."
    refreshed = made.get(asset)
    assets[asset] = AssetRecord(
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
            **({"part_of": parent} if parent else {}),
        },
    )
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


def add_quality_outputs(snapshots: dict[str, Snapshot], assets: dict[str, AssetRecord]) -> None:
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


def add_reports(project: Project, assets: dict[str, AssetRecord], edges: list[EdgeRecord]) -> None:
    for name, spec in project.spec.catalogue.reports.items():
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
        for upstream in spec.depends_on:
            level = "field" if upstream.startswith("field.") else "dataset"
            edges.append(EdgeRecord(upstream, asset, level, "declared"))


def add_kpis(project: Project, assets: dict[str, AssetRecord], edges: list[EdgeRecord]) -> None:
    """Every KPI of ``metrics/*.yml``: its governed definition, the fields it declares it cannot do without
    (field-level lineage) and the KPI it rolls up into. Dataset-level lineage comes from its recorded runs."""
    priorities = project.metrics.priorities
    for kpi in project.metrics.kpis.values():
        spec = kpi.spec
        parent = spec.parent
        assets[kpi.node_id] = AssetRecord(
            kpi.node_id,
            "kpi",
            kpi.id,
            spec.title,
            spec.definition,
            owner=spec.owner,
            business_area=spec.business_area,
            facts={
                "unit": spec.unit,
                "polarity": spec.polarity,
                "frequency": spec.frequency,
                "parent": parent,
                "priority": priorities[parent].spec.title if parent in priorities else None,
                "depends_on": [f"dataset.{d}" for d in spec.depends_on]
                + [field_id(f"dataset.{d}", name) for d, names in spec.depends_on.items() for name in names],
                "file": kpi.file.name,
            },
        )
        for dataset, fields in spec.depends_on.items():
            upstream = f"dataset.{dataset}"
            edges += [EdgeRecord(field_id(upstream, name), kpi.node_id, "field", "declared") for name in fields]
        if parent in project.metrics.kpis:
            edges.append(EdgeRecord(kpi.node_id, f"kpi.{parent}", "dataset", "rolls up"))


def add_terms(project: Project, assets: dict[str, AssetRecord], edited: dict[str, dict[str, Any]]) -> None:
    """The terms of ``glossary.yml``, and terms people added by editing a ``term.<id>`` that YAML lacks."""
    for name, spec in project.glossary.terms.items():
        asset = term_id(name)
        assets[asset] = AssetRecord(
            asset,
            "term",
            name,
            spec.name,
            spec.definition,
            owner=spec.owner,
            register={"synonyms": list(spec.synonyms), "links": list(spec.links)},
        )
    for asset in edited:
        if asset.startswith("term.") and asset not in assets:
            assets[asset] = AssetRecord(asset, "term", asset[5:], register={"synonyms": [], "links": []})
