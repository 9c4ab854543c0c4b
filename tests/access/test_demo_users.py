"""The demo's sign-ins: one user per role, put right and given a new random password on every start."""

from __future__ import annotations

from observatory.access.accounts import add_user, authenticate, get_account, set_disabled, set_role
from observatory.access.demo_users import DEMO_USERNAMES, reset_demo_users
from observatory.access.roles import ROLES
from observatory.config.models import AccessSpec
from observatory.meta.audit import verify
from observatory.meta.store import MetaStore
from tests.access.conftest import ADMIN, PASSWORD


def test_demo_users_are_made_once_per_role_with_random_passwords(meta: MetaStore, settings: AccessSpec) -> None:
    first = reset_demo_users(meta, by=ADMIN)
    assert [(login.username, login.role) for login in first] == [
        ("viewer", "viewer"),
        ("analyst", "analyst"),
        ("steward", "steward"),
        ("ig-officer", "ig_officer"),
        ("admin", "admin"),
    ]
    second = reset_demo_users(meta, by=ADMIN)
    for old, new in zip(first, second, strict=True):
        assert old.password != new.password and len(new.password) >= 20
        assert authenticate(meta, settings, new.username, old.password, f"a-{new.username}") is None
        assert authenticate(meta, settings, new.username, new.password, f"b-{new.username}") is not None
    assert verify(meta).ok


def test_demo_users_changed_since_are_put_right(meta: MetaStore) -> None:
    add_user(meta, "other-admin", "admin", PASSWORD, by=ADMIN)
    reset_demo_users(meta, by=ADMIN)
    set_role(meta, "steward", "viewer", by=ADMIN)
    set_disabled(meta, "analyst", True, by=ADMIN)
    set_role(meta, "admin", "analyst", by=ADMIN)
    reset_demo_users(meta, by=ADMIN)
    for role in ROLES:
        account = get_account(meta, DEMO_USERNAMES[role])
        assert (account.role, account.disabled) == (role, False)
