"""The OAuth2 authorization-code flow in a real browser: an app registered by the operator, the consent
page, Allow and Deny, the token exchange and the data read over HTTP, and revoking on the connected-apps page.

The app's redirect URI is on the live server itself (plain http on 127.0.0.1 is allowed for loopback):
the browser really lands there, and the test reads the code from the address bar (the 404 page there is fine)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from selftime.db.engine import Database
from selftime.db.tables import oauth_codes, oauth_tokens
from tests.browser.conftest import LiveServer, RegisteredApp, exchange, log_in, query_of
from tests.conftest import PASSWORD, Account, batch, span

DAY = "2026-11-30"  # the clock's today
ROWS = [[1, 1800, 1, "code", "Editing & IDEs", 2], [2, 1200, 1, "youtube.com", "Video", -2]]


def send_time(http: httpx.Client, account: Account) -> None:
    spans = [
        span(f"{DAY}T09:00:00Z", f"{DAY}T09:30:00Z", "Code", "main.py"),
        span(f"{DAY}T10:00:00Z", f"{DAY}T10:20:00Z", "Chrome", "Cats", "https://www.youtube.com/watch?v=1"),
    ]
    response = http.post("/api/v1/activity", json=batch(spans), headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text


def read_data(http: httpx.Client, token: str) -> httpx.Response:
    params = {"access_token": token, "format": "json", "perspective": "rank", "restrict_kind": "activity"}
    return http.get("/api/oauth/data", params={**params, "restrict_begin": DAY, "restrict_end": DAY})


def count(db: Database, table) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_allow_exchange_read_then_revoke(
    page: Page,
    screenshot: Callable[[Page, str], None],
    live_server: LiveServer,
    http: httpx.Client,
    oauth_app: RegisteredApp,
    account: Account,
) -> None:
    send_time(http, account)
    # Scopes comma-separated, as some clients send them; a signed-out user logs in first and comes back.
    page.goto(oauth_app.authorize_url(live_server, "time_data,productivity_data", state="xyz 1"))
    expect(page).to_have_url(re.compile("^" + re.escape(live_server("/login?next=%2Foauth%2Fauthorize%3F"))))
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Connect Time Graphs?")).to_be_visible()
    expect(page.locator("#app-name")).to_have_text("Time Graphs")
    scopes = page.locator("#scopes li")
    expect(scopes).to_have_text(
        [
            "Your full time history: every activity, website and document with the time spent on it, "
            "your daily summaries, and adding offline time.",
            "Time per productivity level: how much time you spent at each productivity level, "
            "from very productive to very distracting.",
        ]
    )
    expect(page.get_by_role("main")).to_contain_text("Allowing sends you back to 127.0.0.1:")
    screenshot(page, "consent")

    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile("^" + re.escape(oauth_app.redirect_uri + "?")))
    landed = query_of(page.url)
    assert landed["state"] == ["xyz 1"] and "error" not in landed
    (code,) = landed["code"]

    exchanged = exchange(http, oauth_app, code)
    assert exchanged.status_code == 200, exchanged.text
    answer = exchanged.json()
    assert answer["token_type"] == "bearer" and answer["scope"] == "time_data productivity_data"
    token = answer["access_token"]

    data = read_data(http, token)
    assert data.status_code == 200 and data.json()["rows"] == ROWS
    with_header = http.get("/api/oauth/productivity_data", headers={"Authorization": f"Bearer {token}"})
    assert with_header.status_code == 200 and with_header.json()["row_headers"][-1] == "Productivity"
    assert http.get("/api/oauth/alerts_feed", params={"access_token": token}).status_code == 403  # not granted

    page.goto(live_server("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connected apps").click()
    row = page.get_by_role("row").filter(has_text="Time Graphs")
    expect(row.locator("li")).to_have_text(["Your full time history", "Time per productivity level"])
    expect(row).to_contain_text(f"{DAY} 12:00")
    row.get_by_role("button", name="Revoke Time Graphs").click()
    expect(page.get_by_role("status")).to_have_text(
        "Time Graphs can no longer read your data; its access ended at once."
    )
    expect(page.locator("#no-apps")).to_be_visible()

    refused = read_data(http, token)
    assert refused.status_code == 401 and refused.json()["error"] == "# invalid token"
    # The app's own credentials cannot get it back either: the code was used.
    again = exchange(http, oauth_app, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_deny_sends_access_denied_back(
    page: Page, live_server: LiveServer, oauth_app: RegisteredApp, account: Account, db: Database
) -> None:
    log_in(page, live_server, account.email)
    page.goto(oauth_app.authorize_url(live_server, "time_data", state="s-42"))
    expect(page.get_by_role("heading", name="Connect Time Graphs?")).to_be_visible()
    page.get_by_role("button", name="Deny").click()
    expect(page).to_have_url(re.compile("^" + re.escape(oauth_app.redirect_uri + "?")))
    landed = query_of(page.url)
    assert landed["error"] == ["access_denied"] and landed["state"] == ["s-42"] and "code" not in landed
    assert count(db, oauth_codes) == 0

    page.goto(live_server("/oauth/authorized_applications"))
    expect(page.locator("#no-apps")).to_be_visible()


def test_a_redirect_uri_not_registered_gets_an_error_page(
    page: Page, live_server: LiveServer, oauth_app: RegisteredApp, account: Account, db: Database
) -> None:
    log_in(page, live_server, account.email)
    elsewhere = RegisteredApp(oauth_app.client_id, oauth_app.client_secret, live_server("/callback-test/other"))
    url = elsewhere.authorize_url(live_server, "time_data", state="s")
    response = page.goto(url)
    assert response is not None and response.status == 400
    expect(page).to_have_url(url)  # no redirect, neither to the registered URI nor to the one asked for
    expect(page.get_by_role("heading", name="Cannot connect this application")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "The redirect URI in this link is not one the application registered"
    )
    expect(page.get_by_role("button", name="Allow")).to_have_count(0)
    assert count(db, oauth_codes) == 0 and count(db, oauth_tokens) == 0
