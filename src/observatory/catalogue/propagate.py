"""What follows lineage: personal and special-category data, classifications and owners carried from the
datasets and fields something is made from to what is made from them.

Fail safe: a field Observatory made whose lineage cannot be traced counts as personal when its table is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from observatory.catalogue.derive import classification_for, derived_register
from observatory.catalogue.records import AssetRecord, EdgeRecord, inherited
from observatory.config.models import RegisterSpec

PART_OF = ("information_asset_owner", "business_area", "classification", "personal_data", "special_category")
"""Register values a raw copy (and an extract file) takes from the dataset it belongs to."""


def upstream_of(edges: Iterable[EdgeRecord]) -> dict[str, list[str]]:
    """Asset → the assets it is made from (dataset and field lineage, not glossary links)."""
    found: dict[str, list[str]] = {}
    for edge in edges:
        if edge.level in ("dataset", "field"):
            found.setdefault(edge.target, []).append(edge.source)
    return found


def settle_source_datasets(assets: dict[str, AssetRecord], fixed: dict[str, set[str]]) -> None:
    """Source datasets after edits: those referencing a personal dataset hold personal data too; special-category
    data is personal data; the classification follows — wherever YAML or a person did not say (``fixed``)."""
    changed = True
    while changed:
        changed = False
        for asset, keys in fixed.items():
            record = assets[asset]
            if "personal_data" in keys or record.register.get("personal_data"):
                continue
            referenced = [assets.get(ref["dataset"]) for ref in record.facts.get("references", [])]
            if record.register.get("special_category") or any(
                r and r.register.get("personal_data") for r in referenced
            ):
                record.set("personal_data", True)
                changed = True
    for asset, keys in fixed.items():
        record = assets[asset]
        if "classification" not in keys:
            record.set("classification", classification_for(record.register))


def derive_made_datasets(
    assets: dict[str, AssetRecord], upstream: dict[str, list[str]], declared: dict[str, RegisterSpec], sources: set[str]
) -> None:
    """Register values of the datasets Observatory makes (not raw copies), from ``catalogue.assets`` and the
    registers of the datasets they are made from."""
    done: dict[str, dict[str, Any]] = {}

    def register_of(asset: str, seen: frozenset[str]) -> dict[str, Any]:
        record = assets[asset]
        if asset in done:
            return done[asset]
        if record.kind != "dataset" or record.layer == "raw" or asset in sources:
            done[asset] = record.register
            return record.register
        parents = [register_of(p, seen | {asset}) for p in upstream.get(asset, []) if p in assets and p not in seen]
        values = derived_register(declared.get(asset), record.title, parents)
        values.setdefault("description", record.description)
        values["last_refresh"] = record.facts.get("refreshed_at")
        for name, value in values.items():
            record.set(name, value)
        record.declared = dict(record.register)
        done[asset] = record.register
        return record.register

    for asset in list(assets):
        register_of(asset, frozenset())


def settle_parts(assets: dict[str, AssetRecord]) -> None:
    """Raw copies and extract files take their dataset's owner, area, classification and personal flags."""
    for record in assets.values():
        parent_id = record.facts.get("part_of") if record.kind == "dataset" else None
        if record.kind == "file" and record.facts.get("datasets"):
            parent_id = record.facts["datasets"][0]
        parent = assets.get(parent_id or "")
        if parent is None:
            continue
        for name in PART_OF:
            record.set(name, parent.register.get(name))
        record.owner = parent.owner


def settle_fields(assets: dict[str, AssetRecord], upstream: dict[str, list[str]]) -> None:
    """Fields of datasets Observatory makes are personal (special-category) when a field they are made from is,
    or, with no traceable lineage, when their table is; every field is owned, filed and classified with its
    dataset; and no personal or special-category field shows an example."""
    memo: dict[str, tuple[bool, bool]] = {}

    def flags(asset: str, seen: frozenset[str]) -> tuple[bool, bool]:
        if asset in memo:
            return memo[asset]
        record = assets[asset]
        if record.layer in ("raw", "standard"):
            memo[asset] = (record.personal, record.special_category)
            return memo[asset]
        parents = [p for p in upstream.get(asset, []) if p in assets and assets[p].kind == "field" and p not in seen]
        if parents:
            found = [flags(p, seen | {asset}) for p in parents]
            memo[asset] = (any(p for p, _ in found), any(s for _, s in found))
        else:
            table = assets.get(record.parent_id or "")
            memo[asset] = (bool(table and table.personal), False)
        return memo[asset]

    for asset, record in assets.items():
        if record.kind != "field":
            continue
        record.personal, record.special_category = flags(asset, frozenset())
        parent = assets.get(record.parent_id or "")
        if parent is not None:
            record.owner, record.business_area, record.classification, record.access_rights = inherited(parent)
        if record.personal or record.special_category:
            record.register["example"] = None
