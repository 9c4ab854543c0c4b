"""Lineage over the catalogue: upstream and downstream of any asset, and the impact of changing one.

An edge ``source_id`` → ``target_id`` in ``catalogue_edges`` says the target is made from the source.
Walks are recursive SQL on the metadata store (the same text on SQLite and PostgreSQL but for one step,
see ``reach_sql``), so only the subgraph asked for is read into Python, whatever the size of the
catalogue. Ids are bound parameters.

Levels: ``dataset`` edges join source systems, files, datasets, KPIs, reports and outputs; ``field``
edges start at a field (raw column → standard field → linked column → KPI); ``glossary`` edges say what
a term describes and are never followed. Since field edges start at fields and dataset edges never do,
following both keeps a dataset's lineage at dataset level and a field's at field level, while a KPI
declared on a field carries on to the reports made from it. A field's lineage also carries the
dataset-level lineage of its dataset (``via_dataset``): its raw column comes from the dataset's file.

Walks stop at ``MAX_DEPTH`` edges; a cycle ends there too, as rows already produced are never repeated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple, get_args

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from observatory.catalogue.ids import KINDS, kind_of
from observatory.catalogue.records import EdgeRecord
from observatory.catalogue.store import get_asset
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.models import CatalogueAsset
from observatory.meta.store import MetaStore

Direction = Literal["upstream", "downstream", "both"]
Relation = Literal["direct", "via_dataset"]

DIRECTIONS: tuple[str, ...] = get_args(Direction)
LINEAGE_LEVELS = ("dataset", "field")
"""Edge levels lineage follows; ``glossary`` links are not lineage."""
MAX_DEPTH = 50
"""The most edges any walk goes from its asset (and where a cycle stops)."""

_LEVELS_SQL = ", ".join(f"'{level}'" for level in LINEAGE_LEVELS)
_ENDS = {"downstream": ("source_id", "target_id"), "upstream": ("target_id", "source_id")}


def walk_sql(direction: str) -> str:
    """Every edge reached from ``:root`` going ``direction``, with the node it reaches and at what depth.

    Goes one edge past ``:limit`` so that the caller can tell whether the limit cut anything off."""
    near, far = _ENDS[direction]
    return f"""
WITH RECURSIVE walk(edge_id, node, depth) AS (
    SELECT CAST(NULL AS INTEGER), id, 0 FROM catalogue_assets WHERE id = :root
    UNION
    SELECT e.id, e.{far}, w.depth + 1
    FROM walk AS w JOIN catalogue_edges AS e ON e.{near} = w.node
    WHERE w.depth <= :limit AND e.level IN ({_LEVELS_SQL})
)
SELECT w.node, w.depth, a.kind, a.title, a.layer, a.present,
       e.source_id, e.target_id, e.level, e.via, e.run_id, e.detail
