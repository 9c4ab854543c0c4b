"""The standard layer: every raw dataset typed and normalised to the data standards, inside the engine.

For each field of a dataset the standard table ``standard.<source>__<dataset>`` holds:

==========================  ===============================================================
column                      content
==========================  ===============================================================
``<field>``                 the standard value, typed (DATE, DECIMAL(18,2), BIGINT, BOOLEAN
                            or text); NULL when the value is missing or invalid
``<field>__raw``            the original text, exactly as loaded
``<field>__status``         ``valid``, ``partial``, ``invalid`` or ``missing``
``<field>__<extra>``        derived parts (postcode ``outward``, name ``title``...)
``<field>__exists``         postcodes and UPRN/USRN: whether a valid value is in the reference
                            data (NULL when the value is not valid)
``<field>__local_authority``, ``__ward``, ``__lsoa``, ``__msoa``: ONS geography of a postcode
==========================  ===============================================================

The whole table is one engine query (projections plus small reference joins; parts that several
expressions share are computed once, see ``standards.staging``), written with Ibis so it runs
unchanged on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from observatory.config import Dataset
from observatory.errors import NotFoundError
from observatory.meta.runs import recorded_run
from observatory.platform import Observatory
from observatory.standards.fields import StandardField, standard_fields
from observatory.standards.reference_tables import GEOGRAPHY, POSTCODES_TABLE, ensure_postcodes
from observatory.standards.staging import staged_select

if TYPE_CHECKING:
    import ibis.expr.types as ir

LAYER = "standard"
LOOKED_UP = {"postcode": "postcode", "uprn": "uprn", "usrn": "usrn"}
"""Field types checked for existence against reference data, and the reference table's key column."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StandardResult:
    """One dataset written to the standard layer."""

    dataset: Dataset
    fields: list[StandardField]
    rows: int
    run_id: int


def typed(value: ir.StringValue, storage: str) -> ir.Value:
    """The standard text ``value`` cast to the field type's storage type."""
    return value if storage == "string" else value.cast(storage)


def field_columns(
    fields: list[StandardField], raw: ir.Table
) -> tuple[dict[str, ir.Value], dict[str, Mapping[str, str]]]:
    """The standard-layer columns computed from ``raw`` for ``fields``, and the lookups to apply to some of them.

    A looked-up column holds its key until ``apply_lookups`` replaces it by the reference value.
    """
    columns: dict[str, ir.Value] = {}
    lookups: dict[str, Mapping[str, str]] = {}
    for field in fields:
        text = raw[field.column].cast("string")
        columns[field.name] = typed(field.type.value_expr(text), field.type.storage)
        columns[field.column_name("raw")] = text
        columns[field.column_name("status")] = field.type.status_expr(text)
        for suffix, expr in field.type.extras(text).items():
            columns[field.column_name(suffix)] = expr
        for lookup in field.type.lookups(text):
            columns[field.column_name(lookup.suffix)] = lookup.key
            lookups[field.column_name(lookup.suffix)] = lookup.table
    return columns, lookups


def apply_lookups(table: ir.Table, lookups: dict[str, Mapping[str, str]]) -> ir.Table:
    """Replace each looked-up column's key by the reference table's value for it (the key when absent)."""
    for column, mapping in lookups.items():
        reference = ibis.memtable(
            {f"{column}__k": list(mapping), f"{column}__v": list(mapping.values())},
            schema={f"{column}__k": "string", f"{column}__v": "string"},
        )
        joined = table.left_join(reference, table[column] == reference[f"{column}__k"])
        value = joined[f"{column}__v"].coalesce(joined[column])
        table = joined.select(*[value.name(c) if c == column else joined[c] for c in table.columns])
    return table


def _lookup(table: ir.Table, field: StandardField, reference: ir.Table, key: str, extra: list[str]) -> ir.Table:
    """``table`` left-joined to ``reference`` on the field's value, adding ``__exists`` and ``extra`` columns."""
    ref = reference.select(
        **{f"{field.name}__key": reference[key]}, **{field.column_name(c): reference[c] for c in extra}
    )
    joined = table.left_join(ref, table[field.name] == ref[f"{field.name}__key"])
    valid = joined[field.column_name("status")] == "valid"
    exists = ibis.cases((valid, joined[f"{field.name}__key"].notnull()), else_=ibis.null("boolean"))
    return joined.select(
        *table.columns, *[field.column_name(c) for c in extra], **{field.column_name("exists"): exists}
    )


