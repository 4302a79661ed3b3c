"""The security headers (security_headers.py) as Chromium applies them: no page can be framed by another
site, the content policy lets every page work (the signup's script, the dashboard's bars), and the consent
form's answer still takes the browser to the app on another origin."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from selftime.cli import app as cli
from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from tests.browser.conftest import TIMEOUT_MS, LiveServer, log_in, query_of

PAGES = (
    "/dashboard?period=week&date=2026-11-27",
    "/categorize",
    "/alerts",
    "/highlights",
    "/schedules",
    "/focus",
    "/offline",
    "/settings",
    "/account",
    "/anapi/manage",
    "/oauth/authorized_applications",
)


def test_every_page_works_under_the_content_policy(open_page: Callable[..., Page], live_server: LiveServer, db, clock):  # type: ignore[no-untyped-def]
    ensure_demo(db, clock())
    page = open_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)
    page.goto(live_server("/signup"))
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    for path in PAGES:
        page.goto(live_server(path))
        expect(page.locator("h1").first).to_be_visible()
        if path.startswith("/dashboard"):
            # The bars' lengths are inline style attributes: a policy without them draws no bars.
            widths = page.locator(".bar > span").evaluate_all(
                "spans => spans.map(s => s.getBoundingClientRect().width)"
            )
            assert widths and max(widths) > 0
    assert violations == []


@pytest.mark.parametrize("path", ["/login", "/anapi/manage"])
def test_no_page_can_be_framed_by_another_site(browser: Browser, live_server: LiveServer, path: str) -> None:
    # Not open_page: it fails a test whose page asks another host for anything, which these must.
    context = browser.new_context()
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        # Another origin: localhost is not 127.0.0.1 to the browser (the server answers on both).
        page.goto(live_server("/login").replace("127.0.0.1", "localhost"))
        # set_content returns after the load event, which waits for the frame's document.
        page.set_content(f'<title>win a prize</title><iframe src="{live_server(path)}"></iframe>')
        victim = next(f for f in page.frames if f != page.main_frame)
        assert "Log in" not in victim.content() and not victim.url.startswith(live_server("/"))
    finally:
        context.close()


def test_allow_on_the_consent_page_reaches_an_app_on_another_origin(
    browser: Browser, live_server: LiveServer, database_url: str, account
) -> None:  # type: ignore[no-untyped-def]
    # A policy with form-action 'self' would stop the browser at the consent form's redirect to the app.
    callback = live_server("/cb").replace("127.0.0.1", "localhost")
    args = ["--database-url", database_url, "oauth-apps", "create", "--name", "Time Graphs"]
    result = CliRunner().invoke(cli, [*args, "--redirect-uri", callback])
    assert result.exit_code == 0, result.output
    client_id = json.loads(result.stdout.strip().splitlines()[-1])["client_id"]

    context = browser.new_context()
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log_in(page, live_server, account.email)
        page.goto(live_server(f"/oauth/authorize?client_id={client_id}&response_type=code&scope=time_data&state=s1"))
        page.get_by_role("button", name="Allow").click()
        # The app's origin is this server under another name: a 404 page, with the code in the address bar.
        expect(page).to_have_url(re.compile(re.escape(callback) + r"\?code="))
        returned = query_of(page.url)
        assert returned["state"] == ["s1"] and returned["code"]
    finally:
        context.close()
