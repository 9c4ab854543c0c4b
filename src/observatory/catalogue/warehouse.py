"""What the warehouse says about its tables: columns and types, row counts, example values.

Examples are taken from the data only for fields whose values cannot identify anyone (codes, dates,
amounts, flags: ``EXAMPLE_TYPES``) and only a value seen at least ``EXAMPLE_MIN_ROWS`` times; a
contract's ``example`` wins, and personal fields never get one.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from observatory.engine import Engine

EXAMPLE_TYPES = frozenset({"code", "sex", "ethnicity", "boolean", "money", "integer", "decimal", "date"})
"""Standard types whose most common value may be shown as an example."""
EXAMPLE_MIN_ROWS = 5
"""An example from the data must be shared by at least this many rows, so that it is never one person's."""
INTERNAL_PREFIX = "_"


@dataclass(frozen=True)
class TableFacts:
    """One warehouse table: its columns in order with their engine types, and its row count."""

    layer: str
    name: str
    columns: dict[str, str]
    rows: int


def catalogued_tables(engine: Engine, layer: str) -> list[str]:
    """The tables of ``layer`` that are data: not internal (``_rejects``) nor a raw load version (``x__load3``)."""
    tables = [t for t in engine.list_tables(layer) if not t.startswith(INTERNAL_PREFIX)]
    if layer == "raw":
        current = set(tables)
        tables = [t for t in tables if not _is_load_version(t, current)]
    return tables


def _is_load_version(table: str, tables: set[str]) -> bool:
    base, _, suffix = table.rpartition("__load")
    return bool(base) and suffix.isdigit() and base in tables


def table_facts(engine: Engine, layer: str, name: str) -> TableFacts:
    """Columns, types and rows of ``layer.name``."""
    schema = engine.table(layer, name).schema()
    columns = {column: _type_name(dtype) for column, dtype in schema.items()}
    return TableFacts(layer, name, columns, engine.count_rows(layer, name))


def _type_name(dtype: object) -> str:
    text = str(dtype).removeprefix("!")
    return {"float64": "decimal", "int64": "integer", "int32": "integer", "string": "text"}.get(text, text)


def example_values(engine: Engine, layer: str, name: str, columns: list[str]) -> dict[str, str]:
    """The most common value of each of ``columns`` shared by at least ``EXAMPLE_MIN_ROWS`` rows, as text.

    One query per table, in the engine: the frequent values of every column, unioned, ranked per column (ties
    broken by the value, so the example is stable), the first kept."""
    if not columns:
        return {}
    table = engine.table(layer, name)
    parts = [
        table.filter(table[column].notnull())
        .group_by(value=table[column].cast("string"))
        .aggregate(n=ibis._.count())
        .filter(ibis._.n >= EXAMPLE_MIN_ROWS)
        .mutate(column=ibis.literal(column))
        for column in columns
    ]
    frequent = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    ranked = frequent.mutate(rank=ibis.row_number().over(group_by="column", order_by=[ibis.desc("n"), "value"]))
    best = engine.to_arrow(ranked.filter(ranked.rank == 0).select("column", "value"))
    return dict(zip(best["column"].to_pylist(), best["value"].to_pylist(), strict=True))
