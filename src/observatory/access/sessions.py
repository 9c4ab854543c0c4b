"""Browser sessions and machine tokens: random secrets given out once, kept only as their SHA-256.

A session ends after ``session_idle_minutes`` without a request or ``session_hours`` after sign-in, whichever
comes first, at sign-out, or when the user is disabled or changes role or password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from observatory.access.accounts import Account, Actor
from observatory.config.models import AccessSpec
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import AuditEvent, append
from observatory.meta.models import ApiToken, User, WebSession
from observatory.meta.store import MetaStore

TOKEN_PREFIX = "obs_"  # noqa: S105 (a prefix that marks our tokens, not a secret)
LABEL_MAX = 100
TOUCH_EVERY = timedelta(seconds=60)
"""Activity is written at most this often per session (so reading pages does not mean writing the store)."""


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens and session ids; passwords use argon2)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionGrant:
    """A new session: the secret goes in the cookie, only its digest is stored."""

    secret: str
    expires_at: datetime


def start_session(meta: MetaStore, settings: AccessSpec, account: Account) -> SessionGrant:
    now = _now()
    secret = secrets.token_urlsafe(32)
    expires = min(now + timedelta(minutes=settings.session_idle_minutes), now + timedelta(hours=settings.session_hours))
    with meta.session() as session:
        session.add(
            WebSession(
                token_hash=digest(secret), user_id=account.id, created_at=now, last_seen_at=now, expires_at=expires
            )
        )
    return SessionGrant(secret, expires)


def resolve_session(
    meta: MetaStore, settings: AccessSpec, secret: str, *, now: datetime | None = None
) -> Account | None:
    """The account of a live session, sliding its idle expiry forward; None when unknown, ended or expired.

    Expired means past the stored expiry or past either limit as configured now, so lowering
    ``session_hours`` or ``session_idle_minutes`` applies at once to sessions already open.
    """
    now = now or _now()
    with meta.session() as session:
        row = session.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == digest(secret))
        ).first()
        if row is None:
            return None
        web_session, user = row
        hard_end = web_session.created_at + timedelta(hours=settings.session_hours)
        idle_end = web_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
        # the stored expiry, and the limits as configured now (they may have been lowered since sign-in)
        if web_session.ended_at is not None or user.disabled or now >= min(web_session.expires_at, hard_end, idle_end):
            return None
        if now - web_session.last_seen_at >= TOUCH_EVERY:
            web_session.last_seen_at = now
            web_session.expires_at = min(now + timedelta(minutes=settings.session_idle_minutes), hard_end)
        return Account.of(user)


def end_session(meta: MetaStore, secret: str) -> None:
    with meta.session() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest(secret), WebSession.ended_at.is_(None))
            .values(ended_at=_now())
        )


def create_token(meta: MetaStore, username: str, name: str, *, by: Actor) -> str:
    """A new API token for ``username``; the returned secret is shown once and never stored. Audited.

    ``name`` says what the token is for (a script, a dashboard), so it can be told apart and revoked.
    """
    name = " ".join(name.split())
    if not name or len(name) > LABEL_MAX:
        raise ObservatoryError(f"a token's label needs 1 to {LABEL_MAX} characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with meta.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        if user.disabled:
            raise ObservatoryError(f"user {username} is disabled; enable them before giving them a token")
        session.add(ApiToken(token_hash=digest(secret), user_id=user.id, name=name, created_at=_now()))
        append(session, AuditEvent(by.username, by.role, "token.create", f"user:{username}", detail={"name": name}))
    return secret


def revoke_tokens(meta: MetaStore, username: str, *, by: Actor) -> int:
    """Revoke every live token of ``username``; how many were revoked. Audited."""
    with meta.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        result = session.execute(
            update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=_now())
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        append(session, AuditEvent(by.username, by.role, "token.revoke", f"user:{username}", detail={"count": count}))
        return count


def resolve_token(meta: MetaStore, secret: str) -> Account | None:
    """The account of a live API token, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = _now()
    with meta.session() as session:
        row = session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest(secret))
        ).first()
        if row is None:
            return None
        token, user = row
        if token.revoked_at is not None or user.disabled:
            return None
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            token.last_used_at = now
        return Account.of(user)


def list_tokens(meta: MetaStore, username: str) -> list[dict[str, Any]]:
    """A user's tokens, newest first: label and dates only (the secret was never kept)."""
    with meta.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
        return [
            {
                "label": token.name,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            }
            for token in tokens
        ]


def live_sessions(meta: MetaStore, username: str, *, now: datetime | None = None) -> int:
    """How many browser sessions of ``username`` are open now."""
    now = now or _now()
    with meta.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(WebSession)
            .join(User, User.id == WebSession.user_id)
            .where(User.username == username, WebSession.ended_at.is_(None), WebSession.expires_at > now)
        )
        return int(count or 0)
