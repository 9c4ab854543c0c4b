"""``/review``: the clerical review queue, one pair side by side with its match-weight explanation, and decisions.

Showing a pair shows two people's records, so every view of an item is audited (purpose ``data_quality``).
A decision goes through ``linkage.review.decide``, which writes its own audit entry; the browser then moves on
to the next open item in queue order (or back to the queue when none is left).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import and_, or_, select

from observatory.errors import NotFoundError, ObservatoryError
from observatory.linkage.review import DECISIONS, count_queue, decide, get_item, list_queue
from observatory.meta import MetaStore
from observatory.meta.models import LinkReviewItem
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.charts import Point, waterfall_chart
from observatory.web.purpose import audit_access
from observatory.web.render import API_PREFIX, is_api, page, render_html
from observatory.web.single_view import FIELD_LABELS, RECORD_FIELDS, SEX_LABELS, dataset_titles, person_records
from observatory.web.warehouse import read_warehouse

router = APIRouter()

PAGE_SIZE = 25
MAX_PAGE = 100_000
MAX_ID = 2**63 - 1
"""The largest id the metadata store can hold; anything larger is simply not there."""
REVIEW_PURPOSE = "data_quality"
"""Why a reviewer sees a pair's records: deciding whether they are one person is data quality work."""
ITEM_TEMPLATE = "review/item.html"

DECISION_CHOICES = {
    "match": ("Match", "These records are the same person: the next linkage run joins them."),
    "not_match": ("Not a match", "These are different people: the next linkage run keeps them apart."),
    "skip": ("Skip", "Not sure: no constraint is set and the pair stays in the queue."),
}
DECIDED_AS = {
    "match": "recorded as a match: the same person",
    "not_match": "recorded as not a match: different people",
    "skip": "skipped: it stays open in the queue",
}
COMPARED_FIELDS: tuple[str, ...] = ("dataset", "record_key", *RECORD_FIELDS, "resident_id", "address_status")
COMPARED_LABELS = {
    **FIELD_LABELS,
    "dataset": "Dataset",
    "record_key": "Record key",
    "resident_id": "Resident now",
    "address_status": "Address match",
}

Status = Literal["open", "decided", "withdrawn", "all"]


class DecisionError(ObservatoryError):
    """A decision that is not one of ``linkage.review.DECISIONS``."""

    code = "invalid_decision"


def _item_id(item_id: int) -> int:
    """``item_id`` if the store could hold it (0, negative or huge ids are simply not found)."""
    if not 1 <= item_id <= MAX_ID:
        raise NotFoundError(f"review item {item_id} not found")
    return item_id


def _banner(meta: MetaStore, decided: int | None) -> str:
    """What the last decision did, read back from the store (so a crafted link cannot claim anything)."""
    if decided is None:
        return ""
    try:
        item: dict[str, Any] = get_item(meta, decided)
    except NotFoundError:
        return ""
    if not item["decisions"]:
        return ""
    latest = item["decisions"][-1]
    outcome = DECIDED_AS.get(latest["decision"], latest["decision"])
    return f"Item {decided} {outcome}. Decided by {latest['decided_by']}."


