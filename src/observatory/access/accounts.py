"""Local user accounts: add, list, disable, change role or password, and sign in (throttled and audited)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from observatory.access.passwords import hash_password, needs_rehash, password_problem, verify_password
from observatory.access.roles import profile
from observatory.config.models import AccessSpec
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import AuditEvent, append
from observatory.meta.models import ApiToken, LoginAttempt, User, WebSession
from observatory.meta.store import MetaStore

_PG_ATTEMPTS_LOCK = 7_263_002  # one advisory lock serialises sign-in checks on PostgreSQL

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")
DISPLAY_NAME_MAX = 100
ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    """A user as the rest of Observatory sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.username, user.display_name, user.role, user.disabled, user.created_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Actor:
    """Who makes a governance change, for the audit trail: a user name and role, or the command line."""

    username: str
    role: str


def _now() -> datetime:
    return datetime.now(UTC)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user named {username!r}")
    return user


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be a user name, or None."""
    if USERNAME.match(username):
        return None
    return "a user name has 2 to 63 lower-case letters, digits, '.', '_' or '-', and starts with a letter"


def display_name_problem(display_name: str) -> str | None:
    """Why ``display_name`` cannot be a display name, or None."""
    name = " ".join(display_name.split())
    if len(name) > DISPLAY_NAME_MAX:
        return f"a display name has at most {DISPLAY_NAME_MAX} characters"
    if not name.isprintable():
        return "a display name cannot hold control characters"
    return None


def add_user(meta: MetaStore, username: str, role: str, password: str, *, by: Actor, display_name: str = "") -> Account:
    """Create a user; the name must be new and the password long enough. Audited."""
    problem = username_problem(username)
    if problem:
        raise ObservatoryError(f"user name {username!r}: {problem}")
    profile(role)
    problem = display_name_problem(display_name)
    if problem:
        raise ObservatoryError(f"user {username}: {problem}")
    name = " ".join(display_name.split()) or username
    problem = password_problem(password)
    if problem:
        raise ObservatoryError(f"user {username}: {problem}")
    now = _now()
    taken = ObservatoryError(f"a user named {username!r} already exists")
    try:
        with meta.session() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise taken
            user = User(
                username=username,
                display_name=name,
                role=role,
                password_hash=hash_password(password),
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
            session.add(user)
            session.flush()
            append(session, AuditEvent(by.username, by.role, "user.add", f"user:{username}", detail={"role": role}))
            return Account.of(user)
    except IntegrityError:  # the same name added at the same moment by someone else
        raise taken from None


def list_users(meta: MetaStore) -> list[Account]:
    with meta.session() as session:
        return [Account.of(user) for user in session.scalars(select(User).order_by(User.username))]


def get_account(meta: MetaStore, username: str) -> Account:
    with meta.session() as session:
        return Account.of(_user(session, username))


def _end_access(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None)).values(ended_at=now)
    )
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )


def _keep_an_admin(session: Session, user: User, action: str) -> None:
    """Refuse to disable or demote the last enabled administrator (nobody could manage users any more)."""
    if user.role != ADMIN or user.disabled:
        return
    others = session.scalar(
        select(func.count()).select_from(User).where(User.role == ADMIN, User.disabled.is_(False), User.id != user.id)
    )
    if not others:
        raise ObservatoryError(f"cannot {action} {user.username}: they are the only enabled administrator")


def set_disabled(meta: MetaStore, username: str, disabled: bool, *, by: Actor) -> Account:
    """Disable (ending every session and revoking every token) or enable a user. Audited."""
    now = _now()
    with meta.session() as session:
        user = _user(session, username)
        if user.disabled == disabled:
            return Account.of(user)
        if disabled:
            _keep_an_admin(session, user, "disable")
            _end_access(session, user.id, now)
        user.disabled = disabled
        action = "user.disable" if disabled else "user.enable"
        append(session, AuditEvent(by.username, by.role, action, f"user:{username}"))
        return Account.of(user)


def set_role(meta: MetaStore, username: str, role: str, *, by: Actor) -> Account:
    """Change a user's role; their sessions end so the new profile applies at once. Audited."""
    profile(role)
    now = _now()
    with meta.session() as session:
        user = _user(session, username)
        before = user.role
        if before == role:
            return Account.of(user)
        _keep_an_admin(session, user, "change the role of")
        user.role = role
        session.execute(
            update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None)).values(ended_at=now)
        )
        append(
            session,
            AuditEvent(by.username, by.role, "user.role", f"user:{username}", detail={"before": before, "after": role}),
        )
        return Account.of(user)


