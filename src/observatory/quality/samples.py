"""Failing-row samples: up to N rows per failing measure, collected in one engine query.

Each sample shows the dataset's key fields and the offending values. Values of personal
fields are masked by shape (``943 476 5919`` becomes ``999 999 9999``, ``Smith`` becomes
``Xxxxx``), which shows what is wrong with a value's format without showing the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from observatory.engine import Engine
from observatory.quality.measures import FailingSample

if TYPE_CHECKING:
    import ibis.expr.types as ir

MEASURE = "_measure"


@dataclass(frozen=True)
class SampleQuery:
    """The rows failing one measure and the columns that show why."""

    measure: str
    failing: ir.BooleanValue
    columns: tuple[str, ...]


def mask(value: str | None) -> str | None:
    """``value`` by shape only: digits become 9, capitals X, other letters x; the rest is kept."""
    if value is None:
        return None
    return "".join("9" if c.isdigit() else ("X" if c.isupper() else "x") if c.isalpha() else c for c in value)


def _as_text(table: ir.Table, column: str) -> ir.StringValue:
    return table[column].cast("string")


def collect_samples(
    engine: Engine,
    table: ir.Table,
    keys: list[str],
    queries: list[SampleQuery],
    *,
    limit: int,
    personal: set[str],
) -> list[FailingSample]:
    """Up to ``limit`` failing rows per query, ordered by key and value, personal columns masked."""
    if not queries or limit <= 0:
        return []
    width = max(len(q.columns) for q in queries)
    parts = []
    for query in queries:
        values = {f"v{i}": _as_text(table, c) for i, c in enumerate(query.columns)}
        values.update({f"v{i}": ibis.null("string") for i in range(len(query.columns), width)})
        parts.append(
            table.filter(query.failing).select(
                **{MEASURE: ibis.literal(query.measure)},
                **{f"k{i}": _as_text(table, k) for i, k in enumerate(keys)},
                **values,
            )
        )
    union = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    order = [union[f"k{i}"] for i in range(len(keys))] + [union[f"v{i}"] for i in range(width)]
    ranked = union.mutate(_n=ibis.row_number().over(group_by=union[MEASURE], order_by=order))
    found = engine.to_arrow(ranked.filter(ranked._n < limit).order_by([MEASURE, "_n"])).to_pylist()
    by_measure: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        by_measure.setdefault(row[MEASURE], []).append(row)
    samples = []
    for query in queries:
        columns = [*keys, *query.columns]
        masked = [c for c in columns if c in personal]
        rows = [_row(row, keys, query.columns, masked) for row in by_measure.get(query.measure, [])]
        samples.append(FailingSample(query.measure, columns, rows, masked))
    return samples


def _row(row: dict[str, Any], keys: list[str], columns: Iterable[str], masked: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {k: row[f"k{i}"] for i, k in enumerate(keys)}
    out.update({c: row[f"v{i}"] for i, c in enumerate(columns)})
    return {name: mask(value) if name in masked else value for name, value in out.items()}


def duplicate_keys(
    engine: Engine, table: ir.Table, keys: list[str], *, limit: int, measure: str, personal: set[str]
) -> FailingSample:
    """Keys held by more than one row, with how many rows hold each."""
    key_columns = {k: _as_text(table, k) for k in keys}
    present = ibis.and_(*[table[k].notnull() for k in keys])
    grouped = table.filter(present).group_by(**key_columns).aggregate(rows=ibis._.count())
    dupes = grouped.filter(grouped.rows > 1).order_by(keys).limit(limit)
    masked = [k for k in keys if k in personal]
    found = engine.to_arrow(dupes).to_pylist()
    rows = [{**{k: mask(r[k]) if k in masked else r[k] for k in keys}, "rows": str(r["rows"])} for r in found]
    return FailingSample(measure, [*keys, "rows"], rows, masked)
