"""Cross-checks of dataset contracts that pydantic cannot make alone: names that must exist elsewhere.

Run by ``load_project`` after every file validated; each problem becomes a ``ConfigIssue`` with
its file, line and field path, reported together with all other problems. Checked:

- ``keys`` and ``references[].fields`` name declared fields of the dataset;
- ``references[].dataset`` exists and ``references[].to`` (by default the same names as
  ``fields``) are declared fields of it, of a kind that can match;
- rules and references have distinct names, and each rule's ``check`` parses, uses only declared
  fields (``reference.field`` for a referenced dataset's) and fits their types;
- ``allowed`` and ``mapping`` only on the types they make sense for, not empty, and mapped values
  among the allowed ones; a field's ``column`` (its name by default) is among the dataset's
  ``columns`` when those are given. Two fields may read the same column;
- the catalogue's register entries, reports and examples (``config.catalogue_checks``);
- the project's ``reference.gazetteer`` is a dataset with a ``uprn`` field and
  ``reference.postcodes`` is a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from observatory.config.catalogue_checks import check_project_catalogue, check_source_catalogue
from observatory.config.expressions import CheckError, Kind, check_kinds, parse_check, quoted_fields
from observatory.config.linkage_roles import person_roles
from observatory.config.models import FieldSpec, ProjectSpec, ReferenceSpec
from observatory.config.yaml_lines import Location, line_for
from observatory.errors import ConfigIssue

if TYPE_CHECKING:
    from observatory.config.project import Dataset, Source

KIND_OF_TYPE: dict[str, Kind] = {
    "integer": "number",
    "decimal": "number",
    "money": "number",
    "boolean": "boolean",
    "date": "date",
    "date_of_birth": "date",
    "uprn": "any",
    "usrn": "any",
}
"""The rule-language kind of each field type's standard column; every other type is text."""

ALLOWED_TYPES = ("text", "code", "sex", "ethnicity")
"""The field types an ``allowed`` list applies to."""


def kind_of_field(spec: FieldSpec) -> Kind:
    """What a field's standard value is, for checking rules."""
    return KIND_OF_TYPE.get(spec.type, "text")


def reference_targets(reference: ReferenceSpec) -> list[str]:
    """The fields of the referenced dataset that ``reference.fields`` must match (``to``, or the same names)."""
    return list(reference.to) if reference.to is not None else list(reference.fields)


class _Issues:
    """Issues of one file, located through its YAML line map."""

    def __init__(self, file: Path, lines: Mapping[Location, int], found: list[ConfigIssue]) -> None:
        self.file, self.lines, self.found = file, dict(lines), found

    def add(self, loc: Location, problem: str) -> None:
        self.found.append(ConfigIssue(str(self.file), line_for(self.lines, loc), ".".join(map(str, loc)), problem))


def contract_issues(
    root: Path,
    project: ProjectSpec | None,
    project_file: Path,
    project_lines: Mapping[Location, int],
    sources: Mapping[str, Source],
    unread: Iterable[str] = (),
) -> list[ConfigIssue]:
    """Every cross-check problem of the project's contracts.

    ``unread`` names source files that failed to validate: references to their datasets are not
    reported as missing (the file's own problems already are).
    """
    found: list[ConfigIssue] = []
    skip = set(unread)
    for source in sources.values():
        issues = _Issues(source.file, source.lines, found)
        check_source_catalogue(source, issues.add)
        for dataset in source.datasets.values():
            _check_dataset(dataset, sources, skip, issues)
    if project is not None:
        _check_reference_data(root, project, sources, skip, _Issues(project_file, project_lines, found))
        _check_linkage(project, sources, skip, _Issues(project_file, project_lines, found))
        check_project_catalogue(project, sources, skip, _Issues(project_file, project_lines, found).add)
    return sorted(found, key=lambda issue: (issue.file, issue.line or 0))


def _find(sources: Mapping[str, Source], qualified: str) -> Dataset | None:
    source_name, _, dataset_name = qualified.partition(".")
    source = sources.get(source_name)
    return source.datasets.get(dataset_name) if source is not None else None


def _known(names: Iterable[str]) -> str:
    listed = sorted(names)
    if not listed:
        return "none"
    return ", ".join(listed[:12]) + (f" and {len(listed) - 12} more" if len(listed) > 12 else "")


