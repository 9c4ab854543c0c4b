"""Frictionless Data Packages: one ``datapackage.json`` per information asset, describing its table.

Each package has one resource, the dataset's table as CSV (``<table>.csv``, e.g. ``standard.asc__clients.csv``),
with a Table Schema built from the dataset's fields: types, titles, descriptions, allowed values as ``enum``
constraints, the primary key and foreign keys. Frictionless checks a foreign key by reading the referenced
resource from the same package, so foreign keys to another dataset (another package) are listed under
``x-observatory.foreignKeys`` in the shape of the "foreign keys to data packages" pattern
(``reference.package``) instead of ``schema.foreignKeys``, which keeps only keys within the dataset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from observatory.catalogue.exports.values import (
    as_list,
    cell_text,
    column_order,
    fields_by_dataset,
    information_assets,
    json_value,
    register_value,
    slug,
)
from observatory.catalogue.records import AssetRecord

DataWriter = Callable[[AssetRecord, Path], None]
"""Writes a dataset's data as CSV to the path given: a header row of exactly ``schema_columns``, in order."""

OPEN_LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
"""The licence of open (``access_rights: open``) datasets."""

_ENGINE_TYPES = (
    ("bool", "boolean"),
    ("int", "integer"),
    ("uint", "integer"),
    ("float", "number"),
    ("double", "number"),
    ("decimal", "number"),
    ("number", "number"),
    ("timestamp", "datetime"),
    ("datetime", "datetime"),
    ("date", "date"),
    ("time", "time"),
)
"""Engine type name prefixes (Ibis names, as the catalogue records them) → Table Schema types; else ``string``."""

_STANDARD_TYPES = {
    "integer": "integer",
    "decimal": "number",
    "money": "number",
    "boolean": "boolean",
    "date": "date",
    "date_of_birth": "date",
}
"""Standard field types → Table Schema types, for a field whose engine type is not known."""


def package_name(asset: AssetRecord) -> str:
    """The package's name: the dataset id as a lowercase slug (``dataset.asc.clients``)."""
    return slug(asset.id)


def resource_name(dataset_id: str) -> str:
    """The name of a dataset's resource: the last part of its id (``clients`` for ``dataset.asc.clients``)."""
    return slug(dataset_id.rsplit(".", 1)[-1])


def data_file_name(asset: AssetRecord) -> str:
    """The CSV file of a dataset's data: its warehouse table (``standard.asc__clients.csv``)."""
    table = asset.facts.get("table")
    return f"{slug(str(table)) if table else resource_name(asset.id)}.csv"


def schema_columns(asset: AssetRecord, fields: Iterable[AssetRecord]) -> list[str]:
    """The columns a data file of ``asset`` must have, in order: its fields' names as in the package's schema
    (a CSV with any other column fails ``frictionless validate`` with an extra-label error)."""
    own = [f for f in fields if f.kind == "field" and f.parent_id == asset.id]
    return [str(f.facts.get("column") or f.name) for f in sorted(own, key=column_order)]


def table_type(field: AssetRecord) -> str:
    """The Table Schema type of a field: from its engine type, else its standard type, else ``string``."""
    engine = str(field.facts.get("type") or "").lower().removeprefix("!")
    for prefix, kind in _ENGINE_TYPES:
        if engine.startswith(prefix):
            return kind
    if engine:
        return "string"
    return _STANDARD_TYPES.get(str(field.facts.get("standard_type") or ""), "string")


def field_descriptor(field: AssetRecord) -> dict[str, Any]:
    """A Table Schema field: name, type, title, description and an ``enum`` of the allowed values."""
    kind = table_type(field)
    descriptor: dict[str, Any] = {"name": field.facts.get("column") or field.name, "type": kind}
    if field.title:
        descriptor["title"] = field.title
    description = field.register.get("description") or field.description
    if description:
        descriptor["description"] = description
    allowed = field.facts.get("allowed")
    enum = _enum(as_list(allowed), kind) if allowed else None
    if enum:
        descriptor["constraints"] = {"enum": enum}
    return descriptor


