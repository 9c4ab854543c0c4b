"""Golden records: one row per resident, each value chosen by declared survivorship rules.

Every attribute is unpivoted to ``(resident_id, attribute, value)`` rows (values as text, dates
``YYYY-MM-DD``), empty values dropped, and ranked per resident and attribute by the attribute's
rules in order, then by the smallest ``unique_id``:

    trusted     lower ``trust`` first (the dataset's rank in ``linkage.trust``)
    recent      later ``recorded_on`` first (records without a date last)
    frequent    the value held by more of the resident's records first

The ranking is two window steps (the best record holding each value, then the best value per
attribute, compared with the runner-up), so the same Ibis expression runs on DuckDB and on Spark.
``provenance`` says where each value came from and which rule decided it; ``residents`` pivots the
winners back to typed columns (``residents_from_provenance`` does that from a stored provenance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import ibis

from observatory.errors import ObservatoryError
from observatory.linkage.tables import ATTRIBUTES

if TYPE_CHECKING:
    import ibis.expr.types as ir

RULES: tuple[str, ...] = ("trusted", "recent", "frequent")
"""The survivorship rules an attribute can use, in any order."""
DEFAULT_RULES: tuple[str, ...] = ("trusted", "recent", "frequent")
"""The rules of an attribute that ``rules`` does not mention."""

REQUIRED_COLUMNS: tuple[str, ...] = ("resident_id", "unique_id", "dataset", "trust", "recorded_on", *ATTRIBUTES)
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "resident_id",
    "attribute",
    "value",
    "unique_id",
    "dataset",
    "rule",
    "candidates",
)

_UNRANKED = 2**40
"""A sort key after every real one: a record without ``trust`` or ``recorded_on``."""


def resolve_rules(rules: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Every attribute's rules in order (``DEFAULT_RULES`` where not given); all problems in one error."""
    problems = []
    unknown = sorted(set(rules) - set(ATTRIBUTES))
    if unknown:
        problems.append(f"unknown attribute {', '.join(map(repr, unknown))} (allowed: {', '.join(ATTRIBUTES)})")
    for attribute in ATTRIBUTES:
        order = rules.get(attribute, DEFAULT_RULES)
        if isinstance(order, str):
            problems.append(f"{attribute}: rules must be a list, not the text {order!r} (allowed: {', '.join(RULES)})")
            continue
        bad = [rule for rule in order if rule not in RULES]
        if bad:
            problems.append(f"{attribute}: unknown rule {', '.join(map(repr, bad))} (allowed: {', '.join(RULES)})")
        repeated = sorted({rule for rule in order if rule in RULES and list(order).count(rule) > 1})
        if repeated:
            problems.append(f"{attribute}: rule {', '.join(map(repr, repeated))} is listed more than once")
    if problems:
        raise ObservatoryError("Survivorship rules are wrong: " + "; ".join(problems))
    return {attribute: tuple(rules.get(attribute, DEFAULT_RULES)) for attribute in ATTRIBUTES}


def golden_records(records: ir.Table, rules: Mapping[str, Sequence[str]]) -> tuple[ir.Table, ir.Table]:
    """``(residents, provenance)`` for ``records`` (person records with ``resident_id`` and ``uprn``).

    ``residents``: ``resident_id``, ``records``, ``datasets``, one typed column per attribute and
    ``sources`` (the distinct datasets, sorted, comma-separated). ``provenance``: one row per
    resident and attribute with a value (``PROVENANCE_COLUMNS``); ``rule`` is the first rule that
    separated the winning value from the runner-up, ``only`` for a single candidate value, or
    ``tie`` when the smallest ``unique_id`` decided.
    """
    orders = resolve_rules(rules)
    missing = [column for column in REQUIRED_COLUMNS if column not in records.columns]
    if missing:
        raise ObservatoryError(f"The records for golden records lack the columns {', '.join(missing)}")
    provenance = _provenance(records, orders)
    return residents_from_provenance(records, provenance), provenance


