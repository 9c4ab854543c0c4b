"""``observatory user`` and ``observatory audit`` end to end, plus ``serve`` and ``demo`` start-up checks."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.conftest import make_project
from typer.testing import CliRunner

from observatory import Observatory
from observatory.access.accounts import Actor, authenticate
from observatory.access.demo_users import DEMO_USERNAMES, reset_demo_users
from observatory.access.roles import ROLES
from observatory.access.sessions import resolve_token
from observatory.cli.main import app
from observatory.cli.users import RoleChoice

runner = CliRunner()
PASSWORD = "a long enough passphrase"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "council")


def _run(project: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "-p", str(project)], input=input, env={"USER": "tester", "COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def _json(project: Path, *args: str, input: str | None = None) -> Any:
    code, out, err = _run(project, *args, "--json", input=input)
    assert code == 0, out + err
    return json.loads(out)


def _signs_in(project: Path, username: str, password: str) -> bool:
    """Whether the password works (from an address of the user's own, so checks do not throttle each other)."""
    with Observatory.open(project) as obs:
        return authenticate(obs.meta, obs.project.spec.access, username, password, f"test-{username}") is not None


def test_the_role_choices_are_the_roles() -> None:
    assert [choice.value for choice in RoleChoice] == list(ROLES)


def test_user_add_prints_a_generated_password_once(project: Path) -> None:
    code, out, err = _run(project, "user", "add", "jsmith", "--role", "analyst", "--name", "Jo Smith")
    assert code == 0, out + err
    assert "Added jsmith (analyst)." in out and "shown only this once" in out
    password = out.strip().splitlines()[-1]
    assert len(password) >= 20 and _signs_in(project, "jsmith", password)

    [user] = _json(project, "user", "list")
    assert (user["username"], user["display_name"], user["role"], user["disabled"]) == (
        "jsmith",
        "Jo Smith",
        "analyst",
        False,
    )
    assert "password" not in user


def test_user_add_reads_the_password_from_stdin(project: Path) -> None:
    added = _json(project, "user", "add", "akhan", "--role", "steward", "--password-stdin", input=PASSWORD + "\n")
    assert added["password"] is None, "a password the caller chose is not echoed"
    assert _signs_in(project, "akhan", PASSWORD)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "add", "Bad Name", "--role", "viewer"], None, "lower-case"),
        (["user", "add", "jsmith", "--role", "viewer", "--password-stdin"], "short\n", "at least 12 characters"),
        (["user", "add", "jsmith", "--role", "viewer", "--password-stdin"], "", "no password"),
        (["user", "disable", "ghost"], None, "no user named 'ghost'"),
        (["user", "role", "ghost", "viewer"], None, "no user named 'ghost'"),
        (["user", "token", "ghost"], None, "no user named 'ghost'"),
        (["audit", "show", "--since", "last week"], None, "YYYY-MM-DD"),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(
    project: Path, args: list[str], stdin: str | None, message: str
) -> None:
    code, out, err = _run(project, *args, input=stdin)
    assert code == 2
    assert message in err and "Traceback" not in out + err


def test_an_unknown_role_is_refused_by_the_option(project: Path) -> None:
    code, _, err = _run(project, "user", "add", "jsmith", "--role", "boss")
    assert code == 2 and "'boss' is not one of" in err


def test_a_duplicate_user_exits_2(project: Path) -> None:
    _json(project, "user", "add", "jsmith", "--role", "viewer")
    code, _, err = _run(project, "user", "add", "jsmith", "--role", "admin")
    assert code == 2 and "already exists" in err


