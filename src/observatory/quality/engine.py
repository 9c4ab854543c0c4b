"""Compute every quality measure of a dataset inside the engine, in one aggregate pass.

The pass reads the dataset's standard table, left-joined to each referenced dataset (reduced to
one row per key, so the join never multiplies rows), and counts, for every measure, the rows
that passed and the rows that were measured (definitions in ``quality.measures``). A second
query collects up to ``sample_rows`` failing rows per failing measure, ordered by key so that
every engine returns the same sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import ibis
from sqlalchemy import select

from observatory.config import Dataset
from observatory.config.expressions import parse_check
from observatory.meta.models import Load
from observatory.platform import Observatory
from observatory.quality.expressions import compile_check
from observatory.quality.measures import DatasetQuality, Dimension, FailingSample, Measure
from observatory.quality.samples import SampleQuery, collect_samples, duplicate_keys
from observatory.standards.fields import StandardField
from observatory.standards.layer import LAYER

if TYPE_CHECKING:
    import ibis.expr.types as ir

CODED_TYPES = ("code", "sex", "ethnicity", "boolean")
"""Types whose own validity already checks ``allowed`` values."""
LOOKED_UP = ("postcode", "uprn", "usrn")


@dataclass(frozen=True)
class PendingMeasure:
    """A measure before the pass: how to count it in the engine and how to find its failing rows."""

    name: str
    dimension: Dimension
    passed: ir.BooleanValue
    measured: ir.BooleanValue | None
    """The rows the measure applies to; ``None`` for every row."""
    field: str | None = None
    critical: bool = False
    description: str = ""
    sample_columns: tuple[str, ...] = ()
    sampled: bool = True


def _label(field: StandardField) -> str:
    return field.name.replace("_", " ")


def _field_measures(table: ir.Table, field: StandardField) -> list[PendingMeasure]:
    status = table[field.column_name("status")]
    label, critical, raw = _label(field), field.spec.critical, (field.column_name("raw"),)
    found = [
        PendingMeasure(
            f"completeness:{field.name}",
            "completeness",
            status != "missing",
            None,
            field.name,
            critical,
            f"{label} is present",
            raw,
            sampled=critical,
        )
    ]
    if not field.declared:
        return found
    if field.type.name != "text":
        found.append(
            PendingMeasure(
                f"validity:{field.name}",
                "validity",
                status == "valid",
                status != "missing",
                field.name,
                critical,
                f"{label} is a valid {field.type.title.lower()}",
                raw,
            )
        )
    if field.spec.allowed is not None and field.type.name not in CODED_TYPES:
        value = table[field.name]
        found.append(
            PendingMeasure(
                f"allowed:{field.name}",
                "validity",
                value.cast("string").isin(field.spec.allowed),
                value.notnull(),
                field.name,
                critical,
                f"{label} is one of the allowed values",
                raw,
            )
        )
    if field.type.name in LOOKED_UP and field.column_name("exists") in table.columns:
        exists = table[field.column_name("exists")]
        what = "the ONS Postcode Directory" if field.type.name == "postcode" else "the gazetteer"
        found.append(
            PendingMeasure(
                f"accuracy:{field.name}",
                "accuracy",
                exists.fill_null(False),
                exists.notnull(),
                field.name,
                critical,
                f"{label} exists in {what}",
                raw,
            )
        )
    return found


def _all_present(table: ir.Table, columns: list[str]) -> ir.BooleanValue:
    return ibis.and_(*[table[c].notnull() for c in columns])


def _key(table: ir.Table, keys: list[str]) -> ir.StringValue:
    """One text value per row for ``keys`` (NULL when any part is missing), for counting distinct keys."""
    parts = [table[k].cast("string") for k in keys]
    if len(parts) == 1:
        return parts[0]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat("\x1f", part)
    return ibis.cases((_all_present(table, keys), joined), else_=ibis.null("string"))


@dataclass(frozen=True)
class Joined:
    """The standard table with each reference's lookup columns (``<reference>__found``, ``<reference>__<field>``)."""

    table: ir.Table
    references: dict[str, list[str]]
    """Reference name -> this dataset's fields that must be found."""


def _referenced_fields(dataset: Dataset) -> dict[str, set[str]]:
    """Reference name -> the referenced dataset's fields that rules use (``child.date_of_birth``)."""
    used: dict[str, set[str]] = {ref.name: set() for ref in dataset.spec.references}
    for rule in dataset.spec.rules:
        for reference, name in parse_check(rule.check).fields:
            if reference is not None and reference in used:
                used[reference].add(name)
    return used


def join_references(obs: Observatory, dataset: Dataset, table: ir.Table) -> Joined:
    """``table`` left-joined to every referenced dataset that is in the standard layer, one row per key."""
    used = _referenced_fields(dataset)
    found: dict[str, list[str]] = {}
    for ref in dataset.spec.references:
        target_dataset = obs.project.dataset(ref.dataset)
        if not obs.engine.exists(LAYER, target_dataset.table):
            continue
        target = obs.engine.table(LAYER, target_dataset.table)
        to = ref.to or ref.fields
        keys = {f"{ref.name}__key{i}": ibis._[t].cast("string") for i, t in enumerate(to)}
        carried = {f"{ref.name}__{name}": ibis._[name].max() for name in sorted(used[ref.name])}
        lookup = (
            target.filter(_all_present(target, to))
            .group_by(**keys)
            .aggregate(**{f"{ref.name}__found": ibis._.count()}, **carried)
        )
        condition = [table[f].cast("string") == lookup[k] for f, k in zip(ref.fields, keys, strict=True)]
        joined = table.left_join(lookup, condition)
        table = joined.select(*table.columns, f"{ref.name}__found", *carried)
        found[ref.name] = list(ref.fields)
    return Joined(table, found)


