"""Lineage and impact queries on hand-built catalogues, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from observatory.catalogue.lineage import MAX_DEPTH, impact, lineage, mermaid, render_impact, render_tree
from observatory.catalogue.records import AssetRecord, EdgeRecord
from observatory.catalogue.store import write_catalogue
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.store import MetaStore

ODD = 'field.raw.asc__clients.Client\'s "Ref" <#1> & `x`; DROP TABLE catalogue_edges; --'
"""A raw column whose header has spaces, quotes and SQL in it."""


def asset(asset_id: str, parent: str | None = None, layer: str | None = None, present: bool = True) -> AssetRecord:
    return AssetRecord(
        id=asset_id,
        kind=asset_id.partition(".")[0],
        name=asset_id.rsplit(".", 1)[-1],
        title=f"Title of {asset_id.rsplit('.', 1)[-1]}",
        layer=layer,
        parent_id=parent,
        present=present,
    )


def chain_catalogue() -> tuple[list[AssetRecord], list[EdgeRecord]]:
    """Adult social care clients, from source system to reports, at dataset and field level."""
    raw, std = "dataset.raw.asc__clients", "dataset.asc.clients"
    person, residents = "dataset.linked.person_records", "dataset.linked.residents"
    assets = [
        asset("source.asc"),
        asset("file.asc.clients"),
        asset(raw, layer="raw"),
        asset(std, layer="standard"),
        asset(person, layer="linked"),
        asset(residents, layer="linked"),
        asset("report.asc_monthly_pack"),
        asset("kpi.clients_over_65"),
        asset("kpi.residents_count"),
        asset("output.dashboard"),
        asset("term.resident"),
        asset("field.raw.asc__clients.Date of Birth", raw, "raw"),
        asset(ODD, raw, "raw"),
        asset("field.asc.clients.date_of_birth", std, "standard"),
        asset("field.asc.clients.client_ref", std, "standard"),
        asset("field.linked.person_records.date_of_birth", person, "linked"),
        asset("field.linked.person_records.client_ref", person, "linked"),
        asset("field.linked.residents.resident_id", residents, "linked"),
    ]
    edges = [
        EdgeRecord("source.asc", "file.asc.clients", via="extract"),
        EdgeRecord("file.asc.clients", raw, via="load", run_id=1),
        EdgeRecord(raw, std, via="standardise", run_id=2),
        EdgeRecord(std, person, via="link", run_id=3),
        EdgeRecord(person, residents, via="link", run_id=3),
        EdgeRecord(std, "report.asc_monthly_pack"),
        EdgeRecord(residents, "kpi.residents_count"),
        EdgeRecord("field.raw.asc__clients.Date of Birth", "field.asc.clients.date_of_birth", "field", "standardise"),
        EdgeRecord(ODD, "field.asc.clients.client_ref", "field", "standardise"),
        EdgeRecord("field.asc.clients.date_of_birth", "field.linked.person_records.date_of_birth", "field", "link"),
        EdgeRecord("field.asc.clients.client_ref", "field.linked.person_records.client_ref", "field", "link"),
        EdgeRecord("field.linked.person_records.date_of_birth", "kpi.clients_over_65", "field"),
        EdgeRecord("kpi.clients_over_65", "output.dashboard"),
        EdgeRecord("term.resident", std, "glossary", "declared"),
        EdgeRecord("term.resident", "field.asc.clients.date_of_birth", "glossary", "declared"),
    ]
    return assets, edges


def wide_catalogue(datasets: int, fields: int) -> tuple[list[AssetRecord], list[EdgeRecord]]:
    """``source.big`` with ``datasets`` datasets of ``fields`` fields each, through raw and standard into one
    linked dataset per hundred, each with a KPI on its first field and a report on the whole dataset."""
    assets = [asset("source.big")]
    edges: list[EdgeRecord] = []
    groups = (datasets + 99) // 100
    for group in range(groups):
        linked = f"dataset.linked.group_{group}"
        assets += [asset(linked, layer="linked"), asset(f"kpi.group_{group}"), asset(f"report.group_{group}")]
        assets += [asset(f"field.linked.group_{group}.f{column}", linked, "linked") for column in range(fields)]
        edges += [
            EdgeRecord(f"field.linked.group_{group}.f0", f"kpi.group_{group}", "field"),
            EdgeRecord(linked, f"report.group_{group}"),
        ]
    for number in range(datasets):
        name = f"d{number:04d}"
        raw, std, linked = f"dataset.raw.big__{name}", f"dataset.big.{name}", f"dataset.linked.group_{number // 100}"
        assets += [asset(f"file.big.{name}"), asset(raw, layer="raw"), asset(std, layer="standard")]
        edges += [
            EdgeRecord("source.big", f"file.big.{name}", via="extract"),
            EdgeRecord(f"file.big.{name}", raw, via="load"),
            EdgeRecord(raw, std, via="standardise"),
            EdgeRecord(std, linked, via="link"),
        ]
        for column in range(fields):
            raw_field, std_field = f"field.raw.big__{name}.Column {column}", f"field.big.{name}.f{column}"
            assets += [asset(raw_field, raw, "raw"), asset(std_field, std, "standard")]
            edges.append(EdgeRecord(raw_field, std_field, "field", "standardise"))
            edges.append(EdgeRecord(std_field, f"field.linked.group_{number // 100}.f{column}", "field", "link"))
    return assets, edges


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    store = MetaStore(meta_url)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def chain(meta: MetaStore) -> MetaStore:
    write_catalogue(meta, *chain_catalogue())
    return meta


def test_dataset_lineage_both_ways(chain: MetaStore) -> None:
    graph = lineage(chain, "dataset.asc.clients")
    assert {node.id: node.depth for node in graph.nodes} == {
        "source.asc": -3,
        "file.asc.clients": -2,
        "dataset.raw.asc__clients": -1,
        "dataset.asc.clients": 0,
        "dataset.linked.person_records": 1,
        "report.asc_monthly_pack": 1,
        "dataset.linked.residents": 2,
        "kpi.residents_count": 3,
    }
    assert graph.via_dataset is None and not graph.truncated
    assert len(graph.edges) == 7
    assert {(e.source, e.target, e.via) for e in graph.edges} >= {
        ("file.asc.clients", "dataset.raw.asc__clients", "load"),
        ("dataset.asc.clients", "report.asc_monthly_pack", "declared"),
    }
    assert graph.node("dataset.raw.asc__clients").layer == "raw"
    assert graph.node("dataset.raw.asc__clients").title == "Title of asc__clients"
    data = json.loads(json.dumps(graph.to_dict()))
    assert data["root"] == "dataset.asc.clients" and len(data["nodes"]) == 8


def test_directions_and_depth_limits(chain: MetaStore) -> None:
    down = lineage(chain, "dataset.asc.clients", direction="downstream")
    assert all(node.depth >= 0 for node in down.nodes) and len(down.nodes) == 5
    up = lineage(chain, "dataset.asc.clients", direction="upstream", depth=2)
    assert {node.id for node in up.nodes} == {"dataset.asc.clients", "dataset.raw.asc__clients", "file.asc.clients"}
    assert up.truncated and len(up.edges) == 2
    one = lineage(chain, "dataset.asc.clients", direction="downstream", depth=1)
    assert one.ids == {"dataset.asc.clients", "dataset.linked.person_records", "report.asc_monthly_pack"}
    assert one.truncated
    exact = lineage(chain, "dataset.asc.clients", direction="downstream", depth=3)
    assert not exact.truncated and len(exact.nodes) == 5
    assert lineage(chain, "dataset.asc.clients", depth=0).ids == {"dataset.asc.clients"}
    assert lineage(chain, "source.asc", depth=10_000).depth == MAX_DEPTH
    with pytest.raises(ObservatoryError, match="depth"):
        lineage(chain, "source.asc", depth=-1)
    with pytest.raises(ObservatoryError, match="direction"):
        lineage(chain, "source.asc", direction="sideways")  # type: ignore[arg-type]


def test_field_lineage_with_its_dataset(chain: MetaStore) -> None:
    graph = lineage(chain, "field.asc.clients.date_of_birth")
    assert {node.id: node.depth for node in graph.nodes} == {
        "field.raw.asc__clients.Date of Birth": -1,
        "field.asc.clients.date_of_birth": 0,
        "field.linked.person_records.date_of_birth": 1,
        "kpi.clients_over_65": 2,
        "output.dashboard": 3,
    }
    assert {edge.level for edge in graph.edges} == {"field", "dataset"}
    assert graph.via_dataset is not None and graph.via_dataset.root == "dataset.asc.clients"
    assert graph.via_dataset.node("source.asc").depth == -3
    assert "term.resident" not in graph.ids | graph.via_dataset.ids
    assert graph.to_dict()["via_dataset"]["root"] == "dataset.asc.clients"
    # a raw column keeps its header text, spaces and all; its upstream is its dataset's
    raw = lineage(chain, "field.raw.asc__clients.Date of Birth", direction="upstream")
    assert raw.ids == {"field.raw.asc__clients.Date of Birth"}
    assert raw.via_dataset is not None and raw.via_dataset.ids >= {"file.asc.clients", "source.asc"}


def test_dataset_lineage_never_enters_fields_or_glossary(chain: MetaStore) -> None:
    graph = lineage(chain, "source.asc", direction="downstream")
    assert not any(node.kind in ("field", "term") for node in graph.nodes)
    assert "kpi.clients_over_65" not in graph.ids  # declared on a field, not on a dataset
    term = lineage(chain, "term.resident")
    assert term.ids == {"term.resident"} and term.edges == []
    assert "term.resident" not in lineage(chain, "field.asc.clients.date_of_birth", direction="upstream").ids


def test_kpi_upstream_reaches_fields_and_datasets(chain: MetaStore) -> None:
    graph = lineage(chain, "kpi.clients_over_65", direction="upstream")
    assert graph.node("field.raw.asc__clients.Date of Birth").depth == -3
    report = lineage(chain, "kpi.residents_count", direction="upstream")
    assert report.node("source.asc").depth == -6


def test_diamond_counts_each_node_once_at_its_shortest_depth(meta: MetaStore) -> None:
    ids = ["dataset.raw.a", "dataset.standard.b", "dataset.standard.c", "dataset.linked.d", "report.e"]
    edges = [
        EdgeRecord("dataset.raw.a", "dataset.standard.b", via="standardise"),
        EdgeRecord("dataset.raw.a", "dataset.standard.c", via="standardise"),
        EdgeRecord("dataset.standard.b", "dataset.linked.d", via="link"),
        EdgeRecord("dataset.standard.c", "dataset.linked.d", via="link"),
        EdgeRecord("dataset.raw.a", "dataset.linked.d", via="link"),
        EdgeRecord("dataset.linked.d", "report.e"),
    ]
    write_catalogue(meta, [asset(i) for i in ids], edges)
    graph = lineage(meta, "dataset.raw.a", direction="downstream")
    assert [node.id for node in graph.nodes].count("dataset.linked.d") == 1
    assert graph.node("dataset.linked.d").depth == 1 and graph.node("report.e").depth == 2
    assert len(graph.edges) == 6
    # depth 1 keeps the edges between nodes it reached, and nothing further
    near = lineage(meta, "dataset.raw.a", direction="downstream", depth=1)
    assert "report.e" not in near.ids and len(near.edges) == 5 and near.truncated
    tree = render_tree(graph)
    assert sum("dataset.linked.d" in line for line in tree) == 3
    assert sum("(see above)" in line for line in tree) == 2
    up = lineage(meta, "report.e", direction="upstream")
    assert up.node("dataset.raw.a").depth == -2
    result = impact(meta, "dataset.raw.a")
    assert result.of_kind("dataset") == ["dataset.linked.d", "dataset.standard.b", "dataset.standard.c"]


def test_cycles_terminate(meta: MetaStore) -> None:
    ids = ["dataset.linked.a", "dataset.linked.b", "dataset.linked.c", "kpi.d"]
    edges = [
        EdgeRecord("dataset.linked.a", "dataset.linked.b", via="link"),
        EdgeRecord("dataset.linked.b", "dataset.linked.c", via="link"),
        EdgeRecord("dataset.linked.c", "dataset.linked.a", via="link"),
        EdgeRecord("dataset.linked.c", "kpi.d"),
        EdgeRecord("kpi.d", "kpi.d"),
    ]
    write_catalogue(meta, [asset(i) for i in ids], edges)
    graph = lineage(meta, "dataset.linked.a")
    assert graph.ids == set(ids) and len(graph.edges) == 5 and not graph.truncated
    assert graph.node("dataset.linked.a").depth == 0 and graph.node("kpi.d").depth == 3
    down = render_tree(lineage(meta, "dataset.linked.a", direction="downstream"))
    assert any("(cycle)" in line for line in down)
    result = impact(meta, "dataset.linked.b")
    assert result.of_kind("dataset") == ["dataset.linked.c", "dataset.linked.a"]
    assert result.of_kind("kpi") == ["kpi.d"]
    assert "flowchart LR" in mermaid(graph)


def test_assets_not_present_are_flagged(meta: MetaStore) -> None:
    assets, edges = chain_catalogue()
    write_catalogue(meta, [*assets, asset("dataset.legacy.clients_2019", layer="legacy")], edges)
    # the next build no longer has the old dataset, but the report still declares it (and an output never built)
    edges += [
        EdgeRecord("dataset.legacy.clients_2019", "report.asc_monthly_pack"),
        EdgeRecord("report.asc_monthly_pack", "output.never_built"),
    ]
    write_catalogue(meta, assets, edges)
    up = lineage(meta, "report.asc_monthly_pack")
    old = up.node("dataset.legacy.clients_2019")
    assert not old.present and old.depth == -1 and old.title == "Title of clients_2019"
    never = up.node("output.never_built")
    assert (never.kind, never.present, never.depth, never.title) == ("output", False, 1, "")
    assert up.node("source.asc").present
    assert "dataset.legacy.clients_2019 (not present)" in "\n".join(render_tree(up))
    assert "class " in mermaid(up) and "missing" in mermaid(up)
    result = impact(meta, "dataset.asc.clients")
    gone = [item for item in result.items if item.id == "output.never_built"]
    assert len(gone) == 1 and not gone[0].present


def test_impact_of_a_field(chain: MetaStore) -> None:
    result = impact(chain, "field.asc.clients.date_of_birth")
    assert result.dataset == "dataset.asc.clients"
    relation = {item.id: item.relation for item in result.items}
    assert relation == {
        "field.linked.person_records.date_of_birth": "direct",
        "dataset.linked.person_records": "direct",  # holds a field made from this one
        "kpi.clients_over_65": "direct",
        "output.dashboard": "direct",
        "report.asc_monthly_pack": "via_dataset",
        "dataset.linked.residents": "via_dataset",
        "kpi.residents_count": "via_dataset",
    }
    assert result.of_kind("kpi", "direct") == ["kpi.clients_over_65"]
    assert result.of_kind("report", "via_dataset") == ["report.asc_monthly_pack"]
    assert list(result.groups()) == ["dataset", "field", "report", "kpi", "output"]
    data = result.to_dict()
    assert (data["total"], data["direct"], data["via_dataset"]) == (7, 4, 3)
    assert data["groups"]["kpi"][0]["depth"] == 2
    text = "\n".join(render_impact(result))
    assert "KPIs (2):" in text and "through the whole dataset" in text
    # a KPI declared on a field is direct for that field, via its dataset for the others
    other = impact(chain, "field.asc.clients.client_ref")
    assert other.of_kind("kpi", "direct") == [] and "kpi.clients_over_65" not in other.of_kind("kpi")
    assert other.of_kind("field") == ["field.linked.person_records.client_ref"]


def test_impact_of_a_source_is_everything_below_it(chain: MetaStore) -> None:
    result = impact(chain, "source.asc")
    assets, _ = chain_catalogue()
    expected = {a.id for a in assets} - {"source.asc", "term.resident"}
    assert {item.id for item in result.items} == expected
    assert {item.relation for item in result.items} == {"direct"}
    assert result.to_dict()["groups"]["file"][0]["id"] == "file.asc.clients"
    # a dataset's own fields are part of it, not downstream; what is made from them is
    clients = impact(chain, "dataset.asc.clients")
    assert not any(i.startswith("field.asc.clients.") for i in clients.of_kind("field"))
    assert "kpi.clients_over_65" in clients.of_kind("kpi")
    assert "field.linked.person_records.client_ref" in clients.of_kind("field")


def test_impact_reaches_the_fields_of_datasets_made_from_a_kpi(chain: MetaStore) -> None:
    assets, edges = chain_catalogue()
    values = "dataset.governed.kpi_values"
    assets += [asset(values, layer="governed"), asset("field.governed.kpi_values.value", values, "governed")]
    edges += [EdgeRecord("kpi.clients_over_65", values), EdgeRecord("kpi.residents_count", values)]
    write_catalogue(chain, assets, edges)
    assert "field.governed.kpi_values.value" in impact(chain, "source.asc").of_kind("field")
    from_field = impact(chain, "field.asc.clients.date_of_birth")
    assert from_field.of_kind("dataset", "direct") == ["dataset.linked.person_records", values]
    assert "field.governed.kpi_values.value" not in from_field.of_kind("field")
    assert impact(chain, values).items == []


def test_unknown_asset(chain: MetaStore) -> None:
    with pytest.raises(NotFoundError, match=r"'dataset\.asc\.clientz'.*dataset\.asc\.clients"):
        lineage(chain, "dataset.asc.clientz")
    with pytest.raises(NotFoundError, match=r"kpi\.nothing"):
        impact(chain, "kpi.nothing")


def test_ids_with_spaces_quotes_and_sql(chain: MetaStore) -> None:
    graph = lineage(chain, ODD)
    assert graph.ids == {ODD, "field.asc.clients.client_ref", "field.linked.person_records.client_ref"}
    assert impact(chain, ODD).of_kind("field", "direct") == [
        "field.asc.clients.client_ref",
        "field.linked.person_records.client_ref",
    ]
    assert len(lineage(chain, "source.asc").nodes) > 1  # the edges table is still there
    chart = mermaid(lineage(chain, "field.asc.clients.client_ref"))
    for line in chart.splitlines()[1:]:
        assert re.fullmatch(
            r'\s+(n\d+\["[^"]*"\]|n\d+ -(->|\.->)\|"[^"]*"\| n\d+|subgraph via_dataset\["[^"]*"\]|end'
            r"|class [n\d,]+ \w+|classDef \w+ .*)",
            line,
        ), line
    assert "Client#39;s" not in chart and "Client's #34;Ref#34; #60;#35;1#62; #38; #96;x#96;" in chart


def test_render_tree_chains_and_branches(chain: MetaStore) -> None:
    lines = render_tree(lineage(chain, "dataset.asc.clients"))
    assert lines[0] == "dataset.asc.clients — Title of clients"
    assert lines[1] == "upstream:"
    assert lines[2] == (
        "  dataset.asc.clients ◀─standardise─ dataset.raw.asc__clients ◀─load─ file.asc.clients ◀─extract─ source.asc"
    )
    assert lines[3:] == [
        "downstream:",
        "  dataset.asc.clients",
        "  ├─link─▶ dataset.linked.person_records ─link─▶ dataset.linked.residents ─declared─▶ kpi.residents_count",
        "  └─declared─▶ report.asc_monthly_pack",
    ]
    field_lines = render_tree(lineage(chain, "field.asc.clients.date_of_birth", direction="upstream"))
    assert field_lines[:3] == [
        "field.asc.clients.date_of_birth — Title of date_of_birth",
        "upstream:",
        "  field.asc.clients.date_of_birth ◀─standardise─ field.raw.asc__clients.Date of Birth",
    ]
    assert field_lines[3] == "from its dataset dataset.asc.clients:"
    assert field_lines[5].endswith("◀─extract─ source.asc")
    assert render_tree(lineage(chain, "source.asc", direction="upstream"))[1] == "upstream: (none)"
    assert render_tree(lineage(chain, "source.asc", depth=1))[-1] == "(stopped at depth 1; there is more)"


def test_mermaid_chart(chain: MetaStore) -> None:
    graph = lineage(chain, "field.asc.clients.date_of_birth")
    chart = mermaid(graph)
    assert chart.startswith("flowchart LR\n")
    assert graph.via_dataset is not None
    assert chart.count(" -->|") == len(graph.edges) + len(graph.via_dataset.edges)
    assert chart.count('"]') == len(graph.nodes) + len(graph.via_dataset.nodes) + 1  # and the subgraph title
    assert '-->|"standardise"|' in chart and '-.->|"field of"|' in chart


def test_wide_catalogue(meta: MetaStore) -> None:
    write_catalogue(meta, *wide_catalogue(datasets=150, fields=3))
    down = lineage(meta, "source.big", direction="downstream")
    assert len(down.nodes) == 1 + 150 * 3 + 2 * 2
    assert down.node("report.group_1").depth == 5
    result = impact(meta, "source.big")
    counts = {kind: len(items) for kind, items in result.groups().items()}
    assert counts == {"file": 150, "dataset": 302, "field": 150 * 3 * 2 + 2 * 3, "report": 2, "kpi": 2}
    one = impact(meta, "field.big.d0101.f0")
    assert one.of_kind("kpi", "direct") == ["kpi.group_1"]
    assert one.of_kind("report", "via_dataset") == ["report.group_1"]
    assert one.of_kind("dataset", "direct") == ["dataset.linked.group_1"]
