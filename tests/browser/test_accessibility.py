"""The web pages for someone on a keyboard, a screen reader or a dim screen: the first Tab skips the menu,
the menu says which page is open, the chart's numbers are a table, a refused field carries its message,
and every page passes the checks of tests/browser/a11y.py (contrast, labels, headers, headings,
landmarks) in the light and the dark colour scheme."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from selftime.web.dashboard_charts import duration
from tests.browser.a11y import contrast_problems, structure_problems
from tests.browser.conftest import LiveServer, RegisteredApp, log_in
from tests.conftest import Account

DEMO_DAY = "2026-11-27"
PHONE = {"width": 360, "height": 740}


def test_the_first_tab_skips_the_menu_which_names_the_open_page(
    page: Page, live_server: LiveServer, account: Account
) -> None:
    log_in(page, live_server, account.email)
    page.goto(live_server("/alerts"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown once focused, not left off screen
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is the page's own first control, not the menu's second link.
    expect(page.get_by_label("When I spend")).to_be_focused()

    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Alerts")).to_have_attribute("aria-current", "page")
    expect(menu.locator("[aria-current]")).to_have_count(1)
    page.goto(live_server("/anapi/manage"))
    expect(menu.get_by_role("link", name="API keys")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Alerts")).not_to_have_attribute("aria-current", "page")


def test_the_charts_numbers_are_a_table_a_keyboard_opens(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    http: httpx.Client,
    db,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
) -> None:
    _email, key = ensure_demo(db, clock())
    page = open_page()
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(live_server(f"/dashboard?period=day&date={DEMO_DAY}"))
    expect(page).to_have_title("Dashboard: Friday 27 November 2026 · Selftime")
    summary = page.get_by_text("The chart's numbers as a table")
    summary.focus()
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="Time per productivity level by hour, Friday 27 November 2026")
    expect(table).to_be_visible()

    params = {"key": key, "format": "json", "perspective": "interval", "resolution_time": "hour"}
    params |= {"restrict_kind": "productivity", "restrict_begin": DEMO_DAY, "restrict_end": DEMO_DAY}
    response = http.get("/anapi/data", params=params)
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert rows
    for when, seconds, _people, level in rows:
        cell = table.locator(f'tr[data-bucket="{when}"] td[data-level="{level}"]')
        expect(cell).to_have_text(duration(seconds))
        assert cell.get_attribute("data-seconds") == str(seconds)
    # Each row is headed by its hour, in words a screen reader reads out with every cell.
    first = str(rows[0][0])[11:13]
    expect(table.get_by_role("rowheader", name=f"{first}:00 to {first}:59")).to_be_visible()


def test_a_phone_scrolls_the_month_chart_with_the_keyboard(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    db,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
) -> None:
    ensure_demo(db, clock())
    page = open_page(viewport=PHONE)
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(live_server(f"/dashboard?period=month&date={DEMO_DAY}"))
    wrap = page.locator(".chart-wrap")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth"), "the month's bars should scroll inside their card"
    # Reached with Tab from the control before it, as a keyboard user would.
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Tab")
    expect(wrap).to_be_focused()
    expect(wrap).to_have_accessible_name("Productivity by day")  # what a screen reader says on arriving
    page.keyboard.press("ArrowRight")
    # Polled from here: wait_for_function evaluates a string in the page, which the pages' content
    # policy (no 'unsafe-eval') refuses.
    for _ in range(50):
        if wrap.evaluate("el => el.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the arrow key did not scroll the chart")


def test_a_refused_field_carries_its_message(
    open_page: Callable[..., Page], live_server: LiveServer, account: Account
) -> None:
    page = open_page()
    page.goto(live_server("/signup"))
    page.get_by_label("E-mail address").fill("new@example.com")
    page.get_by_label("Password", exact=True).fill("long enough")
    page.get_by_label("Password again").fill("not the same")
    page.get_by_role("button", name="Create the account").click()
    confirm = page.get_by_label("Password again")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description("The two passwords differ.")
    # The other fields are fine: not marked, and the password keeps its own hint.
    expect(page.get_by_label("Password", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description("At least 8 characters.")

    log_in(page, live_server, account.email)
    page.goto(live_server("/account"))
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("long enough")
    page.get_by_label("New password again").fill("not the same")
    page.get_by_role("button", name="Change the password").click()
    # Two refusals, each on its own field.
    expect(page.get_by_label("Current password")).to_have_accessible_description("The current password is wrong.")
    expect(page.get_by_label("New password again")).to_have_accessible_description("The two new passwords differ.")
    expect(page.get_by_label("New password", exact=True)).not_to_have_attribute("aria-invalid", "true")

    page.goto(live_server("/anapi/manage"))
    page.get_by_label("Name").fill("   ")  # passes the browser's `required`, not the server's rule
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_label("Name")).to_have_accessible_description("Give the key a name (1 to 255 characters).")

    page.goto(live_server("/settings"))
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("Yes, delete my account and all of its data").check()
    page.get_by_role("button", name="Delete the account").click()
    expect(page.get_by_label("Your password")).to_have_accessible_description("The password is wrong.")


PAGES = [
    "/",
    f"/dashboard?period=day&date={DEMO_DAY}",
    f"/dashboard?period=month&date={DEMO_DAY}",
    "/dashboard?period=day&date=2020-01-01",
    "/categorize",
    "/alerts",
    "/highlights",
    "/focus",
    "/offline",
    "/schedules",
    "/settings",
    "/account",
    "/anapi/manage",
    "/oauth/authorized_applications",
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # how a page looks does not depend on it
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_the_checks(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    oauth_app: RegisteredApp,
    db,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
    scheme: str,
) -> None:
    ensure_demo(db, clock())  # lists with rows, so every Delete and Revoke button is on its page
    page = open_page(color_scheme=scheme)
    page.goto(live_server("/login"))
    problems = contrast_problems(page) + structure_problems(page)
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    for path in PAGES:
        page.goto(live_server(path))
        if path.startswith("/dashboard?period=day&date=2026"):
            page.get_by_text("The chart's numbers as a table").click()
        problems += contrast_problems(page) + structure_problems(page)
    page.goto(oauth_app.authorize_url(live_server, "time_data category_data"))  # the consent page
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    problems += contrast_problems(page) + structure_problems(page)
    assert not problems, "\n".join(problems)
