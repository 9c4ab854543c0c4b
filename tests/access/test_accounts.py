"""Local accounts on both metadata backends: adding, signing in, disabling, roles, passwords, the last admin."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from observatory.access.accounts import (
    Actor,
    add_user,
    authenticate,
    get_account,
    list_users,
    set_disabled,
    set_password,
    set_role,
)
from observatory.access.sessions import create_token, resolve_session, resolve_token, start_session
from observatory.config.models import AccessSpec
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import AuditQuery, entries, verify
from observatory.meta.models import User
from observatory.meta.store import MetaStore
from tests.access.conftest import ADMIN, PASSWORD


def _audit(meta: MetaStore, action: str) -> list[dict[str, Any]]:
    return entries(meta, AuditQuery(action=action))[0]


def test_add_user_keeps_an_argon2id_hash_never_the_password(meta: MetaStore) -> None:
    account = add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN, display_name="  Jo   Smith ")
    assert (account.username, account.role, account.display_name, account.disabled) == (
        "jsmith",
        "analyst",
        "Jo Smith",
        False,
    )
    with meta.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "jsmith"))
        every_cell = [
            str(value)
            for table in ("users", "audit_log")
            for row in session.execute(text(f"SELECT * FROM {table}"))
            for value in row
        ]
    assert stored is not None and stored.startswith("$argon2id$")
    assert not any(PASSWORD in cell for cell in every_cell)
    assert "password" not in str(account.to_dict())


def test_add_user_is_audited_with_who_did_it(meta: MetaStore) -> None:
    add_user(meta, "jsmith", "steward", PASSWORD, by=Actor("alice", "admin"))
    [entry] = _audit(meta, "user.add")
    assert (entry["actor"], entry["role"], entry["target"], entry["detail"]) == (
        "alice",
        "admin",
        "user:jsmith",
        {"role": "steward"},
    )
    assert verify(meta).ok


@pytest.mark.parametrize(
    ("username", "role", "password", "display_name", "problem"),
    [
        ("Jsmith", "analyst", PASSWORD, "", "lower-case"),
        ("j", "analyst", PASSWORD, "", "2 to 63"),
        ("1smith", "analyst", PASSWORD, "", "starts with a letter"),
        ("j smith", "analyst", PASSWORD, "", "lower-case"),
        ("jsmith", "superuser", PASSWORD, "", "unknown role 'superuser'"),
        ("jsmith", "analyst", "short-pass", "", "at least 12 characters"),
        ("jsmith", "analyst", PASSWORD, "x" * 101, "at most 100 characters"),
        ("jsmith", "analyst", PASSWORD, "Jo\x00Smith", "control characters"),
    ],
)
def test_add_user_refuses_bad_input(
    meta: MetaStore, username: str, role: str, password: str, display_name: str, problem: str
) -> None:
    with pytest.raises(ObservatoryError, match=problem):
        add_user(meta, username, role, password, by=ADMIN, display_name=display_name)
    assert list_users(meta) == []
    assert _audit(meta, "user.add") == []


def test_add_user_refuses_a_name_already_taken(meta: MetaStore) -> None:
    add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)
    with pytest.raises(ObservatoryError, match="already exists"):
        add_user(meta, "jsmith", "admin", PASSWORD + "2", by=ADMIN)
    assert [account.role for account in list_users(meta)] == ["analyst"]


def test_authenticate_right_wrong_unknown_and_disabled(meta: MetaStore, settings: AccessSpec) -> None:
    add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)
    found = authenticate(meta, settings, " JSmith ", PASSWORD, "10.0.0.1")
    assert found is not None and found.username == "jsmith"
    assert authenticate(meta, settings, "jsmith", PASSWORD + "!", "10.0.0.1") is None
    assert authenticate(meta, settings, "nobody", PASSWORD, "10.0.0.1") is None
    set_disabled(meta, "jsmith", True, by=ADMIN)
    assert authenticate(meta, settings, "jsmith", PASSWORD, "10.0.0.1") is None

    outcomes = [(e["actor"], e["outcome"], e["detail"].get("reason")) for e in _audit(meta, "auth.login")]
    assert outcomes == [
        ("jsmith", "refused", "disabled"),
        ("nobody", "refused", "wrong user name or password"),
        ("jsmith", "refused", "wrong user name or password"),
        ("jsmith", "allowed", None),
    ]
    assert not any(PASSWORD in str(entry) for entry in entries(meta)[0])


def test_disable_ends_sessions_and_revokes_tokens(meta: MetaStore, settings: AccessSpec) -> None:
    account = add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)
    grant = start_session(meta, settings, account)
    token = create_token(meta, "jsmith", "script", by=ADMIN)
    assert resolve_session(meta, settings, grant.secret) is not None
    assert resolve_token(meta, token) is not None

    assert set_disabled(meta, "jsmith", True, by=ADMIN).disabled
    assert resolve_session(meta, settings, grant.secret) is None
    assert resolve_token(meta, token) is None

    set_disabled(meta, "jsmith", False, by=ADMIN)
    assert resolve_session(meta, settings, grant.secret) is None, "an ended session stays ended"
    assert resolve_token(meta, token) is None, "a revoked token stays revoked"
    assert authenticate(meta, settings, "jsmith", PASSWORD, "10.0.0.1") is not None
    assert [e["action"] for e in entries(meta)[0][:2]] == ["auth.login", "user.enable"]


def test_disabling_twice_changes_and_records_nothing(meta: MetaStore) -> None:
    add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)
    set_disabled(meta, "jsmith", True, by=ADMIN)
    set_disabled(meta, "jsmith", True, by=ADMIN)
    assert len(_audit(meta, "user.disable")) == 1


def test_role_change_ends_sessions_so_the_new_role_applies(meta: MetaStore, settings: AccessSpec) -> None:
    account = add_user(meta, "jsmith", "steward", PASSWORD, by=ADMIN)
    grant = start_session(meta, settings, account)
    token = create_token(meta, "jsmith", "script", by=ADMIN)

    assert set_role(meta, "jsmith", "viewer", by=Actor("alice", "admin")).role == "viewer"
    assert resolve_session(meta, settings, grant.secret) is None
    via_token = resolve_token(meta, token)
    assert via_token is not None and via_token.role == "viewer", "a token acts with the user's current role"
    [entry] = _audit(meta, "user.role")
    assert entry["detail"] == {"before": "steward", "after": "viewer"}
    with pytest.raises(ObservatoryError, match="unknown role"):
        set_role(meta, "jsmith", "boss", by=ADMIN)


def test_password_change_ends_sessions_and_replaces_the_password(meta: MetaStore, settings: AccessSpec) -> None:
    account = add_user(meta, "jsmith", "analyst", PASSWORD, by=ADMIN)
    grant = start_session(meta, settings, account)
    with pytest.raises(ObservatoryError, match="at least 12"):
        set_password(meta, "jsmith", "too-short", by=ADMIN)
    set_password(meta, "jsmith", "a brand new passphrase", by=ADMIN)
    assert resolve_session(meta, settings, grant.secret) is None
    assert authenticate(meta, settings, "jsmith", PASSWORD, "10.0.0.1") is None
    assert authenticate(meta, settings, "jsmith", "a brand new passphrase", "10.0.0.1") is not None
    [entry] = _audit(meta, "user.password")
    assert entry["detail"] == {}


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(meta: MetaStore) -> None:
    add_user(meta, "root", "admin", PASSWORD, by=ADMIN)
    with pytest.raises(ObservatoryError, match="only enabled administrator"):
        set_disabled(meta, "root", True, by=ADMIN)
    with pytest.raises(ObservatoryError, match="only enabled administrator"):
        set_role(meta, "root", "analyst", by=ADMIN)
    add_user(meta, "second", "admin", PASSWORD, by=ADMIN)
    set_role(meta, "root", "analyst", by=ADMIN)
    with pytest.raises(ObservatoryError, match="only enabled administrator"):
        set_disabled(meta, "second", True, by=ADMIN)
    assert get_account(meta, "second").disabled is False


def test_unknown_users_are_not_found(meta: MetaStore) -> None:
    for change in (
        lambda: set_disabled(meta, "ghost", True, by=ADMIN),
        lambda: set_role(meta, "ghost", "viewer", by=ADMIN),
        lambda: set_password(meta, "ghost", PASSWORD, by=ADMIN),
        lambda: get_account(meta, "ghost"),
    ):
        with pytest.raises(NotFoundError, match="no user named 'ghost'"):
            change()
