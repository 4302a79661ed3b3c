"""Logging in and out, signing up and changing the password, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in, log_out
from tests.conftest import PASSWORD


def test_wrong_password_then_the_right_one_then_log_out(page: Page, live_server: LiveServer, account) -> None:
    page.goto(live_server("/account"))
    # A page that needs a login sends there, and comes back after it.
    expect(page).to_have_url(live_server("/login?next=%2Faccount"))
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD + "!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    expect(page.get_by_label("E-mail address")).to_have_value(account.email)  # kept for the second try
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server("/account"))
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    log_out(page, live_server)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(live_server("/account"))
    expect(page).to_have_url(live_server("/login?next=%2Faccount"))


def test_sign_up_change_the_password_and_log_in_with_it(open_page, live_server: LiveServer) -> None:
    page = open_page(timezone_id="Asia/Tokyo")
    page.goto(live_server("/login"))
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(live_server("/signup"))
    # The page's script pre-selects the browser's own zone in place of the server's UTC default.
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Asia/Tokyo")
    zone.select_option("America/New_York")

    email = "grace@example.com"
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("first password")
    page.get_by_label("Password again").fill("first password")
    page.get_by_role("button", name="Create the account").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", name=f"Hello, {email}")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("America/New_York")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    page.get_by_label("Current password").fill("first password")
    page.get_by_label("New password", exact=True).fill("second password")
    page.get_by_label("New password again").fill("second password")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_have_text("Password changed. Other sessions have been signed out.")
    # This session stays signed in after the change.
    page.goto(live_server("/account"))
    expect(page).to_have_url(live_server("/account"))

    log_out(page, live_server)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("first password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    page.get_by_label("Password").fill("second password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hello, {email}")).to_be_visible()


def test_a_password_change_signs_other_browsers_out(open_page, live_server: LiveServer, account) -> None:
    laptop, phone = open_page(), open_page()
    log_in(laptop, live_server, account.email)
    log_in(phone, live_server, account.email)
    laptop.goto(live_server("/account"))
    laptop.get_by_label("Current password").fill(PASSWORD)
    laptop.get_by_label("New password", exact=True).fill("a new password")
    laptop.get_by_label("New password again").fill("a new password")
    laptop.get_by_role("button", name="Change the password").click()
    expect(laptop.get_by_role("status")).to_contain_text("Password changed.")

    phone.goto(live_server("/anapi/manage"))
    expect(phone).to_have_url(live_server("/login?next=%2Fanapi%2Fmanage"))
