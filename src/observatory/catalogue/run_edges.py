"""Lineage edges derived from recorded runs (dataset level) and from the contracts (field level).

Dataset level: the latest succeeded run of every pipeline step links each of its inputs to each of its
outputs (``via`` the run's kind). Field level, where the steps make it derivable: a raw column feeds the
standard field that reads it (``FieldSpec.column``); standard fields feed the ``person_records`` columns
their linkage roles name; ``person_records`` (and ``address_matches`` for the UPRN) feed the golden
attributes of ``residents``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from observatory.catalogue.ids import field_id, file_id, reference_asset, source_id, table_id
from observatory.catalogue.records import EdgeRecord
from observatory.config import Project
from observatory.linkage.records import person_sources
from observatory.linkage.tables import ADDRESS_MATCHES, ATTRIBUTES, FLOW, LAYER, PERSON_RECORDS, RESIDENTS
from observatory.meta.models import Run
from observatory.meta.store import MetaStore
from observatory.standards.fields import SUFFIX, StandardField, snake_case


@dataclass(frozen=True)
class RunOutput:
    """What the latest succeeded run of a step made, for ``refreshed_at`` and lineage."""

    run_id: int
    kind: str
    finished_at: str | None


def latest_runs(meta: MetaStore) -> list[Run]:
    """The latest succeeded run of every (kind, node) pair."""
    with meta.session() as session:
        newest = (
            select(func.max(Run.id).label("id"))
            .where(Run.status == "succeeded")
            .group_by(Run.kind, Run.node_id)
            .subquery()
        )
        return list(session.scalars(select(Run).join(newest, Run.id == newest.c.id).order_by(Run.id)))


def run_edges(
    runs: Iterable[Run], contract_tables: dict[str, str], files: dict[str, str], gazetteer: str | None
) -> tuple[list[EdgeRecord], dict[str, RunOutput], dict[str, str]]:
    """Dataset-level edges of ``runs``, the run that last made each asset, and the files runs read that no dataset
    declares (file asset id → path, e.g. the postcode reference's ``file.postcodes``). ``files`` maps a dataset's
    id to its file's (a load of ``dataset.asc.clients`` reads ``file.asc.clients.csv``)."""
    edges: list[EdgeRecord] = []
    made: dict[str, RunOutput] = {}
    extra_files: dict[str, str] = {}
    for run in runs:
        outputs = [_asset(ref, run, contract_tables, files, extra_files) for ref in run.outputs]
        inputs = [_asset(ref, run, contract_tables, files, extra_files) for ref in run.inputs]
        finished = run.finished_at.isoformat() if run.finished_at else None
        for output in filter(None, outputs):
            made[output] = RunOutput(run.id, run.kind, finished)
        if run.kind == "link":
            edges += _link_edges(run, [i for i in inputs if i], [o for o in outputs if o], gazetteer)
            continue
        for output in filter(None, outputs):
            for source in filter(None, inputs):
                if source != output:
                    edges.append(EdgeRecord(source, output, "dataset", run.kind, run.id))
    return edges, made, extra_files


def _link_edges(run: Run, inputs: list[str], outputs: list[str], gazetteer: str | None) -> list[EdgeRecord]:
    """The link step's tables made from one another as ``linkage.tables.FLOW`` says, not all from all."""
    records, matches = table_id(LAYER, PERSON_RECORDS), table_id(LAYER, ADDRESS_MATCHES)
    edges = [
        EdgeRecord(source, matches if source == gazetteer else records, "dataset", "link", run.id) for source in inputs
    ]
    for output in outputs:
        table = output.rsplit(".", 1)[-1]
        made_from = ("pairs",) if table.startswith("clusters__") else FLOW.get(table, ())
        edges += [EdgeRecord(table_id(LAYER, source), output, "dataset", "link", run.id) for source in made_from]
    return edges


def _asset(
    ref: str, run: Run, contract_tables: dict[str, str], files: dict[str, str], extra: dict[str, str]
) -> str | None:
    """The asset a run's input or output names; a file a load read is its dataset's file (``files``: dataset id →
    file id), any other file is named after the run's node (``file.postcodes``)."""
    if ref.startswith("file:"):
        if run.kind == "load" and run.node_id in files:
            return files[run.node_id]
        asset = "file." + run.node_id.partition(".")[2]
        extra[asset] = ref.removeprefix("file:")
        return asset
    if ref.startswith("meta.quality_snapshots:"):
        return "output.quality." + ref.partition(":")[2]
    return reference_asset(ref, contract_tables)


def extract_edges(project: Project) -> list[EdgeRecord]:
    """Source system → the extract file of each of its datasets."""
    return [EdgeRecord(source_id(d.source), file_id(d), "dataset", "extract") for d in project.all_datasets()]


def standard_field_edges(dataset_asset: str, raw_table: str, fields: Iterable[StandardField]) -> list[EdgeRecord]:
    """Raw column → the standard field that reads it, with the type that conformed it."""
    raw = table_id("raw", raw_table)
    return [
        EdgeRecord(
            field_id(raw, f.column),
            field_id(dataset_asset, f.name),
            "field",
            "standardise",
            None,
            f"{f.type.title}: {f.type.rule}" if f.declared else "kept as text",
        )
        for f in fields
    ]


def linkage_field_edges(project: Project, linked_columns: dict[str, list[str]]) -> list[EdgeRecord]:
    """Standard fields → ``person_records`` columns by linkage role; those → the golden ``residents`` attributes.

    ``linked_columns`` maps each linked table present to its columns (nothing is drawn for missing tables)."""
    records = table_id(LAYER, PERSON_RECORDS)
    if PERSON_RECORDS not in linked_columns:
        return []
    edges: list[EdgeRecord] = []
    for source in person_sources(project):
        dataset = f"dataset.{source.dataset.source}.{source.dataset.name}"
        roles = source.roles
        pairs = [(attribute, column) for attribute, column in roles.columns.items()]
        pairs += [("address", column) for column in roles.address]
        if roles.recorded:
            pairs.append(("recorded_on", roles.recorded))
        for key in source.dataset.spec.keys or []:  # a key may name a raw column, as person_records allows
            pairs.append(("record_key", key if key in source.dataset.fields else snake_case(key)))
        for attribute, column in pairs:
            if attribute in linked_columns[PERSON_RECORDS]:
                edges.append(
                    EdgeRecord(
                        field_id(dataset, column.split(SUFFIX)[0]),
                        field_id(records, attribute),
                        "field",
                        "link",
                        None,
                        f"role {attribute} of {source.id}",
                    )
                )
    residents = table_id(LAYER, RESIDENTS)
    golden = linked_columns.get(RESIDENTS, [])
    for attribute in ATTRIBUTES:
        if attribute not in golden:
            continue
        upstream = table_id(LAYER, ADDRESS_MATCHES) if attribute == "uprn" else records
        if attribute == "uprn" and ADDRESS_MATCHES not in linked_columns:
            continue
        edges.append(
            EdgeRecord(
                field_id(upstream, attribute),
                field_id(residents, attribute),
                "field",
                "link",
                None,
                "golden record: survivorship rules",
            )
        )
    return edges