def standard_expr(
    raw: ir.Table, fields: list[StandardField], *, postcodes: ir.Table | None, gazetteer: ir.Table | None
) -> ir.Table:
    """The standard table for ``raw``: typed fields, originals, statuses, extras and reference lookups."""
    columns, lookups = field_columns(fields, raw)
    table = apply_lookups(staged_select(raw, columns), lookups)
    for field in fields:
        kind = field.type.name
        if kind == "postcode" and postcodes is not None:
            table = _lookup(table, field, postcodes, "postcode", list(GEOGRAPHY))
        elif kind in ("uprn", "usrn") and gazetteer is not None and kind in gazetteer.columns:
            keys = gazetteer.select(gazetteer[kind]).filter(gazetteer[kind].notnull()).distinct()
            table = _lookup(table, field, keys, kind, [])
    return table


def _gazetteer(obs: Observatory, dataset: Dataset) -> ir.Table | None:
    name = obs.project.spec.reference.gazetteer
    if name is None:
        return None
    gazetteer = obs.project.dataset(name)
    if gazetteer.node_id == dataset.node_id or not obs.engine.exists(LAYER, gazetteer.table):
        return None
    return obs.engine.table(LAYER, gazetteer.table)


def standardise(obs: Observatory, dataset: Dataset) -> StandardResult:
    """Build ``standard.<source>__<dataset>`` from the current raw version, as a recorded run."""
    engine = obs.engine
    if not engine.exists("raw", dataset.table):
        raise NotFoundError(f"{dataset.source}.{dataset.name} has not been loaded yet (run `observatory build`)")
    raw = engine.table("raw", dataset.table)
    fields = standard_fields(dataset, obs.project.sources[dataset.source], list(raw.columns))
    postcodes = engine.table(LAYER, POSTCODES_TABLE) if engine.exists(LAYER, POSTCODES_TABLE) else None
    gazetteer = _gazetteer(obs, dataset)
    inputs = [f"raw.{dataset.table}"]
    if postcodes is not None and any(f.type.name == "postcode" for f in fields):
        inputs.append(f"{LAYER}.{POSTCODES_TABLE}")
    if gazetteer is not None and any(f.type.name in ("uprn", "usrn") for f in fields):
        inputs.append(f"{LAYER}.{obs.project.dataset(str(obs.project.spec.reference.gazetteer)).table}")
    expr = standard_expr(raw, fields, postcodes=postcodes, gazetteer=gazetteer)
    with recorded_run(
        obs.meta,
        kind="standardise",
        node_id=dataset.node_id,
        inputs=inputs,
        outputs=[f"{LAYER}.{dataset.table}"],
        engine=engine.name,
    ) as run:
        run.rows_out = engine.materialise(LAYER, dataset.table, expr)
    return StandardResult(dataset, fields, run.rows_out, run.id)


def refresh_postcodes(obs: Observatory) -> int:
    """Load the postcode reference table (shipped extract or ``reference.postcodes``) as a recorded run."""
    configured = obs.project.spec.reference.postcodes
    path = (obs.root / configured) if configured else None
    with recorded_run(
        obs.meta,
        kind="reference",
        node_id="reference.postcodes",
        inputs=[f"file:{path}" if path else "file:onspd_extract.csv (shipped)"],
        outputs=[f"{LAYER}.{POSTCODES_TABLE}"],
        engine=obs.engine.name,
    ) as run:
        run.rows_out = ensure_postcodes(obs.engine, path)
    return run.rows_out


def standardise_order(obs: Observatory, datasets: list[Dataset]) -> list[Dataset]:
    """``datasets`` with the gazetteer first, so other datasets can check UPRNs against it."""
    name = obs.project.spec.reference.gazetteer
    first = obs.project.dataset(name).node_id if name else None
    return sorted(datasets, key=lambda d: d.node_id != first)
