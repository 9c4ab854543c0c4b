"""The rule expression language: the ``check:`` of a contract rule, parsed and checked without a database.

A check is one small SQL expression (DuckDB syntax) over the dataset's fields and the fields of
its references (``reference.field``). ``parse_check`` reads it with sqlglot and rejects anything
outside a short whitelist, so a check can only compare, combine and compute with values:
no subqueries, casts, or functions beyond ``FUNCTIONS``. ``check_kinds`` then checks that the
values it combines fit (a date is not compared with a number) and that the result is true or
false. ``observatory.quality.expressions`` compiles a parsed check into an engine expression.
The language is documented in ``docs/quality-rules.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

Kind = Literal["text", "number", "date", "boolean", "any"]
"""What a value is, as far as a check cares; ``any`` when it is not known (the check is then lenient)."""

FieldRef = tuple[str | None, str]
"""A field a check uses: ``(None, field)`` for the dataset's own, ``(reference, field)`` for a referenced one."""

FUNCTIONS: dict[str, tuple[type[exp.Expr], int, int | None]] = {
    "age": (exp.Anonymous, 2, 2),
    "days_between": (exp.Anonymous, 2, 2),
    "today": (exp.CurrentDate, 0, 0),
    "length": (exp.Length, 1, 1),
    "lower": (exp.Lower, 1, 1),
    "upper": (exp.Upper, 1, 1),
    "coalesce": (exp.Coalesce, 1, None),
    "abs": (exp.Abs, 1, 1),
    "year": (exp.Year, 1, 1),
    "month": (exp.Month, 1, 1),
    "day": (exp.Day, 1, 1),
}
"""Function name -> (the sqlglot node it parses to, fewest arguments, most arguments or None)."""

COMPARISONS: tuple[type[exp.Expr], ...] = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)
ARITHMETIC: tuple[type[exp.Expr], ...] = (exp.Add, exp.Sub, exp.Mul, exp.Div)
_SIMPLE = (*COMPARISONS, *ARITHMETIC, exp.And, exp.Or, exp.Not, exp.Paren, exp.Neg, exp.Between, exp.Column)

_SIGNATURES: dict[str, tuple[tuple[Kind, ...], Kind]] = {
    "age": (("date", "date"), "number"),
    "days_between": (("date", "date"), "number"),
    "today": ((), "date"),
    "length": (("text",), "number"),
    "lower": (("text",), "text"),
    "upper": (("text",), "text"),
    "abs": (("number",), "number"),
    "year": (("date",), "number"),
    "month": (("date",), "number"),
    "day": (("date",), "number"),
}
"""Argument kinds and result kind of each function (``coalesce`` takes and returns one kind)."""

_DESCRIBED: dict[type[exp.Expr], str] = {
    exp.Cast: "CAST (write a date as DATE '2020-01-31')",
    exp.TryCast: "TRY_CAST",
    exp.Case: "CASE",
    exp.If: "IF",
    exp.Like: "LIKE",
    exp.ILike: "ILIKE",
    exp.Mod: "the % operator",
    exp.IntDiv: "the // operator",
    exp.DPipe: "the || operator",
    exp.NullSafeEQ: "IS [NOT] DISTINCT FROM",
    exp.Select: "a query",
    exp.Subquery: "a subquery",
    exp.Star: "*",
    exp.Placeholder: "a parameter",
    exp.Bracket: "[...]",
    exp.Dot: "a method call",
    exp.Struct: "a struct",
}


class CheckError(ValueError):
    """A check that cannot be read, uses something not allowed, or combines values that do not fit."""


@dataclass(frozen=True)
class ParsedCheck:
    """A check that parsed and passed the whitelist: its sqlglot tree and the fields it uses."""

    text: str
    tree: exp.Expr
    fields: frozenset[FieldRef]

    @property
    def references(self) -> frozenset[str]:
        """The references whose fields the check reads (they must be joined to evaluate it)."""
        return frozenset(ref for ref, _ in self.fields if ref is not None)