def datapackage(asset: AssetRecord, fields: Sequence[AssetRecord], data_path: str | None = None) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor of dataset ``asset`` with its ``fields`` (in column order).

    ``data_path`` is the resource's path relative to the descriptor; without one it is ``<table>.csv``."""
    schema_fields = [field_descriptor(f) for f in sorted(fields, key=column_order)]
    names = {f["name"] for f in schema_fields}
    schema: dict[str, Any] = {"fields": schema_fields}
    keys = [str(k) for k in as_list(asset.facts.get("keys"))]
    if keys and set(keys) <= names:
        schema["primaryKey"] = keys
    inner, outer = _foreign_keys(asset, names)
    if inner:
        schema["foreignKeys"] = inner
    resource: dict[str, Any] = {
        "name": resource_name(asset.id),
        "path": data_path or data_file_name(asset),
        "title": register_value(asset, "title"),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }
    rows = asset.facts.get("rows")
    descriptor: dict[str, Any] = {"name": package_name(asset), "title": register_value(asset, "title")}
    description = register_value(asset, "description")
    if description:
        descriptor["description"] = description
        resource["description"] = description
    keywords = [str(k) for k in as_list(register_value(asset, "keywords"))]
    if keywords:
        descriptor["keywords"] = keywords
    if register_value(asset, "access_rights") == "open":
        descriptor["licenses"] = [dict(OPEN_LICENCE)]
    contributors = _contributors(asset)
    if contributors:
        descriptor["contributors"] = contributors
    descriptor["resources"] = [resource]
    descriptor["x-observatory"] = {
        "id": asset.id,
        "classification": register_value(asset, "classification"),
        "access_rights": register_value(asset, "access_rights"),
        "personal_data": bool(register_value(asset, "personal_data")),
        "special_category": bool(register_value(asset, "special_category")),
        "rows": rows if isinstance(rows, int) else None,
        "last_refresh": json_value(register_value(asset, "last_refresh")),
        "quality_score": register_value(asset, "quality_score"),
        "foreignKeys": outer,
    }
    return descriptor


def write_datapackages(
    assets: Iterable[AssetRecord],
    fields: Iterable[AssetRecord],
    out_dir: Path,
    data_writer: DataWriter | None = None,
) -> list[Path]:
    """Write ``<out_dir>/<package name>/datapackage.json`` for every information asset that is a dataset; with a
    ``data_writer``, also its data as ``<table>.csv`` beside it. The descriptors written, in id order."""
    groups = fields_by_dataset(fields)
    written = []
    for asset in information_assets(assets):
        if asset.kind != "dataset":
            continue
        folder = out_dir / package_name(asset)
        folder.mkdir(parents=True, exist_ok=True)
        data_path = data_file_name(asset)
        if data_writer is not None:
            data_writer(asset, folder / data_path)
        descriptor = datapackage(asset, groups.get(asset.id, []), data_path)
        target = folder / "datapackage.json"
        target.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        written.append(target)
    return written


def _foreign_keys(asset: AssetRecord, names: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Foreign keys within the dataset (Table Schema ``foreignKeys``) and to other datasets' packages."""
    inner, outer = [], []
    for reference in as_list(asset.facts.get("references")):
        if not isinstance(reference, dict) or not reference.get("dataset"):
            continue
        own = [str(f) for f in as_list(reference.get("fields"))]
        target = str(reference["dataset"])
        to = [str(f) for f in as_list(reference.get("to"))] or own
        if not own or len(own) != len(to) or not set(own) <= names:
            continue
        if target == asset.id:
            if set(to) <= names:
                inner.append({"fields": own, "reference": {"resource": "", "fields": to}})
            continue
        package = slug(target)
        outer.append(
            {
                "fields": own,
                "reference": {
                    "package": f"../{package}/datapackage.json",
                    "resource": resource_name(target),
                    "fields": to,
                },
                "dataset": target,
            }
        )
    return inner, outer


def _contributors(asset: AssetRecord) -> list[dict[str, str]]:
    people = []
    owner = register_value(asset, "information_asset_owner")
    if owner:
        people.append({"title": cell_text(owner), "role": "publisher"})
    steward = register_value(asset, "steward")
    if steward:
        person = {"title": cell_text(steward), "role": "maintainer"}
        if "@" in person["title"] and " " not in person["title"].strip():
            person["email"] = person["title"].strip()
        people.append(person)
    return people


def _enum(values: list[Any], kind: str) -> list[Any] | None:
    """The allowed values cast to the field's type; ``None`` when one does not cast (no constraint then)."""
    try:
        if kind == "integer":
            return [int(str(v)) for v in values]
        if kind == "number":
            return [float(str(v)) for v in values]
        if kind == "string":
            return [str(v) for v in values]
    except ValueError:
        return None
    return None
