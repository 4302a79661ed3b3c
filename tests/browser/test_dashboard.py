"""/dashboard in a real browser on the demo account: the totals shown are the API's, the drill-down works,
and the day and week views are saved as screenshots at desktop and phone sizes (test-artifacts/browser/)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import httpx
from playwright.sync_api import Page, expect

from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from tests.browser.conftest import LiveServer, log_in

DEMO_DAY = "2026-11-27"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def api_rows(http: httpx.Client, key: str, begin: str, end: str, **params: str) -> list[list[object]]:
    response = http.get(
        "/anapi/data",
        params={"key": key, "format": "json", "perspective": "rank", "restrict_begin": begin, "restrict_end": end}
        | params,
    )
    assert response.status_code == 200
    return response.json()["rows"]  # type: ignore[no-any-return]


def shown_seconds(page: Page, selector: str) -> int:
    value = page.locator(selector).get_attribute("data-seconds")
    assert value is not None
    return int(value)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_the_demo_dashboard_shows_the_apis_numbers_and_drills_down(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    http: httpx.Client,
    db,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
    screenshot: Callable[[Page, str], None],
) -> None:
    _email, key = ensure_demo(db, clock())
    page = open_page(viewport=DESKTOP)
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # The date picker: a plain GET form.
    page.get_by_label("Date").fill(DEMO_DAY)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(live_server(f"/dashboard?period=day&date={DEMO_DAY}"))
    expect(page.locator("#stacked-chart")).to_be_visible()
    expect(page.get_by_role("img", name="Time per productivity level by hour")).to_be_visible()

    levels = api_rows(http, key, DEMO_DAY, DEMO_DAY, restrict_kind="productivity")
    total = sum(int(str(r[1])) for r in levels)
    assert total > 0 and shown_seconds(page, "#total") == total
    categories = api_rows(http, key, DEMO_DAY, DEMO_DAY, restrict_kind="overview")
    shown = page.locator("#categories li")
    expect(shown).to_have_count(len(categories))
    for i, row in enumerate(categories):
        assert shown.nth(i).get_attribute("data-name") == row[3]
        assert shown.nth(i).get_attribute("data-seconds") == str(row[1])
    no_sideways_scroll(page)
    screenshot(page, "desktop-day")

    # Drill into the biggest category: its activities are the API's restrict_thing answer.
    top = str(categories[0][3])
    page.locator("#categories").get_by_role("link", name=top, exact=True).click()
    expect(page.get_by_role("heading", name=f"Category: {top}")).to_be_visible()
    activities = api_rows(http, key, DEMO_DAY, DEMO_DAY, restrict_kind="overview", restrict_thing=top)
    first = page.locator("#drill-activities tbody tr").first
    assert first.get_attribute("data-name") == activities[0][3]
    assert first.get_attribute("data-seconds") == str(activities[0][1])
    screenshot(page, "desktop-drill-category")
    # …and into its first activity's documents.
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Activity: {activities[0][3]}")).to_be_visible()
    expect(page.locator("#drill-documents tbody tr").first).to_be_visible()

    # The week: seven bars, the week's total the API's.
    page.get_by_role("group", name="Show a").get_by_role("link", name="Week").click()
    expect(page.locator("#stacked-chart g.bucket")).to_have_count(7)
    week = api_rows(http, key, "2026-11-22", "2026-11-28", restrict_kind="productivity")
    assert shown_seconds(page, "#total") == sum(int(str(r[1])) for r in week)
    screenshot(page, "desktop-week")
    # Moving on keeps the drill-down.
    page.get_by_role("link", name="Previous week").click()
    drilled = urlencode({"activity": activities[0][3]})
    expect(page).to_have_url(live_server(f"/dashboard?period=week&date=2026-11-15&{drilled}"))

    # A phone, and dark mode: the same pages, no sideways scrolling.
    phone = open_page(viewport=PHONE, color_scheme="dark", is_mobile=True, has_touch=True)
    log_in(phone, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    phone.goto(live_server(f"/dashboard?period=day&date={DEMO_DAY}"))
    expect(phone.locator("#stacked-chart")).to_be_visible()
    assert shown_seconds(phone, "#total") == total
    no_sideways_scroll(phone)
    screenshot(phone, "phone-day")
    phone.goto(live_server(f"/dashboard?period=week&date={DEMO_DAY}"))
    expect(phone.locator("#stacked-chart g.bucket")).to_have_count(7)
    no_sideways_scroll(phone)
    screenshot(phone, "phone-week")


def test_an_empty_account_gets_the_empty_state(page: Page, live_server: LiveServer, account) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server, account.email)
    page.goto(live_server("/dashboard?period=week"))
    expect(page.get_by_role("heading", name="Nothing logged in this week")).to_be_visible()
    expect(page.locator("#stacked-chart")).to_have_count(0)
