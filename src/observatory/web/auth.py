"""Who is asking, and may they: pluggable authenticators, the ``Need`` guard every route declares, CSRF.

Authenticators are tried in order (``app.state.authenticators``): an API token in ``Authorization: Bearer``,
then the session cookie. Single sign-on (OpenID Connect, e.g. Microsoft Entra ID) is one more login route that
calls ``start_session`` after checking the identity provider's token, plus nothing else: routes only ever see
a ``Principal``.

Every route depends on ``Need(action)`` (``Need(PUBLIC)`` for sign-in, ``Need(SIGNED_IN)`` for any account);
the authorisation tests walk the route table and fail for a route without one.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal, Protocol

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from observatory.access.accounts import Account, Actor
from observatory.access.roles import RoleProfile, profile
from observatory.access.sessions import digest, resolve_session, resolve_token
from observatory.errors import AccessError, SignInRequiredError
from observatory.platform import Observatory

SESSION_COOKIE = "observatory_session"
ANON_COOKIE = "observatory_visitor"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

PUBLIC = "public"
SIGNED_IN = "signed_in"


@dataclass(frozen=True)
class Principal:
    """The person (or machine) behind a request."""

    account: Account | None
    via: Literal["session", "token", "anonymous"]
    binding: str
    """What CSRF tokens are bound to: the session's digest, or the visitor cookie before sign-in."""

    @property
    def signed_in(self) -> bool:
        return self.account is not None

    @property
    def profile(self) -> RoleProfile | None:
        return profile(self.account.role) if self.account else None

    @property
    def username(self) -> str:
        return self.account.username if self.account else "anonymous"

    @property
    def role(self) -> str:
        return self.account.role if self.account else "anonymous"

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)

    def allows(self, action: str) -> bool:
        if action == PUBLIC:
            return True
        role = self.profile
        if role is None:
            return False
        return action == SIGNED_IN or role.allows(action)

    def sees(self, classification: str) -> bool:
        role = self.profile
        return role is not None and role.sees(classification)


class Authenticator(Protocol):
    """Finds the account behind a request, or None to let the next authenticator try."""

    def __call__(self, obs: Observatory, request: Request) -> Principal | None: ...


def bearer_token(obs: Observatory, request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    account = resolve_token(obs.meta, secret.strip())
    if account is None:
        raise SignInRequiredError("The API token is not valid (unknown, revoked, or its user is disabled).")
    return Principal(account, "token", "")


def session_cookie(obs: Observatory, request: Request) -> Principal | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    account = resolve_session(obs.meta, obs.project.spec.access, secret)
    if account is None:
        return None
    return Principal(account, "session", digest(secret))


DEFAULT_AUTHENTICATORS: tuple[Authenticator, ...] = (bearer_token, session_cookie)


def principal(request: Request) -> Principal:
    """The principal of this request (worked out once and kept on ``request.state``)."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is not None:
        return found
    obs: Observatory = request.app.state.obs
    for authenticate in request.app.state.authenticators:
        found = authenticate(obs, request)
        if found is not None:
            break
    else:
        found = Principal(None, "anonymous", request.cookies.get(ANON_COOKIE, ""))
    request.state.principal = found
    return found


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token for forms of a session (or a visitor before sign-in)."""
    return hmac.new(secret, f"csrf|{binding}".encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request, who: Principal) -> None:
    """Refuse a state-changing request from a browser without the right CSRF token (tokens need none)."""
    if request.method in SAFE_METHODS or who.via == "token":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = csrf_token(request.app.state.secret, who.binding) if who.binding else ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise AccessError(
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
            code="csrf_failed",
        )


class Need:
    """A route's access rule: the action it needs (``PUBLIC``, ``SIGNED_IN`` or one of ``roles.ACTIONS``)."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __repr__(self) -> str:
        return f"Need({self.action!r})"

    async def __call__(self, request: Request) -> Principal:
        who = await run_in_threadpool(principal, request)  # the store is read off the event loop
        if self.action != PUBLIC and not who.signed_in:
            raise SignInRequiredError()
        if not who.allows(self.action):
            raise AccessError(f"Your role ({who.role}) does not allow this ({self.action}).")
        await check_csrf(request, who)
        return who
