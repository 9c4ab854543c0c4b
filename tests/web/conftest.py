"""Shared web fixtures: one small built demo council, a user per role, and signed-in clients.

``site`` is shared by the whole session (tests may add audit entries and sessions, never change the
catalogue or decisions); a test that changes data takes ``private_site``, a fresh copy of the council.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from observatory import Observatory
from observatory.access.accounts import Actor, add_user
from observatory.access.roles import ROLES
from observatory.access.sessions import create_token
from observatory.build import build
from observatory.demo.generator import generate
from observatory.web.app import create_app

RESIDENTS = 400
BASE_URL = "https://testserver"
SETUP = Actor("test-setup", "cli")


@dataclass(frozen=True)
class WebUser:
    username: str
    role: str
    password: str
    token: str


@dataclass
class WebSite:
    """A built council served in-process: the app, its project, and one user per role."""

    root: Path
    obs: Observatory
    app: FastAPI
    users: dict[str, WebUser]

    def client(self, role: str | None = None) -> TestClient:
        """A browser-like client, signed in as the user of ``role`` (anonymous for None)."""
        client = TestClient(self.app, base_url=BASE_URL, follow_redirects=False)
        if role is not None:
            sign_in(client, self.users[role].username, self.users[role].password)
        return client

    def api(self, role: str | None = None) -> TestClient:
        """A machine client with the API token of the user of ``role`` (no token for None)."""
        headers = {"Authorization": f"Bearer {self.users[role].token}"} if role else {}
        return TestClient(self.app, base_url=BASE_URL, headers=headers, follow_redirects=False)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text


def _add_users(obs: Observatory) -> dict[str, WebUser]:
    users = {}
    for role in ROLES:
        username = f"{role.replace('_', '-')}-user"
        password = secrets.token_urlsafe(16)
        add_user(obs.meta, username, role, password, by=SETUP, display_name=f"Test {role}")
        users[role] = WebUser(username, role, password, create_token(obs.meta, username, "tests", by=SETUP))
    return users


def build_council(root: Path) -> Path:
    """The demo council at 400 residents, built. Its linkage is confident about every pair it scores in the
    default review band, so the band is widened (``thresholds.review: 0.01``) to give the review pages a queue."""
    generate(root, residents=RESIDENTS, seed=11)
    config = root / "observatory.yml"
    spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    spec.setdefault("linkage", {}).setdefault("thresholds", {})["review"] = 0.01
    config.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with Observatory.open(root) as obs:
        build(obs)
    return root


@pytest.fixture(scope="session")
def built_council(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built demo council nobody changes (copy it to change it)."""
    return build_council(tmp_path_factory.mktemp("web") / "council")


def _site(root: Path) -> Iterator[WebSite]:
    obs = Observatory.open(root)
    try:
        yield WebSite(root, obs, create_app(obs), _add_users(obs))
    finally:
        obs.close()


@pytest.fixture(scope="session")
def site(built_council: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    """The shared site (its own copy of the council, with users)."""
    root = tmp_path_factory.mktemp("site") / "council"
    shutil.copytree(built_council, root)
    yield from _site(root)


@pytest.fixture
def private_site(built_council: Path, tmp_path: Path) -> Iterator[WebSite]:
    """A site of its own for a test that changes data."""
    root = tmp_path / "council"
    shutil.copytree(built_council, root)
    yield from _site(root)


@pytest.fixture(scope="module")
def module_site(built_council: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    """A private copy of the council shared by the tests of one module (for tests that change data in bulk)."""
    root = tmp_path_factory.mktemp("module-site") / "council"
    shutil.copytree(built_council, root)
    yield from _site(root)
