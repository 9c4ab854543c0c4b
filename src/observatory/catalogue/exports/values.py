"""Register values of an asset as Python values, and as the text a CSV cell shows.

``register_value`` reads the effective value of a register field: ``asset.register`` first (YAML and edits),
then the asset's columns and what builds found (``facts``), so an export shows the same as ``catalogue show``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import FIELDS_BY_NAME, REGISTER_FIELDS

ASSET_ID_LABEL = "Asset ID"

_COLUMN_FALLBACK = {
    "title": "title",
    "description": "description",
    "information_asset_owner": "owner",
    "steward": "steward",
    "business_area": "business_area",
    "classification": "classification",
    "access_rights": "access_rights",
    "personal_data": "personal",
    "special_category": "special_category",
    "last_reviewed": "last_reviewed",
    "next_review_due": "next_review_due",
}
"""Register fields whose value, when the register holds none, is an attribute of the asset."""


def information_assets(assets: Iterable[AssetRecord]) -> list[AssetRecord]:
    """The assets that belong in the register (present, ``in_register``), ordered by id."""
    return sorted((a for a in assets if a.in_register and a.present), key=lambda a: a.id)


def register_value(asset: AssetRecord, name: str) -> Any:
    """The effective value of register field ``name`` of ``asset`` (``None`` when there is none)."""
    value = asset.register.get(name)
    if _blank(value) and name in _COLUMN_FALLBACK:
        value = getattr(asset, _COLUMN_FALLBACK[name])
    if _blank(value) and name == "title":
        value = asset.name
    if _blank(value) and name == "last_refresh":
        value = asset.facts.get("refreshed_at")
    if _blank(value) and name == "quality_score":
        quality = asset.facts.get("quality")
        value = quality.get("score") if isinstance(quality, dict) else None
    if _blank(value):
        return None
    spec = FIELDS_BY_NAME.get(name)
    if spec is not None and spec.kind == "date":
        return as_date_or_datetime(value)
    if spec is not None and spec.kind == "list" and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def register_record(asset: AssetRecord) -> dict[str, Any]:
    """Every register field of ``asset`` by name, as Python values (JSON-ready after ``json_value``)."""
    return {spec.name: register_value(asset, spec.name) for spec in REGISTER_FIELDS}


def register_header() -> list[str]:
    """The register's column labels: the asset id, then ``REGISTER_FIELDS`` in the IG layout."""
    return [ASSET_ID_LABEL, *(spec.label for spec in REGISTER_FIELDS)]


def register_row(asset: AssetRecord) -> list[Any]:
    """One register row as Python values, in ``register_header`` order."""
    return [asset.id, *(register_value(asset, spec.name) for spec in REGISTER_FIELDS)]


def as_date_or_datetime(value: Any) -> Any:
    """A ``date`` (or ``datetime`` when it has a time) from an ISO text; other values unchanged."""
    if isinstance(value, date) or not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return value


def naive_utc(value: datetime) -> datetime:
    """``value`` in UTC without a time zone (spreadsheets have none)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def cell_text(value: Any) -> str:
    """What a CSV cell shows: ``Yes``/``No``, lists joined with ``, ``, ISO dates, blank for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return naive_utc(value).isoformat(sep=" ", timespec="seconds") if value.tzinfo else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell_text(item) for item in value)
    return str(value)


def json_value(value: Any) -> Any:
    """``value`` as JSON can hold it (dates as ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    return value


def as_list(value: Any) -> list[Any]:
    """A list from a list, a comma-separated text or nothing."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def slug(text: str) -> str:
    """``text`` lower-cased with anything but letters, digits, ``.``, ``_`` and ``-`` made ``-``: a name that
    Frictionless (Data Package v1 names) and URL paths accept."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "unnamed"


def fields_by_dataset(fields: Iterable[AssetRecord]) -> dict[str, list[AssetRecord]]:
    """Field assets grouped by their dataset, each group in column order."""
    groups: dict[str, list[AssetRecord]] = {}
    for asset in fields:
        if asset.kind == "field" and asset.parent_id:
            groups.setdefault(asset.parent_id, []).append(asset)
    for group in groups.values():
        group.sort(key=column_order)
    return groups


def column_order(asset: AssetRecord) -> tuple[int, str]:
    """Sort key of a field: its column position, then its name."""
    position = asset.facts.get("position")
    return (position if isinstance(position, int) else 1_000_000, asset.name)
