"""Browser fixtures: Debian's chromium (driven by Playwright) against a real server over a built council.

``live`` (session) serves a private copy of ``built_council``, with one user per role created (random
passwords) before the server starts. ``browser`` (session) is chromium itself; it skips when chromium is
missing, but never under ``CI=true`` (``.ci/run`` installs it). ``visit`` opens pages: ``visit("analyst")``
gives a page signed in through the sign-in form (``visit(None)`` an anonymous one, ``javascript=False`` a
browser with JavaScript off); each page watches for script errors, refused content (CSP) and assets that fail
to load, and a test fails if any happen. ``shots.take(page, name)`` saves a screenshot as a test artefact
(under ``$PYTEST_ARTIFACTS`` or the test's ``tmp_path``) and, for screenshots given a ``publish`` name, also in
``$OBSERVATORY_SCREENSHOTS`` when that is set (``OBSERVATORY_SCREENSHOTS=docs/screenshots`` refreshes the
README's pictures); tests never write into the repository otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    ViewportSize,
    sync_playwright,
)

from observatory import Observatory
from observatory.linkage.review import count_queue
from tests.conftest import skip_or_fail
from tests.web.browser.live import LiveServer, live_server
from tests.web.conftest import WebUser, _add_users

CHROMIUM = Path(os.environ.get("OBSERVATORY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
ABORTED = "net::ERR_ABORTED"


@dataclass(frozen=True)
class Live:
    """The served council: its URL, its project folder, one user per role and the project's purposes."""

    server: LiveServer
    root: Path
    users: dict[str, WebUser]
    purposes: dict[str, str]
    """Purpose id -> title, as the purpose radios show it."""

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, role: str, path: str, form: dict[str, str] | None = None) -> Any:
        """The JSON of ``/api{path}`` with ``role``'s API token (a POST when ``form`` is given)."""
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(
            f"{self.url}/api{path}", data=body, headers={"Authorization": f"Bearer {self.users[role].token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


REVIEW_ITEMS = 5
"""Open review pairs the browser tests need (``built_council`` widens the review band to queue them)."""


@pytest.fixture(scope="session")
def live(built_council: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A real uvicorn server over a private copy of the council (users made before it starts)."""
    base = tmp_path_factory.mktemp("browser")
    root = base / "council"
    shutil.copytree(built_council, root)
    with Observatory.open(root) as obs:
        assert count_queue(obs.meta)["open"] >= REVIEW_ITEMS, "the test council has too few pairs to review"
        users = _add_users(obs)
        purposes = {purpose.id: purpose.title for purpose in obs.project.spec.access.purposes}
    with live_server(root, base / "server.log") as server:
        yield Live(server, root, users, purposes)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        skip_or_fail(f"chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class PageProblems:
    """What went wrong in a page that a person would not see in the HTML: script errors, CSP refusals, 4xx assets."""

    found: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" and not text.startswith("Failed to load resource"):
            self.found.append(f"console: {text}")

    def request_failed(self, request: Request) -> None:
        if request.failure != ABORTED:  # a request cut short by the next navigation is not a fault
            self.found.append(f"request failed ({request.failure}): {request.url}")

    def page_error(self, error: Exception) -> None:
        self.found.append(f"script error: {error}")

    def watch(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", self.page_error)
        page.on("requestfailed", self.request_failed)
        page.on(
            "response",
            lambda response: (
                self.found.append(f"asset {response.status}: {response.url}")
                if response.request.resource_type != "document" and response.status >= 400
                else None
            ),
        )


Visit = Callable[..., Page]


def sign_in(page: Page, user: WebUser) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/login")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


@pytest.fixture
def problems() -> PageProblems:
    """What the pages of one test reported (``visit`` fails the test when anything is left in it)."""
    return PageProblems()


@pytest.fixture
def visit(browser: Browser, live: Live, problems: PageProblems) -> Iterator[Visit]:
    """``visit(role, javascript=True)``: a new browser context (signed in as ``role`` unless None) and its page."""
    contexts: list[BrowserContext] = []

    def open_page(role: str | None = None, *, javascript: bool = True) -> Page:
        context = browser.new_context(base_url=live.url, viewport=VIEWPORT, java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        if role is not None:
            sign_in(page, live.users[role])
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems.found, "the browser reported problems:\n" + "\n".join(problems.found)


@dataclass
class Screenshots:
    """Screenshots of one test: numbered artefacts, and README pictures when ``$OBSERVATORY_SCREENSHOTS`` is set."""

    folder: Path
    publish_to: Path | None
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, name: str, *, publish: str | None = None) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        if publish and self.publish_to is not None:  # the README shows what fits in the window
            self.publish_to.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=self.publish_to / f"{publish}.png")
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Screenshots:
    artefacts = os.environ.get("PYTEST_ARTIFACTS")
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder = Path(artefacts) / "browser" / test_name if artefacts else tmp_path / "screenshots"
    publish = os.environ.get("OBSERVATORY_SCREENSHOTS")
    return Screenshots(folder, Path(publish).resolve() if publish else None)
