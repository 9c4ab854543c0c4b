"""``/api/docs``: Swagger UI over the app's own OpenAPI schema, served from npm assets (no CDN)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from observatory.web.auth import PUBLIC, Need, Principal
from observatory.web.render import TEMPLATES

router = APIRouter()


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request, who: Annotated[Principal, Depends(Need(PUBLIC))]) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "docs.html", {"project": request.app.state.obs.project.spec.name})
