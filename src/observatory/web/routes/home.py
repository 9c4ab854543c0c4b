"""``/``: what the council holds, overall quality, the latest runs and the KPIs needing attention."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from observatory.web.auth import Need, Principal
from observatory.web.render import page

router = APIRouter()


@page(router, "/", "home.html", name="home", summary="Holdings, overall quality, latest runs, KPIs needing attention")
def home(request: Request, who: Annotated[Principal, Depends(Need("home.view"))]) -> dict[str, Any]:
    return {"title": "Home", "project": request.app.state.obs.project.spec.name}