def _all_datasets(sources: Mapping[str, Source]) -> list[str]:
    return [f"{s}.{d}" for s, source in sources.items() for d in source.datasets]


def _check_dataset(dataset: Dataset, sources: Mapping[str, Source], skip: set[str], issues: _Issues) -> None:
    base: Location = ("datasets", dataset.name)
    spec = dataset.spec
    fields = spec.fields
    for name, field in fields.items():
        _check_field(name, field, spec.columns, (*base, "fields", name), issues)
    if spec.keys is not None:
        if not spec.keys:
            issues.add((*base, "keys"), "needs at least one field (or leave 'keys' out)")
        _check_names(spec.keys, fields, (*base, "keys"), "this dataset", issues)
    for index, name in _repeated(rule.name for rule in spec.rules):
        issues.add((*base, "rules", index, "name"), f"another rule of this dataset is already called {name!r}")
    for index, name in _repeated(ref.name for ref in spec.references):
        issues.add((*base, "references", index, "name"), f"another reference is already called {name!r}")
    targets: dict[str, Dataset | None] = {}
    for index, reference in enumerate(spec.references):
        loc = (*base, "references", index)
        targets[reference.name] = _check_reference(dataset, reference, sources, skip, loc, issues)
    for index, rule in enumerate(spec.rules):
        _check_rule(dataset, rule.check, targets, (*base, "rules", index, "check"), issues)


def _repeated(names: Iterable[str]) -> list[tuple[int, str]]:
    """``(index, name)`` of every name that already appeared earlier in ``names``."""
    seen: set[str] = set()
    found = []
    for index, name in enumerate(names):
        if name in seen:
            found.append((index, name))
        seen.add(name)
    return found


def _check_names(names: list[str], fields: Mapping[str, FieldSpec], loc: Location, owner: str, issues: _Issues) -> None:
    for index, name in enumerate(names):
        if name not in fields:
            issues.add((*loc, index), f"{name!r} is not a declared field of {owner} (fields: {_known(fields)})")
    for index, name in _repeated(names):
        issues.add((*loc, index), f"{name!r} is named twice")


def _check_field(name: str, field: FieldSpec, columns: list[str] | None, loc: Location, issues: _Issues) -> None:
    column = field.column if field.column is not None else name
    if not column.strip():
        issues.add((*loc, "column"), "must not be empty (leave it out to read the column named like the field)")
    elif columns is not None and column not in columns:
        issues.add(
            (*loc, "column") if field.column is not None else loc,
            f"reads column {column!r}, which is not one of this dataset's 'columns' ({_known(columns)})",
        )
    if field.allowed is not None:
        if field.type not in ALLOWED_TYPES:
            issues.add((*loc, "allowed"), f"'allowed' applies only to the {_or(ALLOWED_TYPES)} types")
        elif not field.allowed:
            issues.add((*loc, "allowed"), "needs at least one value")
        for index, value in _repeated(field.allowed):
            issues.add((*loc, "allowed", index), f"{value!r} is listed twice")
    if field.mapping is not None:
        if not field.mapping:
            issues.add((*loc, "mapping"), "needs at least one entry, e.g. {'M': 'Male'}")
        if field.allowed:
            for raw, value in field.mapping.items():
                if value not in field.allowed:
                    issues.add((*loc, "mapping", raw), f"maps to {value!r}, which is not in 'allowed'")


def _or(names: Iterable[str]) -> str:
    listed = list(names)
    return ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else "".join(listed)


