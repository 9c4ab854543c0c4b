"""The catalogue's records as plain data: what population builds, the store keeps and readers get back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from observatory.meta.models import CatalogueAsset, CatalogueEdge

COLUMN_OF = {
    "title": "title",
    "description": "description",
    "owner": "owner",
    "information_asset_owner": "owner",
    "steward": "steward",
    "business_area": "business_area",
    "classification": "classification",
    "access_rights": "access_rights",
    "personal_data": "personal",
    "special_category": "special_category",
}
"""Register values also held as columns of the asset (search filters on them): value name → column."""


_EMPTY: dict[str, Any] = {
    "title": "",
    "description": "",
    "owner": "",
    "steward": "",
    "business_area": "",
    "classification": "OFFICIAL",
    "access_rights": "internal",
    "personal": False,
    "special_category": False,
}


@dataclass
class AssetRecord:
    """One asset. ``declared`` is what YAML and builds say; ``register`` the effective values after edits."""

    id: str
    kind: str
    name: str
    title: str = ""
    description: str = ""
    layer: str | None = None
    parent_id: str | None = None
    owner: str = ""
    steward: str = ""
    business_area: str = ""
    classification: str = "OFFICIAL"
    access_rights: str = "internal"
    personal: bool = False
    special_category: bool = False
    in_register: bool = False
    register: dict[str, Any] = field(default_factory=dict)
    declared: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    last_reviewed: date | None = None
    next_review_due: date | None = None
    present: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_reviewed", "next_review_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    def set(self, name: str, value: Any) -> None:
        """Set register value ``name``, and its column when it has one."""
        self.register[name] = value
        column = COLUMN_OF.get(name)
        if column is not None:
            setattr(self, column, value if value is not None else _EMPTY[column])

    @classmethod
    def from_row(cls, row: CatalogueAsset) -> AssetRecord:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


INHERITED = ("owner", "business_area", "classification", "access_rights")
"""What a field takes from its dataset: it is owned, filed and classified with it."""


def inherited(parent: AssetRecord) -> tuple[str, str, str, str]:
    """The values of ``INHERITED`` a dataset passes to its fields."""
    return parent.owner, parent.business_area, parent.classification, parent.access_rights


@dataclass(frozen=True)
class EdgeRecord:
    """A lineage edge: ``target`` is made from ``source`` — by a recorded run (``via`` its kind) or as declared."""

    source: str
    target: str
    level: str = "dataset"
    via: str = "declared"
    run_id: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: CatalogueEdge) -> EdgeRecord:
        return cls(row.source_id, row.target_id, row.level, row.via, row.run_id, row.detail)
