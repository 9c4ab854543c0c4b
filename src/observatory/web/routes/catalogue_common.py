"""What every catalogue page shares: which classifications a role sees, the assets it may open, links to them.

A role only ever sees assets whose classification it may see (``Principal.sees``): searches are limited in the
query (so totals are right), an asset it may not see is refused (403), and lineage and glossary links through
assets it may not see show a placeholder instead of their ids and titles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import distinct, select

from observatory.access.roles import CLASSIFICATIONS
from observatory.catalogue.lineage import LineageGraph, LineageNode
from observatory.catalogue.records import AssetRecord, EdgeRecord
from observatory.catalogue.store import get_asset
from observatory.errors import AccessError, NotFoundError, ObservatoryError
from observatory.meta.models import CatalogueAsset
from observatory.meta.store import MetaStore
from observatory.web.auth import Principal

RESTRICTED = "restricted"
"""The kind (and id prefix) of a lineage node standing for an asset the role may not see."""

CHUNK = 500
"""Ids looked up per statement."""


def visible_classifications(who: Principal) -> tuple[str, ...]:
    """The classifications ``who`` may see, in order."""
    return tuple(classification for classification in CLASSIFICATIONS if who.sees(classification))


def classification_filter(who: Principal, requested: str | None) -> str | None:
    """The one classification a search is limited to: the one asked for (which must exist, 400, and be one the
    role sees, 403), else the only one the role sees; ``None`` when the role sees every classification."""
    visible = visible_classifications(who)
    if requested is not None and requested.strip():
        wanted = requested.strip().casefold()
        canonical = next((c for c in CLASSIFICATIONS if c.casefold() == wanted), None)
        if canonical is None:
            raise ObservatoryError(
                f"There is no classification {requested!r} to filter on (one of: {', '.join(CLASSIFICATIONS)})."
            )
        if canonical not in visible:
            raise AccessError(f"Your role ({who.role}) cannot see {canonical} assets.")
        return canonical
    if len(visible) == len(CLASSIFICATIONS):
        return None
    if len(visible) == 1:
        return visible[0]
    raise AccessError(f"Your role ({who.role}) cannot search the catalogue.")


def visible_asset(meta: MetaStore, who: Principal, asset_id: str) -> AssetRecord:
    """The asset, if it exists (404, naming no other asset) and its classification is one ``who`` sees (403)."""
    try:
        asset = get_asset(meta, asset_id)
    except NotFoundError:
        raise NotFoundError(f"There is no asset {asset_id!r} in the catalogue.") from None
    if not who.sees(asset.classification):
        raise AccessError(f"This asset is {asset.classification}; your role ({who.role}) cannot see it.")
    return asset


def classifications_of(meta: MetaStore, ids: Iterable[str]) -> dict[str, str]:
    """Asset id → classification, for the ids that are catalogued."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    with meta.session() as session:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            query = select(CatalogueAsset.id, CatalogueAsset.classification).where(CatalogueAsset.id.in_(chunk))
            found.update((asset_id, level) for asset_id, level in session.execute(query).tuples())
    return found


