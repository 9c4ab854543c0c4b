"""Check that a field type's engine expressions agree with its Python reference on given values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ibis

from observatory.standards.layer import apply_lookups
from observatory.standards.staging import staged_select
from observatory.standards.types import FieldType


def engine_results(ftype: FieldType, values: Sequence[str | None], con: Any | None = None) -> list[tuple[Any, ...]]:
    """``(value, status, *extras)`` per input, computed by the engine (DuckDB unless ``con`` is given)."""
    con = con or ibis.duckdb.connect()
    table = ibis.memtable({"i": list(range(len(values))), "v": list(values)}, schema={"i": "int64", "v": "string"})
    extras = ftype.extras(table.v)
    lookups = ftype.lookups(table.v)
    columns = {"i": table.i, "value": ftype.value_expr(table.v), "status": ftype.status_expr(table.v)}
    columns.update({f"x_{k}": e for k, e in extras.items()})
    columns.update({f"x_{lookup.suffix}": lookup.key for lookup in lookups})
    # as the standard layer computes them: shared parts once, then the reference joins
    staged = staged_select(table, columns)
    expr = apply_lookups(staged, {f"x_{lookup.suffix}": lookup.table for lookup in lookups}).order_by("i")
    frame = con.execute(expr)
    names = ["value", "status", *[f"x_{k}" for k in extras], *[f"x_{lookup.suffix}" for lookup in lookups]]
    return [tuple(None if _isnull(row[n]) else row[n] for n in names) for _, row in frame.iterrows()]


def _isnull(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN or None
    except (TypeError, ValueError):
        return False


def disagreements(ftype: FieldType, values: Iterable[str | None], con: Any | None = None) -> list[str]:
    """Inputs on which ``value_expr``/``status_expr`` differ from ``validate``; empty when they agree."""
    values = list(values)
    found = []
    for text, (value, status, *_) in zip(values, engine_results(ftype, values, con), strict=True):
        verdict = ftype.validate(text)
        if (verdict.value, verdict.status) != (value, status):
            found.append(f"{text!r}: python {(verdict.value, verdict.status)} engine {(value, status)}")
    return found
