"""One page, two forms: each view builds its data once; ``/api/<path>`` returns it as JSON, ``/<path>`` as HTML.

``page`` registers a GET view at both paths; ``action`` registers a form POST at both paths (the HTML one
redirects after success, so a reload never repeats it). Templates use the GOV.UK Frontend Jinja macros.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from observatory.quality.html import share, signed_points
from observatory.web.auth import CSRF_FIELD, Principal, csrf_token, principal

TEMPLATE_DIR = Path(__file__).parent / "templates"
API_PREFIX = "/api"

View = TypeVar("View", bound=Callable[..., Any])


def _environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATE_DIR)),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["thousands"] = lambda value: "" if value is None else f"{value:,}"
    env.filters["percent"] = lambda value, places=1: "" if value is None else f"{100 * value:.{places}f}%"
    env.filters["when"] = lambda value: "" if not value else str(value)[:16].replace("T", " ")
    env.filters["share"] = share  # a quality share, rounded down to 0.1% as the quality method states
    env.filters["points"] = signed_points  # a change in percentage points: +1.2, −3.0
    return env


TEMPLATES = Jinja2Templates(env=_environment())


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    action: str


NAV = (
    NavItem("Home", "/", "home.view"),
    NavItem("Catalogue", "/catalogue", "catalogue.view"),
    NavItem("Quality", "/quality", "quality.view"),
    NavItem("KPIs", "/kpis", "kpis.view"),
    NavItem("Residents", "/residents", "residents.view"),
    NavItem("Clerical review", "/review", "review.view"),
    NavItem("Runs", "/runs", "runs.view"),
    NavItem("Audit", "/audit", "audit.view"),
    NavItem("Users", "/users", "users.manage"),
)
"""The service navigation; each person sees the items their role allows."""


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def base_context(request: Request, who: Principal | None = None) -> dict[str, Any]:
    """What every template gets: the person, their navigation, the CSRF field, the project."""
    who = who or principal(request)
    path = request.url.path
    nav = [
        {
            "text": item.label,
            "href": item.href,
            "active": path == item.href or (item.href != "/" and path.startswith(item.href)),
        }
        for item in NAV
        if who.allows(item.action)
    ]
    token = csrf_token(request.app.state.secret, who.binding) if who.binding else ""
    return {
        "who": who,
        "nav": nav,
        "csrf_field": CSRF_FIELD,
        "csrf_token": token,
        "project": request.app.state.obs.project.spec.name,
        "purposes": request.app.state.obs.project.spec.access.purposes,
    }


def render_html(request: Request, template: str, data: Any, *, status: int = 200) -> HTMLResponse:
    context = {**base_context(request), "data": data}
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def respond(request: Request, template: str, data: Any, *, status: int = 200) -> Response:
    """``data`` as JSON on an API path, else rendered with ``template``."""
    if is_api(request):
        return JSONResponse(jsonable_encoder(data), status_code=status)
    return render_html(request, template, data, status=status)


def _request_of(kwargs: dict[str, Any]) -> Request:
    request = kwargs.get("request")
    if not isinstance(request, Request):
        raise TypeError("a view must take `request: Request`")
    return request


def _response_model(view: Callable[..., Any]) -> Any:
    """The view's return type for the OpenAPI schema, or None when it may return a ``Response`` itself (a
    ``dict | Response`` annotation is not a model FastAPI can build)."""
    try:
        annotation = inspect.signature(view, eval_str=True).return_annotation
    except NameError:  # an annotation only importable for type checkers: no model
        return None
    if annotation is inspect.Signature.empty:
        return None

    def mentions_response(kind: Any) -> bool:
        if isinstance(kind, type) and issubclass(kind, Response):
            return True
        return any(mentions_response(arg) for arg in typing.get_args(kind))

    return None if mentions_response(annotation) else annotation


def page(router: APIRouter, path: str, template: str, *, name: str, summary: str = "") -> Callable[[View], View]:
    """Register a GET view returning data at ``/api<path>`` (JSON, in the OpenAPI schema) and ``<path>`` (HTML)."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def endpoint(*args: Any, **kwargs: Any) -> Response:
            data = view(*args, **kwargs)
            return data if isinstance(data, Response) else respond(_request_of(kwargs), template, data)

        api_path = API_PREFIX + (path if path != "/" else "/home")
        router.add_api_route(
            api_path,
            endpoint,
            methods=["GET"],
            name=f"api.{name}",
            summary=summary or None,
            response_model=_response_model(view),
        )
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            name=name,
            include_in_schema=False,
            response_class=HTMLResponse,
            response_model=None,
        )
        return view

    return register


def action(
    router: APIRouter, path: str, *, name: str, then: Callable[[Any], str], summary: str = ""
) -> Callable[[View], View]:
    """Register a form POST at ``/api<path>`` (returns the result as JSON) and ``<path>`` (redirects to ``then``)."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def endpoint(*args: Any, **kwargs: Any) -> Response:
            data = view(*args, **kwargs)
            if isinstance(data, Response):  # e.g. a form shown again with its mistakes
                return data
            request = _request_of(kwargs)
            if is_api(request):
                return JSONResponse(jsonable_encoder(data))
            return RedirectResponse(then(data), status_code=303)

        router.add_api_route(
            API_PREFIX + path,
            endpoint,
            methods=["POST"],
            name=f"api.{name}",
            summary=summary or None,
            response_model=_response_model(view),
        )
        router.add_api_route(path, endpoint, methods=["POST"], name=name, include_in_schema=False, response_model=None)
        return view

    return register
