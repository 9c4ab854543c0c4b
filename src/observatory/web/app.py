"""The web application: GOV.UK-style pages and the JSON API over one opened project.

    create_app(obs)      the app (tests and ``observatory serve``)
    server.create()      the same, for uvicorn workers (``observatory serve --workers N``)

Each page's data is built once and served as HTML at ``/<path>`` and as JSON at ``/api/<path>`` (see
``render``); every route declares the action it needs (``auth.Need``); errors have one shape (``errors``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from observatory import __version__
from observatory.access.roles import check_profiles
from observatory.platform import Observatory
from observatory.web.assets import asset_dirs
from observatory.web.auth import DEFAULT_AUTHENTICATORS, Authenticator
from observatory.web.errors import install_error_handlers
from observatory.web.routes import ROUTERS
from observatory.web.secret import secret_key
from observatory.web.security import SecurityHeaders


def create_app(obs: Observatory, *, authenticators: tuple[Authenticator, ...] = DEFAULT_AUTHENTICATORS) -> FastAPI:
    """The app for one opened project; ``authenticators`` are tried in order (add single sign-on here)."""
    check_profiles()
    assets = asset_dirs()
    app = FastAPI(
        title=f"Observatory: {obs.project.spec.name}",
        version=__version__,
        description=(
            "The JSON twin of every Observatory page. Authenticate with `Authorization: Bearer <token>` "
            "(`observatory user token NAME`). Errors always have the shape "
            '`{"error": {"code": ..., "message": ..., "status": ...}}`.'
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.obs = obs
    app.state.secret = secret_key(obs.project.state_dir)
    app.state.authenticators = authenticators
    app.state.cache = {}
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    app.mount("/assets/govuk", StaticFiles(directory=assets.govuk), name="govuk-assets")
    app.mount("/assets/swagger", StaticFiles(directory=assets.swagger), name="swagger-assets")
    app.mount("/assets/static", StaticFiles(directory=assets.static), name="static-assets")
    for router in ROUTERS:
        app.include_router(router)
    return app
