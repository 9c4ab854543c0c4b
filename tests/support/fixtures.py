"""Pytest plugin: a session-wide throwaway PostgreSQL server and per-test metadata-store URLs.

Enable it once for the whole suite in ``tests/conftest.py``::

    pytest_plugins = ["tests.support.fixtures"]

Fixtures:

``postgres_server`` (session)
    The running :class:`tests.support.postgres.PostgresServer`. Started on first use only, so a
    run that needs no PostgreSQL never starts one. Skips on a laptop without the binaries;
    fails under ``CI=true``.
``postgres_url`` (session)
    ``postgresql://postgres@127.0.0.1:PORT/observatory_test`` on that server.
``meta_url`` (function, parametrised ``sqlite`` / ``postgresql``)
    A URL of a brand-new, empty database for one test: an SQLite file in ``tmp_path``, or a
    database made with ``CREATE DATABASE`` on the session server and dropped afterwards. The
    ``postgresql`` case carries ``pytest.mark.postgres``, so ``-m "not postgres"`` leaves it out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, require_postgres_bindir, throwaway_postgres

META_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole test session."""
    bindir = require_postgres_bindir()
    with throwaway_postgres(bindir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the session database ``observatory_test`` (shared by every test that uses it)."""
    return postgres_server.url()


@pytest.fixture(params=META_BACKENDS)
def meta_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty metadata database for this test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meta.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"meta_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)
