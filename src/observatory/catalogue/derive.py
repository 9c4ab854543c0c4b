"""Register values as YAML declares them, with what can be derived filled in.

Order of precedence for every register field: a person's edit (applied later, ``edits.apply_edits``),
then the dataset's ``register:``, then its source's ``register:`` (or ``catalogue.assets`` for derived
datasets), then what is derived here. Derived: the owner from ``owner``; the business area from the source's
title; personal and special-category data from the field types (or, for derived datasets, from the datasets
they are made from); the classification OFFICIAL-SENSITIVE when personal data is held, else OFFICIAL;
access rights ``internal``; the refresh frequency from ``freshness``; the publication status ``not published``.
"""

from __future__ import annotations

from typing import Any

from observatory.config import Dataset, Source
from observatory.config.models import SPECIAL_CATEGORY_TYPES, RegisterSpec

_FREQUENCIES = ((24, "daily"), (24 * 7, "weekly"), (24 * 31, "monthly"), (24 * 92, "quarterly"))


def declared_register(spec: RegisterSpec) -> dict[str, Any]:
    """The values ``spec`` sets (dates as ISO text); what it leaves out is absent."""
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in spec.model_dump(exclude_none=True).items()
    }


def frequency_of(freshness_hours: int | None) -> str | None:
    """The refresh frequency a freshness expectation implies (``2d`` → daily... ``weekly``)."""
    if freshness_hours is None:
        return None
    for hours, name in _FREQUENCIES:
        if freshness_hours <= hours:
            return name
    return "annually"


def explicit_register(dataset: Dataset, source: Source) -> dict[str, Any]:
    """What YAML says of a source's dataset: its ``register:``, its ``owner``, then its source's ``register:``."""
    values = declared_register(dataset.spec.asset_register)
    if dataset.spec.owner:
        values.setdefault("information_asset_owner", dataset.spec.owner)
    for name, value in declared_register(source.spec.asset_register).items():
        values.setdefault(name, value)
    return values


def dataset_register(dataset: Dataset, source: Source) -> dict[str, Any]:
    """The register values of a source's dataset before edits: what YAML says, the rest derived.

    It holds personal data when a field is of a personal type (or marked personal), when it holds
    special-category data, or when YAML names its data subjects; special-category data when a field is of
    a special-category type or YAML gives an Article 9 condition. (Datasets that reference a personal
    dataset are made personal too, by ``propagate``.)"""
    values = explicit_register(dataset, source)
    special = any(spec.type in SPECIAL_CATEGORY_TYPES for spec in dataset.fields.values()) or bool(
        values.get("special_category_condition")
    )
    values.setdefault("special_category", special)
    personal = (
        any(spec.is_personal for spec in dataset.fields.values())
        or bool(values["special_category"])
        or bool(values.get("data_subjects"))
    )
    values.setdefault("title", dataset.spec.title or f"{source.spec.title or source.name}: {dataset.name}")
    values.setdefault("description", dataset.spec.description)
    values.setdefault("business_area", source.spec.title or source.name)
    values.setdefault("information_asset_owner", dataset.owner)
    values.setdefault("source_system", source.spec.system or source.spec.title or source.name)
    values.setdefault("location", dataset.spec.path or dataset.spec.table or "database query")
    values.setdefault("personal_data", personal)
    return _complete(values, frequency_of(dataset.freshness_hours))


def classification_for(values: dict[str, Any]) -> str:
    """The classification a register's data implies: OFFICIAL-SENSITIVE for personal or special-category data."""
    return "OFFICIAL-SENSITIVE" if values.get("personal_data") or values.get("special_category") else "OFFICIAL"


def derived_register(declared: RegisterSpec | None, title: str, upstream: list[dict[str, Any]]) -> dict[str, Any]:
    """Register values of a dataset made inside the warehouse, from ``catalogue.assets`` and its upstream datasets."""
    values = declared_register(declared or RegisterSpec())
    values.setdefault("title", title)
    values.setdefault("description", "")
    values.setdefault("personal_data", any(u.get("personal_data") for u in upstream))
    values.setdefault("special_category", any(u.get("special_category") for u in upstream))
    if any(u.get("classification") == "OFFICIAL-SENSITIVE" for u in upstream):
        values.setdefault("classification", "OFFICIAL-SENSITIVE")
    values.setdefault("source_system", "Observatory")
    return _complete(values, None)


def _complete(values: dict[str, Any], frequency: str | None) -> dict[str, Any]:
    values.setdefault("classification", classification_for(values))
    values.setdefault("access_rights", "internal")
    values.setdefault("publication_status", "not published")
    if frequency is not None:
        values.setdefault("refresh_frequency", frequency)
    for name in ("business_area", "information_asset_owner", "steward", "purpose", "location"):
        values.setdefault(name, "")
    for name in ("data_subjects", "keywords"):
        values.setdefault(name, [])
    return values
