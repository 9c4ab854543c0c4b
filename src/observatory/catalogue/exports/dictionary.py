"""The data dictionary: one row per field — type, standard type, description, allowed values, critical and
personal flags, an example value (never for a personal field) and the quality measured by the last build."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from observatory.catalogue.exports.sheets import write_csv
from observatory.catalogue.exports.values import as_list
from observatory.catalogue.records import AssetRecord

DICTIONARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("dataset", "Dataset"),
    ("dataset_title", "Dataset title"),
    ("field", "Field"),
    ("title", "Title"),
    ("type", "Type"),
    ("standard_type", "Standard type"),
    ("description", "Description"),
    ("allowed_values", "Allowed values"),
    ("critical", "Critical"),
    ("personal", "Personal"),
    ("example", "Example"),
    ("quality", "Quality"),
    ("id", "Field ID"),
)
"""The dictionary's columns: key of ``dictionary_rows`` → label in the CSV and the sheet."""

DIMENSION_WORDS = {
    "validity": "valid",
    "completeness": "complete",
    "uniqueness": "unique",
    "consistency": "consistent",
    "accuracy": "accurate",
    "timeliness": "timely",
    "conformity": "conformant",
}
"""How a quality dimension reads after a percentage (``98.2% valid``)."""


def dictionary_rows(fields: Iterable[AssetRecord], datasets: Iterable[AssetRecord] = ()) -> list[dict[str, Any]]:
    """One dict per field asset (JSON-ready), ordered by dataset then column position.

    ``datasets`` supplies the dataset titles; the example is blank for a personal field whatever the
    register says."""
    titles = {asset.id: asset.title or asset.name for asset in datasets}
    rows = [_row(asset, titles) for asset in fields if asset.kind == "field"]
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def dictionary_table(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """``rows`` as a header and lists of values, for a CSV file or a sheet."""
    header = [label for _, label in DICTIONARY_COLUMNS]
    return header, [[row[key] for key, _ in DICTIONARY_COLUMNS] for row in rows]


def write_dictionary_csv(fields: Iterable[AssetRecord], path: Path, datasets: Iterable[AssetRecord] = ()) -> int:
    """Write the data dictionary to ``path`` as UTF-8 CSV with a byte-order mark; the number of fields."""
    header, rows = dictionary_table(dictionary_rows(fields, datasets))
    write_csv(path, header, rows)
    return len(rows)


def quality_summary(measures: Any) -> str:
    """``98.2% valid, 99.5% complete`` from a field's quality measures ({name, dimension, passed, total})."""
    totals: dict[str, list[int]] = {}
    for measure in measures if isinstance(measures, list) else []:
        if not isinstance(measure, dict):
            continue
        passed, total = measure.get("passed"), measure.get("total")
        if not isinstance(passed, int) or not isinstance(total, int) or total <= 0:
            continue
        counts = totals.setdefault(str(measure.get("dimension") or "valid"), [0, 0])
        counts[0] += passed
        counts[1] += total
    order = list(DIMENSION_WORDS)
    dimensions = sorted(totals, key=lambda d: (order.index(d) if d in order else len(order), d))
    parts = []
    for dimension in dimensions:
        passed, total = totals[dimension]
        parts.append(f"{100 * passed / total:.1f}% {DIMENSION_WORDS.get(dimension, dimension)}")
    return ", ".join(parts)


def _row(asset: AssetRecord, titles: dict[str, str]) -> tuple[tuple[str, int, str], dict[str, Any]]:
    facts = asset.facts
    personal = asset.personal or asset.special_category
    example = None if personal else asset.register.get("example")
    allowed = facts.get("allowed")
    position = facts.get("position")
    dataset = asset.parent_id or ""
    row = {
        "id": asset.id,
        "dataset": dataset,
        "dataset_title": titles.get(dataset, ""),
        "field": facts.get("column") or asset.name,
        "title": asset.title,
        "type": facts.get("type") or "",
        "standard_type": facts.get("standard_type") or "",
        "description": asset.register.get("description") or asset.description,
        "allowed_values": [str(value) for value in as_list(allowed)] if allowed is not None else None,
        "critical": bool(facts.get("critical", False)),
        "personal": personal,
        "example": None if example in (None, "") else str(example),
        "quality": quality_summary(facts.get("quality")),
    }
    key = (dataset, position if isinstance(position, int) else 1_000_000, asset.name)
    return key, row