def _check_reference(
    dataset: Dataset,
    reference: ReferenceSpec,
    sources: Mapping[str, Source],
    skip: set[str],
    loc: Location,
    issues: _Issues,
) -> Dataset | None:
    """Check one reference; return the referenced dataset when it exists."""
    fields = dataset.spec.fields
    _check_names(reference.fields, fields, (*loc, "fields"), "this dataset", issues)
    target = _find(sources, reference.dataset)
    if target is None:
        if reference.dataset.partition(".")[0] not in skip:
            issues.add(
                (*loc, "dataset"),
                f"no dataset {reference.dataset!r} in this project (datasets: {_known(_all_datasets(sources))})",
            )
        return None
    names = reference_targets(reference)
    hint = "" if reference.to is not None else "; name the matching fields there with 'to'"
    key = "to" if reference.to is not None else "fields"
    for index, (own, theirs) in enumerate(zip(reference.fields, names, strict=True)):
        if theirs not in target.spec.fields:
            issues.add(
                (*loc, key, index),
                f"{theirs!r} is not a declared field of {reference.dataset} "
                f"(fields: {_known(target.spec.fields)}){hint}",
            )
        elif own in fields:
            kinds = {kind_of_field(fields[own]), kind_of_field(target.spec.fields[theirs])}
            if len(kinds - {"any"}) > 1:
                issues.add(
                    (*loc, key, index),
                    f"{own!r} ({fields[own].type}) cannot match {reference.dataset}.{theirs} "
                    f"({target.spec.fields[theirs].type})",
                )
    return target


def _check_rule(
    dataset: Dataset, check: str, targets: Mapping[str, Dataset | None], loc: Location, issues: _Issues
) -> None:
    try:
        parsed = parse_check(check)
    except CheckError as exc:
        issues.add(loc, str(exc))
        return
    fields = dataset.spec.fields
    quoted = quoted_fields(parsed)
    resolved = True
    for reference, name in sorted(parsed.fields, key=lambda n: (n[0] or "", n[1])):
        if reference is None:
            if name not in fields:
                hint = f"; text takes single quotes: '{name}'" if (None, name) in quoted else ""
                issues.add(loc, f"{name!r} is not a declared field of this dataset (fields: {_known(fields)}){hint}")
                resolved = False
        elif reference not in targets:
            issues.add(
                loc,
                f"{reference!r} (in {reference}.{name}) is not a reference of this dataset "
                f"(references: {_known(targets)}); add it under 'references'",
            )
            resolved = False
        else:
            target = targets[reference]
            if target is None:  # the reference itself is wrong, and reported
                resolved = False
            elif name not in target.spec.fields:
                known = _known(target.spec.fields)
                issues.add(loc, f"{name!r} is not a declared field of {target.source}.{target.name} (fields: {known})")
                resolved = False
    if not resolved:
        return

    def kind_of(reference: str | None, name: str) -> Kind:
        owner = dataset if reference is None else targets[reference]
        assert owner is not None
        return kind_of_field(owner.spec.fields[name])

    try:
        check_kinds(parsed, kind_of)
    except CheckError as exc:
        issues.add(loc, str(exc))


def _check_reference_data(
    root: Path, project: ProjectSpec, sources: Mapping[str, Source], skip: set[str], issues: _Issues
) -> None:
    gazetteer = project.reference.gazetteer
    if gazetteer is not None:
        loc: Location = ("reference", "gazetteer")
        target = _find(sources, gazetteer)
        if "." not in gazetteer:
            issues.add(loc, f"name the dataset as source.dataset, e.g. {gazetteer}.properties")
        elif target is None:
            if gazetteer.partition(".")[0] not in skip:
                datasets = _known(_all_datasets(sources))
                issues.add(loc, f"no dataset {gazetteer!r} in this project (datasets: {datasets})")
        elif "uprn" not in target.spec.fields:
            issues.add(loc, f"{gazetteer} has no 'uprn' field; the gazetteer needs one (type: uprn)")
    postcodes = project.reference.postcodes
    if postcodes is not None and not (root / postcodes).is_file():
        issues.add(("reference", "postcodes"), f"file not found: {root / postcodes}")


def _check_linkage(project: ProjectSpec, sources: Mapping[str, Source], skip: set[str], issues: _Issues) -> None:
    linkage = project.linkage
    for name, link in linkage.datasets.items():
        target = _find(sources, name)
        if target is None:
            if name.partition(".")[0] not in skip:
                issues.add(("linkage", "datasets", name), f"no dataset {name!r} in this project")
            continue
        for loc, problem in person_roles(name, target.spec, link)[1]:
            issues.add(loc, problem)
    for index, name in enumerate(linkage.trust):
        if _find(sources, name) is None and name.partition(".")[0] not in skip:
            issues.add(("linkage", "trust", index), f"no dataset {name!r} in this project")
