"""Compile a parsed rule check into an Ibis boolean expression that gives the same answers on DuckDB and Spark.

The quality engine supplies a resolver, ``(reference, field) -> Ibis value``, for the columns of
the standard-layer table and of the referenced tables joined to it. Each construct is compiled
to Ibis operations known to agree on both engines (Spark 4 runs in ANSI mode):

- ``age(born, on)`` uses year/month/day arithmetic, not ``delta(unit="year")``, whose meaning
  differs between the engines; someone born on 29 February turns a year older on 1 March in a
  common year (the UK rule).
- ``days_between(a, b)`` is ``b - a`` in days (``delta(unit="day")``, the same on both).
- ``/`` divides as floating point and gives NULL for a zero divisor (Spark would raise in ANSI
  mode; DuckDB would give NULL or infinity; Spark divides decimals with fewer digits).

SQL's three-valued logic is kept: a check that is NULL for a row (a field it reads is missing)
means the rule was not evaluated for that row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from sqlglot import exp

from observatory.config.expressions import (
    CheckError,
    Kind,
    ParsedCheck,
    check_kinds,
    column_name,
    date_literal,
    function_args,
    function_name,
    parse_check,
)

Resolver = Callable[[str | None, str], ir.Value]
"""The column a check's field names: ``(None, field)`` or ``(reference, field)``."""

_COMPARE: dict[type[exp.Expr], Callable[[Any, Any], Any]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.Add: lambda a, b: a + b,
    exp.Sub: lambda a, b: a - b,
    exp.Mul: lambda a, b: a * b,
}

_METHODS = frozenset({"length", "lower", "upper", "abs", "year", "month", "day"})
"""Functions that are the Ibis method of the same name on their one argument."""


def kind_of_dtype(dtype: dt.DataType) -> Kind:
    """The rule-language kind of an Ibis type."""
    if dtype.is_string():
        return "text"
    if dtype.is_numeric():
        return "number"
    if dtype.is_date():
        return "date"
    if dtype.is_boolean():
        return "boolean"
    return "any"


def compile_check(check: ParsedCheck | str, resolve: Resolver, *, today: date | None = None) -> ir.BooleanValue:
    """The check as an Ibis boolean; ``today`` fixes ``today()`` (the engine's current date when ``None``).

    Raises ``CheckError`` when the check does not parse or the columns' types do not fit it.
    """
    parsed = parse_check(check) if isinstance(check, str) else check
    columns: dict[tuple[str | None, str], ir.Value] = {name: resolve(*name) for name in parsed.fields}
    check_kinds(parsed, lambda ref, field: kind_of_dtype(columns[(ref, field)].type()))
    result: ir.BooleanValue = _Compiler(parsed.text, columns, today).build(parsed.tree)
    return result


def age(born: ir.DateValue, on: ir.DateValue) -> ir.IntegerValue:
    """Whole years from ``born`` to ``on``: the year difference, less one if the birthday is still to come."""
    before_birthday = (born.month() > on.month()) | ((born.month() == on.month()) & (born.day() > on.day()))
    years: ir.IntegerValue = (on.year() - born.year() - ibis.ifelse(before_birthday, 1, 0)).cast("int32")
    return years


def days_between(start: ir.DateValue, end: ir.DateValue) -> ir.IntegerValue:
    """Days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    days: ir.IntegerValue = end.delta(start, unit="day")
    return days


class _Compiler:
    """Turns a whitelisted sqlglot tree into Ibis, node by node."""

    def __init__(self, text: str, columns: dict[tuple[str | None, str], ir.Value], today: date | None) -> None:
        self.text = text
        self.columns = columns
        self.today = today

    def build(self, node: exp.Expr) -> Any:
        if isinstance(node, exp.Column):
            return self.columns[column_name(node)]
        literal = self._literal(node)
        if literal is not None:
            return literal
        if isinstance(node, exp.Paren):
            return self.build(node.this)
        if isinstance(node, exp.Neg):
            return -self.build(node.this)
        if isinstance(node, exp.Not):
            return ~self.build(node.this)
        if isinstance(node, exp.And):
            return self.build(node.this) & self.build(node.expression)
        if isinstance(node, exp.Or):
            return self.build(node.this) | self.build(node.expression)
        if isinstance(node, exp.Is):
            return self.build(node.this).isnull()
        if isinstance(node, exp.In):
            return self.build(node.this).isin([self.build(value) for value in node.expressions])
        if isinstance(node, exp.Between):
            return self.build(node.this).between(self.build(node.args["low"]), self.build(node.args["high"]))
        if isinstance(node, exp.Div):
            return self.build(node.this).cast("float64") / self.build(node.expression).cast("float64").nullif(0)
        operator = _COMPARE.get(type(node))
        if operator is not None:
            return operator(self.build(node.this), self.build(node.expression))
        if isinstance(node, exp.Func):
            return self._function(node)
        raise CheckError(f"{node.sql(dialect='duckdb')!r} is not allowed in a rule")  # parse_check prevents this

    def _literal(self, node: exp.Expr) -> ir.Value | None:
        if isinstance(node, exp.Literal):
            if node.is_string:
                return ibis.literal(str(node.this), type="string")
            text = str(node.this)
            return ibis.literal(int(text)) if text.isdigit() else ibis.literal(float(text), type="float64")
        if isinstance(node, exp.Boolean):
            return ibis.literal(bool(node.this), type="boolean")
        when = date_literal(node)
        return None if when is None else ibis.literal(when, type="date")

    def _function(self, node: exp.Func) -> Any:
        name = function_name(node, self.text)
        args = [self.build(arg) for arg in function_args(node)]
        if name == "age":
            return age(args[0], args[1])
        if name == "days_between":
            return days_between(args[0], args[1])
        if name == "today":
            return ibis.today() if self.today is None else ibis.literal(self.today, type="date")
        if name == "coalesce":
            return ibis.coalesce(*args)
        if name in _METHODS:
            return getattr(args[0], name)()
        raise CheckError(f"function {name!r} is not allowed in a rule")  # parse_check prevents this
