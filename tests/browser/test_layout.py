"""Every page fits a phone's width (no sideways scrolling) and keeps its controls reachable, in the light
and the dark colour scheme. Each page is saved as a screenshot for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, RegisteredApp, exchange, log_in, query_of
from tests.conftest import Account

PHONE = {"width": 360, "height": 740}
# Layout does not depend on the database: one backend is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_a_phone(
    open_page: Callable[..., Page],
    screenshot: Callable[[Page, str], None],
    live_server: LiveServer,
    http: httpx.Client,
    oauth_app: RegisteredApp,
    account: Account,
    scheme: str,
) -> None:
    # Not is_mobile: mobile emulation widens the layout viewport to fit wide content, which hides the very
    # overflow this test looks for; a 360-pixel-wide window lays the pages out the same way otherwise.
    page = open_page(viewport=PHONE, color_scheme=scheme)

    def check(label: str) -> None:
        fits(page)
        screenshot(page, label)

    page.goto(live_server("/login"))
    check("login")
    page.goto(live_server("/signup"))
    check("signup")

    log_in(page, live_server, account.email)
    check("home")
    page.goto(live_server("/account"))
    check("account")

    page.goto(live_server("/anapi/manage"))
    page.get_by_label("Name").fill("a key with a rather long name for a small screen")
    page.get_by_role("button", name="Create the key").click()
    expect(page.locator("#new-key")).to_be_visible()
    check("manage")
    # The table turns into one block per key: every cell is on screen, the Revoke button too.
    revoke = page.get_by_role("button", name="Revoke the key test")
    revoke.scroll_into_view_if_needed()
    expect(revoke).to_be_in_viewport()

    page.goto(oauth_app.authorize_url(live_server, "time_data category_data alert_data"))
    check("consent")
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile("^" + re.escape(oauth_app.redirect_uri + "?")))
    (code,) = query_of(page.url)["code"]
    assert exchange(http, oauth_app, code).status_code == 200

    page.goto(live_server("/oauth/authorized_applications"))
    expect(page.get_by_role("button", name="Revoke Time Graphs")).to_be_visible()
    check("connected-apps")
