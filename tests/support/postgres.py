"""A throwaway PostgreSQL server for tests, started from the machine's own server binaries.

``throwaway_postgres()`` makes a temporary folder, runs ``initdb`` and ``pg_ctl start -w``
(as the ``postgres`` OS user when we are root, since ``initdb`` refuses to run as root),
creates one database, yields a :class:`PostgresServer` and, whatever happens, stops the
server and removes the folder afterwards.

The server listens on a free TCP port on 127.0.0.1 only, plus a Unix socket in a private
folder inside the temporary folder; authentication is ``trust`` on exactly those two.
Durability is switched off (``fsync=off`` and friends): the data is thrown away anyway.

If the binaries are not installed, :func:`require_postgres_bindir` skips the test on a
developer's machine but fails it when ``CI=true``: under CI nothing may silently skip.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql

log = logging.getLogger(__name__)

SERVER_USER = "postgres"
HOST = "127.0.0.1"
DEFAULT_DATABASE = "observatory_test"
START_TIMEOUT = 60  # seconds: pg_ctl start -w, and then our own connection check
STOP_TIMEOUT = 30
_PORT_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it
_PORT_CLASH = re.compile(r"could not bind|Address already in use|could not create any TCP/IP sockets")


class PostgresStartError(RuntimeError):
    """The throwaway server could not be set up; the message carries the command output and server log."""


def running_under_ci() -> bool:
    """True when ``CI`` says so (``CI=true``, as ``.ci/run`` sets it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing_prerequisite(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail under ``CI=true``, where tests must never skip."""
    if running_under_ci():
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: str) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,); unknown shapes sort first
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".")) if re.fullmatch(r"\d+(\.\d+)*", version) else ()


def find_postgres_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, else the newest /usr/lib/postgresql/*/bin.

    On Debian ``pg_config`` may come from ``libpq-dev`` and report ``/usr/bin``, which has no
    ``initdb``; each candidate is therefore checked for the server binaries.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(result.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)]
    return next((c for c in candidates if _has_server_binaries(c)), None)


def require_postgres_bindir() -> Path:
    """The server binaries' folder, or skip (laptop) / fail (``CI=true``) with the reason."""
    bindir = find_postgres_bindir()
    if bindir is None:
        missing_prerequisite(
            "no PostgreSQL server binaries (initdb, pg_ctl) found via `pg_config --bindir` or "
            "/usr/lib/postgresql/*/bin; install Debian's `postgresql-15` package"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            missing_prerequisite(
                f"running as root, and initdb refuses root, but there is no {SERVER_USER!r} OS user to run it as"
            )
        if not (shutil.which("runuser") or shutil.which("su")):
            missing_prerequisite(f"running as root, and neither runuser nor su is available to become {SERVER_USER!r}")
    return bindir


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway server; ``url()`` gives SQLAlchemy/MetaStore URLs for its databases."""

    bindir: Path
    root: Path
    port: int
    database: str = DEFAULT_DATABASE
    host: str = HOST
    user: str = SERVER_USER
    startup_seconds: float = field(default=0.0)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str | None = None) -> str:
        """``postgresql://postgres@127.0.0.1:PORT/DATABASE`` (MetaStore maps it to psycopg 3)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database or self.database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit psycopg connection over TCP, for admin work such as ``CREATE DATABASE``."""
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=database, autocommit=True, connect_timeout=10
        )

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connection a test forgot to close."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError as error:
            return f"(no server log at {self.log_file}: {error})"


def _clean_env() -> dict[str, str]:
    # PGDATA, PGPORT, PGHOST ... from the caller's shell must not steer the throwaway server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as the ``postgres`` OS user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVER_USER, "--", *command]
    su = shutil.which("su")
    assert su is not None, "require_postgres_bindir() checks for runuser or su"
    return [su, SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _run(command: list[str], server: PostgresServer, what: str, timeout: float) -> subprocess.CompletedProcess[str]:
    full = _as_server_user(command)
    try:
        result = subprocess.run(
            full, cwd=server.root, env=_clean_env(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise PostgresStartError(_report(f"{what} timed out after {timeout}s", full, server, error)) from error
    if result.returncode != 0:
        raise PostgresStartError(_report(f"{what} exited with {result.returncode}", full, server, result))
    return result


def _report(
    headline: str,
    command: list[str],
    server: PostgresServer,
    outcome: subprocess.CompletedProcess[str] | subprocess.TimeoutExpired | None,
) -> str:
    def text(value: str | bytes | None) -> str:
        return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")

    parts = [f"throwaway PostgreSQL: {headline}", f"command: {shlex.join(command)}"]
    if outcome is not None:
        parts += [f"stdout:\n{text(outcome.stdout)}", f"stderr:\n{text(outcome.stderr)}"]
    parts.append(f"server log ({server.log_file}):\n{server.log_text()}")
    return "\n".join(parts)


def _make_root() -> Path:
    """A fresh temporary folder the server user owns (and can reach: every parent must be traversable)."""
    root = Path(tempfile.mkdtemp(prefix="observatory-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        reachable = subprocess.run(_as_server_user(["test", "-w", str(root)]), env=_clean_env(), check=False)
        if reachable.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresStartError(
                f"throwaway PostgreSQL: {SERVER_USER!r} cannot write to {root}; a parent folder of "
                f"TMPDIR={tempfile.gettempdir()} is probably not traversable by other users"
            )
    return root


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _configure(server: PostgresServer) -> None:
    """Listen on 127.0.0.1 and a private socket folder only; trust exactly those; no durability."""
    settings = {
        "listen_addresses": _quote(HOST),
        "port": str(server.port),
        "unix_socket_directories": _quote(str(server.socket_dir)),
        "unix_socket_permissions": "0700",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "100",
        # not UTC on purpose: timestamptz values come back with a +01:00 offset in summer,
        # which catches code that assumes the database hands back UTC
        "timezone": _quote("Europe/London"),
        "log_timezone": _quote("UTC"),
    }
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# throwaway test server (tests/support/postgres.py)\n")
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    # Replace initdb's pg_hba.conf (which also trusts ::1 and replication) with exactly what we need.
    (server.data_dir / "pg_hba.conf").write_text(
        "# TYPE  DATABASE  USER  ADDRESS       METHOD\nlocal   all       all                 trust\n"
        f"host    all       all   {HOST}/32  trust\n"
    )


def _wait_until_accepting(server: PostgresServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with server.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise PostgresStartError(
                    _report(f"server not accepting TCP connections after {timeout}s: {error}", [], server, None)
                ) from error
            time.sleep(0.1)


def _postmaster_pid(server: PostgresServer) -> int | None:
    try:
        return int((server.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop(server: PostgresServer) -> None:
    """Stop the server (fast, then immediate, then SIGKILL of the postmaster we started) and remove its folder."""
    try:
        if (server.data_dir / "postmaster.pid").exists():
            for mode in ("fast", "immediate"):
                command = [str(server.bindir / "pg_ctl"), "stop", "-D", str(server.data_dir), "-m", mode, "-w"]
                command += ["-t", str(STOP_TIMEOUT), "-s"]
                try:
                    _run(command, server, f"pg_ctl stop -m {mode}", timeout=STOP_TIMEOUT + 10)
                    break
                except PostgresStartError as error:
                    log.warning("%s", error)
            else:
                pid = _postmaster_pid(server)
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
        if server.root.exists():
            log.warning("could not remove the throwaway PostgreSQL folder %s", server.root)


def start(bindir: Path, database: str = DEFAULT_DATABASE) -> PostgresServer:
    """initdb, start and create ``database``; on any failure everything is cleaned up and the log is in the error."""
    began = time.monotonic()
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        server = PostgresServer(bindir=bindir, root=_make_root(), port=free_port(), database=database)
        try:
            _run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(server.data_dir),
                    "-U",
                    SERVER_USER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                    "--no-instructions",
                ],
                server,
                "initdb",
                timeout=120,
            )
            server.socket_dir.mkdir(mode=0o700)
            _configure(server)
            if os.geteuid() == 0:
                entry = pwd.getpwnam(SERVER_USER)
                for path in (server.socket_dir, server.data_dir / "postgresql.conf", server.data_dir / "pg_hba.conf"):
                    os.chown(path, entry.pw_uid, entry.pw_gid)
            start_command = [str(bindir / "pg_ctl"), "start", "-D", str(server.data_dir), "-l", str(server.log_file)]
            start_command += ["-w", "-t", str(START_TIMEOUT), "-s"]
            try:
                _run(start_command, server, "pg_ctl start", timeout=START_TIMEOUT + 10)
            except PostgresStartError:
                if attempt < _PORT_ATTEMPTS and _PORT_CLASH.search(server.log_text()):
                    log.warning("port %s was taken before PostgreSQL could bind it; retrying", server.port)
                    stop(server)
                    continue
                raise
            _wait_until_accepting(server, START_TIMEOUT)
            server.create_database(database)
        except BaseException:
            stop(server)
            raise
        server.startup_seconds = time.monotonic() - began
        log.info("throwaway PostgreSQL on port %s ready in %.2fs", server.port, server.startup_seconds)
        return server
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def throwaway_postgres(bindir: Path | None = None, database: str = DEFAULT_DATABASE) -> Iterator[PostgresServer]:
    """A running server for the duration of the ``with`` block; stopped and removed afterwards, also on failure."""
    server = start(bindir or require_postgres_bindir(), database)
    try:
        yield server
    finally:
        stop(server)