def visible_ids(meta: MetaStore, who: Principal, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are catalogued with a classification ``who`` sees (an unknown id is never shown)."""
    return {asset_id for asset_id, level in classifications_of(meta, ids).items() if who.sees(level)}


LINK_LISTS = (("register", "links"), ("declared", "links"), ("facts", "depends_on"), ("facts", "datasets"))
"""Where an asset names other assets: a term's links (as kept and as declared), what a report depends on, the
datasets of a file."""

LINK_FIELDS = frozenset({"links"})
"""Editable values that name other assets (their edit history names them too)."""


def _shown_link(asset_id: str, shown: set[str]) -> bool:
    """Whether a link is shown: to an asset the role sees, or to a KPI (as the page's list of links does)."""
    return asset_id in shown or asset_id.startswith("kpi.")


def named_ids(asset: dict[str, Any], edits: Iterable[dict[str, Any]] = ()) -> set[str]:
    """Every asset id ``asset`` (``AssetRecord.to_dict``) and the ``edits`` of its links name."""
    lists = [(asset.get(part) or {}).get(key) for part, key in LINK_LISTS]
    lists += [value for edit in edits if edit["field"] in LINK_FIELDS for value in (edit["before"], edit["after"])]
    return {str(item) for value in lists if isinstance(value, list) for item in value}


def redact_links(asset: dict[str, Any], shown: set[str]) -> dict[str, Any]:
    """``asset`` (``AssetRecord.to_dict``) without the ids, in its lists of links, of assets not in ``shown``."""
    redacted = dict(asset)
    for part, key in LINK_LISTS:
        value = (redacted.get(part) or {}).get(key)
        if isinstance(value, list):
            redacted[part] = {**redacted[part], key: [item for item in value if _shown_link(str(item), shown)]}
    return redacted


def redact_edit(edit: dict[str, Any], shown: set[str]) -> dict[str, Any]:
    """An edit (``EditRecord.to_dict``) of links without the ids of assets not in ``shown``."""
    if edit["field"] not in LINK_FIELDS:
        return edit
    return {
        **edit,
        **{
            side: [item for item in edit[side] if _shown_link(str(item), shown)]
            for side in ("before", "after")
            if isinstance(edit[side], list)
        },
    }


def facet_values(meta: MetaStore, column: str, classifications: tuple[str, ...]) -> list[str]:
    """The distinct non-empty values of ``column`` (owner, business area) among present assets the role sees."""
    attribute = {"owner": CatalogueAsset.owner, "business_area": CatalogueAsset.business_area}[column]
    query = (
        select(distinct(attribute))
        .where(CatalogueAsset.present.is_(True), attribute != "", CatalogueAsset.classification.in_(classifications))
        .order_by(attribute)
    )
    with meta.session() as session:
        return [value for value in session.scalars(query) if value and value.strip()]


def redact_lineage(graph: LineageGraph, shown: set[str]) -> LineageGraph:
    """``graph`` with every node not in ``shown`` (the root always is) replaced by a ``restricted.N`` node that
    names nothing, and the details of edges touching one dropped; a field's dataset lineage likewise."""
    names: dict[str, str] = {}
    for node in graph.nodes:
        if node.id != graph.root and node.id not in shown:
            names[node.id] = f"{RESTRICTED}.{len(names) + 1}"

    def rename(node: LineageNode) -> LineageNode:
        if node.id not in names:
            return node
        return LineageNode(names[node.id], RESTRICTED, "", None, node.depth, node.present)

    def edge(item: EdgeRecord) -> EdgeRecord:
        if item.source not in names and item.target not in names:
            return item
        return replace(
            item, source=names.get(item.source, item.source), target=names.get(item.target, item.target), detail=""
        )

    via = graph.via_dataset
    return LineageGraph(
        root=graph.root,
        direction=graph.direction,
        depth=graph.depth,
        nodes=[rename(node) for node in graph.nodes],
        edges=[edge(item) for item in graph.edges],
        truncated=graph.truncated,
        via_dataset=redact_lineage(via, shown) if via is not None else None,
    )


def lineage_ids(graph: LineageGraph) -> set[str]:
    """Every asset id a graph names, its field's dataset lineage included."""
    ids = graph.ids
    if graph.via_dataset is not None:
        ids |= lineage_ids(graph.via_dataset)
    return ids


def asset_href(asset_id: str, suffix: str = "", **query: Any) -> str:
    """The page of an asset (``suffix``: ``/edit``, ``/preview``), with ``query`` parameters."""
    href = "/catalogue/assets/" + quote(asset_id, safe="") + suffix
    given = {name: value for name, value in query.items() if value is not None}
    return href + ("?" + urlencode(given) if given else "")


def node_href(node: LineageNode) -> str | None:
    """The page of a lineage node, or ``None`` for one that stands for an asset the role may not see."""
    return None if node.kind == RESTRICTED else asset_href(node.id)


def text_of(value: Any) -> str:
    """A register value as a person reads it: lists joined, yes or no, dates as they are, blank for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