def test_disable_enable_role_password_token_and_revoke(project: Path) -> None:
    _json(project, "user", "add", "root", "--role", "admin")
    _json(project, "user", "add", "jsmith", "--role", "analyst", "--password-stdin", input=PASSWORD)

    issued = _json(project, "user", "token", "jsmith", "--label", "nightly job")
    assert issued["label"] == "nightly job" and issued["token"].startswith("obs_")
    with Observatory.open(project) as obs:
        assert resolve_token(obs.meta, issued["token"]) is not None

    assert _json(project, "user", "disable", "jsmith")["disabled"] is True
    assert not _signs_in(project, "jsmith", PASSWORD)
    with Observatory.open(project) as obs:
        assert resolve_token(obs.meta, issued["token"]) is None
    assert _json(project, "user", "enable", "jsmith")["disabled"] is False
    assert _signs_in(project, "jsmith", PASSWORD)

    assert _json(project, "user", "role", "jsmith", "steward")["role"] == "steward"
    code, _, err = _run(project, "user", "role", "root", "viewer")
    assert code == 2 and "only enabled administrator" in err

    reset = _json(project, "user", "password", "jsmith")
    assert not _signs_in(project, "jsmith", PASSWORD) and _signs_in(project, "jsmith", reset["password"])
    code, out, _ = _run(project, "user", "password", "jsmith", "--password-stdin", input=PASSWORD + "\n")
    assert code == 0 and PASSWORD not in out and _signs_in(project, "jsmith", PASSWORD)

    second = _json(project, "user", "token", "jsmith")
    assert _json(project, "user", "revoke", "jsmith") == {"username": "jsmith", "revoked": 1}
    with Observatory.open(project) as obs:
        assert resolve_token(obs.meta, second["token"]) is None

    code, out, _ = _run(project, "user", "list")
    assert code == 0 and re.search(r"jsmith\s.*steward\s.*enabled", out)


def test_changes_record_who_made_them(project: Path) -> None:
    _json(project, "user", "add", "jsmith", "--role", "analyst", "--by", "alice")
    _json(project, "user", "disable", "jsmith")
    shown = _json(project, "audit", "show", "--action", "user.add")
    assert shown["total"] == 1
    [added] = shown["entries"]
    assert (added["actor"], added["role"], added["target"]) == ("alice", "cli", "user:jsmith")
    [disabled] = _json(project, "audit", "show", "--user", "tester")["entries"]
    assert disabled["action"] == "user.disable"


def test_audit_show_filters_and_pages(project: Path) -> None:
    for name in ("ann", "bob", "cy"):
        _json(project, "user", "add", name, "--role", "viewer", "--by", "alice")
    assert _json(project, "audit", "show", "--limit", "2")["total"] == 3
    assert [e["target"] for e in _json(project, "audit", "show", "--limit", "2")["entries"]] == ["user:cy", "user:bob"]
    assert [e["target"] for e in _json(project, "audit", "show", "--offset", "2")["entries"]] == ["user:ann"]
    assert _json(project, "audit", "show", "--since", "2999-01-01")["total"] == 0
    assert _json(project, "audit", "show", "--since", "2000-01-01", "--outcome", "allowed")["total"] == 3
    assert _json(project, "audit", "show", "--outcome", "refused")["total"] == 0
    code, out, _ = _run(project, "audit", "show", "--user", "alice")
    assert code == 0 and "user.add" in out and "3 of 3 matching entries" in out


def test_audit_verify_exits_0_when_intact_and_1_naming_the_tampered_entry(project: Path) -> None:
    for name in ("ann", "bob", "cy", "dee"):
        _json(project, "user", "add", name, "--role", "viewer")
    code, out, _ = _run(project, "audit", "verify")
    assert code == 0 and "intact: 4 entries" in out
    head = re.search(r"[0-9a-f]{64}", out)
    assert head is not None
    verified = _json(project, "audit", "verify")
    assert verified == {"ok": True, "entries": 4, "head": head.group(0), "first_bad": None, "problem": ""}

    with Observatory.open(project) as obs, obs.meta.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text("UPDATE audit_log SET target = 'user:eve' WHERE seq = 2"))
    code, out, _ = _run(project, "audit", "verify")
    assert code == 1
    assert "tampered with at entry 2" in out and "changed" in out
    result = runner.invoke(app, ["audit", "verify", "--json", "-p", str(project)])
    assert result.exit_code == 1 and json.loads(result.stdout)["first_bad"] == 2


