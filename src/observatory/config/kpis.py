"""Compile ``metrics/*.yml`` into runtime KPIs and priorities, checking them against the project.

Every problem in every file is reported at once, each with its file and line: unknown keys and bad values
(pydantic), KPI ids used twice, datasets and fields that do not exist, SQL that does not parse or reads a
dataset the KPI does not declare, breakdown columns the rows do not have, unknown parents and cycles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from observatory.config.kpi_models import KpiFileSpec, KpiSpec, MeasureSpec, PrioritySpec
from observatory.config.yaml_lines import Location, line_for
from observatory.errors import ConfigIssue

if TYPE_CHECKING:
    from observatory.config.project import Source

METRICS_DIR = "metrics"
LINKED = "linked"
"""``linked.<table>`` names a table of the linked layer (residents, households, resident_records)."""

Report = Callable[[tuple[str | int, ...], str], None]


@dataclass(frozen=True)
class Priority:
    """A corporate priority at the top of the KPI hierarchy."""

    id: str
    spec: PrioritySpec
    file: Path

    @property
    def node_id(self) -> str:
        return f"priority.{self.id}"


@dataclass(frozen=True)
class Kpi:
    """A validated KPI definition and where it is written."""

    id: str
    spec: KpiSpec
    file: Path
    line: int | None = field(default=None, compare=False)

    @property
    def node_id(self) -> str:
        return f"kpi.{self.id}"

    @property
    def datasets(self) -> list[str]:
        """The datasets it reads (``source.dataset`` or ``linked.<table>``), as declared in ``depends_on``."""
        return list(self.spec.depends_on)

    @property
    def digest(self) -> str:
        """A fingerprint of the definition: a new one means a new version of the KPI."""
        written = self.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        text = json.dumps(written, sort_keys=True)  # without defaults: a new optional key changes no version
        return hashlib.sha256(text.encode()).hexdigest()

    def start(self, default: date) -> date:
        return self.spec.start or default


@dataclass(frozen=True)
class Metrics:
    """Every KPI and priority of a project."""

    kpis: dict[str, Kpi] = field(default_factory=dict)
    priorities: dict[str, Priority] = field(default_factory=dict)

    def children(self, parent: str) -> list[Kpi]:
        """The KPIs directly under a priority or KPI, in id order."""
        return sorted((k for k in self.kpis.values() if k.spec.parent == parent), key=lambda k: k.id)


def table_refs(sql: str) -> list[tuple[str, str]]:
    """The ``(schema, table)`` pairs a query reads, leaving out its own CTEs; raises ``ParseError``."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    found: list[tuple[str, str]] = []
    for table in tree.find_all(exp.Table):
        if not table.db and table.name in ctes:
            continue
        pair = (table.db, table.name)
        if pair not in found:
            found.append(pair)
    return found


def load_metrics(
    root: Path,
    sources: Mapping[str, Source],
    unread: set[str],
    read: Callable[[Path, list[ConfigIssue]], tuple[object, dict[Location, int]] | None],
    validate: Callable[..., tuple[object, list[ConfigIssue]]],
    issues: list[ConfigIssue],
) -> Metrics:
    """Read every ``metrics/*.yml`` under ``root``; problems are appended to ``issues``."""
    metrics = Metrics()
    where: dict[str, tuple[Path, dict[Location, int]]] = {}
    for file in sorted((root / METRICS_DIR).glob("*.y*ml")):
        got = read(file, issues)
        if got is None:
            continue
        data, lines = got
        spec = _validate_each(data, file, lines, validate, issues)
        for kind in ("priorities", "kpis"):
            items: dict[str, Any] = getattr(spec, kind)
            written = data.get(kind) if isinstance(data, dict) else None
            for name in written if isinstance(written, dict) else {}:
                if name in where:
                    issues.append(
                        ConfigIssue(
                            str(file),
                            line_for(lines, (kind, name)),
                            f"{kind}.{name}",
                            f"the id {name!r} is already used in {where[name][0].name} (ids must be unique)",
                        )
                    )
                    continue
                where[name] = (file, lines)
                if name not in items:  # invalid: its problems are reported already
                    continue
                if kind == "priorities":
                    metrics.priorities[name] = Priority(name, spec.priorities[name], file)
                else:
                    metrics.kpis[name] = Kpi(name, spec.kpis[name], file, line_for(lines, (kind, name)))
    for kpi in metrics.kpis.values():
        report = _reporter(kpi.id, *where[kpi.id], issues)
        check_kpi(kpi.spec, sources, unread, report)
        _check_parent(kpi, metrics, report)
    return metrics


def _validate_each(
    data: object,
    file: Path,
    lines: dict[Location, int],
    validate: Callable[..., tuple[object, list[ConfigIssue]]],
    issues: list[ConfigIssue],
) -> KpiFileSpec:
    """The file's valid priorities and KPIs; each KPI is validated on its own, so one broken KPI does not hide the
    problems of the others (their checks against the project still run)."""
    assert isinstance(data, dict)
    kpis = data.get("kpis")
    if not isinstance(kpis, dict):
        spec, found = validate(KpiFileSpec, data, file, lines)
        issues += found
        return spec if isinstance(spec, KpiFileSpec) else KpiFileSpec()
    spec, found = validate(KpiFileSpec, {**data, "kpis": {}}, file, lines)
    issues += found
    valid: dict[str, KpiSpec] = {}
    for name, value in kpis.items():
        one, found = validate(KpiFileSpec, {"kpis": {name: value}}, file, lines)
        issues += found
        if isinstance(one, KpiFileSpec):
            valid.update(one.kpis)
    priorities = spec.priorities if isinstance(spec, KpiFileSpec) else {}
    return KpiFileSpec(priorities=priorities, kpis=valid)


