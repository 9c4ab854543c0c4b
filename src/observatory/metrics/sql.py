"""A KPI measure as SQL, built in named steps (DuckDB's dialect; Ibis translates it for Spark).

``rows_sql``: the measure's rows from the governed layers, with the breakdown columns as text.
``measure_sql``: those rows placed in periods and aggregated per period, for the total and for each breakdown
(one scan, ``GROUPING SETS``). Every identifier comes from validated configuration, never from a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from observatory.config.kpi_models import MeasureSpec
from observatory.config.kpis import LINKED, Kpi
from observatory.metrics.periods import Period

NOT_RECORDED = "(not recorded)"
"""The member a breakdown shows for rows whose breakdown column is blank."""
TOTAL = ""
_TRUNC = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}
"""``date_trunc`` units: weeks start on Monday in DuckDB and in Spark, as ``periods.period_start`` does."""
"""The breakdown name of the total series."""


@dataclass(frozen=True)
class Step:
    """A named SQL step: what it computes and the query."""

    name: str
    sql: str


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_for(ref: str) -> str:
    """``asc.contacts`` → ``standard."asc__contacts"``; ``linked.residents`` → ``linked."residents"``."""
    schema, _, table = ref.partition(".")
    if schema == LINKED:
        return f"linked.{_quote(table)}"
    return f"standard.{_quote(f'{schema}__{table}')}"


def _source_sql(measure: MeasureSpec) -> str:
    """The measure's rows: its dataset (filtered), or its SQL with ``source.dataset`` names made physical."""
    if measure.dataset is not None:
        where = f" WHERE ({measure.where})" if measure.where else ""
        return f"SELECT * FROM {table_for(measure.dataset)}{where}"
    assert measure.sql is not None
    tree = sqlglot.parse_one(measure.sql, read="duckdb")
    for table in list(tree.find_all(exp.Table)):
        if not table.db:  # one of the query's own CTEs (config checks every other table is source.dataset)
            continue
        schema, name = ("linked", table.name) if table.db == LINKED else ("standard", f"{table.db}__{table.name}")
        table.set("db", exp.to_identifier(schema))
        table.set("this", exp.to_identifier(name, quoted=True))
    return tree.sql(dialect="duckdb")


def breakdown_columns(kpi: Kpi) -> list[tuple[str, str]]:
    """``(breakdown name, column)`` pairs, in the order written."""
    return [(name, spec.column or name) for name, spec in kpi.spec.breakdowns.items()]


def rows_sql(kpi: Kpi, measure: MeasureSpec) -> Step:
    """The rows a measure counts, with ``when_`` (or ``start_``/``end_``), ``counted_``/``summed_`` and ``b_<name>``."""
    parts = []
    if measure.date is not None:
        parts.append(f"CAST({_quote(measure.date)} AS DATE) AS when_")
    else:
        assert measure.start is not None
        parts.append(f"CAST({_quote(measure.start)} AS DATE) AS start_")
        end = f"CAST({_quote(measure.end)} AS DATE)" if measure.end else "CAST(NULL AS DATE)"
        parts.append(f"{end} AS end_")
    if measure.sum is not None:
        parts.append(f"CAST({_quote(measure.sum)} AS DOUBLE) AS summed_")
    elif measure.counted != "*":
        parts.append(f"{_quote(measure.counted)} AS counted_")
    for name, column in breakdown_columns(kpi):
        parts.append(f"COALESCE(CAST({_quote(column)} AS VARCHAR), '{NOT_RECORDED}') AS {_quote('b_' + name)}")
    source = _source_sql(measure)
    if measure.distinct:
        source = f"SELECT DISTINCT * FROM ({source}) AS repeated_"
    return Step("rows", f"SELECT {', '.join(parts)} FROM ({source}) AS source_")


def _periods_sql(periods: Sequence[Period]) -> str:
    values = ", ".join(
        f"(DATE '{p.start.isoformat()}', DATE '{p.end.isoformat()}', DATE '{p.last_day.isoformat()}')" for p in periods
    )
    return f"SELECT * FROM (VALUES {values}) AS periods_(period_start, period_end, last_day)"


def measure_sql(kpi: Kpi, measure: MeasureSpec, periods: Sequence[Period]) -> Step:
    """Per period: the measure's total and its value for every member of every breakdown.

    Columns: ``period_start``, ``breakdown`` (``''`` for the total), ``member`` (``''`` for the total), ``value``.
    A period with no rows has no row here (the caller fills in zeros).
    """
    rows = rows_sql(kpi, measure).sql
    if measure.date is not None:  # an equi-join on the period's first day (a hash join, not a range join)
        placed = f"CAST(date_trunc('{_TRUNC[kpi.spec.frequency]}', r.when_) AS DATE) = p.period_start"
    else:
        placed = "r.start_ <= p.last_day AND (r.end_ IS NULL OR r.end_ > p.last_day)"
    if measure.sum is not None:
        aggregate = "SUM(r.summed_)"
    elif measure.counted != "*":
        aggregate = "COUNT(DISTINCT r.counted_)"
    else:
        aggregate = "COUNT(*)"
    names = [name for name, _ in breakdown_columns(kpi)]
    columns = [f"r.{_quote('b_' + name)}" for name in names]
    sets = ", ".join(["(p.period_start)"] + [f"(p.period_start, {column})" for column in columns])
    which = " ".join(f"WHEN GROUPING({column}) = 0 THEN '{name}'" for name, column in zip(names, columns, strict=True))
    member = " ".join(f"WHEN GROUPING({column}) = 0 THEN {column}" for column in columns)
    breakdown = f"CASE {which} ELSE '' END" if names else "''"
    member_sql = f"CASE {member} ELSE '' END" if names else "''"
    sql = (
        f"WITH rows_ AS ({rows}), periods_ AS ({_periods_sql(periods)}) "
        f"SELECT p.period_start AS period_start, {breakdown} AS breakdown, {member_sql} AS member, "
        f"CAST({aggregate} AS DOUBLE) AS value "
        f"FROM rows_ AS r JOIN periods_ AS p ON {placed} "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    return Step("measure", sql)
