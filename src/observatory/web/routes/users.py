"""``/users``: administrators add users, change their role, disable or enable them, reset passwords, revoke tokens.

Every change goes through ``access.accounts`` / ``access.sessions``, which audit it in the same transaction.
A new or reset password is shown once, in the response to the form that made it (never in a URL, never
stored); the page is not cached (``Cache-Control: no-store`` on every page).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from observatory.access.accounts import (
    Account,
    add_user,
    display_name_problem,
    get_account,
    list_users,
    set_disabled,
    set_password,
    set_role,
    username_problem,
)
from observatory.access.passwords import generate_password
from observatory.access.roles import PROFILES, ROLES
from observatory.access.sessions import list_tokens, live_sessions, revoke_tokens
from observatory.errors import ObservatoryError
from observatory.web.auth import Need, Principal
from observatory.web.render import API_PREFIX, action, is_api, page, render_html

router = APIRouter()

MANAGE = "users.manage"
Manager = Annotated[Principal, Depends(Need(MANAGE))]

DONE = {
    "role": "The role was changed. Their sessions have ended, so the new role applies when they next sign in.",
    "disabled": "The user was disabled. Their sessions have ended and their API tokens were revoked.",
    "enabled": "The user was enabled. They can sign in again.",
    "revoked": "Their API tokens were revoked.",
}
"""Messages shown after a change (only these: the ``done`` query parameter picks one, it is never shown as is)."""


def _roles() -> list[dict[str, str]]:
    return [{"name": role, "title": PROFILES[role].title, "description": PROFILES[role].description} for role in ROLES]


def _user_href(username: str) -> str:
    return f"/users/{quote(username, safe='')}"


def _list_data(
    errors: dict[str, str] | None = None, form: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"title": "Users", "roles": _roles(), "errors": errors or {}, "form": form or {}, **extra}


@page(router, "/users", "users/list.html", name="users", summary="Every user: role, whether disabled, when added")
def users_page(request: Request, who: Manager) -> dict[str, Any]:
    accounts = list_users(request.app.state.obs.meta)
    return _list_data(users=[account.to_dict() for account in accounts])


def _form_errors(username: str, role: str, display_name: str) -> dict[str, str]:
    found = {
        "username": username_problem(username) if username else "Enter a user name",
        "role": None if role in ROLES else "Choose a role",
        "display_name": display_name_problem(display_name),
    }
    return {field: _sentence(problem) for field, problem in found.items() if problem}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _add(
    request: Request,
    who: Manager,
    username: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Add a user with a generated password, shown once in this response (the HTML form does not redirect)."""
    meta = request.app.state.obs.meta
    username = username.strip()
    errors = _form_errors(username, role, display_name)
    password = generate_password()
    if not errors:
        try:
            account = add_user(meta, username, role, password, by=who.actor, display_name=display_name)
        except ObservatoryError as exc:  # the name is taken
            if is_api(request):
                raise
            errors = {"username": _sentence(exc.message)}
    if errors:
        if is_api(request):
            raise ObservatoryError("; ".join(f"{field}: {problem}" for field, problem in errors.items()))
        form = {"username": username, "role": role, "display_name": display_name}
        users = [found.to_dict() for found in list_users(meta)]
        return render_html(request, "users/list.html", _list_data(errors, form, users=users), status=400)
    return _password_shown(request, account, password, created=True)


def _password_shown(request: Request, account: Account, password: str, *, created: bool) -> Response:
    data = {"user": account.to_dict(), "password": password}
    if is_api(request):
        return JSONResponse(jsonable_encoder(data), status_code=201 if created else 200)
    title = "User added" if created else "Password reset"
    return render_html(request, "users/password.html", {**data, "title": title, "created": created})


router.add_api_route(
    API_PREFIX + "/users",
    _add,
    methods=["POST"],
    name="api.users.add",
    summary="Add a user; the response carries their generated password, the only time it is shown",
    status_code=201,
)
router.add_api_route("/users", _add, methods=["POST"], name="users.add", include_in_schema=False)


@page(router, "/users/{username}", "users/user.html", name="user", summary="One user: role, sessions and API tokens")
def user_page(request: Request, who: Manager, username: str, done: str = "") -> dict[str, Any]:
    meta = request.app.state.obs.meta
    account = get_account(meta, username)
    return {
        "title": f"User {account.username}",
        "user": account.to_dict(),
        "live_sessions": live_sessions(meta, account.username),
        "tokens": list_tokens(meta, account.username),
        "roles": _roles(),
        "done": DONE.get(done, ""),
        "is_you": account.username == who.username,
    }


def _changed(data: dict[str, Any]) -> str:
    return f"{_user_href(data['username'])}?done={data['done']}"


@action(router, "/users/{username}/role", name="user.role", then=_changed, summary="Change a user's role")
def change_role(
    request: Request, who: Manager, username: str, role: Annotated[str, Form(max_length=40)]
) -> dict[str, Any]:
    account = set_role(request.app.state.obs.meta, username, role, by=who.actor)
    return {**account.to_dict(), "done": "role"}


@action(router, "/users/{username}/disable", name="user.disable", then=_changed, summary="Disable a user")
def disable(request: Request, who: Manager, username: str) -> dict[str, Any]:
    account = set_disabled(request.app.state.obs.meta, username, True, by=who.actor)
    return {**account.to_dict(), "done": "disabled"}


@action(router, "/users/{username}/enable", name="user.enable", then=_changed, summary="Enable a disabled user")
def enable(request: Request, who: Manager, username: str) -> dict[str, Any]:
    account = set_disabled(request.app.state.obs.meta, username, False, by=who.actor)
    return {**account.to_dict(), "done": "enabled"}


@action(router, "/users/{username}/revoke", name="user.revoke", then=_changed, summary="Revoke a user's API tokens")
def revoke(request: Request, who: Manager, username: str) -> dict[str, Any]:
    count = revoke_tokens(request.app.state.obs.meta, username, by=who.actor)
    return {"username": username, "revoked": count, "done": "revoked"}


def _reset_password(request: Request, who: Manager, username: str) -> Response:
    """Give a user a new generated password, shown once in this response; their sessions end."""
    meta = request.app.state.obs.meta
    password = generate_password()
    set_password(meta, username, password, by=who.actor)
    return _password_shown(request, get_account(meta, username), password, created=False)


router.add_api_route(
    API_PREFIX + "/users/{username}/password",
    _reset_password,
    methods=["POST"],
    name="api.user.password",
    summary="Reset a user's password; the response carries the new one, the only time it is shown",
)
router.add_api_route(
    "/users/{username}/password",
    _reset_password,
    methods=["POST"],
    name="user.password",
    include_in_schema=False,
    response_class=HTMLResponse,
)
