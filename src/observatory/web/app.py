"""The web application. For now one page: the sources and their loads (full app: the web issue).

Each page's data is built once and served as HTML at ``/`` and as JSON at ``/api/...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from observatory import __version__
from observatory.errors import ObservatoryError
from observatory.ingest.status import project_status
from observatory.platform import Observatory

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def create_app(obs: Observatory) -> FastAPI:
    """The app for one opened project."""
    app = FastAPI(
        title=f"Observatory: {obs.project.spec.name}",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )

    @app.exception_handler(ObservatoryError)
    async def _error(_request: Request, exc: ObservatoryError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.get("/api/status")
    def api_status() -> dict[str, Any]:
        """Sources, datasets, their current loads and latest attempts."""
        return project_status(obs)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "status.html", {"status": project_status(obs)})

    return app
