"""The rule expression language: what parses, what is refused and why, and what compiled checks answer.

Checks are evaluated by real engines on a small table: DuckDB always, Spark (ANSI mode) in the
``spark`` test, which must give exactly the same answers. NULL answers are expected and kept:
a NULL check means the rule could not be evaluated for that row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from observatory.config.expressions import CheckError, Kind, check_kinds, parse_check
from observatory.quality.expressions import age, compile_check, days_between

# -- parsing and the whitelist --------------------------------------------------------------


def test_parse_returns_the_tree_and_the_fields_used() -> None:
    parsed = parse_check("age(child.Date_Of_Birth, referral_date) < 18 AND status IN ('open', 'closed')")
    assert parsed.fields == {("child", "date_of_birth"), (None, "referral_date"), (None, "status")}
    assert parsed.references == {"child"}
    assert parsed.tree.sql(dialect="duckdb").startswith("AGE(child.Date_Of_Birth, referral_date) < 18")


@pytest.mark.parametrize(
    "text",
    [
        "end_date >= start_date",
        "end_date <> start_date AND end_date != start_date",
        "NOT (x IS NULL) OR x IS NOT NULL",
        "x NOT IN (1, -2.5) AND y IN ('a', 'b') AND d IN (DATE '2024-02-29')",
        "x BETWEEN 0 AND 10 AND x NOT BETWEEN 3 AND 4",
        "(a + b) * c / d - 1 > -e",
        "flag = TRUE OR flag = FALSE OR flag",
        "d > DATE '2020-01-01'",
        "age(dob, today()) < 120 AND days_between(a, b) >= 0",
        "length(lower(upper(n))) > 0 AND coalesce(a, b, c) > abs(x) AND year(d) + month(d) + day(d) > 0",
        "AGE(dob, at) >= 18 -- upper-case function names and comments are fine",
    ],
)
def test_the_grammar_parses(text: str) -> None:
    parse_check(text)


ALLOWED = "allowed: age, days_between, today, length, lower, upper, coalesce, abs, year, month, day"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("random() > 0.5", f"function 'random' is not allowed in a rule; {ALLOWED}"),
        ("ifnull(a, b) = 1", "function 'ifnull' is not allowed in a rule"),
        ("len(a) = 1", "function 'len' is not allowed in a rule"),
        ("sum(x) > 1", "function 'sum' is not allowed in a rule"),
        ("date('2020-01-01') < d", "function 'date' is not allowed in a rule"),
        ("end_date >=", "cannot read the check near '>=' (column 11): the expression is incomplete"),
        ("age(a, b", "cannot read the check near 'b' (column 8): the expression is incomplete (a ')' is missing)"),
        ("name = 'abc", "cannot read the check: is a quote (') left open?"),
        ("lower(a, b) = 'x'", "too many arguments"),
        ("", "the check is empty"),
        ("x = 1; DROP TABLE y", "a check is one expression; remove the ';'"),
        ("a b", "unexpected 'b' after 'a' (is an operator such as AND missing?)"),
        ("x = NULL", "NULL can only be used as 'IS NULL' or 'IS NOT NULL'"),
        ("x IS TRUE", "only 'IS NULL' and 'IS NOT NULL' are allowed"),
        ("x IN (SELECT 1)", "IN takes a list of values"),
        ("x IN (y)", "IN lists values only (strings, numbers, TRUE/FALSE, DATE '...'); not 'y'"),
        ("(SELECT max(x) FROM t) > 1", "a subquery is not allowed in a rule"),
        ("CAST(x AS INT) = 1", "CAST (write a date as DATE '2020-01-31') is not allowed in a rule"),
        ("x::int = 1", "CAST"),
        ("TRY_CAST(x AS INT) = 1", "TRY_CAST is not allowed in a rule"),
        ("x LIKE 'a%'", "LIKE is not allowed in a rule"),
        ("CASE WHEN x THEN 1 END = 1", "CASE is not allowed in a rule"),
        ("x % 2 = 0", "the % operator is not allowed in a rule"),
        ("a || b = 'ab'", "the || operator is not allowed in a rule"),
        ("x IS NOT DISTINCT FROM y", "IS [NOT] DISTINCT FROM is not allowed in a rule"),
        ("today(1) > d", "today() takes 0 arguments, not 1"),
        ("age(dob) > 1", "age() takes 2 arguments, not 1"),
        ("a.b.c = 1", "'a.b.c': write a field as 'field' or 'reference.field'"),
        ("DATE '2023-02-29' < d", "DATE '2023-02-29' is not a date that exists"),
        ("DATE '01/02/2020' < d", "is not a date; write DATE 'YYYY-MM-DD'"),
        ("1 = 1", "the check uses no field, so it is the same for every row"),
    ],
)
def test_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(CheckError) as caught:
        parse_check(text)
    assert message in str(caught.value)


KINDS: dict[tuple[str | None, str], Kind] = {
    (None, "start_date"): "date",
    (None, "end_date"): "date",
    (None, "name"): "text",
    (None, "weekly_cost"): "number",
    (None, "flag"): "boolean",
    (None, "uprn"): "any",
    ("child", "date_of_birth"): "date",
}


def kinds(text: str) -> None:
    check_kinds(parse_check(text), lambda ref, field: KINDS[(ref, field)])


@pytest.mark.parametrize(
    "text",
    [
        "flag",
        "NOT flag AND age(child.date_of_birth, start_date) < 18",
        "uprn = 5 OR uprn = 'x'",
        "coalesce(end_date, DATE '2099-12-31') > start_date",
        "weekly_cost / 2 BETWEEN 0 AND 10",
    ],
)
def test_values_that_fit(text: str) -> None:
    kinds(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("end_date >= '2020-01-01'", "cannot mix a date and text in end_date >= '2020-01-01' (write a date as DATE"),
        ("weekly_cost + 1", "a check must be a condition (true or false), but this is a number"),
        ("name", "a check must be a condition (true or false), but this is text"),
        ("age(name, start_date) > 1", "argument 1 of age() needs a date, not text"),
        ("days_between(start_date, 5) > 1", "argument 2 of days_between() needs a date, not a number"),
        ("end_date - start_date > 5", "dates cannot be added or subtracted"),
        ("name AND flag", "AND in name AND flag needs true/false, not text"),
        ("NOT weekly_cost", "NOT in NOT weekly_cost needs true/false, not a number"),
        ("coalesce(name, 1) = 'x'", "cannot mix a number and text"),
        ("name IN ('a', 1)", "cannot mix a number and text"),
        ("weekly_cost BETWEEN 0 AND '10'", "cannot mix a number and text"),
        ("-name = 'x'", "'-' in -name needs a number, not text"),
        ("lower(weekly_cost) = 'x'", "argument 1 of lower() needs text, not a number"),
    ],
)
def test_values_that_do_not_fit(text: str, message: str) -> None:
    with pytest.raises(CheckError) as caught:
        kinds(text)
    assert message in str(caught.value)


# -- evaluation -----------------------------------------------------------------------------

COLUMNS = {
    "start_date": "date",
    "end_date": "date",
    "date_of_birth": "date",
    "at_date": "date",
    "weekly_cost": "decimal(18,2)",
    "hours": "int64",
    "name": "string",
    "status": "string",
    "flag": "boolean",
    "child__date_of_birth": "date",
}
ROWS: list[tuple[str | None, ...]] = [
    # start, end, born, at, cost, hours, name, status, flag, child's date of birth
    ("2024-01-01", "2024-01-31", "2000-02-29", "2025-02-28", "100.50", "10", "Ann", "open", "true", "2010-01-01"),
    ("2024-03-01", "2024-02-01", "2000-02-29", "2025-03-01", "0.00", "0", "bob", "closed", "false", "2000-01-01"),
    ("2024-01-01", None, "2000-02-29", "2024-02-29", None, None, None, None, None, None),
    (None, "2024-01-01", "1990-12-31", "2025-12-30", "-5.25", "3", "Zoë", "other", "true", None),
    ("2023-12-31", "2024-12-31", "1990-12-31", "2025-12-31", "2000.00", "40", "", "open", "false", None),
    ("2024-02-28", "2024-03-01", "2025-02-28", "2025-02-28", "5.00", "7", " x ", "OPEN", None, None),
    ("2024-02-28", "2024-02-29", "2000-02-29", "2024-02-28", None, None, None, None, None, None),
    (None, None, None, "2025-01-01", None, None, None, None, None, None),
]
"""Every column starts as text and is cast in the engine: Ibis cannot hand Spark NULL decimals or integers."""

T, F, N = True, False, None
TODAY = date(2025, 6, 1)
CASES: list[tuple[str, list[bool | None]]] = [
    ("end_date >= start_date", [T, F, N, N, T, T, T, N]),
    ("end_date IS NULL OR end_date >= start_date", [T, F, T, N, T, T, T, T]),
    ("age(date_of_birth, at_date) < 25", [T, F, T, F, F, T, T, N]),
    ("days_between(start_date, end_date) <= 30", [T, T, N, N, F, T, T, N]),
    ("status IN ('open', 'closed')", [T, T, N, F, T, F, N, N]),
    ("status NOT IN ('open')", [F, T, N, T, F, T, N, N]),
    ("upper(status) = 'OPEN' AND lower(status) = 'open'", [T, F, N, F, T, T, N, N]),
    ("length(name) > 2", [T, T, N, T, F, T, N, N]),
    ("name <> ''", [T, T, N, T, F, T, N, N]),
    ("weekly_cost BETWEEN 0 AND 1000", [T, T, N, F, F, T, N, N]),
    ("weekly_cost / hours > 10", [T, N, N, F, T, F, N, N]),
    ("abs(weekly_cost) >= 5.25", [T, F, N, T, T, F, N, N]),
    ("-weekly_cost < 0", [T, F, N, F, T, T, N, N]),
    ("coalesce(end_date, DATE '2099-12-31') > DATE '2024-06-01'", [F, F, T, F, T, F, F, T]),
    ("year(start_date) = 2024 AND month(start_date) <= 2 AND day(start_date) < 29", [T, F, T, N, F, T, T, N]),
    ("start_date >= DATE '2024-01-01'", [T, T, T, N, F, T, T, N]),
    ("flag = TRUE OR hours * 2 + 1 > 20", [T, F, N, T, T, N, N, N]),
    ("NOT flag", [F, T, N, F, T, N, N, N]),
    ("flag AND hours > 100", [F, F, N, F, F, F, N, N]),
    ("flag OR hours > 5", [T, F, N, T, T, T, N, N]),
    ("days_between(date_of_birth, today()) > 0", [T, T, T, T, T, T, T, N]),
    ("age(child.date_of_birth, start_date) < 18", [T, F, N, N, N, N, N, N]),
]
"""Each check and its answer per row; N (NULL) is 'not evaluated', kept through AND, OR and NOT as SQL does."""

AGES = [24, 25, 24, 34, 35, 0, 23, None]
"""Ages at ``at_date``: a 29 February birthday turns over on 1 March in a common year, on the day in a leap year."""
DAYS = [30, -29, None, None, 366, 2, 1, None]


def typed_table() -> ir.Table:
    raw = ibis.memtable(
        {"i": [str(i) for i in range(len(ROWS))], **{c: [r[n] for r in ROWS] for n, c in enumerate(COLUMNS)}},
        schema={"i": "string", **dict.fromkeys(COLUMNS, "string")},
    )
    return raw.select(i=raw.i.cast("int64"), **{c: raw[c].cast(t) for c, t in COLUMNS.items()})


def resolver(table: ir.Table) -> Callable[[str | None, str], ir.Value]:
    return lambda reference, field: table[f"{reference}__{field}" if reference else field]


def evaluate(con: Any) -> dict[str, list[Any]]:
    """Every case, the age and the day count, computed in one query on ``con``."""
    table = typed_table()
    checks = {f"c{n}": compile_check(text, resolver(table), today=TODAY) for n, (text, _) in enumerate(CASES)}
    expr = table.select(
        "i",
        age=age(table.date_of_birth, table.at_date),
        days=days_between(table.start_date, table.end_date),
        **checks,
    ).order_by("i")
    columns = con.to_pyarrow(expr).to_pydict()
    return {name: columns[name] for name in ("age", "days", *checks)}


@pytest.fixture(scope="module")
def duckdb_results() -> dict[str, list[Any]]:
    return evaluate(ibis.duckdb.connect())


@pytest.mark.parametrize(("number", "text", "expected"), [(n, t, e) for n, (t, e) in enumerate(CASES)])
def test_check_on_duckdb(duckdb_results: dict[str, list[Any]], number: int, text: str, expected: list[Any]) -> None:
    assert duckdb_results[f"c{number}"] == expected, text


def test_age_and_days_between_on_duckdb(duckdb_results: dict[str, list[Any]]) -> None:
    assert duckdb_results["age"] == AGES
    assert duckdb_results["days"] == DAYS


def test_today_defaults_to_the_engines_date() -> None:
    table = typed_table()
    check = compile_check("days_between(today(), DATE '2000-01-01') < 0 AND start_date IS NOT NULL", resolver(table))
    found = ibis.duckdb.connect().to_pyarrow(table.select("i", ok=check).order_by("i")).column("ok").to_pylist()
    assert found == [T, T, T, F, T, T, T, F]


def test_a_string_check_is_parsed_and_a_parsed_check_reused() -> None:
    table = typed_table()
    parsed = parse_check("hours > 5")
    first, second = compile_check(parsed, resolver(table)), compile_check("hours > 5", resolver(table))
    assert first.equals(second)


def test_compiling_checks_the_real_column_types() -> None:
    table = typed_table()
    with pytest.raises(CheckError, match=r"argument 1 of age\(\) needs a date, not text"):
        compile_check("age(name, start_date) > 1", resolver(table))
    with pytest.raises(CheckError, match="cannot mix a number and text"):
        compile_check("hours = '5'", resolver(table))


@pytest.mark.spark
def test_spark_gives_the_same_answers(spark: Any, duckdb_results: dict[str, list[Any]]) -> None:
    found = evaluate(ibis.pyspark.connect(spark))
    assert found == duckdb_results
    assert found["age"] == AGES
    assert found["days"] == DAYS
