"""/dashboard in a real browser with awkward data: names and highlights without a place to break a line."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_dashboard import DESKTOP, PHONE, no_sideways_scroll
from tests.conftest import Account, batch, span

DAY = "2026-11-30"
# A site name of 110 characters and a pasted pull-request address: no spaces, no hyphens.
LONG_SITE = "averyveryverylongsubdomainwithoutanybreaks" * 2 + "abcdefghijklmnopqrstuv.example.com"
LONG_URL = "https://github.com/selftime/selftime/pull/" + "1234567890" * 12


def test_long_unbroken_names_and_highlights_do_not_widen_the_page(
    open_page: Callable[..., Page], live_server: LiveServer, http: httpx.Client, account: Account
) -> None:
    spans = [span(f"{DAY}T09:00:00Z", f"{DAY}T09:30:00Z", "Firefox", "Z" * 200, f"https://{LONG_SITE}/x")]
    sent = http.post("/api/v1/activity", json=batch(spans), headers={"Authorization": f"Bearer {account.key}"})
    assert sent.status_code == 200, sent.text
    posted = http.post(
        "/anapi/highlights_post", params={"key": account.key}, data={"highlight_date": DAY, "description": LONG_URL}
    )
    assert posted.status_code == 200, posted.text
    for viewport in (DESKTOP, PHONE):
        page = open_page(viewport=viewport)
        log_in(page, live_server, account.email)
        page.goto(live_server(f"/dashboard?period=day&date={DAY}"))
        expect(page.locator("#highlights")).to_contain_text(LONG_URL)
        no_sideways_scroll(page)
        page.locator("#top-activities").get_by_role("link", name=LONG_SITE).click()
        expect(page.get_by_role("heading", name=f"Activity: {LONG_SITE}")).to_be_visible()
        no_sideways_scroll(page)
        page.goto(live_server("/highlights"))
        expect(page.locator("td[data-label=Highlight]")).to_have_text(LONG_URL)
        no_sideways_scroll(page)


def test_the_pages_log_no_errors_in_the_console(page: Page, live_server: LiveServer, account: Account) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server, account.email)
    for path in ("/dashboard", "/categorize", "/settings"):
        page.goto(live_server(path))
        expect(page.locator("h1").first).to_be_visible()
    assert errors == []
