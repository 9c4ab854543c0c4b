"""Lineage drawn on the server: a layered SVG diagram (one column per step from the asset, upstream on the left,
downstream on the right, the asset itself highlighted), and the same lineage as a tree for lists.

Nodes are links to their pages, each with a ``<title>``; every text is escaped here, so no asset name can
break the page. Within a column, nodes are ordered by where their neighbours nearer the root sit (the
barycentre heuristic), which keeps most edges from crossing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from observatory.catalogue.lineage import LineageGraph, LineageNode

NODE_WIDTH = 208
NODE_HEIGHT = 46
COLUMN_GAP = 64
ROW_GAP = 16
MARGIN = 12
LABEL_CHARS = 28
"""A node's label is cut to this many characters (its ``<title>`` has it in full)."""

KIND_LABELS = {
    "source": "Source system",
    "file": "File",
    "dataset": "Dataset",
    "field": "Field",
    "term": "Glossary term",
    "report": "Report",
    "kpi": "KPI",
    "output": "Output",
    "restricted": "Restricted",
}


@dataclass(frozen=True)
class Placed:
    """A node and the top-left corner of its box."""

    node: LineageNode
    x: float
    y: float


@dataclass
class Layout:
    """Where each node of a graph goes: ``columns`` by depth, each ordered top to bottom."""

    columns: dict[int, list[LineageNode]]
    placed: dict[str, Placed] = field(default_factory=dict)
    width: float = 0.0
    height: float = 0.0


def layout(graph: LineageGraph) -> Layout:
    """Columns by depth (most upstream first), nodes in each ordered by their neighbours nearer the root."""
    by_depth: dict[int, list[LineageNode]] = defaultdict(list)
    for node in graph.nodes:
        by_depth[node.depth].append(node)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for edge in graph.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    depth_of = {node.id: node.depth for node in graph.nodes}
    position: dict[str, float] = {}
    columns: dict[int, list[LineageNode]] = {}
    # outwards from the root, both ways: each column sorted by the mean place of its neighbours one step in
    for depth in sorted(by_depth, key=lambda d: (abs(d), d)):
        inward = depth - 1 if depth > 0 else depth + 1

        def weight(node: LineageNode, inward: int = inward) -> tuple[float, str]:
            places = [position[n] for n in neighbours[node.id] if depth_of.get(n) == inward and n in position]
            return (sum(places) / len(places) if places else float("inf"), node.id)

        ordered = sorted(by_depth[depth], key=weight)
        for index, node in enumerate(ordered):
            position[node.id] = index
        columns[depth] = ordered
    result = Layout(columns={depth: columns[depth] for depth in sorted(columns)})
    tallest = max((len(nodes) for nodes in columns.values()), default=1)
    result.height = 2 * MARGIN + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
    for column, depth in enumerate(result.columns):
        nodes = result.columns[depth]
        used = len(nodes) * NODE_HEIGHT + (len(nodes) - 1) * ROW_GAP
        top = MARGIN + (result.height - 2 * MARGIN - used) / 2
        for row, node in enumerate(nodes):
            x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP)
            result.placed[node.id] = Placed(node, x, top + row * (NODE_HEIGHT + ROW_GAP))
    result.width = 2 * MARGIN + len(result.columns) * NODE_WIDTH + (len(result.columns) - 1) * COLUMN_GAP
    return result


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def node_label(node: LineageNode) -> str:
    """What a node's box says: its title, else the last part of its id."""
    if node.kind == "restricted":
        return "An asset you cannot see"
    return node.title or node.id.split(".", 1)[-1]


def node_title(node: LineageNode, root: str) -> str:
    """A node's tooltip: id and title, and whether it is the asset itself or gone from the build."""
    if node.kind == "restricted":
        return "An asset your role cannot see"
    text = node.id + (f": {node.title}" if node.title else "")
    if node.id == root:
        text += " (this asset)"
    if not node.present:
        text += " (not present in the latest build)"
    return text


def _node(placed: Placed, root: str, href: str | None) -> str:
    node = placed.node
    classes = ["obs-diagram__node"]
    if node.id == root:
        classes.append("obs-diagram__node--root")
    if node.kind == "restricted":
        classes.append("obs-diagram__node--restricted")
    elif not node.present:
        classes.append("obs-diagram__node--missing")
    x, y = placed.x, placed.y
    body = (
        f"<title>{escape(node_title(node, root))}</title>"
        f'<rect class="{" ".join(classes)}" x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" '
        f'rx="4"/>'
        f'<text class="obs-diagram__kind" x="{x + 10:.0f}" y="{y + 17:.0f}">'
        f"{escape(KIND_LABELS.get(node.kind, node.kind))}</text>"
        f'<text class="obs-diagram__label" x="{x + 10:.0f}" y="{y + 36:.0f}">{escape(_cut(node_label(node)))}</text>'
    )
    if href is None or node.id == root:
        return f'<g class="obs-diagram__item">{body}</g>'
    return f'<a class="obs-diagram__link" href="{escape(href)}">{body}</a>'