def _dataset_measures(dataset: Dataset, joined: Joined) -> list[PendingMeasure]:
    table, spec = joined.table, dataset.spec
    found: list[PendingMeasure] = []
    if spec.keys:
        key = _key(table, spec.keys)
        found.append(
            PendingMeasure(
                f"uniqueness:{','.join(spec.keys)}",
                "uniqueness",
                key.notnull(),  # replaced by a distinct count in the pass
                key.notnull(),
                critical=True,
                description=f"each {' and '.join(k.replace('_', ' ') for k in spec.keys)} appears once",
                sampled=False,
            )
        )
    for ref in spec.references:
        if ref.name not in joined.references:
            continue
        present = _all_present(table, ref.fields)
        found.append(
            PendingMeasure(
                f"reference:{ref.name}",
                "consistency",
                present & table[f"{ref.name}__found"].notnull(),
                present,
                critical=True,
                description=ref.description or f"{' and '.join(ref.fields)} found in {ref.dataset}",
                sample_columns=tuple(ref.fields),
            )
        )
    for rule in spec.rules:
        parsed = parse_check(rule.check)
        if any(r is not None and r not in joined.references for r, _ in parsed.fields):
            continue
        check = compile_check(parsed, lambda ref, name: table[f"{ref}__{name}" if ref else name])
        columns = tuple(dict.fromkeys(f"{r}__{n}" if r else n for r, n in sorted(parsed.fields, key=str)))
        found.append(
            PendingMeasure(
                f"rule:{rule.name}",
                rule.dimension,
                ibis.cases((check, True), else_=False),
                # not ``check.notnull()``: Spark misparses ``x BETWEEN a AND b IS NOT NULL``
                ibis.cases((check, True), (~check, True), else_=False),
                critical=True,
                description=rule.description or rule.check,
                sample_columns=columns,
            )
        )
    return found


def _count(condition: ir.BooleanValue) -> ir.IntegerScalar:
    return ibis.cases((condition, 1), else_=0).sum().fill_null(0)


def freshness_measure(obs: Observatory, dataset: Dataset, now: datetime) -> Measure | None:
    """Timeliness: whether the current load is within the dataset's declared freshness."""
    hours = dataset.freshness_hours
    if hours is None:
        return None
    limit, declared = timedelta(hours=hours), dataset.spec.freshness
    with obs.meta.session() as session:
        loaded = session.scalar(
            select(Load.finished_at).where(
                Load.source == dataset.source, Load.dataset == dataset.name, Load.is_current.is_(True)
            )
        )
    fresh = loaded is not None and now - loaded <= limit
    age = "never loaded" if loaded is None else f"loaded {_age(now - loaded)} ago"
    return Measure(
        "timeliness:freshness",
        "timeliness",
        int(fresh),
        1,
        critical=True,
        description=f"latest data no older than {declared} ({age})",
    )


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def measure_dataset(obs: Observatory, dataset: Dataset, fields: list[StandardField]) -> DatasetQuality:
    """Every measure of ``dataset`` from its standard table, with failing-row samples."""
    engine = obs.engine
    now = datetime.now(UTC)
    joined = join_references(obs, dataset, engine.table(LAYER, dataset.table))
    table = joined.table
    pending = [m for f in fields for m in _field_measures(table, f)] + _dataset_measures(dataset, joined)
    metrics: dict[str, ir.Scalar] = {"rows": table.count()}
    for i, m in enumerate(pending):
        if m.dimension == "uniqueness":
            key = _key(table, dataset.spec.keys or [])
            metrics[f"p{i}"], metrics[f"t{i}"] = key.nunique(), key.count()
        else:
            applies = m.measured
            metrics[f"p{i}"] = _count(m.passed if applies is None else m.passed & applies)
            metrics[f"t{i}"] = table.count() if applies is None else _count(applies)
    counts = engine.to_arrow(table.aggregate(**metrics)).to_pylist()[0]
    measures = [
        Measure(m.name, m.dimension, int(counts[f"p{i}"]), int(counts[f"t{i}"]), m.field, m.critical, m.description)
        for i, m in enumerate(pending)
    ]
    freshness = freshness_measure(obs, dataset, now)
    if freshness is not None:
        measures.append(freshness)
    samples = _samples(obs, dataset, fields, table, pending, measures)
    return DatasetQuality(
        f"{dataset.source}.{dataset.name}", int(counts["rows"]), measures, samples, now, dataset.owner
    )


def _samples(
    obs: Observatory,
    dataset: Dataset,
    fields: list[StandardField],
    table: ir.Table,
    pending: list[PendingMeasure],
    measures: list[Measure],
) -> list[FailingSample]:
    limit = obs.project.spec.quality.sample_rows
    keys = list(dataset.spec.keys or [])
    personal = {c for f in fields if f.personal for c in (f.name, f.column_name("raw"))}
    failing = {m.name for m in measures if m.failed > 0}
    queries = [
        SampleQuery(m.name, ~m.passed if m.measured is None else m.measured & ~m.passed, m.sample_columns)
        for m in pending
        if m.sampled and m.name in failing
    ]
    samples = collect_samples(obs.engine, table, keys, queries, limit=limit, personal=personal)
    uniqueness = next((m for m in pending if m.dimension == "uniqueness" and m.name in failing), None)
    if uniqueness is not None and limit > 0:
        samples.append(duplicate_keys(obs.engine, table, keys, limit=limit, measure=uniqueness.name, personal=personal))
    return samples