def _long(records: ir.Table, orders: dict[str, tuple[str, ...]]) -> ir.Table:
    """One row per record and non-empty attribute value (as text), with its record sort keys per rule position.

    ``slot_N`` is the key of the attribute's N-th rule (smaller is better): ``trust`` for
    ``trusted``, minus the days since 1970 for ``recent`` (no date: after every date), NULL for
    ``frequent`` (filled in once values are counted) and 0 past the end of the attribute's rules.
    """
    width = max(map(len, orders.values()), default=0)
    trust_key = records.trust.cast("int64").coalesce(_UNRANKED)
    recent_key = (-records.recorded_on.epoch_days()).coalesce(_UNRANKED)
    record_keys = {"trusted": trust_key, "recent": recent_key, "frequent": ibis.null("int64")}
    parts = []
    for attribute, order in orders.items():
        column = records[attribute]
        value = column if column.type().is_string() else column.cast("string")
        present = column.notnull() & (column.strip() != "") if column.type().is_string() else column.notnull()
        slots = [record_keys[rule] for rule in order] + [ibis.literal(0, "int64")] * (width - len(order))
        parts.append(
            records.filter(present).select(
                "resident_id",
                "unique_id",
                "dataset",
                attribute=ibis.literal(attribute),
                value=value,
                **{f"slot_{n}": key for n, key in enumerate(slots)},
            )
        )
    return ibis.union(*parts, distinct=False)


def _slot_rule(attribute: ir.StringValue, orders: dict[str, tuple[str, ...]], slot: int) -> ir.StringValue:
    """The name of the rule the row's attribute uses at position ``slot``."""
    names = {order[slot] if len(order) > slot else "tie" for order in orders.values()}
    if len(names) == 1:
        return ibis.literal(names.pop())
    branches = [(name, ibis.literal(order[slot] if len(order) > slot else "tie")) for name, order in orders.items()]
    return attribute.cases(*branches, else_=ibis.literal("tie"))


def _provenance(records: ir.Table, orders: dict[str, tuple[str, ...]]) -> ir.Table:
    long = _long(records, orders)
    width = max(map(len, orders.values()), default=0)
    # the best record holding each value: a frequency slot is NULL here, the same for every row of a value
    per_value = ibis.window(
        group_by=[long.resident_id, long.attribute, long.value],
        order_by=[*(long[f"slot_{n}"] for n in range(width)), long.unique_id],
    )
    ranked = long.mutate(
        # one sort serves both: the count is over the whole partition
        frequency=long.unique_id.count().over(per_value, rows=(None, None)),
        value_rank=ibis.row_number().over(per_value),
    )
    values = ranked.filter(ranked.value_rank == 0)
    keyed = values.select(
        "resident_id",
        "attribute",
        "value",
        "unique_id",
        "dataset",
        **{f"key_{n}": values[f"slot_{n}"].coalesce(-values.frequency) for n in range(width)},
    )
    keys = [keyed[f"key_{n}"] for n in range(width)]
    per_attribute = ibis.window(group_by=[keyed.resident_id, keyed.attribute], order_by=[*keys, keyed.unique_id])
    compared = keyed.mutate(
        candidates=keyed.unique_id.count().over(per_attribute, rows=(None, None)),
        attribute_rank=ibis.row_number().over(per_attribute),
        **{f"runner_up_{n}": key.lead().over(per_attribute) for n, key in enumerate(keys)},
    )
    winners = compared.filter(compared.attribute_rank == 0)
    decided = [
        (winners[f"key_{n}"] != winners[f"runner_up_{n}"], _slot_rule(winners.attribute, orders, n))
        for n in range(width)
    ]
    rule = ibis.cases((winners.candidates == 1, ibis.literal("only")), *decided, else_=ibis.literal("tie"))
    return winners.select(
        "resident_id",
        "attribute",
        "value",
        "unique_id",
        "dataset",
        rule=rule,
        candidates=winners.candidates.cast("int64"),
    )


def residents_from_provenance(records: ir.Table, provenance: ir.Table) -> ir.Table:
    """The ``residents`` table from ``records`` and their ``provenance`` (e.g. an already stored one)."""
    counts = records.group_by("resident_id").aggregate(
        records=records.count(),
        datasets=records.dataset.nunique(),
        sources=records.dataset.collect(distinct=True).sort().join(","),
    )
    winners = provenance.group_by("resident_id").aggregate(
        **{
            f"golden_{attribute}": provenance.value.max(where=provenance.attribute == attribute)
            for attribute in ATTRIBUTES
        }
    )
    joined = counts.left_join(winners, counts.resident_id == winners.resident_id)
    return joined.select(
        resident_id=counts.resident_id,
        records=counts.records.cast("int64"),
        datasets=counts.datasets.cast("int64"),
        **{attribute: joined[f"golden_{attribute}"].cast(records[attribute].type()) for attribute in ATTRIBUTES},
        sources=counts.sources,
    )
