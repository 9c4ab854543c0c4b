"""Reading and writing the catalogue in the metadata store (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from observatory.catalogue.records import INHERITED, AssetRecord, EdgeRecord, inherited
from observatory.catalogue.search import rebuild_index, update_index
from observatory.errors import NotFoundError
from observatory.meta.audit import AuditEvent, append
from observatory.meta.models import CatalogueAsset, CatalogueEdge, CatalogueEdit
from observatory.meta.store import MetaStore

BATCH = 5_000
"""Rows inserted per statement."""


def write_catalogue(meta: MetaStore, assets: Sequence[AssetRecord], edges: Sequence[EdgeRecord]) -> None:
    """Replace the catalogue with ``assets`` and ``edges`` in one transaction, and rebuild the search index.

    Assets that were catalogued before but are not in ``assets`` are kept, marked not present, so that
    their history (and the edits made to them) stays; edits live in their own table and are never touched.
    """
    now = datetime.now(UTC)
    ids = {asset.id for asset in assets}
    with meta.session() as session:
        gone_ids = sorted(set(session.scalars(select(CatalogueAsset.id))) - ids)
        gone = [
            AssetRecord.from_row(row)
            for start in range(0, len(gone_ids), BATCH)
            for row in session.scalars(
                select(CatalogueAsset).where(CatalogueAsset.id.in_(gone_ids[start : start + BATCH]))
            )
        ]
        session.execute(delete(CatalogueAsset))
        session.execute(delete(CatalogueEdge))
        for asset in gone:
            asset.present = False
        rows = [_asset_row(asset, now) for asset in [*assets, *gone]]
        for start in range(0, len(rows), BATCH):
            session.execute(insert(CatalogueAsset), rows[start : start + BATCH])
        edge_rows = [_edge_row(edge) for edge in _distinct(edges)]
        for start in range(0, len(edge_rows), BATCH):
            session.execute(insert(CatalogueEdge), edge_rows[start : start + BATCH])
        rebuild_index(session, [asset for asset in assets if asset.present])


def save_asset(
    meta: MetaStore,
    asset: AssetRecord,
    log: Sequence[CatalogueEdit] = (),
    *,
    new: bool = False,
    audit: AuditEvent | None = None,
) -> None:
    """Write one asset's current values (after an edit or a review) and the ``log`` of that change in one
        transaction; a dataset's fields follow its owner, business area, classification and access rights, and
        their search documents with them. ``new``: the asset is added (a glossary term made by an edit). ``audit``
    is appended to the audit trail in the same transaction."""
    with meta.session() as session:
        values = _asset_row(asset, datetime.now(UTC))
        if new:
            session.execute(insert(CatalogueAsset), [values])
        else:
            values.pop("id")
            values.pop("populated_at")
            session.execute(update(CatalogueAsset).where(CatalogueAsset.id == asset.id).values(**values))
        children: list[AssetRecord] = []
        if asset.kind == "dataset":
            session.execute(
                update(CatalogueAsset)
                .where(CatalogueAsset.parent_id == asset.id)
                .values(dict(zip(INHERITED, inherited(asset), strict=True)))
            )
            children = [
                AssetRecord.from_row(row)
                for row in session.scalars(select(CatalogueAsset).where(CatalogueAsset.parent_id == asset.id))
            ]
        session.add_all(log)
        session.flush()
        if audit is not None:
            append(session, audit)
        update_index(session, asset)
        for child in children:
            update_index(session, child)


def get_asset(meta: MetaStore, asset_id: str) -> AssetRecord:
    """The asset with id ``asset_id``; a clear error naming close ids when there is none."""
    with meta.session() as session:
        row = session.get(CatalogueAsset, asset_id)
        if row is not None:
            return AssetRecord.from_row(row)
        prefix = asset_id.rsplit(".", 1)[0]
        near = session.scalars(
            select(CatalogueAsset.id).where(CatalogueAsset.id.startswith(prefix)).order_by(CatalogueAsset.id).limit(5)
        ).all()
    hint = f" (did you mean {', '.join(near)}?)" if near else " (try `observatory catalogue search`)"
    raise NotFoundError(f"no asset {asset_id!r} in the catalogue{hint}")


def list_assets(
    meta: MetaStore, *, kind: str | None = None, parent_id: str | None = None, in_register: bool | None = None
) -> list[AssetRecord]:
    """Present assets, filtered, ordered by id."""
    query = select(CatalogueAsset).where(CatalogueAsset.present.is_(True)).order_by(CatalogueAsset.id)
    if kind is not None:
        query = query.where(CatalogueAsset.kind == kind)
    if parent_id is not None:
        query = query.where(CatalogueAsset.parent_id == parent_id)
    if in_register is not None:
        query = query.where(CatalogueAsset.in_register.is_(in_register))
    with meta.session() as session:
        return [AssetRecord.from_row(row) for row in session.scalars(query)]


def list_edges(meta: MetaStore) -> list[EdgeRecord]:
    """Every lineage edge."""
    with meta.session() as session:
        return [EdgeRecord.from_row(row) for row in session.scalars(select(CatalogueEdge).order_by(CatalogueEdge.id))]


def _asset_row(asset: AssetRecord, now: datetime) -> dict[str, object]:
    row = {name: getattr(asset, name) for name in AssetRecord.__dataclass_fields__}
    row["populated_at"] = now
    return row


def _edge_row(edge: EdgeRecord) -> dict[str, object]:
    return {
        "source_id": edge.source,
        "target_id": edge.target,
        "level": edge.level,
        "via": edge.via,
        "run_id": edge.run_id,
        "detail": edge.detail,
    }


def _distinct(edges: Sequence[EdgeRecord]) -> list[EdgeRecord]:
    """One edge per (source, target, via): the first given wins."""
    seen: dict[tuple[str, str, str], EdgeRecord] = {}
    for edge in edges:
        seen.setdefault((edge.source, edge.target, edge.via), edge)
    return list(seen.values())
