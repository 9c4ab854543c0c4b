"""The fields of a dataset in the standard layer: its contract's fields plus every undeclared column as text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from observatory.config import Dataset, Source
from observatory.config.models import FieldSpec
from observatory.config.yaml_lines import line_for
from observatory.errors import ConfigError, ConfigIssue
from observatory.standards.types import FieldType, field_type

SUFFIX = "__"
"""Separates a field from its companion columns: ``postcode__raw``, ``postcode__status``, ``postcode__ward``."""


@dataclass(frozen=True)
class StandardField:
    """One field of the standard layer: where it comes from, its type and whether the contract declares it."""

    name: str
    column: str
    spec: FieldSpec
    type: FieldType
    declared: bool

    @property
    def personal(self) -> bool:
        return self.spec.personal if self.spec.personal is not None else self.type.personal

    def column_name(self, suffix: str = "") -> str:
        """The standard-layer column for this field (``suffix``: ``raw``, ``status``, an extra's name)."""
        return f"{self.name}{SUFFIX}{suffix}" if suffix else self.name


def snake_case(column: str) -> str:
    """A field name for a raw column: ``"Date of Birth"`` -> ``date_of_birth``, ``"NHSNumber"`` -> ``nhs_number``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    name = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"column_{name}" if name else "column"
    return name[:63]


def standard_fields(dataset: Dataset, source: Source, raw_columns: list[str]) -> list[StandardField]:
    """Declared fields in contract order, then undeclared raw columns as ``text``.

    Raises ``ConfigError`` naming the source file and field when a declared column is not in the loaded data.
    """
    fields: list[StandardField] = []
    issues: list[ConfigIssue] = []
    used_columns: set[str] = set()
    for name, spec in dataset.spec.fields.items():
        column = spec.column or name
        if column not in raw_columns:
            issues.append(
                ConfigIssue(
                    str(source.file),
                    line_for(source.lines, ("datasets", dataset.name, "fields", name, "column")),
                    f"datasets.{dataset.name}.fields.{name}.column",
                    f"column {column!r} is not in the loaded data of {dataset.source}.{dataset.name} "
                    f"(columns: {', '.join(raw_columns)})",
                )
            )
            continue
        used_columns.add(column)
        try:
            ftype = field_type(spec)
        except ValueError as exc:  # options the type cannot use, e.g. a mapping onto an unknown code
            line = line_for(source.lines, ("datasets", dataset.name, "fields", name))
            issues.append(ConfigIssue(str(source.file), line, f"datasets.{dataset.name}.fields.{name}", str(exc)))
            continue
        fields.append(StandardField(name, column, spec, ftype, declared=True))
    if issues:
        raise ConfigError(issues)
    taken = {f.name for f in fields}
    for column in raw_columns:
        if column in used_columns:
            continue
        name = snake_case(column)
        while name in taken:
            name = f"{name}_"
        taken.add(name)
        spec = FieldSpec(column=column, type="text")
        fields.append(StandardField(name, column, spec, field_type(spec), declared=False))
    return fields