def _reporter(kpi: str, file: Path, lines: Mapping[Location, int], issues: list[ConfigIssue]) -> Report:
    def report(loc: tuple[str | int, ...], problem: str) -> None:
        full = ("kpis", kpi, *loc)
        issues.append(ConfigIssue(str(file), line_for(lines, full), ".".join(map(str, full)), problem))

    return report


def check_kpi(spec: KpiSpec, sources: Mapping[str, Source], unread: set[str], report: Report) -> None:
    """Problems of one KPI against the project's datasets and fields."""
    for dataset, fields in spec.depends_on.items():
        known = _dataset_fields(dataset, sources, unread)
        if isinstance(known, str):
            report(("depends_on", dataset), known)
            continue
        for index, name in enumerate(fields):
            if known is not None and name not in known:
                report(("depends_on", dataset, index), f"{dataset} has no field {name!r}")
    sides = [("numerator", spec.numerator)] + ([("denominator", spec.denominator)] if spec.denominator else [])
    for side, measure in sides:
        _check_measure(side, measure, spec, sources, report)
    if spec.polarity == "neutral" and spec.targets:
        report(("targets",), "a neutral KPI has no better direction, so it cannot have a target")
    first = spec.start
    for index, when in enumerate(spec.spc.rebase):
        if first is not None and when < first:
            report(("spc", "rebase", index), f"{when} is before the KPI's first period {first}")


def _check_measure(
    side: str, measure: MeasureSpec, spec: KpiSpec, sources: Mapping[str, Source], report: Report
) -> None:
    if measure.dataset is not None:
        if measure.dataset not in spec.depends_on:
            report((side, "dataset"), f"{measure.dataset} is read here, so it must be listed in depends_on")
        columns = _columns_of(measure.dataset, sources)
        if columns is None:
            return
        wanted = [("count", measure.count if measure.count != "*" else None), ("sum", measure.sum)]
        wanted += [("date", measure.date), ("start", measure.start), ("end", measure.end)]
        for key, column in wanted:
            if column is not None and not _has_column(columns, column):
                report((side, key), f"{measure.dataset} has no column {column!r}")
        if measure.where is not None:
            try:
                sqlglot.parse_one(f"SELECT 1 WHERE {measure.where}", read="duckdb")
            except ParseError as exc:
                report((side, "where"), f"the condition does not parse: {_parse_problem(exc)}")
        for name, breakdown in spec.breakdowns.items():
            column = breakdown.column or name
            if not _has_column(columns, column):
                report(("breakdowns", name), f"the {side}'s rows ({measure.dataset}) have no column {column!r}")
        return
    assert measure.sql is not None
    try:
        refs = table_refs(measure.sql)
    except ParseError as exc:
        report((side, "sql"), f"the SQL does not parse: {_parse_problem(exc)}")
        return
    for schema, table in refs:
        if not schema:
            report((side, "sql"), f"name the table {table!r} as source.dataset (or linked.<table>)")
            continue
        ref = f"{schema}.{table}"
        if ref not in spec.depends_on:
            report((side, "sql"), f"the SQL reads {ref}, so it must be listed in depends_on")


def _has_column(fields: set[str], column: str) -> bool:
    """Whether a standard table has ``column``: a field, or a column derived from one (``postcode__ward``)."""
    return column in fields or (column.partition("__")[0] in fields and bool(column.partition("__")[2]))


def _parse_problem(exc: ParseError) -> str:
    first = exc.errors[0] if exc.errors else {}
    return str(first.get("description") or exc).splitlines()[0]


def _columns_of(dataset: str, sources: Mapping[str, Source]) -> set[str] | None:
    """The columns of a dataset's standard table (its fields), or ``None`` when they cannot be known here."""
    source_name, _, name = dataset.partition(".")
    source = sources.get(source_name)
    if source is None or name not in source.datasets:
        return None
    return set(source.datasets[name].fields)


def _dataset_fields(dataset: str, sources: Mapping[str, Source], unread: set[str]) -> set[str] | str | None:
    """A dataset's field names; ``None`` when unknowable (linked layer, unreadable source); a problem text."""
    source_name, _, name = dataset.partition(".")
    if source_name == LINKED or source_name in unread:
        return None
    source = sources.get(source_name)
    if source is None:
        known = ", ".join(sorted(sources)) or "none"
        return f"no source {source_name!r} in this project (sources: {known})"
    if name not in source.datasets:
        return f"source {source_name!r} has no dataset {name!r} (datasets: {', '.join(sorted(source.datasets))})"
    return set(source.datasets[name].fields)


def _check_parent(kpi: Kpi, metrics: Metrics, report: Report) -> None:
    parent = kpi.spec.parent
    if parent is None:
        return
    if parent not in metrics.kpis and parent not in metrics.priorities:
        report(("parent",), f"no KPI or priority {parent!r}")
        return
    path = [kpi.id]
    while parent in metrics.kpis:
        if parent in path:
            report(("parent",), f"the hierarchy loops: {' → '.join([*path, parent])}")
            return
        path.append(parent)
        parent = metrics.kpis[parent].spec.parent
