"""``/catalogue``: search what the council holds; ``/catalogue/assets/{id}``: one asset — its description, register
entry, data dictionary, quality over time, lineage (a diagram, a list and Mermaid text) and edit history.

Every page shows only assets whose classification the role sees (``catalogue_common``)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from observatory.catalogue.edits import EditRecord, history
from observatory.catalogue.exports.dictionary import dictionary_rows, quality_summary
from observatory.catalogue.exports.values import register_value
from observatory.catalogue.ids import KINDS
from observatory.catalogue.lineage import MAX_DEPTH, lineage, mermaid
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import REGISTER_FIELDS
from observatory.catalogue.search import SearchFilters, search
from observatory.catalogue.store import list_assets
from observatory.config.models import LAYERS
from observatory.errors import ObservatoryError
from observatory.platform import Observatory
from observatory.quality.snapshots import snapshot_history
from observatory.web.auth import Need, Principal
from observatory.web.charts import Point, line_chart
from observatory.web.diagram import lineage_svg, lineage_tree
from observatory.web.render import is_api, page
from observatory.web.routes.catalogue_common import (
    asset_href,
    classification_filter,
    facet_values,
    lineage_ids,
    named_ids,
    node_href,
    redact_edit,
    redact_lineage,
    redact_links,
    text_of,
    visible_asset,
    visible_classifications,
    visible_ids,
)

router = APIRouter()

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
LINEAGE_DEPTH = 3
"""Steps of lineage an asset page shows unless asked for more."""
QUALITY_HISTORY = 20
"""Snapshots in an asset's quality history."""
HISTORY_ROWS = 50
"""Edits listed on an asset page, newest first (``history_total`` counts them all)."""
PAGINATION_SPREAD = 2
"""Pages linked either side of the current one."""

_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n"}

Text = Annotated[str | None, Query(max_length=200)]