def column_name(column: exp.Column) -> FieldRef:
    """``(reference, field)`` of a column node; unquoted names are case-insensitive (lower-cased)."""
    parts = [_identifier(part) for part in (column.args.get("table"), column.args["this"])]
    return (parts[0] or None), parts[1] or ""


def quoted_fields(parsed: ParsedCheck) -> set[FieldRef]:
    """Fields written in double quotes, often meant as text (``status = "Open"``); SQL text takes single quotes."""
    columns = parsed.tree.find_all(exp.Column)
    return {column_name(c) for c in columns if isinstance(c.this, exp.Identifier) and c.this.quoted}


def _identifier(node: exp.Expr | None) -> str:
    if not isinstance(node, exp.Identifier):
        return ""
    return str(node.this) if node.quoted else str(node.this).lower()


def function_name(node: exp.Func, text: str) -> str | None:
    """The function name as written (lower case), or ``None`` for operator syntax such as ``@x``."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    start, end = node.meta.get("start"), node.meta.get("end")
    if start is None or end is None:
        return None
    return text[start : end + 1].lower()


def function_args(node: exp.Func) -> list[exp.Expr]:
    """The argument expressions of a function call, in order."""
    return list(_children(node))


def _children(node: exp.Expr) -> Iterator[exp.Expr]:
    for value in node.args.values():
        if isinstance(value, exp.Expr):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, exp.Expr))


def date_literal(node: exp.Expr) -> date | None:
    """The date of a ``DATE '2020-01-31'`` literal, or ``None`` if ``node`` is not one."""
    if type(node) is not exp.Cast or not node.to.is_type(exp.DataType.Type.DATE):
        return None
    value = node.this
    if not (isinstance(value, exp.Literal) and value.is_string):
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.this):
        raise CheckError(f"DATE {value.sql()} is not a date; write DATE 'YYYY-MM-DD', e.g. DATE '2020-01-31'")
    try:
        return date.fromisoformat(value.this)
    except ValueError:
        raise CheckError(f"DATE {value.sql()} is not a date that exists") from None


def parse_check(text: str) -> ParsedCheck:
    """Parse ``text`` and check it against the whitelist; raise ``CheckError`` saying what is wrong."""
    if not text.strip():
        raise CheckError("the check is empty")
    try:
        parsed = sqlglot.parse(text, read="duckdb")
    except ParseError as exc:
        raise CheckError(_parse_message(exc)) from None
    except TokenError:
        raise CheckError("cannot read the check: is a quote (') left open?") from None
    statements = [s for s in parsed if s is not None]
    if len(statements) != 1:
        raise CheckError("a check is one expression; remove the ';'" if statements else "the check is empty")
    tree = statements[0]
    names: set[FieldRef] = set()
    _whitelist(tree, text, names)
    if not names:
        raise CheckError("the check uses no field, so it is the same for every row")
    return ParsedCheck(text, tree, frozenset(names))


def _parse_message(error: ParseError) -> str:
    details = error.errors[0] if error.errors else {}
    description = str(details.get("description", error))
    if description.startswith("Required keyword") or description.startswith("Expecting"):
        description = "the expression is incomplete" + (" (a ')' is missing)" if description == "Expecting )" else "")
    elif description.startswith("The number of provided arguments"):
        description = "too many arguments"
    elif description.startswith("Invalid expression"):
        description = "unexpected text (is an operator such as AND missing?)"
    near = details.get("highlight")
    where = f" near {near!r}" if near else ""
    column = details.get("col")
    at = f" (column {column})" if column else ""
    return f"cannot read the check{where}{at}: {description}"


def _allowed_functions() -> str:
    return ", ".join(FUNCTIONS)


def _whitelist(node: exp.Expr, text: str, names: set[FieldRef]) -> None:
    """Walk the tree, raising on the first node outside the language; collect the fields used."""
    if isinstance(node, exp.Column):
        _check_column(node, names)
        return
    if isinstance(node, exp.Literal):
        if not node.is_string and not _is_number(node.this):
            raise CheckError(f"{node.sql()!r} is not a number")
        return
    if isinstance(node, exp.Boolean):
        return
    if isinstance(node, exp.Null):
        raise CheckError("NULL can only be used as 'IS NULL' or 'IS NOT NULL' (a comparison with NULL is never true)")
    if date_literal(node) is not None:
        return
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            raise CheckError("only 'IS NULL' and 'IS NOT NULL' are allowed (write 'flag = TRUE', not 'flag IS TRUE')")
        _whitelist(node.this, text, names)
        return
    if isinstance(node, exp.In):
        _check_in(node, text, names)
        return
    if isinstance(node, _SIMPLE):  # before functions: sqlglot makes AND and OR functions
        for child in _children(node):
            _whitelist(child, text, names)
        return
    if isinstance(node, exp.Alias):
        raise CheckError(f"unexpected {node.alias!r} after {node.this.sql()!r} (is an operator such as AND missing?)")
    if isinstance(node, exp.Func) and type(node) not in _DESCRIBED:
        _check_function(node, text, names)
        return
    raise CheckError(f"{_describe(node)} is not allowed in a rule")


def _describe(node: exp.Expr) -> str:
    return _DESCRIBED.get(type(node), repr(node.sql(dialect="duckdb")))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_column(node: exp.Column, names: set[FieldRef]) -> None:
    if node.args.get("db") is not None or node.args.get("catalog") is not None:
        raise CheckError(f"{node.sql()!r}: write a field as 'field' or 'reference.field'")
    if not isinstance(node.args.get("this"), exp.Identifier):
        raise CheckError(f"{node.sql()!r} is not allowed in a rule")
    names.add(column_name(node))


def _check_in(node: exp.In, text: str, names: set[FieldRef]) -> None:
    if node.args.get("query") is not None or node.args.get("unnest") is not None or node.args.get("field"):
        raise CheckError("IN takes a list of values, e.g. status IN ('open', 'closed')")
    values = node.expressions
    if not values:
        raise CheckError("IN needs at least one value, e.g. status IN ('open', 'closed')")
    for value in values:
        if not _is_constant(value):
            raise CheckError(f"IN lists values only (strings, numbers, TRUE/FALSE, DATE '...'); not {value.sql()!r}")
    _whitelist(node.this, text, names)
    for value in values:
        _whitelist(value, text, names)


def _is_constant(node: exp.Expr) -> bool:
    if isinstance(node, exp.Neg):
        return isinstance(node.this, exp.Literal) and not node.this.is_string
    return isinstance(node, exp.Literal | exp.Boolean) or date_literal(node) is not None


def _check_function(node: exp.Func, text: str, names: set[FieldRef]) -> None:
    name = function_name(node, text)
    if name is None:
        raise CheckError(f"{node.sql(dialect='duckdb')!r} is not allowed in a rule")
    spec = FUNCTIONS.get(name)
    if spec is None or type(node) is not spec[0]:
        raise CheckError(f"function {name!r} is not allowed in a rule; allowed: {_allowed_functions()}")
    args = function_args(node)
    fewest, most = spec[1], spec[2]
    if len(args) < fewest or (most is not None and len(args) > most):
        wanted = f"{fewest}" if fewest == most else f"at least {fewest}"
        raise CheckError(f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, not {len(args)}")
    for arg in args:
        _whitelist(arg, text, names)


# -- kinds -------------------------------------------------------------------------------------

KindOf = Callable[[str | None, str], Kind]
"""What a field is: ``(reference, field) -> Kind``."""

_ARTICLE: dict[Kind, str] = {"text": "text", "number": "a number", "date": "a date", "boolean": "true/false"}


def check_kinds(parsed: ParsedCheck, kind_of: KindOf) -> None:
    """Check that the values a check combines fit and that it is a condition; raise ``CheckError`` if not."""
    result = _kind(parsed.tree, parsed.text, kind_of)
    if result not in ("boolean", "any"):
        raise CheckError(
            f"a check must be a condition (true or false), but this is {_ARTICLE[result]}; "
            "compare it with something, e.g. weekly_cost > 0"
        )


def _sql(node: exp.Expr) -> str:
    return node.sql(dialect="duckdb")


def _unify(kinds: list[Kind], what: str) -> Kind:
    known = sorted({k for k in kinds if k != "any"})
    if len(known) > 1:
        first, second = (_ARTICLE[k] for k in known[:2])
        hint = " (write a date as DATE '2020-01-31')" if "date" in known and "text" in known else ""
        raise CheckError(f"cannot mix {first} and {second} in {what}{hint}")
    return known[0] if known else "any"


def _expect(kind: Kind, wanted: Kind, what: str) -> None:
    if kind not in (wanted, "any"):
        raise CheckError(f"{what} needs {_ARTICLE[wanted]}, not {_ARTICLE[kind]}")


def _kind(node: exp.Expr, text: str, kind_of: KindOf) -> Kind:
    if isinstance(node, exp.Column):
        return kind_of(*column_name(node))
    if isinstance(node, exp.Literal):
        return "text" if node.is_string else "number"
    if isinstance(node, exp.Boolean):
        return "boolean"
    if date_literal(node) is not None:
        return "date"
    if isinstance(node, exp.Paren):
        return _kind(node.this, text, kind_of)
    if isinstance(node, exp.Neg):
        _expect(_kind(node.this, text, kind_of), "number", f"'-' in {_sql(node)}")
        return "number"
    if isinstance(node, exp.Not):
        _expect(_kind(node.this, text, kind_of), "boolean", f"NOT in {_sql(node)}")
        return "boolean"
    if isinstance(node, exp.And | exp.Or):
        for side in (node.this, node.expression):
            _expect(_kind(side, text, kind_of), "boolean", f"{node.key.upper()} in {_sql(node)}")
        return "boolean"
    if isinstance(node, exp.Is):
        _kind(node.this, text, kind_of)
        return "boolean"
    if isinstance(node, COMPARISONS):
        _unify([_kind(side, text, kind_of) for side in (node.this, node.expression)], _sql(node))
        return "boolean"
    if isinstance(node, exp.Between):
        parts = [node.this, node.args["low"], node.args["high"]]
        _unify([_kind(part, text, kind_of) for part in parts], _sql(node))
        return "boolean"
    if isinstance(node, exp.In):
        _unify([_kind(part, text, kind_of) for part in [node.this, *node.expressions]], _sql(node))
        return "boolean"
    if isinstance(node, ARITHMETIC):
        for side in (node.this, node.expression):
            kind = _kind(side, text, kind_of)
            if kind == "date":
                raise CheckError(f"dates cannot be added or subtracted ({_sql(node)}); use days_between(a, b)")
            _expect(kind, "number", f"arithmetic in {_sql(node)}")
        return "number"
    if isinstance(node, exp.Func):
        return _function_kind(node, text, kind_of)
    raise CheckError(f"{_describe(node)} is not allowed in a rule")  # unreachable after parse_check


def _function_kind(node: exp.Func, text: str, kind_of: KindOf) -> Kind:
    name = function_name(node, text) or ""
    kinds = [_kind(arg, text, kind_of) for arg in function_args(node)]
    if name == "coalesce":
        return _unify(kinds, _sql(node))
    wanted, result = _SIGNATURES[name]
    for position, (kind, want) in enumerate(zip(kinds, wanted, strict=True), start=1):
        _expect(kind, want, f"argument {position} of {name}()")
    return result
