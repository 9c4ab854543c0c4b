"""Compile a project folder (``observatory.yml`` + ``sources/*.yml``) into runtime objects.

Every problem in every file is collected and raised together as one ``ConfigError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from observatory.config.models import DatasetSpec, ProjectSpec, SourceSpec
from observatory.config.yaml_lines import Location, line_for, read_yaml, yaml_syntax_issue
from observatory.errors import ConfigError, ConfigIssue, NotFoundError

PROJECT_FILE = "observatory.yml"
STATE_DIR = ".observatory"


@dataclass(frozen=True)
class Dataset:
    """A dataset of a source, with its file path resolved against the project."""

    source: str
    name: str
    spec: DatasetSpec
    path: Path | None

    @property
    def node_id(self) -> str:
        return f"dataset.{self.source}.{self.name}"

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

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Project:
    """A validated project folder."""

    root: Path
    spec: ProjectSpec
    sources: dict[str, Source]

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
    read = _read(project_file, issues)
    if read is not None:
        spec, found = _validate(ProjectSpec, read[0], project_file, read[1])
        issues += found
    sources: dict[str, Source] = {}
    for file in sorted((root / "sources").glob("*.y*ml")):
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
            name: Dataset(source_spec.name, name, ds, (root / ds.path) if ds.path else None)
            for name, ds in source_spec.datasets.items()
        }
        sources[source_spec.name] = Source(source_spec, file, datasets)
    if issues:
        raise ConfigError(issues)
    assert spec is not None
    return Project(root, spec, sources)
