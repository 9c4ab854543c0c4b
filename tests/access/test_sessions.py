"""Browser sessions (idle and absolute expiry, ending) and API tokens (hashed at rest, revocable)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from observatory.access.accounts import Account, add_user, set_disabled
from observatory.access.sessions import (
    TOKEN_PREFIX,
    create_token,
    end_session,
    list_tokens,
    live_sessions,
    resolve_session,
    resolve_token,
    revoke_tokens,
    start_session,
)
from observatory.config.models import AccessSpec
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import AuditQuery, entries
from observatory.meta.models import WebSession
from observatory.meta.store import MetaStore
from tests.access.conftest import ADMIN, PASSWORD


@pytest.fixture
def account(meta: MetaStore) -> Account:
    return add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)


def _stored(meta: MetaStore, table: str) -> str:
    """Every value of every row of ``table``, as one string (to look for secrets in)."""
    with meta.session() as session:
        rows = session.execute(text(f"SELECT * FROM {table}")).all()
    return " ".join(str(value) for row in rows for value in row)


def _created_at(meta: MetaStore, secret: str) -> datetime:
    with meta.session() as session:
        found = session.scalar(
            select(WebSession.created_at).where(WebSession.token_hash == hashlib.sha256(secret.encode()).hexdigest())
        )
    assert found is not None
    return found


def test_a_session_is_kept_only_as_the_hash_of_its_secret(
    meta: MetaStore, settings: AccessSpec, account: Account
) -> None:
    grant = start_session(meta, settings, account)
    assert len(grant.secret) >= 40
    stored = _stored(meta, "web_sessions")
    assert grant.secret not in stored
    assert hashlib.sha256(grant.secret.encode()).hexdigest() in stored
    found = resolve_session(meta, settings, grant.secret)
    assert found is not None and found.username == "jsmith"
    assert resolve_session(meta, settings, grant.secret + "x") is None


def test_a_session_ends_after_session_idle_minutes_without_a_request(
    meta: MetaStore, settings: AccessSpec, account: Account
) -> None:
    grant = start_session(meta, settings, account)
    start = _created_at(meta, grant.secret)
    idle = timedelta(minutes=settings.session_idle_minutes)
    assert resolve_session(meta, settings, grant.secret, now=start + idle - timedelta(seconds=1)) is not None
    # that request moved the idle expiry on: half an idle period later the session is still alive
    assert resolve_session(meta, settings, grant.secret, now=start + idle + idle / 2) is not None
    assert resolve_session(meta, settings, grant.secret, now=start + 3 * idle) is None


def test_an_idle_session_cannot_be_revived(meta: MetaStore, settings: AccessSpec, account: Account) -> None:
    grant = start_session(meta, settings, account)
    start = _created_at(meta, grant.secret)
    idle = timedelta(minutes=settings.session_idle_minutes)
    for late in (timedelta(seconds=1), timedelta(seconds=2), timedelta(minutes=5)):
        assert resolve_session(meta, settings, grant.secret, now=start + idle + late) is None


def test_a_session_ends_session_hours_after_sign_in_however_active(
    meta: MetaStore, settings: AccessSpec, account: Account
) -> None:
    grant = start_session(meta, settings, account)
    start = _created_at(meta, grant.secret)
    moment = start
    hard_end = start + timedelta(hours=settings.session_hours)
    while moment + timedelta(minutes=10) < hard_end:
        moment += timedelta(minutes=10)
        assert resolve_session(meta, settings, grant.secret, now=moment) is not None, moment - start
    assert resolve_session(meta, settings, grant.secret, now=hard_end + timedelta(seconds=1)) is None


def test_lowered_limits_apply_to_sessions_already_open(meta: MetaStore, settings: AccessSpec, account: Account) -> None:
    grant = start_session(meta, settings, account)
    start = _created_at(meta, grant.secret)
    stricter = settings.model_copy(update={"session_hours": 1, "session_idle_minutes": 5})
    assert resolve_session(meta, stricter, grant.secret, now=start + timedelta(minutes=4)) is not None
    assert resolve_session(meta, stricter, grant.secret, now=start + timedelta(minutes=10)) is None, "idle 6 min"
    moment = start + timedelta(minutes=4)
    while moment < start + timedelta(minutes=56):
        moment += timedelta(minutes=4)
        assert resolve_session(meta, stricter, grant.secret, now=moment) is not None
    assert resolve_session(meta, stricter, grant.secret, now=start + timedelta(minutes=61)) is None


def test_a_session_expiry_edited_in_the_store_is_obeyed(
    meta: MetaStore, settings: AccessSpec, account: Account
) -> None:
    grant = start_session(meta, settings, account)
    with meta.session() as session:
        for row in session.scalars(select(WebSession)):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert resolve_session(meta, settings, grant.secret) is None


def test_ended_sessions_and_disabled_users_are_refused(meta: MetaStore, settings: AccessSpec, account: Account) -> None:
    first, second = start_session(meta, settings, account), start_session(meta, settings, account)
    assert live_sessions(meta, "jsmith") == 2
    end_session(meta, first.secret)
    assert resolve_session(meta, settings, first.secret) is None
    assert resolve_session(meta, settings, second.secret) is not None
    assert live_sessions(meta, "jsmith") == 1
    set_disabled(meta, "jsmith", True, by=ADMIN)
    assert resolve_session(meta, settings, second.secret) is None
    assert live_sessions(meta, "jsmith") == 0


def test_a_token_is_kept_only_as_its_hash(meta: MetaStore, account: Account) -> None:
    token = create_token(meta, "jsmith", "nightly export", by=ADMIN)
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    stored = _stored(meta, "api_tokens") + _stored(meta, "audit_log")
    assert token not in stored and token[len(TOKEN_PREFIX) :] not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    found = resolve_token(meta, token)
    assert found is not None and found.username == "jsmith"
    [listed] = list_tokens(meta, "jsmith")
    assert listed["label"] == "nightly export" and listed["last_used_at"] is not None
    assert listed["revoked_at"] is None and set(listed) == {"label", "created_at", "last_used_at", "revoked_at"}


def test_revoked_unknown_and_malformed_tokens_are_refused(meta: MetaStore, account: Account) -> None:
    first = create_token(meta, "jsmith", "one", by=ADMIN)
    second = create_token(meta, "jsmith", "two", by=ADMIN)
    assert revoke_tokens(meta, "jsmith", by=ADMIN) == 2
    assert resolve_token(meta, first) is None and resolve_token(meta, second) is None
    assert revoke_tokens(meta, "jsmith", by=ADMIN) == 0
    assert resolve_token(meta, TOKEN_PREFIX + "made-up") is None
    assert resolve_token(meta, first[len(TOKEN_PREFIX) :]) is None, "a secret without our prefix is not a token"
    third = create_token(meta, "jsmith", "three", by=ADMIN)
    assert resolve_token(meta, third) is not None, "revoking does not stop new tokens"
    counts = [entry["detail"]["count"] for entry in entries(meta, AuditQuery(action="token.revoke"))[0]]
    assert counts == [0, 2]


def test_tokens_need_a_label_and_an_enabled_user(meta: MetaStore, account: Account) -> None:
    with pytest.raises(ObservatoryError, match="label"):
        create_token(meta, "jsmith", "   ", by=ADMIN)
    with pytest.raises(NotFoundError):
        create_token(meta, "ghost", "x", by=ADMIN)
    set_disabled(meta, "jsmith", True, by=ADMIN)
    with pytest.raises(ObservatoryError, match="disabled"):
        create_token(meta, "jsmith", "x", by=ADMIN)
    assert list_tokens(meta, "jsmith") == []