def set_password(meta: MetaStore, username: str, password: str, *, by: Actor) -> None:
    """Set a new password; every session of the user ends. Audited (never the password)."""
    problem = password_problem(password)
    if problem:
        raise ObservatoryError(f"user {username}: {problem}")
    now = _now()
    with meta.session() as session:
        user = _user(session, username)
        user.password_hash = hash_password(password)
        user.password_changed_at = now
        session.execute(
            update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None)).values(ended_at=now)
        )
        append(session, AuditEvent(by.username, by.role, "user.password", f"user:{username}"))


class ThrottledError(ObservatoryError):
    """Too many failed sign-ins for this user name or address; try again later."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        self.retry_after = retry_after


def _retry_after(session: Session, settings: AccessSpec, username: str, address: str, now: datetime) -> int:
    """Seconds until another attempt is allowed (0 when it is allowed now).

    Failures count within ``lockout_minutes``, per user name (since that name last signed in successfully)
    and per address (a success from an address does not clear it, so one account cannot unlock guessing
    at others).
    """
    window = now - timedelta(minutes=settings.lockout_minutes)
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at >= window
        )
    )
    per_name: list[ColumnElement[bool]] = [LoginAttempt.username == username]
    if last_success is not None:
        per_name.append(LoginAttempt.attempted_at > last_success)
    worst = 0
    for scope in (per_name, [LoginAttempt.address == address]):
        failures = session.execute(
            select(func.count(), func.min(LoginAttempt.attempted_at)).where(
                *scope, LoginAttempt.attempted_at >= window, LoginAttempt.succeeded.is_(False)
            )
        ).one()
        if failures[0] >= settings.max_failed_logins:
            oldest: datetime = failures[1]
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            worst = max(worst, int((oldest + timedelta(minutes=settings.lockout_minutes) - now).total_seconds()) + 1)
    return worst


def _hold_attempts(session: Session) -> None:
    """Hold the sign-in attempts until the transaction ends, so that attempts made at the same moment are
    checked against the limit one after the other (never all against the same count).

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write that changes nothing starts the write
    transaction (waiting up to the busy timeout).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_ATTEMPTS_LOCK})
    else:
        session.execute(text("UPDATE login_attempts SET id = id WHERE 0 = 1"))


def authenticate(meta: MetaStore, settings: AccessSpec, username: str, password: str, address: str) -> Account | None:
    """The account for a correct user name and password, or None; throttled per name and per address.

    Raises ``ThrottledError`` before checking the password once too many attempts failed recently. Every
    attempt is kept for throttling and written to the audit trail (never the password). An attempt counts as
    failed from the moment it is allowed until its password proves right, so guesses sent side by side are
    held to the limit too.
    """
    username = username.strip().lower()[:100]
    address = address[:64]
    now = _now()
    with meta.session() as session:
        _hold_attempts(session)
        wait = _retry_after(session, settings, username, address, now)
        if wait:
            append(
                session,
                AuditEvent(username or "-", "-", "auth.login", "session", "refused", detail={"reason": "throttled"}),
            )
            throttled = ThrottledError(wait)
        else:
            throttled = None
            attempt = LoginAttempt(username=username, address=address, attempted_at=now, succeeded=False)
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
    if throttled:
        raise throttled
    with meta.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        good = verify_password(user.password_hash if user else None, password)
        ok = bool(user and good and not user.disabled)
        if ok:
            session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
        reason = "" if ok else ("disabled" if user and good else "wrong user name or password")
        append(
            session,
            AuditEvent(
                username or "-",
                user.role if user else "-",
                "auth.login",
                "session",
                "allowed" if ok else "refused",
                detail={"reason": reason} if reason else {},
            ),
        )
        if not ok or user is None:
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return Account.of(user)