@page(router, "/review", "review/queue.html", name="review", summary="The clerical review queue, counted by status")
def queue(
    request: Request,
    who: Annotated[Principal, Depends(Need("review.view"))],
    status: Status = "open",
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    decided: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    meta = request.app.state.obs.meta
    counts = count_queue(meta)
    total = sum(counts.values()) if status == "all" else counts[status]
    items = list_queue(meta, status, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    return {
        "title": "Clerical review",
        "counts": counts,
        "status": status,
        "total": total,
        "page": page_number,
        "pages": max(1, math.ceil(total / PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "items": items,
        "banner": _banner(meta, decided),
    }


def explanation(item: dict[str, Any]) -> dict[str, Any]:
    """The item's match weight as the prior plus each comparison's weight, the largest effect first.

    The prior is what the stored comparisons leave of the run's match weight, so the parts add up exactly to
    the weight the run scored (even if the model has been retrained since)."""
    comparisons = sorted(item["explanation"], key=lambda row: abs(float(row["match_weight"])), reverse=True)
    total = float(item["match_weight"])
    prior = total - sum(float(row["match_weight"]) for row in comparisons)
    return {
        "prior_weight": round(prior, 4),
        "comparisons": comparisons,
        "match_weight": total,
        "match_probability": float(item["match_probability"]),
    }


def _comparison(left: dict[str, Any] | None, right: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per field: both values, and whether they differ (both present and not equal)."""
    rows = []
    for name in COMPARED_FIELDS:
        a = None if left is None else left.get(name)
        b = None if right is None else right.get(name)
        rows.append(
            {
                "field": name,
                "label": COMPARED_LABELS[name],
                "left": a,
                "right": b,
                "differs": a is not None and b is not None and a != b,
            }
        )
    return rows


def item_page(request: Request, who: Principal, item_id: int, *, banner: str = "", error: str = "") -> dict[str, Any]:
    """Everything the item page shows (and audits): the pair, both records, the explanation, the history."""
    obs: Observatory = request.app.state.obs
    item: dict[str, Any] = get_item(obs.meta, _item_id(item_id))
    left_id, right_id = item["unique_id_l"], item["unique_id_r"]
    with read_warehouse(obs) as con:
        found = person_records(con, [left_id, right_id])
    left, right = found.get(left_id), found.get(right_id)
    audit_access(
        request,
        who,
        "review.view",
        f"review:{item_id}",
        purpose=REVIEW_PURPOSE,
        detail={
            "item": item_id,
            "records": [left_id, right_id],
            "residents": sorted({r["resident_id"] for r in (left, right) if r and r.get("resident_id")}),
        },
    )
    titles = dataset_titles(obs)
    purposes = {purpose.id for purpose in obs.project.spec.access.purposes}
    links = who.allows("residents.view") and REVIEW_PURPOSE in purposes
    return {
        "title": f"Review item {item_id}",
        "item": item,
        "records": {"left": left, "right": right},
        "systems": {
            side: titles.get(record["dataset"], {"system": record["dataset"], "title": record["dataset"]})
            for side, record in (("left", left), ("right", right))
            if record is not None
        },
        "missing": [uid for uid, record in ((left_id, left), (right_id, right)) if record is None],
        "comparison": _comparison(left, right),
        "explanation": explanation(item),
        "can_decide": who.allows("review.decide"),
        "decision_choices": [
            {"value": value, "text": text, "hint": hint} for value, (text, hint) in DECISION_CHOICES.items()
        ],
        "resident_links": (
            {
                side: f"/residents/{quote(record['resident_id'], safe='')}?purpose={REVIEW_PURPOSE}"
                for side, record in (("left", left), ("right", right))
                if record is not None and record.get("resident_id")
            }
            if links
            else {}
        ),
        "sex_labels": SEX_LABELS,
        "banner": banner,
        "error": error,
    }


def _with_chart(data: dict[str, Any]) -> dict[str, Any]:
    """The page data plus the waterfall drawn as SVG (HTML only: the JSON has the numbers)."""
    steps = [Point("prior", data["explanation"]["prior_weight"])]
    steps += [
        Point(str(row["comparison"]).replace("_", " "), float(row["match_weight"]))
        for row in data["explanation"]["comparisons"]
    ]
    title = f"How the match weight of item {data['item']['id']} adds up"
    return data | {"chart": waterfall_chart(steps, title=title, chart_id="weights", total_label="match weight")}


@page(
    router,
    "/review/{item_id}",
    ITEM_TEMPLATE,
    name="review.item",
    summary="One review item: both records side by side, the match-weight explanation, decisions (audited)",
)
def item(
    request: Request,
    who: Annotated[Principal, Depends(Need("review.view"))],
    item_id: Annotated[int, PathParam()],
    decided: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    data = item_page(request, who, item_id, banner=_banner(request.app.state.obs.meta, decided))
    return data if is_api(request) else _with_chart(data)


def next_open_item(meta: MetaStore, after: dict[str, Any]) -> int | None:
    """The open item after ``after`` in queue order (most probable first, then by id), wrapping to the start."""
    probability, current = after["match_probability"], after["id"]
    item = LinkReviewItem
    open_items = select(item.id).where(item.status == "open", item.id != current)
    order = (item.match_probability.desc(), item.id)
    later = or_(item.match_probability < probability, and_(item.match_probability == probability, item.id > current))
    with meta.session() as session:
        found = session.scalar(open_items.where(later).order_by(*order).limit(1))
        if found is None:
            found = session.scalar(open_items.order_by(*order).limit(1))
    return found


def decide_item(
    request: Request,
    who: Annotated[Principal, Depends(Need("review.decide"))],
    item_id: Annotated[int, PathParam()],
    decision: Annotated[str, Form(max_length=20, description="match, not_match or skip")] = "",
    note: Annotated[str, Form(max_length=2000, description="Why, for whoever reads the decision later")] = "",
) -> Response:
    """Decide a pair: ``match`` and ``not_match`` bind the next linkage run, ``skip`` leaves it open (audited)."""
    obs: Observatory = request.app.state.obs
    _item_id(item_id)
    if decision not in DECISIONS:
        problem = "Choose match, not a match or skip" + (f" ({decision!r} is not one of them)" if decision else "")
        if is_api(request):
            raise DecisionError(f"{problem}: use one of {', '.join(DECISIONS)}")
        data = _with_chart(item_page(request, who, item_id, error=problem))
        return render_html(request, ITEM_TEMPLATE, data, status=400)
    updated: dict[str, Any] = decide(obs.meta, item_id, decision, who.username, note.strip(), role=who.role)
    following = next_open_item(obs.meta, updated)
    if is_api(request):
        return JSONResponse(jsonable_encoder(updated | {"next_item_id": following}))
    target = f"/review/{following}" if following is not None else "/review"
    return RedirectResponse(f"{target}?decided={item_id}", status_code=303)


router.add_api_route(
    API_PREFIX + "/review/{item_id}/decide",
    decide_item,
    methods=["POST"],
    name="api.review.decide",
    summary="Decide a review item (match, not_match or skip); returns the item as it now is and the next open one",
)
router.add_api_route(
    "/review/{item_id}/decide",
    decide_item,
    methods=["POST"],
    name="review.decide",
    include_in_schema=False,
    response_class=HTMLResponse,
)
