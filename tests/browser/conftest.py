"""Browser tests: the real app, served by uvicorn on 127.0.0.1 (a free port, the test's database and clock),
driven by the system Chromium through Playwright's sync API.

One Chromium per pytest process (so one per xdist worker) for all the browser tests it runs, a fresh context
and page per test. Every test's final page is saved as a screenshot under test-artifacts/browser/, failed or
not. scripts/ensure-browser installs Chromium where it is missing (Playwright's own download is not used)."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Error, Page, expect, sync_playwright
from typer.testing import CliRunner

from selftime.app import create_app
from selftime.cli import app as cli
from selftime.config import Settings
from selftime.db.engine import Database
from tests.conftest import PASSWORD, Clock

CHROMIUM = os.environ.get("SELFTIME_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium calls Google hosts on start-up, which a closed network refuses
# (and an open one should not be bothered with); the sandbox needs privileges CI containers lack.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# Generous: two cores shared by two xdist workers, argon2 on every login. Only a failure waits this long.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # open_page's teardown reads this, to point at the screenshot of a failed test.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def live_server(settings: Settings, db: Database, clock: Clock) -> Iterator[LiveServer]:
    """The app on the test's database and clock, served over real HTTP from a background thread."""
    app = create_app(settings, db=db, clock_ms=clock)
    # Bound here, before the thread starts: the port is ours at once, and no other process can take it
    # between choosing it and listening on it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None: uvicorn leaves the process's logging alone, so its errors reach pytest's capture.
    config = uvicorn.Config(app, lifespan="on", ws="none", log_config=None, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"live-server-{port}", daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            time.sleep(0.01)
        if not server.started:
            pytest.fail("the live server did not start (its error is in the captured log)")
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A plain HTTP client on the live server, for what a program (not a person) does: APIs, token exchange."""
    with httpx.Client(base_url=live_server.url, timeout=TIMEOUT_MS / 1000) as client:
        yield client


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Package scope: started on the first browser test a worker runs, stopped after its last one. Between
    # calls Playwright's sync API leaves its event loop marked as running in this thread, which must not
    # leak into the other tests a worker runs later; with this scope it is one browser per session when
    # only tests/browser runs, and one per worker's stretch of browser tests otherwise.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-browser (or set SELFTIME_TEST_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class _Opened:
    context: BrowserContext
    page: Page
    page_errors: list[str]
    foreign_requests: list[str]


def _artifact_name(nodeid: str) -> str:
    # tests/browser/test_keys.py::test_x[sqlite] → test_keys.test_x-sqlite (no brackets: no shell globs)
    name = nodeid.rsplit("/", 1)[-1].replace(".py::", ".").replace("::", ".").replace("[", "-").rstrip("]")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (its own cookies); keyword arguments go to new_context,
    e.g. timezone_id. At teardown each page is saved as a screenshot, then its context is closed; the test
    also fails if a page threw an uncaught script error or asked any host but the live server for anything
    (the pages must work without a CDN)."""
    opened: list[_Opened] = []
    origin = urlsplit(live_server.url).netloc

    def open_(**context_options: Any) -> Page:
        options: dict[str, Any] = {"timezone_id": "UTC", "locale": "en-US", "viewport": {"width": 1000, "height": 800}}
        context = browser.new_context(**{**options, **context_options})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        entry = _Opened(context, page, [], [])
        page.on("pageerror", lambda exc: entry.page_errors.append(str(exc)))

        def watch(req: Any) -> None:
            parts = urlsplit(req.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != origin:
                entry.foreign_requests.append(req.url)

        page.on("request", watch)
        opened.append(entry)
        return page

    yield open_

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = _artifact_name(request.node.nodeid)
    problems: list[str] = []
    for i, entry in enumerate(opened):
        path = ARTIFACTS / (f"{base}.png" if i == 0 else f"{base}.page{i + 1}.png")
        try:
            entry.page.screenshot(path=str(path), full_page=True)
            if failed:
                print(f"screenshot of the failed test's page {entry.page.url}: {path}")
        except Error as exc:  # a crashed page: the test's own failure says more than this
            print(f"no screenshot of {entry.page.url}: {exc}")
        finally:
            entry.context.close()
        problems += [f"uncaught script error: {e}" for e in entry.page_errors]
        problems += [f"request to another host: {u}" for u in entry.foreign_requests]
    assert not problems, "\n".join(problems)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Saves a page midway through a test, for a person to look at: <test>.<label>.png."""

    def save(page: Page, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{_artifact_name(request.node.nodeid)}.{label}.png"), full_page=True)

    return save


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


@dataclass(frozen=True)
class RegisteredApp:
    client_id: str
    client_secret: str
    redirect_uri: str

    def authorize_url(self, live_server: LiveServer, scope: str, **extra: str) -> str:
        params = {"client_id": self.client_id, "redirect_uri": self.redirect_uri, "response_type": "code"}
        return live_server(f"/oauth/authorize?{urlencode({**params, 'scope': scope, **extra})}")


@pytest.fixture
def oauth_app(database_url: str, live_server: LiveServer) -> RegisteredApp:
    """An app named Time Graphs, registered as an operator does it (`selftime oauth-apps create`, on the test's
    database), with a redirect URI on the live server itself: plain http is allowed on loopback, and the
    browser really lands there (on a 404 page), with the code in its address bar."""
    redirect_uri = live_server("/callback-test")
    args = ["--database-url", database_url, "oauth-apps", "create", "--name", "Time Graphs"]
    result = CliRunner().invoke(cli, [*args, "--redirect-uri", redirect_uri])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout.strip().splitlines()[-1])
    return RegisteredApp(created["client_id"], created["client_secret"], redirect_uri)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def exchange(http: httpx.Client, app: RegisteredApp, code: str) -> httpx.Response:
    """The client's side of the flow: code → token, with a JSON body as RescueTime's docs show."""
    body = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
    }
    return http.post("/oauth/token", json=body)


def log_in(page: Page, live_server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Through the real login form, as a person would; ends on the start page."""
    page.goto(live_server("/login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", name=f"Hello, {email}")).to_be_visible()


def log_out(page: Page, live_server: LiveServer) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server("/login"))
