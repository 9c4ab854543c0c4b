"""Signing in and out, and the signed-in person's own account page."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from observatory.access.accounts import authenticate
from observatory.access.roles import ACTIONS
from observatory.access.sessions import end_session, start_session
from observatory.meta.audit import AuditEvent, record
from observatory.web.auth import ANON_COOKIE, PUBLIC, SESSION_COOKIE, SIGNED_IN, Need, Principal, csrf_token
from observatory.web.errors import safe_next
from observatory.web.render import page, render_html

router = APIRouter()

VISITOR_COOKIE_SECONDS = 2 * 60 * 60


def secure_cookies(request: Request) -> bool:
    """Cookies are ``Secure`` over HTTPS and on loopback (which browsers treat as secure)."""
    host = request.url.hostname or ""
    return request.url.scheme == "https" or host in {"localhost", "127.0.0.1", "::1"}


def _login_page(request: Request, next_path: str, error: str = "", username: str = "", status: int = 200) -> Response:
    visitor = request.cookies.get(ANON_COOKIE) or secrets.token_urlsafe(24)
    who = Principal(None, "anonymous", visitor)
    request.state.principal = who
    data = {"title": "Sign in", "next": safe_next(next_path), "error": error, "username": username}
    response = render_html(request, "login.html", data, status=status)
    response.set_cookie(
        ANON_COOKIE,
        visitor,
        max_age=VISITOR_COOKIE_SECONDS,
        httponly=True,
        secure=secure_cookies(request),
        samesite="strict",
    )
    response.headers["x-csrf-token"] = csrf_token(request.app.state.secret, visitor)
    return response


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login_form(request: Request, who: Annotated[Principal, Depends(Need(PUBLIC))], next: str = "/") -> Response:
    if who.signed_in:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    who: Annotated[Principal, Depends(Need(PUBLIC))],
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    obs = request.app.state.obs
    settings = obs.project.spec.access
    address = request.client.host if request.client else "unknown"
    if not username or not password:
        return _login_page(request, next, "Enter your user name and password", username, status=400)
    account = authenticate(obs.meta, settings, username, password, address)
    if account is None:
        return _login_page(request, next, "The user name or password is not right", username, status=400)
    grant = start_session(obs.meta, settings, account)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        grant.secret,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=secure_cookies(request),
        samesite="lax",
    )
    response.delete_cookie(ANON_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, who: Annotated[Principal, Depends(Need(SIGNED_IN))]) -> Response:
    obs = request.app.state.obs
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        end_session(obs.meta, secret)
    record(obs.meta, AuditEvent(who.username, who.role, "auth.logout", "session"))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@page(router, "/account", "account.html", name="account", summary="The signed-in user, their role and what it allows")
def account(request: Request, who: Annotated[Principal, Depends(Need(SIGNED_IN))]) -> dict[str, Any]:
    role = who.profile
    assert who.account is not None and role is not None
    return {
        "title": "Your account",
        "user": who.account.to_dict(),
        "role": role.to_dict(),
        "allowed": [{"action": action, "means": ACTIONS[action]} for action in sorted(role.actions)],
    }
