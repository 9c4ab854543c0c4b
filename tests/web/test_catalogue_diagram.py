"""The lineage diagram and tree: layered by depth, the asset highlighted, nodes linked and titled, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from observatory.catalogue.lineage import LineageGraph, LineageNode
from observatory.catalogue.records import EdgeRecord
from observatory.web.diagram import NODE_WIDTH, layout, lineage_svg, lineage_tree
from observatory.web.routes.catalogue_common import RESTRICTED, node_href, redact_lineage

SVG = "{http://www.w3.org/2000/svg}"


def node(asset_id: str, depth: int, title: str = "", present: bool = True) -> LineageNode:
    return LineageNode(asset_id, asset_id.partition(".")[0], title, None, depth, present)


def graph() -> LineageGraph:
    """source.a → file.a → dataset.raw.a → dataset.a (root) → dataset.linked.x, report.r; linked.x → report.r."""
    nodes = [
        node("source.a", -3, "Source A"),
        node("file.a.csv", -2),
        node("dataset.raw.a", -1),
        node("dataset.ref.b", -1),
        node("dataset.a", 0, "Root"),
        node("dataset.linked.x", 1, "Linked"),
        node("report.r", 1, "Report", present=False),
        node("kpi.k", 2),
    ]
    edges = [
        EdgeRecord("source.a", "file.a.csv", via="extract"),
        EdgeRecord("file.a.csv", "dataset.raw.a", via="load"),
        EdgeRecord("dataset.raw.a", "dataset.a", via="standardise"),
        EdgeRecord("dataset.ref.b", "dataset.a", via="standardise"),
        EdgeRecord("dataset.a", "dataset.linked.x", via="link"),
        EdgeRecord("dataset.a", "report.r", via="declared"),
        EdgeRecord("dataset.linked.x", "report.r", via="declared"),
        EdgeRecord("dataset.linked.x", "kpi.k", via="declared"),
    ]
    return LineageGraph("dataset.a", "both", 3, nodes, edges)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_columns_follow_depth_upstream_on_the_left() -> None:
    placed = layout(graph())
    assert list(placed.columns) == [-3, -2, -1, 0, 1, 2]
    xs = {asset: item.x for asset, item in placed.placed.items()}
    assert xs["source.a"] < xs["file.a.csv"] < xs["dataset.raw.a"] == xs["dataset.ref.b"] < xs["dataset.a"]
    assert xs["dataset.a"] < xs["dataset.linked.x"] == xs["report.r"] < xs["kpi.k"]
    assert placed.width == max(item.x for item in placed.placed.values()) + NODE_WIDTH + 12


def test_nodes_sit_near_the_nodes_they_link_to() -> None:
    g = graph()
    g.nodes.append(node("file.0.csv", -2))  # first by id, but it feeds the second dataset
    g.edges.append(EdgeRecord("file.0.csv", "dataset.ref.b", via="reference"))
    placed = layout(g)
    order = {depth: [n.id for n in nodes] for depth, nodes in placed.columns.items()}
    assert order[-1] == ["dataset.raw.a", "dataset.ref.b"]
    assert order[-2] == ["file.a.csv", "file.0.csv"]  # each file beside the dataset it feeds


def test_the_svg_links_every_node_but_the_root_and_highlights_the_root() -> None:
    svg = parse(str(lineage_svg(graph(), href=node_href, diagram_id="d")))
    links = {a.get("href"): a for a in svg.iter(f"{SVG}a")}
    assert set(links) == {
        f"/catalogue/assets/{asset}"
        for asset in (
            "source.a",
            "file.a.csv",
            "dataset.raw.a",
            "dataset.ref.b",
            "dataset.linked.x",
            "report.r",
            "kpi.k",
        )
    }
    for anchor in links.values():
        title = anchor.find(f"{SVG}title")
        assert title is not None and title.text
    roots = [r for r in svg.iter(f"{SVG}rect") if "obs-diagram__node--root" in (r.get("class") or "")]
    assert len(roots) == 1
    assert [r for r in svg.iter(f"{SVG}rect") if "--missing" in (r.get("class") or "")]  # report.r is gone
    assert svg.get("aria-labelledby") == "d-title d-desc"
    assert len(list(svg.iter(f"{SVG}path"))) == 8 + 1  # one per edge, and the arrow head


def test_every_text_of_the_svg_is_escaped() -> None:
    g = graph()
    g.nodes[0] = node("source.a", -3, '<script>alert(1)</script>"&')
    svg = str(lineage_svg(g, href=node_href))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)  # still well-formed


def test_restricted_nodes_are_drawn_without_a_link_or_a_name() -> None:
    g = redact_lineage(graph(), {"dataset.raw.a", "file.a.csv", "source.a"})
    restricted = [n for n in g.nodes if n.kind == RESTRICTED]
    assert len(restricted) == 4 and not any(n.title for n in restricted)
    assert {e.source for e in g.edges} | {e.target for e in g.edges} <= {n.id for n in g.nodes}
    svg = str(lineage_svg(g, href=node_href))
    assert "dataset.linked.x" not in svg and "Linked" not in svg and "kpi.k" not in svg
    assert svg.count("obs-diagram__node--restricted") == 4
    assert not re.search(r'href="/catalogue/assets/restricted', svg)


def test_the_tree_marks_repeats_and_cycles() -> None:
    downstream = lineage_tree(graph(), "downstream")
    assert [(b.node.id, b.via) for b in downstream] == [("dataset.linked.x", ("link",)), ("report.r", ("declared",))]
    linked = downstream[0]
    assert [(b.node.id, b.repeat) for b in linked.children] == [("kpi.k", False), ("report.r", False)]
    assert downstream[1].repeat  # report.r was shown under dataset.linked.x
    upstream = lineage_tree(graph(), "upstream")
    assert [b.node.id for b in upstream] == ["dataset.raw.a", "dataset.ref.b"]
    assert upstream[0].children[0].children[0].node.id == "source.a"
    g = graph()
    g.edges.append(EdgeRecord("kpi.k", "dataset.a", via="declared"))
    cyclic = lineage_tree(g, "downstream")
    assert any(b.cycle for b in cyclic[0].children[0].children)
