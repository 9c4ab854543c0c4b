"""One error shape everywhere: ``{"error": {"code", "message", "status"}}`` on the API, a GOV.UK error page on
HTML paths (and a redirect to sign in when nobody is)."""

from __future__ import annotations

from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from observatory.errors import ObservatoryError, SignInRequiredError
from observatory.web.render import is_api, render_html

log = structlog.get_logger(__name__)

TITLES = {
    400: "There is a problem",
    401: "Sign in",
    403: "You cannot see this page",
    404: "Page not found",
    405: "Not allowed",
    422: "There is a problem with the request",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is busy",
}

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "too_large"}


def error_body(status: int, code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def safe_next(path: str) -> str:
    """A local path to return to after sign-in (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _respond(request: Request, status: int, code: str, message: str, **extra: object) -> Response:
    headers = {}
    retry = extra.pop("retry_after", None)
    if retry is not None:
        headers["Retry-After"] = str(retry)
    if is_api(request):
        return JSONResponse(error_body(status, code, message, **extra), status_code=status, headers=headers)
    if status == 401:
        target = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    data = {"status": status, "code": code, "message": message, "title": TITLES.get(status, "There is a problem")}
    response = render_html(request, "error.html", data, status=status)
    response.headers.update(headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ObservatoryError)
    async def observatory_error(request: Request, exc: ObservatoryError) -> Response:
        extra: dict[str, object] = {}
        if hasattr(exc, "retry_after"):
            extra["retry_after"] = exc.retry_after
        if isinstance(exc, SignInRequiredError):
            return _respond(request, 401, exc.code, exc.message)
        return _respond(request, exc.status, exc.code, exc.message, **extra)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
        return _respond(request, exc.status_code, code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(part) for part in error.get("loc", ())), "problem": str(error.get("msg", ""))}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return _respond(request, 422, "invalid_request", f"The request is not valid: {summary}", issues=problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", path=request.url.path)
        return _respond(request, 500, "internal_error", "Something went wrong on our side. It has been logged.")
