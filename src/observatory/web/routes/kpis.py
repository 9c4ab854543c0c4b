"""``/kpis``: the route and navigation slot for governed KPIs (their pages come with the KPI issue)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from observatory.web.auth import Need, Principal
from observatory.web.render import page

router = APIRouter()


@page(router, "/kpis", "kpis.html", name="kpis", summary="Governed KPIs (none are defined yet)")
def kpis(request: Request, who: Annotated[Principal, Depends(Need("kpis.view"))]) -> dict[str, Any]:
    return {"title": "KPIs", "kpis": [], "needing_attention": []}
