"""The throwaway PostgreSQL helper itself (tests/support/postgres.py): set-up, isolation, clean-up."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import psycopg
import pytest

from tests.support import postgres
from tests.support.postgres import PostgresServer, PostgresStartError, throwaway_postgres


def test_missing_binaries_skip_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "find_postgres_bindir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server binaries"):
        postgres.require_postgres_bindir()


def test_missing_binaries_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "find_postgres_bindir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI=true"):
        postgres.require_postgres_bindir()


def test_bindir_has_the_server_binaries() -> None:
    bindir = postgres.find_postgres_bindir()
    if bindir is None:
        postgres.missing_prerequisite("no PostgreSQL server binaries")
    assert all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


@pytest.mark.postgres
def test_session_server_is_private_and_on_loopback(postgres_server: PostgresServer, postgres_url: str) -> None:
    assert postgres_url == f"postgresql://postgres@127.0.0.1:{postgres_server.port}/observatory_test"
    with postgres_server.connect("observatory_test") as conn:
        settings = {str(n): str(v) for n, v in conn.execute("SELECT name, setting FROM pg_settings").fetchall()}
        version = conn.execute("SHOW server_version_num").fetchone()
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["port"] == str(postgres_server.port)
    assert settings["unix_socket_directories"] == str(postgres_server.socket_dir)
    assert settings["server_encoding"] == "UTF8"
    assert version is not None
    assert int(str(version[0])) >= 150000
    assert stat.S_IMODE(postgres_server.socket_dir.stat().st_mode) == 0o700
    assert postgres_server.log_file.is_file()
    if os.geteuid() == 0:  # initdb ran as the postgres user, not as root
        assert postgres_server.data_dir.stat().st_uid != 0
    # trust is for 127.0.0.1 only: initdb's ::1 and replication lines are gone
    hba = [
        line.split()
        for line in (postgres_server.data_dir / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert hba == [["local", "all", "all", "trust"], ["host", "all", "all", "127.0.0.1/32", "trust"]]


@pytest.mark.postgres
def test_create_and_drop_database(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("helper_check")
    assert url.endswith("/helper_check")
    leftover = postgres_server.connect("helper_check")  # a connection a test forgot to close
    try:
        postgres_server.drop_database("helper_check")
    finally:
        leftover.close()
    with postgres_server.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = 'helper_check'").fetchone() == (0,)


@pytest.mark.postgres
@pytest.mark.slow  # starts its own server(s)
def test_server_is_stopped_and_removed_even_when_the_block_fails(postgres_server: PostgresServer) -> None:
    class BoomError(Exception):
        pass

    seen: list[PostgresServer] = []
    with pytest.raises(BoomError), throwaway_postgres(postgres_server.bindir, database="other") as second:
        seen.append(second)
        assert second.port != postgres_server.port
        with psycopg.connect(second.url()) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("other",)
        raise BoomError

    (second,) = seen
    assert not second.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(second.url(), connect_timeout=2).close()


@pytest.mark.postgres
@pytest.mark.slow  # starts its own server(s)
def test_a_taken_port_is_retried(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        real_free_port = postgres.free_port
        monkeypatch.setattr(postgres, "free_port", lambda: next(ports, None) or real_free_port())
        with throwaway_postgres(postgres_server.bindir) as server:
            assert server.port != taken
            with server.connect() as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.postgres
@pytest.mark.slow  # starts its own server(s)
def test_a_failed_start_reports_the_server_log_and_cleans_up(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots: list[Path] = []
    real_make_root = postgres._make_root

    def recording_make_root() -> Path:
        roots.append(real_make_root())
        return roots[-1]

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        monkeypatch.setattr(postgres, "free_port", lambda: squatter.getsockname()[1])
        monkeypatch.setattr(postgres, "_make_root", recording_make_root)
        monkeypatch.setattr(postgres, "_PORT_ATTEMPTS", 1)  # one try is enough to see the report
        with pytest.raises(PostgresStartError) as failure:
            postgres.start(postgres_server.bindir)

    message = str(failure.value)
    assert "pg_ctl start exited with" in message
    assert "server log" in message
    assert "Address already in use" in message  # the log itself, not just our summary
    assert len(roots) == 1
    assert not any(root.exists() for root in roots)