def _personal(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise ObservatoryError(f"personal must be yes or no, not {value!r}.")


def _blank(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


def pagination(page_number: int, pages: int, href: Any) -> dict[str, Any]:
    """The GOV.UK pagination component's parameters: first, last and nearby pages, with ellipses between."""
    shown = sorted(
        {1, pages}
        | set(range(max(1, page_number - PAGINATION_SPREAD), min(pages, page_number + PAGINATION_SPREAD) + 1))
    )
    items: list[dict[str, Any]] = []
    for index, number in enumerate(shown):
        if index and number - shown[index - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page_number})
    return {
        "items": items,
        "previous": {"href": href(page_number - 1)} if page_number > 1 else None,
        "next": {"href": href(page_number + 1)} if page_number < pages else None,
    }


@page(router, "/catalogue", "catalogue/search.html", name="catalogue", summary="Search the catalogue")
def catalogue_search(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.view"))],
    q: Annotated[str, Query(max_length=500, description="Words to find; each matches as a prefix.")] = "",
    kind: Text = None,
    layer: Text = None,
    owner: Text = None,
    area: Annotated[str | None, Query(max_length=200, description="Business area.")] = None,
    classification: Text = None,
    personal: Annotated[str | None, Query(max_length=5, description="yes or no.")] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    filters = SearchFilters(
        kind=_blank(kind),
        owner=_blank(owner),
        business_area=_blank(area),
        classification=_blank(classification),
        layer=_blank(layer),
        personal=_personal(personal),
    )
    filters.check()  # an unknown kind, layer or classification is a 400 before any access decision
    limited = classification_filter(who, filters.classification)
    results = search(
        obs.meta, q, replace(filters, classification=limited), limit=limit, offset=(page_number - 1) * limit
    )
    pages = max(1, math.ceil(results.total / limit))
    asked = {
        "q": q,
        "kind": filters.kind,
        "layer": filters.layer,
        "owner": filters.owner,
        "area": filters.business_area,
        "classification": filters.classification,
        "personal": None if filters.personal is None else ("yes" if filters.personal else "no"),
    }
    data: dict[str, Any] = {
        "title": "Catalogue",
        "query": q,
        "filters": asked,
        "classification_shown": limited,
        "total": results.total,
        "page": page_number,
        "pages": pages,
        "limit": limit,
        "hits": [{**hit.__dict__, "href": asset_href(hit.id)} for hit in results.hits],
    }
    if is_api(request):
        return data
    kept = {name: value for name, value in asked.items() if value}
    if limit != PAGE_SIZE:
        kept["limit"] = str(limit)

    def href(number: int) -> str:
        return "/catalogue?" + urlencode({**kept, "page": number})

    visible = visible_classifications(who)
    return {
        **data,
        "searched": any(kept.values()) or page_number > 1,
        "pagination": pagination(page_number, pages, href) if pages > 1 else None,
        "choices": {
            "kind": KINDS,
            "layer": LAYERS,
            "classification": visible,
            "owner": facet_values(obs.meta, "owner", visible),
            "area": facet_values(obs.meta, "business_area", visible),
        },
    }


# --- one asset ------------------------------------------------------------------------------------------------


def quality_dataset_name(asset: AssetRecord) -> str | None:
    """The name quality snapshots use for an asset (``asc.clients``): a source's dataset, or its quality output."""
    if asset.kind == "dataset":
        source, _, rest = asset.id.partition(".")[2].partition(".")
        return f"{source}.{rest}" if source and rest and source not in LAYERS else None
    if asset.kind == "output" and asset.id.startswith("output.quality."):
        return asset.id.removeprefix("output.quality.")
    return None


def edited_fields(edits: list[EditRecord]) -> set[str]:
    """The values whose latest change (``edits`` newest first) is a person's edit, not a reset."""
    latest: dict[str, str] = {}
    for edit in edits:
        latest.setdefault(edit.field, edit.action)
    return {name for name, action in latest.items() if action == "edit"}


def _register(asset: AssetRecord, edited: set[str]) -> list[dict[str, Any]]:
    rows = []
    for spec in REGISTER_FIELDS:
        value = register_value(asset, spec.name)
        if spec.name == "quality_score" and isinstance(value, float):
            shown = f"{100 * value:.1f}%"
        elif isinstance(value, datetime):
            shown = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, date):
            shown = value.isoformat()
        else:
            shown = text_of(value)
        rows.append(
            {"name": spec.name, "label": spec.label, "value": value, "text": shown, "edited": spec.name in edited}
        )
    return rows


def _quality(obs: Observatory, asset: AssetRecord) -> dict[str, Any] | None:
    name = quality_dataset_name(asset)
    if name is None:
        return None
    snapshots = snapshot_history(obs.meta, name, limit=QUALITY_HISTORY)
    return {
        "dataset": name,
        "page": f"/quality/{name}",
        "history": [snapshot.summary() for snapshot in snapshots],
    }


def _terms(obs: Observatory, asset: AssetRecord) -> list[dict[str, Any]]:
    """The glossary terms that describe ``asset``."""
    return [
        {"id": term.id, "title": term.title or term.name, "definition": term.description, "href": asset_href(term.id)}
        for term in list_assets(obs.meta, kind="term")
        if asset.id in (term.register.get("links") or [])
    ]


def _links(obs: Observatory, who: Principal, asset: AssetRecord) -> dict[str, Any] | None:
    """A term's linked assets that the role sees, and how many others it links to."""
    if asset.kind != "term":
        return None
    links = [str(link) for link in asset.register.get("links") or []]
    shown = visible_ids(obs.meta, who, links)
    kpis = [link for link in links if link.startswith("kpi.") and link not in shown]
    return {
        "shown": [{"id": link, "href": asset_href(link)} for link in links if link in shown]
        + [{"id": link, "href": None} for link in kpis],
        "hidden": len(links) - len(shown) - len(kpis),
    }


def _dictionary(obs: Observatory, asset: AssetRecord) -> list[dict[str, Any]]:
    if asset.kind != "dataset":
        return []
    fields = list_assets(obs.meta, kind="field", parent_id=asset.id)
    return [{**row, "href": asset_href(row["id"])} for row in dictionary_rows(fields, [asset])]


def _field_quality(asset: AssetRecord) -> list[dict[str, Any]]:
    measures = asset.facts.get("quality") if asset.kind == "field" else None
    rows = []
    for measure in measures if isinstance(measures, list) else []:
        passed, total = measure.get("passed"), measure.get("total")
        share = passed / total if isinstance(passed, int) and isinstance(total, int) and total else None
        rows.append({**measure, "value": share})
    return rows


@page(
    router,
    "/catalogue/assets/{asset_id:path}",
    "catalogue/asset.html",
    name="catalogue_asset",
    summary="One asset: register entry, data dictionary, quality history, lineage and edit history",
)
def catalogue_asset(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.view"))],
    asset_id: str,
    direction: Literal["both", "upstream", "downstream"] = "both",
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="Steps of lineage to follow.")] = LINEAGE_DEPTH,
    saved: Annotated[int | None, Query(ge=0, le=1_000, description="Changes just saved (for the banner).")] = None,
    reviewed: Annotated[bool, Query(description="A review was just recorded (for the banner).")] = False,
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    asset = visible_asset(obs.meta, who, asset_id)
    graph = lineage(obs.meta, asset.id, direction=direction, depth=depth)
    graph = redact_lineage(graph, visible_ids(obs.meta, who, lineage_ids(graph)))
    quality = _quality(obs, asset)
    edits = history(obs.meta, asset.id)
    named = named_ids(asset.to_dict(), (edit.to_dict() for edit in edits[:HISTORY_ROWS]))
    shown = visible_ids(obs.meta, who, named)
    data: dict[str, Any] = {
        "title": asset.title or asset.name,
        "asset": redact_links(asset.to_dict(), shown),
        "register": _register(asset, edited_fields(edits)) if asset.in_register else None,
        "fields": _dictionary(obs, asset),
        "field_quality": _field_quality(asset),
        "field_quality_summary": quality_summary(asset.facts.get("quality")) if asset.kind == "field" else None,
        "terms": _terms(obs, asset),
        "links": _links(obs, who, asset),
        "quality": quality,
        "lineage": graph.to_dict(),
        "mermaid": mermaid(graph),
        "history": [
            {**change, "before_text": text_of(change["before"]), "after_text": text_of(change["after"])}
            for change in (redact_edit(edit.to_dict(), shown) for edit in edits[:HISTORY_ROWS])
        ],
        "history_total": len(edits),
        "allowed": {
            "edit": who.allows("catalogue.edit"),
            "review": who.allows("catalogue.review") and asset.in_register and asset.present,
            "preview": who.allows("catalogue.preview") and asset.kind == "dataset" and bool(asset.facts.get("table")),
        },
    }
    if is_api(request):
        return data
    points = [
        Point(str(snapshot["measured_at"])[:16].replace("T", " "), snapshot["score"])
        for snapshot in (quality or {}).get("history", [])
    ]
    parent = visible_ids(obs.meta, who, [asset.parent_id]) if asset.parent_id else set()
    return {
        **data,
        "href": {
            "self": asset_href(asset.id),
            "edit": asset_href(asset.id, "/edit"),
            "review": asset_href(asset.id, "/review"),
            "preview": asset_href(asset.id, "/preview"),
            "parent": asset_href(asset.parent_id) if asset.parent_id in parent else None,
            "deeper": asset_href(asset.id, direction=None if direction == "both" else direction, depth=depth + 2)
            if graph.truncated and depth < MAX_DEPTH
            else None,
        },
        "saved": saved,
        "reviewed": reviewed,
        "chart": line_chart(points, title=f"Quality score of {data['title']}", chart_id="quality-history")
        if points
        else None,
        "diagram": lineage_svg(graph, href=node_href, title=f"Lineage of {asset.id}"),
        "tree": {way: lineage_tree(graph, way) for way in ("upstream", "downstream")},
        "dataset_tree": {way: lineage_tree(graph.via_dataset, way) for way in ("upstream", "downstream")}
        if graph.via_dataset is not None
        else None,
    }
