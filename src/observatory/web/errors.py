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
from observatory.web.auth import Principal, principal
from observatory.web.render import is_api, render_html
from observatory.web.security import secure

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
    """A local path to return to after sign-in (never another site): it starts with one ``/`` and holds no
    backslash or control character (browsers drop tabs and newlines from a URL, so a slash, a tab and a slash
    would lead to another site)."""
    local = path.startswith("/") and not path.startswith("//")
    return path if local and not any(char == "\\" or ord(char) < 0x20 or ord(char) == 0x7F for char in path) else "/"


def _visitor(request: Request) -> None:
    """Make sure the error page can be drawn for whoever asked, even when their credentials are the problem."""
    try:
        principal(request)
    except ObservatoryError:
        request.state.principal = Principal(None, "anonymous", "")


def _respond(
    request: Request, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    headers = dict(headers or {})
    retry = extra.pop("retry_after", None)
    if retry is not None:
        headers["Retry-After"] = str(retry)
    if is_api(request):
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="observatory"')
        return JSONResponse(error_body(status, code, message, **extra), status_code=status, headers=headers)
    if status == 401 and "authorization" not in request.headers:  # a browser: off to sign in
        target = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    _visitor(request)
    data = {"status": status, "code": code, "message": message, "title": TITLES.get(status, "There is a problem")}
    response = render_html(request, "error.html", data, status=status)
    response.headers.update(headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ObservatoryError)
    async def observatory_error(request: Request, exc: ObservatoryError) -> Response:
        if isinstance(exc, SignInRequiredError):
            return _respond(request, 401, exc.code, exc.message)
        return _respond(request, exc.status, exc.code, exc.message, retry_after=getattr(exc, "retry_after", None))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
        return _respond(request, exc.status_code, code, message, headers=dict(exc.headers or {}))

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
        """Called outside the middleware (by Starlette's outermost layer), so it adds the security headers."""
        log.exception("unhandled error", path=request.url.path)
        message = "Something went wrong on our side. It has been logged."
        try:
            response = _respond(request, 500, "internal_error", message)
        except Exception:  # drawing the error page failed too: the plain shape
            log.exception("error page failed", path=request.url.path)
            response = JSONResponse(error_body(500, "internal_error", message), status_code=500)
        response.raw_headers = secure(list(response.raw_headers), request.scope)
        return response
