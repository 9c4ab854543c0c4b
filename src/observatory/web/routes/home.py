"""``/``: what the council holds, overall quality, the latest runs, the KPIs needing attention, and the way in
to each part of the site the person's role allows.

Every count is over what the role may see: datasets whose classification the role does not see are not
counted, and nothing on the page names them. Runs name every dataset, so they are listed only for roles
allowed ``runs.view``. The payload is cached per role until the data changes (``web.cache``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select

from observatory.access.roles import ACTIONS
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.store import list_assets
from observatory.config.models import LAYERS
from observatory.meta.models import Run
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.cache import cached
from observatory.web.render import NAV, is_api, page
from observatory.web.routes.kpi_data import kpis_needing_attention
from observatory.web.routes.quality import quality_overview
from observatory.web.routes.runs import run_summary

router = APIRouter()

LATEST_RUNS = 10
ATTENTION = 5
"""Datasets named under "needs attention" at most (lowest confidence first)."""

NO_AREA = "Not recorded"


def _rows(asset: AssetRecord) -> int:
    rows = asset.facts.get("rows")
    return rows if isinstance(rows, int) else 0


def holdings(obs: Observatory, who: Principal) -> dict[str, Any]:
    """Sources, datasets per layer, rows, personal datasets and business areas, over what ``who`` may see."""
    datasets = [a for a in list_assets(obs.meta, kind="dataset") if who.sees(a.classification)]
    sources = [a for a in list_assets(obs.meta, kind="source") if who.sees(a.classification)]
    layers = []
    for layer in LAYERS:
        held = [a for a in datasets if a.layer == layer]
        if held:
            layers.append(
                {
                    "layer": layer,
                    "datasets": len(held),
                    "rows": sum(_rows(a) for a in held),
                    "personal": sum(1 for a in held if a.personal),
                }
            )
    registered = [a for a in datasets if a.in_register]
    areas: dict[str, list[AssetRecord]] = defaultdict(list)
    for asset in registered:
        areas[asset.business_area or NO_AREA].append(asset)
    return {
        "sources": len(sources),
        "datasets": len(registered),
        "rows": sum(_rows(a) for a in registered),
        "personal_datasets": sum(1 for a in registered if a.personal),
        "raw_copies": sum(1 for a in datasets if a.layer == "raw"),
        "layers": layers,
        "business_areas": [
            {
                "business_area": area,
                "datasets": len(held),
                "rows": sum(_rows(a) for a in held),
                "personal": sum(1 for a in held if a.personal),
            }
            for area, held in sorted(areas.items(), key=lambda item: (item[0] == NO_AREA, item[0]))
        ],
    }


def _latest_runs(obs: Observatory) -> list[dict[str, Any]]:
    with obs.meta.session() as session:
        runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(LATEST_RUNS)).all()
        return [run_summary(run) for run in runs]


def _last_finished(obs: Observatory) -> str | None:
    with obs.meta.session() as session:
        when = session.scalar(select(func.max(Run.finished_at)).where(Run.status == "succeeded"))
    return when.isoformat() if when else None


def _links(who: Principal) -> list[dict[str, str]]:
    return [
        {"label": item.label, "href": item.href, "description": ACTIONS[item.action]}
        for item in NAV
        if item.href != "/" and who.allows(item.action)
    ]


def _quality(quality: dict[str, Any] | None) -> dict[str, Any] | None:
    """The overall quality and the datasets needing attention (low confidence or open alerts first)."""
    if quality is None:
        return None
    order = {"low": 0, None: 1, "medium": 2, "high": 3}
    attention = sorted(
        (row for row in quality["datasets"] if row["confidence"] != "high" or row["open_alerts"]),
        key=lambda row: (order[row["confidence"]], -row["open_alerts"], row["dataset"]),
    )
    return {
        **quality["summary"],
        "needs_attention": [
            {k: row[k] for k in ("dataset", "title", "href", "confidence", "score", "open_alerts")}
            for row in attention[:ATTENTION]
        ],
    }


def _kpis(obs: Observatory, who: Principal) -> dict[str, Any]:
    """How many KPIs are defined and computed, and those needing attention (for roles that read KPIs)."""
    if not who.allows("kpis.view"):
        return {"kpis": None, "kpis_needing_attention": []}
    found = kpis_needing_attention(obs)
    return {
        "kpis": {"defined": found["defined"], "computed": found["computed"]},
        "kpis_needing_attention": found["needing_attention"],
    }


def home_data(obs: Observatory, who: Principal, quality: dict[str, Any] | None) -> dict[str, Any]:
    """The home page's data for ``who``; ``quality`` is the quality overview (None when the role may not see it)."""
    may_see_runs = who.allows("runs.view")
    profile = who.profile
    return {
        "title": "Home",
        "project": obs.project.spec.name,
        "scope": {
            "classifications": sorted(profile.classifications) if profile else [],
            "note": "Counts cover only the data your role can see.",
        },
        "holdings": holdings(obs, who),
        "quality": _quality(quality),
        "runs_visible": may_see_runs,
        "latest_runs": _latest_runs(obs) if may_see_runs else [],
        "last_successful_run_at": _last_finished(obs),
        **_kpis(obs, who),
        "links": _links(who),
    }


@page(router, "/", "home.html", name="home", summary="Holdings, overall quality, latest runs, KPIs needing attention")
def home(request: Request, who: Annotated[Principal, Depends(Need("home.view"))]) -> dict[str, Any] | Response:
    obs: Observatory = request.app.state.obs

    def build() -> dict[str, Any]:
        quality = None
        if who.allows("quality.view"):
            quality = cached(request, who, "quality", lambda: quality_overview(obs, who))
        return home_data(obs, who, quality)

    def data() -> dict[str, Any]:
        return cached(request, who, "home", build)

    if is_api(request):  # the hot JSON endpoint: its encoded body is kept too
        body = cached(request, who, "home.json", lambda: JSONResponse(jsonable_encoder(data())).body)
        return Response(body, media_type="application/json")
    return data()
