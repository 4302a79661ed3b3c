"""/anapi/manage in a real browser: a key created on the page works on the API, and stops once revoked."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from selftime.store.keys import PREFIX_LENGTH
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import batch, span

KEY_NOT_FOUND = b'{"error":"# key not found","messages":"key not found"}'


def rank_rows(http: httpx.Client, key: str) -> httpx.Response:
    params = {"key": key, "format": "json", "perspective": "rank", "restrict_kind": "activity"}
    return http.get("/anapi/data", params={**params, "restrict_begin": "2026-11-30", "restrict_end": "2026-11-30"})


def test_create_use_and_revoke_a_key(page: Page, live_server: LiveServer, http: httpx.Client, account) -> None:
    log_in(page, live_server, account.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    expect(page).to_have_url(live_server("/anapi/manage"))
    page.get_by_label("Name").fill("browser agent")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_role("heading", name="Your new key “browser agent”")).to_be_visible()
    key = page.locator("#new-key").inner_text().strip()
    assert len(key) >= 20

    # The key works for both halves of the API: an agent sends time with it, a program reads it back.
    sent = http.post(
        "/api/v1/activity",
        json=batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:30:00Z", "Code", "main.py")]),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 200, sent.text
    answer = rank_rows(http, key)
    assert answer.status_code == 200 and answer.json()["rows"] == [[1, 1800, 1, "code", "Editing & IDEs", 2]]

    # Shown once: the list shows a prefix only, and now when the key was last used (the server's clock).
    page.goto(live_server("/anapi/manage"))
    expect(page.locator("#new-key")).to_have_count(0)
    assert key not in page.content()
    row = page.get_by_role("row").filter(has_text="browser agent")
    expect(row.get_by_role("cell").nth(1)).to_have_text(f"{key[:PREFIX_LENGTH]}…")
    expect(row.get_by_role("cell").nth(2)).to_have_text("2026-11-30 12:00")
    expect(row.get_by_role("cell").nth(3)).to_have_text("2026-11-30 12:00")

    row.get_by_role("button", name="Revoke the key browser agent").click()
    expect(page.get_by_role("status")).to_have_text("The key is revoked; it stopped working at once.")
    row = page.get_by_role("row").filter(has_text="browser agent")
    expect(row).to_contain_text("revoked 2026-11-30 12:00")
    expect(row.get_by_role("button")).to_have_count(0)
    # The account's other key is untouched.
    expect(page.get_by_role("button", name="Revoke the key test")).to_be_visible()

    answer = rank_rows(http, key)
    assert answer.status_code == 200 and answer.content == KEY_NOT_FOUND
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert rank_rows(http, account.key).json()["rows"] == [[1, 1800, 1, "code", "Editing & IDEs", 2]]


def test_a_key_needs_a_name(page: Page, live_server: LiveServer, account) -> None:
    log_in(page, live_server, account.email)
    page.goto(live_server("/anapi/manage"))
    # The browser itself refuses an empty name (required); a name of spaces reaches the server.
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_role("alert")).to_have_text("Give the key a name (1 to 255 characters).")
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the account's own key
