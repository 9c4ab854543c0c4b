"""``observatory user``: local accounts, their roles, passwords and API tokens. Every change is audited."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from observatory.access.accounts import Account, Actor, add_user, list_users, set_disabled, set_password, set_role
from observatory.access.passwords import generate_password
from observatory.access.sessions import create_token, revoke_tokens
from observatory.cli.options import ByOption, JsonOption, ProjectOption, who
from observatory.cli.output import console, emit, user_errors
from observatory.errors import ObservatoryError
from observatory.meta.audit import CLI_ROLE
from observatory.platform import Observatory

user_app = typer.Typer(
    help="User accounts: add them, give them a role, disable them, set passwords, give machines API tokens.",
    no_args_is_help=True,
)


class RoleChoice(StrEnum):
    """The roles of ``access.roles.ROLES`` (a test keeps them equal)."""

    viewer = "viewer"
    analyst = "analyst"
    steward = "steward"
    ig_officer = "ig_officer"
    admin = "admin"


NameArgument = Annotated[str, typer.Argument(help="The user name.")]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (else a random one is made and shown once).",
    ),
]


def _actor(by: str | None) -> Actor:
    return Actor(who(by), CLI_ROLE)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated here (and so must be shown)."""
    if not from_stdin:
        return generate_password(), True
    # typed by a person at a terminal: do not echo it
    line = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ObservatoryError("--password-stdin: standard input had no password on its first line")
    return line, False


def _show_password(username: str, password: str) -> None:
    console.print(f"Password for {escape(username)} (shown only this once; give it to them securely):", highlight=False)
    console.print(escape(password), highlight=False, soft_wrap=True)


def _state(account: Account) -> str:
    return "disabled" if account.disabled else "enabled"


@user_app.command("add")
def add_command(
    username: NameArgument,
    role: Annotated[RoleChoice, typer.Option("--role", help="What the user may see and do.")],
    name: Annotated[str, typer.Option("--name", help="Display name (default: the user name).")] = "",
    password_stdin: PasswordStdinOption = False,
    by: ByOption = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Add a user with a role. Without --password-stdin a random password is made and printed once."""
    with user_errors(as_json), Observatory.open(project) as obs:
        password, generated = _password(password_stdin)
        account = add_user(obs.meta, username, role.value, password, by=_actor(by), display_name=name)
    data = {**account.to_dict(), "password": password if generated else None}

    def render() -> None:
        console.print(f"Added {escape(account.username)} ({account.role}).", highlight=False)
        if generated:
            _show_password(account.username, password)

    emit(data, as_json, render)


@user_app.command("list")
def list_command(project: ProjectOption = Path(), as_json: JsonOption = False) -> None:
    """List users: role, whether they are disabled, when they were added."""
    with user_errors(as_json), Observatory.open(project) as obs:
        accounts = list_users(obs.meta)

    def render() -> None:
        if not accounts:
            console.print("No users yet. Add one with: observatory user add NAME --role admin")
            return
        table = Table("user name", "name", "role", "state", "added")
        for account in accounts:
            table.add_row(
                escape(account.username),
                escape(account.display_name),
                account.role,
                _state(account),
                account.created_at.strftime("%Y-%m-%d %H:%M"),
            )
        console.print(table)

    emit([account.to_dict() for account in accounts], as_json, render)


def _set_disabled(username: str, disabled: bool, by: str | None, project: Path, as_json: bool) -> None:
    with user_errors(as_json), Observatory.open(project) as obs:
        account = set_disabled(obs.meta, username, disabled, by=_actor(by))
    emit(
        account.to_dict(),
        as_json,
        lambda: console.print(f"{escape(account.username)} is {_state(account)}.", highlight=False),
    )


@user_app.command("disable")
def disable_command(
    username: NameArgument, by: ByOption = None, project: ProjectOption = Path(), as_json: JsonOption = False
) -> None:
    """Disable a user: they cannot sign in, their sessions end and their API tokens are revoked."""
    _set_disabled(username, True, by, project, as_json)


@user_app.command("enable")
def enable_command(
    username: NameArgument, by: ByOption = None, project: ProjectOption = Path(), as_json: JsonOption = False
) -> None:
    """Enable a disabled user again (their old API tokens stay revoked)."""
    _set_disabled(username, False, by, project, as_json)


@user_app.command("role")
def role_command(
    username: NameArgument,
    role: Annotated[RoleChoice, typer.Argument(help="The new role.")],
    by: ByOption = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Change a user's role; their sessions end so the new role applies at once."""
    with user_errors(as_json), Observatory.open(project) as obs:
        account = set_role(obs.meta, username, role.value, by=_actor(by))
    emit(
        account.to_dict(),
        as_json,
        lambda: console.print(f"{escape(account.username)} is now {account.role}.", highlight=False),
    )


@user_app.command("password")
def password_command(
    username: NameArgument,
    password_stdin: PasswordStdinOption = False,
    by: ByOption = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Set a user's password (a random one, printed once, unless --password-stdin); their sessions end."""
    with user_errors(as_json), Observatory.open(project) as obs:
        password, generated = _password(password_stdin)
        set_password(obs.meta, username, password, by=_actor(by))
    data = {"username": username, "password": password if generated else None}

    def render() -> None:
        console.print(f"Set a new password for {escape(username)}; their sessions have ended.", highlight=False)
        if generated:
            _show_password(username, password)

    emit(data, as_json, render)


@user_app.command("token")
def token_command(
    username: NameArgument,
    label: Annotated[str, typer.Option("--label", help="What the token is for (a script, a dashboard).")] = "cli",
    by: ByOption = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Make an API token for a user and print it once (send it as `Authorization: Bearer TOKEN`)."""
    with user_errors(as_json), Observatory.open(project) as obs:
        token = create_token(obs.meta, username, label, by=_actor(by))

    def render() -> None:
        console.print(
            f"API token '{escape(label)}' for {escape(username)} (shown only this once; only its hash is kept):",
            highlight=False,
        )
        console.print(token, highlight=False, soft_wrap=True, markup=False)

    emit({"username": username, "label": label, "token": token}, as_json, render)


@user_app.command("revoke")
def revoke_command(
    username: NameArgument, by: ByOption = None, project: ProjectOption = Path(), as_json: JsonOption = False
) -> None:
    """Revoke every API token of a user (their browser sessions are not affected; use disable for that)."""
    with user_errors(as_json), Observatory.open(project) as obs:
        count = revoke_tokens(obs.meta, username, by=_actor(by))
    emit(
        {"username": username, "revoked": count},
        as_json,
        lambda: console.print(
            f"Revoked {count} API token{'s' if count != 1 else ''} of {escape(username)}.", highlight=False
        ),
    )
