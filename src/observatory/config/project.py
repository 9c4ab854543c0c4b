"""Compile a project folder (``observatory.yml`` + ``sources/*.yml``) into runtime objects.

Every problem in every file is collected and raised together as one ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from observatory.config.catalogue_checks import check_glossary
from observatory.config.contracts import contract_issues
from observatory.config.kpis import Metrics, load_metrics
from observatory.config.models import DatasetSpec, FieldSpec, GlossarySpec, ProjectSpec, SourceSpec
from observatory.config.yaml_lines import Location, line_for, read_yaml, yaml_syntax_issue
from observatory.errors import ConfigError, ConfigIssue, NotFoundError

PROJECT_FILE = "observatory.yml"
GLOSSARY_FILE = "glossary.yml"
STATE_DIR = ".observatory"
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


@dataclass(frozen=True)
class Dataset:
    """A dataset of a source, with its file path resolved against the project."""

    source: str
    name: str
    spec: DatasetSpec
    path: Path | None
    source_owner: str = ""

    @property
    def node_id(self) -> str:
        return f"dataset.{self.source}.{self.name}"

    @property
    def fields(self) -> dict[str, FieldSpec]:
        """The contract's fields, by name."""
        return self.spec.fields

    @property
    def owner(self) -> str:
        """Who answers for the dataset: its own ``owner``, else its source's."""
        return self.spec.owner or self.source_owner

    @property
    def freshness_hours(self) -> int | None:
        """The declared freshness in hours (``7d`` is 168), or ``None`` when none is declared."""
        if self.spec.freshness is None:
            return None
        return int(self.spec.freshness[:-1]) * _HOURS[self.spec.freshness[-1]]

    def column_for(self, field_name: str) -> str:
        """The raw column a field reads: its ``column``, or by default the column named like the field."""
        spec = self.spec.fields[field_name]
        return spec.column if spec.column is not None else field_name

    @property
    def table(self) -> str:
        """The name of its current-version view in the ``raw`` layer."""
        return f"{self.source}__{self.name}"


@dataclass(frozen=True)
class Source:
    """A source system and its datasets."""

    spec: SourceSpec
    file: Path
    datasets: dict[str, Dataset]
    lines: Mapping[Location, int] = field(default_factory=dict, repr=False, compare=False)
    """The line of every key in ``file``, for pointing at problems."""

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Project:
    """A validated project folder."""

    root: Path
    spec: ProjectSpec
    sources: dict[str, Source]
    glossary: GlossarySpec = field(default_factory=GlossarySpec)
    """The business terms of ``glossary.yml`` (none when the file is absent)."""
    metrics: Metrics = field(default_factory=Metrics)
    """The KPIs and corporate priorities of ``metrics/*.yml``."""

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def warehouse_path(self) -> Path:
        return (self.root / self.spec.warehouse).resolve()

    @property
    def metadata_url(self) -> str:
        if self.spec.metadata_url:
            return self.spec.metadata_url
        return f"sqlite:///{(self.state_dir / 'meta.sqlite').resolve()}"

    def dataset(self, qualified: str) -> Dataset:
        """Find ``source.dataset`` (or a source with a single dataset by its name)."""
        source_name, _, dataset_name = qualified.partition(".")
        source = self.sources.get(source_name)
        if source is None:
            known = ", ".join(sorted(self.sources)) or "none"
            raise NotFoundError(f"no source {source_name!r} in this project (sources: {known})")
        if not dataset_name:
            if len(source.datasets) != 1:
                names = ", ".join(f"{source_name}.{d}" for d in source.datasets)
                raise NotFoundError(f"source {source_name!r} has several datasets; name one of {names}")
            return next(iter(source.datasets.values()))
        if dataset_name not in source.datasets:
            names = ", ".join(sorted(source.datasets))
            raise NotFoundError(f"source {source_name!r} has no dataset {dataset_name!r} (datasets: {names})")
        return source.datasets[dataset_name]

    def all_datasets(self) -> list[Dataset]:
        return [d for s in self.sources.values() for d in s.datasets.values()]


def _describe(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    if error["type"] == "missing":
        return "required, but missing"
    return message.removeprefix("Value error, ")


def _validate(
    model: type[BaseModel], data: Any, file: Path, lines: dict[Location, int]
) -> tuple[Any, list[ConfigIssue]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            issues.append(ConfigIssue(str(file), line_for(lines, loc), ".".join(map(str, loc)), _describe(error)))
        return None, issues


def _read(file: Path, issues: list[ConfigIssue]) -> tuple[Any, dict[Location, int]] | None:
    try:
        data, lines = read_yaml(file)
    except yaml.YAMLError as exc:
        issues.append(yaml_syntax_issue(file, exc))
        return None
    if not isinstance(data, dict):
        issues.append(ConfigIssue(str(file), 1, "", "expected a mapping of keys to values"))
        return None
    return data, lines


def load_project(root: Path) -> Project:
    """Read and validate the project at ``root``; raise one ``ConfigError`` listing every problem."""
    root = root.resolve()
    project_file = root / PROJECT_FILE
    if not project_file.is_file():
        raise NotFoundError(
            f"{root} is not an Observatory project: {PROJECT_FILE} is missing (run `observatory init {root}`)"
        )
    issues: list[ConfigIssue] = []
    spec: ProjectSpec | None = None
    project_lines: dict[Location, int] = {}
    read = _read(project_file, issues)
    if read is not None:
        project_lines = read[1]
        spec, found = _validate(ProjectSpec, read[0], project_file, project_lines)
        issues += found
    sources: dict[str, Source] = {}
    unread: set[str] = set()
    for file in sorted((root / "sources").glob("*.y*ml")):
        unread.add(file.stem)
        read = _read(file, issues)
        if read is None:
            continue
        data, lines = read
        data.setdefault("name", file.stem)
        source_spec, found = _validate(SourceSpec, data, file, lines)
        issues += found
        if source_spec is None:
            continue
        if source_spec.name != file.stem:
            issues.append(
                ConfigIssue(str(file), line_for(lines, ("name",)), "name", f"must match the file name {file.stem!r}")
            )
            continue
        datasets = {
            name: Dataset(source_spec.name, name, ds, (root / ds.path) if ds.path else None, source_spec.owner)
            for name, ds in source_spec.datasets.items()
        }
        sources[source_spec.name] = Source(source_spec, file, datasets, lines)
        unread.discard(file.stem)
    issues += contract_issues(root, spec, project_file, project_lines, sources, unread)
    glossary = _glossary(root / GLOSSARY_FILE, spec, sources, unread, issues)
    metrics = load_metrics(root, sources, unread, _read, _validate, issues)
    if issues:
        raise ConfigError(issues)
    assert spec is not None
    return Project(root, spec, sources, glossary, metrics)


def _glossary(
    file: Path, spec: ProjectSpec | None, sources: dict[str, Source], unread: set[str], issues: list[ConfigIssue]
) -> GlossarySpec:
    """``glossary.yml`` validated and its links checked; an empty glossary when there is no file."""
    if not file.is_file():
        return GlossarySpec()
    read = _read(file, issues)
    if read is None:
        return GlossarySpec()
    data, lines = read
    glossary, found = _validate(GlossarySpec, data, file, lines)
    issues += found
    if glossary is None:
        return GlossarySpec()

    def report(loc: tuple[str | int, ...], problem: str) -> None:
        issues.append(ConfigIssue(str(file), line_for(lines, loc), ".".join(map(str, loc)), problem))

    check_glossary(glossary, spec, sources, unread, report)
    found_glossary: GlossarySpec = glossary
    return found_glossary
