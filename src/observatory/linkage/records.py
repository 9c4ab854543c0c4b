"""``linked.person_records``: every person-bearing record of the standard layer in one shape.

Each dataset's roles (``config.linkage_roles``) say which standard column gives which attribute;
the rest are typed nulls, so one ``UNION ALL`` over the datasets gives the table the model compares.
The same Ibis expression runs on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from observatory.config import Dataset, Project
from observatory.config.linkage_roles import PersonRoles, address_fields, is_person_dataset, person_roles
from observatory.engine import Engine
from observatory.errors import ConfigError, ConfigIssue, NotFoundError
from observatory.linkage.tables import ADDRESS_MATCHES, LAYER, PERSON_COLUMNS, PERSON_RECORDS
from observatory.standards.fields import snake_case

_UPPER_NAMES = ("forename", "forename_canonical", "middle_names", "surname")


@dataclass(frozen=True)
class PersonSource:
    """A person-bearing dataset and its roles."""

    dataset: Dataset
    roles: PersonRoles

    @property
    def id(self) -> str:
        return f"{self.dataset.source}.{self.dataset.name}"


def person_sources(project: Project) -> list[PersonSource]:
    """The datasets linkage reads: ``linkage.datasets``, else every dataset that names people."""
    configured = project.spec.linkage.datasets
    chosen = (
        [project.dataset(name) for name in configured]
        if configured
        else [d for d in project.all_datasets() if is_person_dataset(d.spec)]
    )
    sources, issues = [], []
    for dataset in chosen:
        name = f"{dataset.source}.{dataset.name}"
        roles, problems = person_roles(name, dataset.spec, configured.get(name))
        issues += [ConfigIssue("observatory.yml", None, ".".join(map(str, loc)), text) for loc, text in problems]
        sources.append(PersonSource(dataset, roles))
    if issues:
        raise ConfigError(issues)
    if not sources:
        raise NotFoundError("no dataset names people: linkage needs a person_name field, or forename and surname")
    return sources


def person_records(engine: Engine, sources: Sequence[PersonSource], trust: Sequence[str]) -> ir.Table:
    """One Ibis expression: every record of ``sources`` in ``PERSON_COLUMNS``, one row per ``unique_id``."""
    parts = []
    for source in sources:
        table_name = f"{source.dataset.source}__{source.dataset.name}"
        if not engine.exists("standard", table_name):
            raise NotFoundError(f"{source.id} has no standard table yet: run `observatory build` first")
        rank = trust.index(source.id) if source.id in trust else len(trust)
        parts.append(_select(engine.table("standard", table_name), source, rank))
    union = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    # a key exported twice (identical rows) is one record; keep one row per unique_id, deterministically
    order = [union.forename, union.surname, union.date_of_birth, union.address, union.postcode]
    ranked = union.mutate(_copy=ibis.row_number().over(group_by=union.unique_id, order_by=order))
    return ranked.filter(ranked._copy == 0).drop("_copy")


def _select(table: ir.Table, source: PersonSource, rank: int) -> ir.Table:
    roles = source.roles
    keys = source.dataset.spec.keys or []
    if not keys:
        raise ConfigError(
            [ConfigIssue(f"sources/{source.dataset.source}.yml", None, f"datasets.{source.dataset.name}.keys", _NO_KEY)]
        )
    key_parts = _key_parts(table, keys)
    record_key = key_parts[0]
    for part in key_parts[1:]:  # a blank part stays a blank between dashes: (null, 5) and (5, null) differ
        record_key = record_key.fill_null("") + "-" + part.fill_null("")
    values: dict[str, ir.Value] = {
        "unique_id": ibis.literal(f"{source.id}:") + record_key,
        "dataset": ibis.literal(source.id),
        "record_key": record_key,
    }
    for column, kind in PERSON_COLUMNS.items():
        if column in values:
            continue
        standard = roles.columns.get(column)
        value: ir.Value
        if column == "address":
            value = _one_line(table, roles.address)
        elif column == "recorded_on":
            value = table[roles.recorded].cast("date") if roles.recorded else ibis.null("date")
        elif column == "trust":
            value = ibis.literal(rank, "int32")
        elif standard is None:
            value = ibis.null(kind)
        else:
            value = table[standard].cast(kind)
            if column in _UPPER_NAMES:
                value = value.upper()
        values[column] = value
    has_key = ibis.or_(*[part.notnull() for part in key_parts])
    return table.filter(has_key).select(**values)


def _key_parts(table: ir.Table, keys: Sequence[str]) -> list[ir.StringValue]:
    return [table[key if key in table.columns else snake_case(key)].cast("string") for key in keys]


def records_without_key(engine: Engine, sources: Sequence[PersonSource]) -> dict[str, int]:
    """Rows of each person dataset with no key at all: they cannot be named, so linkage leaves them out."""
    missing = {}
    for source in sources:
        table = engine.table("standard", f"{source.dataset.source}__{source.dataset.name}")
        parts = _key_parts(table, source.dataset.spec.keys or [])
        count = engine.to_arrow(table.filter(ibis.and_(*[p.isnull() for p in parts])).aggregate(n=ibis._.count()))
        if int(count["n"][0].as_py()):
            missing[source.id] = int(count["n"][0].as_py())
    return missing


_NO_KEY = "a person-bearing dataset needs keys: they give each record its id in the single view"


def _one_line(table: ir.Table, columns: Sequence[str]) -> ir.Value:
    """Address lines upper-cased and joined with ', ', blanks skipped; null when every line is blank."""
    if not columns:
        return ibis.null("string")
    lines = [table[c].cast("string").strip().upper().nullif("") for c in columns]
    joined = lines[0]
    for line in lines[1:]:
        joined = ibis.cases((joined.isnull(), line), (line.isnull(), joined), else_=joined + ibis.literal(", ") + line)
    return joined


def gazetteer_addresses(engine: Engine, project: Project) -> ir.Table | None:
    """The gazetteer (``reference.gazetteer``) as ``uprn``, one-line ``address`` and ``postcode``; None when unset."""
    name = project.spec.reference.gazetteer
    if name is None:
        return None
    dataset = project.dataset(name)
    table_name = f"{dataset.source}__{dataset.name}"
    if not engine.exists("standard", table_name):
        raise NotFoundError(f"the gazetteer {name} has no standard table yet: run `observatory build` first")
    table = engine.table("standard", table_name)
    postcode = next((f for f, spec in dataset.fields.items() if spec.type == "postcode"), None)
    lines = [f for f in address_fields(dataset.fields) if f != postcode]
    return table.select(
        uprn=table.uprn.cast("int64"),
        address=_one_line(table, lines),
        postcode=table[postcode].cast("string") if postcode else ibis.null("string"),
    ).filter(ibis._.uprn.notnull())


def unmatched_addresses(engine: Engine, statuses: Sequence[str], limit: int) -> dict[str, Any]:
    """Addresses with these match statuses, grouped as written, most records first, with counts by status."""
    for table in (ADDRESS_MATCHES, PERSON_RECORDS):
        if not engine.exists(LAYER, table):
            raise NotFoundError(f"{LAYER}.{table} does not exist yet: run `observatory link` first")
    matches = engine.table(LAYER, ADDRESS_MATCHES)
    records = engine.table(LAYER, PERSON_RECORDS).select("unique_id", "dataset", "address", "postcode")
    counts = engine.to_arrow(matches.group_by("status").aggregate(n=ibis._.count()).order_by("status")).to_pylist()
    joined = matches.filter(matches.status.isin(list(statuses))).join(records, "unique_id")
    grouped = (
        joined.group_by(["status", "address", "postcode"])
        .aggregate(records=ibis._.count(), score=ibis._.score.max(), datasets=ibis._.dataset.collect().unique())
        .order_by([ibis.desc("records"), "status", "address", "postcode"])
        .limit(limit)
    )
    rows = engine.to_arrow(grouped).to_pylist()
    for row in rows:
        row["datasets"] = ", ".join(sorted(row["datasets"]))
    return {"counts": {row["status"]: row["n"] for row in counts}, "addresses": rows}