def _edge(source: Placed, target: Placed, vias: list[str], marker: str) -> str:
    x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT / 2
    if target.x == source.x:  # within a column (made from a sibling): a loop out to the right and back
        x2, y2 = x1, target.y + NODE_HEIGHT / 2
        reach = COLUMN_GAP / 2
        path = f"M{x1:.0f},{y1:.0f} C{x1 + reach:.0f},{y1:.0f} {x2 + reach:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    else:
        x2, y2 = target.x, target.y + NODE_HEIGHT / 2
        bend = max(COLUMN_GAP / 2, abs(x2 - x1) / 2)
        path = f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} {x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    what = f"{source.node.id} → {target.node.id} ({', '.join(sorted(vias))})"
    return (
        f'<path class="obs-diagram__edge" d="{path}" marker-end="url(#{marker})"><title>{escape(what)}</title></path>'
    )


def lineage_svg(
    graph: LineageGraph,
    *,
    href: Callable[[LineageNode], str | None],
    diagram_id: str = "lineage",
    title: str = "Lineage",
) -> Markup:
    """The lineage diagram; ``href`` gives each node's link (or ``None``); ``diagram_id`` must be unique on the
    page. Upstream columns are on the left, downstream on the right; an arrow points to what is made."""
    placed = layout(graph)
    ident = escape(diagram_id)
    marker = f"{ident}-arrow"
    vias: dict[tuple[str, str], list[str]] = defaultdict(list)
    for edge in graph.edges:
        if edge.source in placed.placed and edge.target in placed.placed:
            vias[(edge.source, edge.target)].append(edge.via)
    edges = "".join(
        _edge(placed.placed[source], placed.placed[target], made_by, marker)
        for (source, target), made_by in sorted(vias.items())
    )
    nodes = "".join(
        _node(item, graph.root, href(item.node)) for item in sorted(placed.placed.values(), key=lambda p: p.node.id)
    )
    ups, downs = len(graph.upstream()), len(graph.downstream())
    summary = (
        f"{graph.root}: {ups} asset{'s' if ups != 1 else ''} upstream, {downs} downstream, "
        f"{len(vias)} link{'s' if len(vias) != 1 else ''}."
    )
    width, height = round(placed.width), round(placed.height)
    return Markup(  # noqa: S704 (every text above is escaped)
        f'<svg class="obs-diagram" role="group" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(summary)}</desc>'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path class="obs-diagram__arrow" d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        f"{edges}{nodes}</svg>"
    )


@dataclass(frozen=True)
class Branch:
    """One step of a lineage tree: the asset reached, by which runs, and what it leads to.

    ``repeat`` marks an asset shown earlier in the tree (its branch is not drawn again), ``cycle`` one that leads
    back to an asset on the path to it."""

    node: LineageNode
    via: tuple[str, ...]
    children: tuple[Branch, ...] = ()
    repeat: bool = False
    cycle: bool = False


def lineage_tree(graph: LineageGraph, way: str) -> tuple[Branch, ...]:
    """The assets ``way`` (``upstream``: what the root is made from; ``downstream``: what is made from it),
    as nested branches; an asset reached twice is drawn once and marked ``repeat`` after."""
    nodes = {node.id: node for node in graph.nodes}
    steps: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for edge in graph.edges:
        near, far = (edge.source, edge.target) if way == "downstream" else (edge.target, edge.source)
        if near in nodes and far in nodes:
            steps[near].setdefault(far, []).append(edge.via)
    shown: set[str] = {graph.root}

    def grow(asset: str, path: tuple[str, ...]) -> tuple[Branch, ...]:
        branches = []
        for far, vias in sorted(steps.get(asset, {}).items()):
            via = tuple(sorted(set(vias)))
            if far in path:
                branches.append(Branch(nodes[far], via, cycle=True))
            elif far in shown:
                branches.append(Branch(nodes[far], via, repeat=True))
            else:
                shown.add(far)
                branches.append(Branch(nodes[far], via, grow(far, (*path, far))))
        return tuple(branches)

    return grow(graph.root, (graph.root,))