FROM walk AS w
LEFT JOIN catalogue_assets AS a ON a.id = w.node
LEFT JOIN catalogue_edges AS e ON e.id = w.edge_id
"""


def reach_sql(*, contained: bool, dialect: str = "sqlite") -> str:
    """Every asset downstream of ``:root`` within ``:limit`` edges, at its shortest depth.

    ``contained`` also steps from every dataset reached to its fields (at the dataset's depth), so that
    what is made from those fields (linked columns, KPIs declared on a field) is reached too. That step
    is a second recursive SELECT on SQLite (3.34 or later) and a ``LATERAL`` union on PostgreSQL, which
    allows one recursive reference only (and would otherwise hash-join the whole edges table)."""
    by_edge = (
        "SELECT e.target_id, r.depth + 1 FROM reach AS r JOIN catalogue_edges AS e ON e.source_id = r.node\n"
        f"    WHERE r.depth < :limit AND e.level IN ({_LEVELS_SQL})"
    )
    if not contained:
        step = by_edge
    elif dialect == "postgresql":
        step = f"""SELECT step.node, r.depth + step.hop FROM reach AS r CROSS JOIN LATERAL (
        SELECT e.target_id AS node, 1 AS hop FROM catalogue_edges AS e
        WHERE e.source_id = r.node AND e.level IN ({_LEVELS_SQL})
        UNION ALL
        SELECT a.id, 0 FROM catalogue_assets AS a WHERE a.parent_id = r.node
    ) AS step
    WHERE r.depth < :limit"""
    else:
        step = f"""{by_edge}
    UNION
    SELECT a.id, r.depth FROM reach AS r JOIN catalogue_assets AS a ON a.parent_id = r.node
    WHERE r.depth < :limit"""
    return f"""
WITH RECURSIVE reach(node, depth) AS (
    SELECT id, 0 FROM catalogue_assets WHERE id = :root
    UNION
    {step}
)
SELECT u.node, u.depth, a.kind, a.title, a.layer, a.present, a.parent_id
FROM (SELECT node, MIN(depth) AS depth FROM reach GROUP BY node) AS u
LEFT JOIN catalogue_assets AS a ON a.id = u.node
"""


@dataclass(frozen=True)
class LineageNode:
    """An asset in a lineage graph; ``depth`` is negative upstream, positive downstream, 0 for the root.

    ``present`` is false for an asset gone from the current build, or named by an edge but never catalogued."""

    id: str
    kind: str
    title: str
    layer: str | None
    depth: int
    present: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LineageGraph:
    """The lineage of ``root`` within ``depth`` edges; ``truncated`` when the depth limit cut some off.

    A node reached both ways (only in a cycle) is listed once, with its downstream depth."""

    root: str
    direction: Direction
    depth: int
    nodes: list[LineageNode]
    edges: list[EdgeRecord]
    truncated: bool = False
    via_dataset: LineageGraph | None = None
    """For a field: the dataset-level lineage of its dataset."""

    def node(self, asset_id: str) -> LineageNode:
        return next(node for node in self.nodes if node.id == asset_id)

    @property
    def ids(self) -> set[str]:
        return {node.id for node in self.nodes}

    def upstream(self) -> list[LineageNode]:
        return [node for node in self.nodes if node.depth < 0]

    def downstream(self) -> list[LineageNode]:
        return [node for node in self.nodes if node.depth > 0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "direction": self.direction,
            "depth": self.depth,
            "truncated": self.truncated,
            "nodes": [node.to_dict() for node in self.nodes],
            "edges": [edge.to_dict() for edge in self.edges],
            "via_dataset": self.via_dataset.to_dict() if self.via_dataset else None,
        }


def lineage(meta: MetaStore, asset_id: str, *, direction: Direction = "both", depth: int | None = None) -> LineageGraph:
    """Where ``asset_id`` comes from (upstream), what is made from it (downstream), or both.

    Raises ``NotFoundError`` for an id not in the catalogue."""
    if direction not in DIRECTIONS:
        raise ObservatoryError(f"lineage direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    limit = _limit(depth)
    asset = get_asset(meta, asset_id)
    with meta.session() as session:
        graph = _graph(session, asset_id, direction, limit)
        if graph is None:  # removed between the two reads
            raise NotFoundError(f"no asset {asset_id!r} in the catalogue")
        if asset.kind == "field" and asset.parent_id:
            graph.via_dataset = _graph(session, asset.parent_id, direction, limit)
    return graph


def _limit(depth: int | None) -> int:
    if depth is None:
        return MAX_DEPTH
    if depth < 0:
        raise ObservatoryError(f"lineage depth must be 0 or more, not {depth}")
    return min(depth, MAX_DEPTH)


def _graph(session: Session, root: str, direction: Direction, limit: int) -> LineageGraph | None:
    """Run the walks ``direction`` asks for and merge them; ``None`` when ``root`` is not catalogued."""
    nodes: dict[str, LineageNode] = {}
    edges: dict[tuple[str, str, str], EdgeRecord] = {}
    truncated = False
    for way in ("upstream", "downstream"):
        if direction in (way, "both"):
            way_nodes, way_edges, way_truncated = _walk(session, root, way, limit)
            nodes.update(way_nodes)
            edges.update(way_edges)
            truncated = truncated or way_truncated
    if root not in nodes:
        return None
    return LineageGraph(
        root=root,
        direction=direction,
        depth=limit,
        nodes=sorted(nodes.values(), key=lambda node: (node.depth, node.id)),
        edges=[edges[key] for key in sorted(edges)],
        truncated=truncated,
    )


class _Step(NamedTuple):
    """A row of ``walk_sql``: a node reached, at what depth, and the edge it was reached by."""

    node: str
    depth: int
    kind: str | None
    title: str | None
    layer: str | None
    present: bool | None
    source_id: str | None
    target_id: str
    level: str
    via: str
    run_id: int | None
    detail: str | None


class _Reached(NamedTuple):
    """A row of ``reach_sql``: a node reached, at its shortest depth."""

    node: str
    depth: int
    kind: str | None
    title: str | None
    layer: str | None
    present: bool | None
    parent_id: str | None


def _walk(
    session: Session, root: str, way: str, limit: int
) -> tuple[dict[str, LineageNode], dict[tuple[str, str, str], EdgeRecord], bool]:
    result = session.execute(text(walk_sql(way)), {"root": root, "limit": limit})
    rows = list(map(_Step._make, result.tuples()))
    first: dict[str, _Step] = {}
    for row in rows:
        if row.node not in first or row.depth < first[row.node].depth:
            first[row.node] = row
    kept = {node for node, row in first.items() if row.depth <= limit}
    sign = -1 if way == "upstream" else 1
    nodes = {node: _node(first[node], sign) for node in kept}
    edges = {
        (row.source_id, row.target_id, row.via): EdgeRecord(
            row.source_id, row.target_id, row.level, row.via, row.run_id, row.detail or ""
        )
        for row in rows
        if row.source_id is not None and row.source_id in kept and row.target_id in kept
    }
    return nodes, edges, len(kept) < len(first)


def _node(row: _Step | _Reached, sign: int) -> LineageNode:
    known = row.kind is not None
    return LineageNode(
        id=row.node,
        kind=row.kind if row.kind is not None else kind_of(row.node),
        title=row.title or "",
        layer=row.layer,
        depth=sign * row.depth,
        present=bool(row.present) if known else False,
    )


@dataclass(frozen=True)
class ImpactItem:
    """An asset a change could break: ``direct`` when made from the asset itself (through field lineage
    or a declared dependency), ``via_dataset`` when made from the whole dataset the field belongs to."""

    id: str
    kind: str
    title: str
    layer: str | None
    relation: Relation
    depth: int
    present: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Impact:
    """Everything downstream of ``asset``; ``dataset`` is the field's own dataset when ``asset`` is a field."""

    asset: str
    kind: str
    dataset: str | None
    items: list[ImpactItem] = field(default_factory=list)

    def groups(self) -> dict[str, list[ImpactItem]]:
        """Items by kind, kinds in catalogue order (datasets, fields, reports, KPIs, outputs, ...)."""
        grouped: dict[str, list[ImpactItem]] = {}
        for item in _sorted(self.items):
            grouped.setdefault(item.kind, []).append(item)
        return grouped

    def of_kind(self, kind: str, relation: Relation | None = None) -> list[str]:
        """Ids of the items of ``kind`` (and ``relation``)."""
        return [item.id for item in self.groups().get(kind, []) if relation in (None, item.relation)]

    def to_dict(self) -> dict[str, Any]:
        groups = self.groups()
        return {
            "asset": self.asset,
            "kind": self.kind,
            "dataset": self.dataset,
            "total": len(self.items),
            "direct": sum(item.relation == "direct" for item in self.items),
            "via_dataset": sum(item.relation == "via_dataset" for item in self.items),
            "groups": {kind: [item.to_dict() for item in items] for kind, items in groups.items()},
        }


def impact(meta: MetaStore, asset_id: str) -> Impact:
    """What a change to ``asset_id`` could break, grouped by kind.

    For a field: what is made from the field itself, and the datasets holding such fields, are
    ``direct``; what is made from its whole dataset (a report declared on the dataset) is ``via_dataset``.
    For anything else: every asset downstream, and every field of a downstream dataset with what is made
    from it (a KPI declared on a field), all ``direct``; the asset's own fields are not listed."""
    asset = get_asset(meta, asset_id)
    with meta.session() as session:
        if asset.kind != "field":
            reached = _reach(session, asset_id, contained=True)
            items = [_item(row, "direct") for row in reached.values() if row.depth > 0]
            return Impact(asset_id, asset.kind, None, _sorted(items))
        direct = _reach(session, asset_id, contained=False)
        whole = _reach(session, asset.parent_id, contained=False) if asset.parent_id else {}
        mine = {asset_id, asset.parent_id}
        holders = _holders(session, direct.values(), whole, exclude=mine)
    chosen: dict[str, ImpactItem] = {}
    for row in whole.values():
        if row.depth > 0 and row.node not in mine:
            chosen[row.node] = _item(row, "via_dataset")
    chosen.update(holders)
    for row in direct.values():
        if row.depth > 0 and row.node not in mine:
            chosen[row.node] = _item(row, "direct")
    return Impact(asset_id, asset.kind, asset.parent_id, _sorted(chosen.values()))


def _reach(session: Session, root: str, *, contained: bool) -> dict[str, _Reached]:
    sql = reach_sql(contained=contained, dialect=session.get_bind().dialect.name)
    result = session.execute(text(sql), {"root": root, "limit": MAX_DEPTH})
    return {row.node: row for row in map(_Reached._make, result.tuples())}


def _holders(
    session: Session, direct: Iterable[_Reached], whole: dict[str, _Reached], *, exclude: set[str | None]
) -> dict[str, ImpactItem]:
    """The datasets holding fields made from the field: ``direct``, at their first such field's depth."""
    depths: dict[str, int] = {}
    for row in direct:
        if row.kind == "field" and row.depth > 0 and row.parent_id and row.parent_id not in exclude:
            depths[row.parent_id] = min(row.depth, depths.get(row.parent_id, row.depth))
    items = {holder: _item(whole[holder], "direct", depth) for holder, depth in depths.items() if holder in whole}
    missing = sorted(set(depths) - set(items))
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        for asset in session.scalars(select(CatalogueAsset).where(CatalogueAsset.id.in_(chunk))):
            items[asset.id] = ImpactItem(
                asset.id, asset.kind, asset.title, asset.layer, "direct", depths[asset.id], asset.present
            )
    return items


def _item(row: _Reached, relation: Relation, depth: int | None = None) -> ImpactItem:
    known = row.kind is not None
    return ImpactItem(
        id=row.node,
        kind=row.kind if row.kind is not None else kind_of(row.node),
        title=row.title or "",
        layer=row.layer,
        relation=relation,
        depth=row.depth if depth is None else depth,
        present=bool(row.present) if known else False,
    )


def _sorted(items: Iterable[ImpactItem]) -> list[ImpactItem]:
    """In catalogue kind order, then nearest first."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    return sorted(items, key=lambda item: (order.get(item.kind, len(KINDS)), item.kind, item.depth, item.id))


# Text for the CLI and the web page.

PLURAL = {"kpi": "KPIs", "source": "source systems", "term": "glossary terms"}


def render_tree(graph: LineageGraph) -> list[str]:
    """Indented upstream and downstream trees, the run kind (``via``) on every edge; a chain without
    branches stays on one line. A node shown before is marked ``(see above)``, a cycle ``(cycle)``."""
    root = graph.node(graph.root)
    lines = [f"{_label(root)}{f' — {root.title}' if root.title else ''}"]
    for way in ("upstream", "downstream"):
        if graph.direction in (way, "both"):
            tree = _tree(graph, way)
            lines.append(f"{way}:" if tree else f"{way}: (none)")
            lines.extend("  " + line for line in tree)
    if graph.truncated:
        lines.append(f"(stopped at depth {graph.depth}; there is more)")
    if graph.via_dataset is not None:
        lines.append(f"from its dataset {graph.via_dataset.root}:")
        lines.extend("  " + line for line in render_tree(graph.via_dataset)[1:])
    return lines


def _tree(graph: LineageGraph, way: str) -> list[str]:
    nodes = {node.id: node for node in graph.nodes}
    children: dict[str, dict[str, list[str]]] = {}
    for edge in graph.edges:
        parent, child = (edge.source, edge.target) if way == "downstream" else (edge.target, edge.source)
        children.setdefault(parent, {}).setdefault(child, []).append(edge.via)

    def arrow(vias: list[str]) -> str:
        via = ",".join(sorted(vias))
        return f"─{via}─▶" if way == "downstream" else f"◀─{via}─"

    lines: list[str] = []
    shown: set[str] = set()
    if graph.root not in children:
        return lines

    def grow(node: str, head: str, indent: str, path: tuple[str, ...]) -> None:
        if node in path[:-1]:
            lines.append(f"{head} (cycle)")
            return
        if node in shown:
            lines.append(f"{head} (see above)")
            return
        shown.add(node)
        kids = sorted(children.get(node, {}).items())
        if len(kids) == 1:
            child, vias = kids[0]
            grow(child, f"{head} {arrow(vias)} {_label(nodes[child])}", indent, (*path, child))
            return
        lines.append(head)
        for index, (child, vias) in enumerate(kids):
            last = index == len(kids) - 1
            grow(
                child,
                f"{indent}{'└' if last else '├'}{arrow(vias)} {_label(nodes[child])}",
                indent + ("  " if last else "│ "),
                (*path, child),
            )

    grow(graph.root, _label(nodes[graph.root]), "", (graph.root,))
    return lines


def _label(node: LineageNode) -> str:
    return node.id if node.present else f"{node.id} (not present)"


def render_impact(result: Impact) -> list[str]:
    """The impact, one group of lines per kind of asset."""
    what = f" (field of {result.dataset})" if result.dataset else ""
    direct = sum(item.relation == "direct" for item in result.items)
    summary = f"{len(result.items)} assets could be affected: {direct} direct"
    if result.kind == "field":
        summary += f", {len(result.items) - direct} through the whole dataset"
    lines = [f"impact of {result.asset}{what}", summary]
    for kind, items in result.groups().items():
        lines.append(f"{PLURAL.get(kind, kind + 's')} ({len(items)}):")
        width = max(len(item.id) for item in items)
        for item in items:
            gone = "" if item.present else "  (not present)"
            relation = "direct" if item.relation == "direct" else "via dataset"
            lines.append(f"  {item.id:<{width}}  {relation:<11}  depth {item.depth}{gone}")
    return lines


def mermaid(graph: LineageGraph) -> str:
    """A Mermaid flowchart of the graph (and, for a field, of its dataset's lineage in a subgraph).

    Node ids are ``n0``, ``n1``... in id order; labels are quoted, with ``"``, ``<``, ``>``, ``&``, ``#``
    and backticks written as Mermaid entity codes, so no asset name can break the chart."""
    graphs = [graph] + ([graph.via_dataset] if graph.via_dataset else [])
    ids = sorted({node.id for one in graphs for node in one.nodes})
    key = {asset: f"n{index}" for index, asset in enumerate(ids)}
    lines = ["flowchart LR"]
    lines += _mermaid_body(graph, key, "    ")
    if graph.via_dataset is not None:
        via = graph.via_dataset
        lines.append(f'    subgraph via_dataset["{_escape("lineage of " + via.root)}"]')
        lines += _mermaid_body(via, key, "        ", skip=set(graph.ids))
        lines.append("    end")
        lines.append(f'    {key[via.root]} -.->|"field of"| {key[graph.root]}')
    lines.append(f"    class {key[graph.root]} root")
    missing = [key[node.id] for one in graphs for node in one.nodes if not node.present]
    if missing:
        lines.append(f"    class {','.join(sorted(set(missing)))} missing")
    lines.append("    classDef root stroke-width:3px")
    lines.append("    classDef missing stroke-dasharray:5 5,color:#888")
    return "\n".join(lines) + "\n"


def _mermaid_body(graph: LineageGraph, key: dict[str, str], indent: str, skip: set[str] | None = None) -> list[str]:
    lines = []
    for node in graph.nodes:
        if skip and node.id in skip:
            continue
        label = _escape(node.id) + (f"<br/><small>{_escape(node.title)}</small>" if node.title else "")
        lines.append(f'{indent}{key[node.id]}["{label}"]')
    for edge in graph.edges:
        lines.append(f'{indent}{key[edge.source]} -->|"{_escape(edge.via)}"| {key[edge.target]}')
    return lines


_ENTITIES = {char: f"#{ord(char)};" for char in '#"<>&`'}


def _escape(value: str) -> str:
    """``value`` safe inside a quoted Mermaid label: special characters as entity codes, one line."""
    return "".join(_ENTITIES.get(char, char) for char in " ".join(value.split()))
