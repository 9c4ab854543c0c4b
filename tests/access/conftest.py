"""Fixtures for accounts, sessions and tokens: a migrated metadata store on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from observatory.access.accounts import Actor
from observatory.config.models import AccessSpec
from observatory.meta.store import MetaStore

ADMIN = Actor("setup", "cli")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    """A freshly migrated store (both backends, through ``meta_url``)."""
    store = MetaStore(meta_url)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def settings() -> AccessSpec:
    """The defaults, spelled out: sessions idle out after 30 minutes and end after 8 hours; 5 failures lock."""
    return AccessSpec(session_idle_minutes=30, session_hours=8, max_failed_logins=5, lockout_minutes=15)
