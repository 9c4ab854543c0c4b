"""The demo council's sign-ins: one user per role, with a new random password every time the demo starts."""

from __future__ import annotations

from dataclasses import dataclass

from observatory.access.accounts import Actor, add_user, get_account, set_disabled, set_password, set_role
from observatory.access.passwords import generate_password
from observatory.access.roles import ROLES, profile
from observatory.errors import NotFoundError
from observatory.meta.store import MetaStore

DEMO_USERNAMES: dict[str, str] = {role: role.replace("_", "-") for role in ROLES}
"""Role -> user name: ``viewer``, ``analyst``, ``steward``, ``ig-officer``, ``admin``."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's sign-in, printed once when the demo starts (the password is kept nowhere else)."""

    username: str
    role: str
    password: str


def reset_demo_users(meta: MetaStore, *, by: Actor) -> list[DemoLogin]:
    """Make sure each demo user exists, is enabled and has its role, and give each a new random password.

    Every change is audited like any other account change. The administrator is seen to first, so the
    project always keeps an enabled administrator.
    """
    logins: dict[str, DemoLogin] = {}
    for role in reversed(ROLES):
        username, password = DEMO_USERNAMES[role], generate_password()
        try:
            account = get_account(meta, username)
        except NotFoundError:
            add_user(meta, username, role, password, by=by, display_name=f"Demo {profile(role).title.lower()}")
        else:
            if account.role != role:
                set_role(meta, username, role, by=by)
            if account.disabled:
                set_disabled(meta, username, False, by=by)
            set_password(meta, username, password, by=by)
        logins[role] = DemoLogin(username, role, password)
    return [logins[role] for role in ROLES]