def test_audit_verify_with_a_kept_head_finds_entries_removed_from_the_end(project: Path) -> None:
    for name in ("ann", "bob", "cy"):
        _json(project, "user", "add", name, "--role", "viewer")
    head = _json(project, "audit", "verify")["head"]
    code, _, _ = _run(project, "audit", "verify", "--head", head)
    assert code == 0
    with Observatory.open(project) as obs, obs.meta.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    assert _run(project, "audit", "verify")[0] == 0, "a shorter chain is whole"
    code, out, _ = _run(project, "audit", "verify", "--head", head)
    assert code == 1 and "removed from the end" in out


def test_serve_refuses_to_start_without_the_web_assets(project: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["serve", "-p", str(project), "--workers", "2"], env={"OBSERVATORY_NODE_MODULES": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "web assets are not installed" in result.stderr and "make setup" in result.stderr


def test_serve_help_says_how_many_workers_suit_a_machine() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert "--workers" in result.stdout and "2 suit a 2-core machine" in result.stdout


def test_serving_lets_go_of_the_warehouse_the_command_opened(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``demo`` builds and then serves in the same process: the server must not keep the build's read-write
    warehouse connection, or every page reading the warehouse fails (and builds elsewhere are locked out)."""
    import uvicorn

    from observatory.cli.main import _serve
    from observatory.web.warehouse import read_warehouse

    answers = []

    def run(served: Any, **options: Any) -> None:
        with read_warehouse(served.state.obs) as connection:
            answers.append(connection.execute("SELECT 42").fetchone())

    monkeypatch.setattr(uvicorn, "run", run)
    with Observatory.open(project) as obs:
        obs.engine.list_tables("raw")  # what a build leaves open
        _serve(obs, "127.0.0.1", _free_port())
    assert answers == [(42,)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_with_two_workers_answers_and_shares_the_store(project: Path, tmp_path: Path) -> None:
    _json(project, "user", "add", "jsmith", "--role", "viewer", "--password-stdin", input=PASSWORD)
    token = _json(project, "user", "token", "jsmith")["token"]
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    command = Path(sys.executable).with_name("observatory")  # the console script people run
    server = subprocess.Popen(
        [str(command), "serve", "-p", str(project), "--port", str(port), "--workers", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/account", headers={"Authorization": f"Bearer {token}"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    body = json.load(response)
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(1)
        assert body is not None and body["user"]["username"] == "jsmith", (tmp_path / "serve.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


@pytest.mark.slow
def test_demo_gives_each_role_a_new_password_every_start(tmp_path: Path) -> None:
    from observatory.demo.generator import generate

    root = tmp_path / "demo"
    generate(root, residents=100, seed=3)
    result = runner.invoke(app, ["demo", str(root), "--no-serve"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout + result.stderr
    rows = re.findall(r"│ (\S+)\s+│ (\S+)\s+│ (\S+)\s+│", result.stdout.split("Demo sign-ins")[1])
    assert [(username, role) for username, role, _ in rows] == [(DEMO_USERNAMES[role], role) for role in ROLES]
    printed = {username: password for username, _, password in rows}
    assert set(printed) == {"viewer", "analyst", "steward", "ig-officer", "admin"}
    assert len(set(printed.values())) == 5 and all(len(password) >= 20 for password in printed.values())
    for username, password in printed.items():
        assert _signs_in(root, username, password)

    with Observatory.open(root) as obs:  # what the next start does, without building again
        again = {login.username: login.password for login in reset_demo_users(obs.meta, by=Actor("demo", "cli"))}
    for username, password in printed.items():
        assert again[username] != password
        assert not _signs_in(root, username, password) and _signs_in(root, username, again[username])
    assert _json(root, "audit", "verify")["ok"]
