"""Account pages rendered by the server: login, rate limiting, CSRF, sign-up, password and time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.tables import login_failures, users
from selftime.store import users as user_store
from tests.conftest import PASSWORD, csrf_of, web_login


def login(client: TestClient, email: str, password: str, next: str = "/"):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def test_pages_need_a_login_and_come_back_after_it(client, account):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Faccount"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    page = client.get("/login?next=%2Faccount")
    assert page.status_code == 200 and 'name="next" value="/account"' in page.text
    assert '<label for="email">' in page.text and '<label for="password">' in page.text
    answer = login(client, account.email, PASSWORD, next="/account")
    assert (answer.status_code, answer.headers["location"]) == (303, "/account")
    assert signed_in(client)


@pytest.mark.parametrize(
    ("form", "page"),
    [
        ("/alerts/3/delete", "/alerts"),
        ("/focus/start", "/focus"),
        ("/offline/7/delete", "/offline"),
        ("/anapi/manage/keys/2/revoke", "/anapi/manage"),
        ("/account/password", "/account"),
        ("/settings/time-zone", "/settings"),
        ("/oauth/authorized_applications/4/revoke", "/oauth/authorized_applications"),
        ("/categorize", "/categorize"),
    ],
)
def test_a_form_posted_after_the_session_ended_comes_back_to_its_page(client, account, form, page):
    # Back to the form's URL itself would be a GET there after the login: 405 for most of them.
    response = client.post(form, data={"csrf_token": "stale"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=" + page.replace("/", "%2F")
    answer = login(client, account.email, PASSWORD, next=page)
    assert answer.headers["location"] == page and client.get(page).status_code == 200


def test_session_cookie_is_signed_httponly_and_samesite(client, account):
    answer = login(client, account.email, PASSWORD)
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("selftime_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    client.cookies.clear()
    client.cookies.set("selftime_session", value)
    assert signed_in(client)
    client.cookies.clear()
    client.cookies.set("selftime_session", value[:-6] + ("AAAAAA" if not value.endswith("AAAAAA") else "BBBBBB"))
    assert not signed_in(client)


def test_secure_cookies_when_the_operator_says_so(database_url, db, account, tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, maintenance_interval_seconds=0, secure_cookies=True
    )
    with TestClient(create_app(settings, db=db), base_url="https://testserver") as secure:
        answer = login(secure, account.email, PASSWORD)
        assert "secure" in answer.headers["set-cookie"].lower()


def test_wrong_password_and_unknown_address_say_the_same(client, account):
    for email, password in ((account.email, "wrong password"), ("nobody@example.com", PASSWORD)):
        answer = login(client, email, password)
        assert answer.status_code == 400
        assert "Wrong e-mail address or password." in answer.text
        assert f'value="{email}"' in answer.text
    assert not signed_in(client)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, account, target):
    answer = login(client, account.email, PASSWORD, next=target)
    assert answer.headers["location"] == "/"


def test_forms_without_the_csrf_token_are_refused(client, account):
    answer = client.post("/login", data={"email": account.email, "password": PASSWORD})
    assert answer.status_code == 403 and "Form expired" in answer.text
    assert not signed_in(client)
    web_login(client, account.email)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert signed_in(client)
    token = csrf_of(client.get("/account").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not signed_in(client)


def test_failed_logins_are_rate_limited_per_address(client, account, clock):
    for _ in range(5):
        assert login(client, account.email, "wrong password").status_code == 400
    blocked = login(client, account.email, PASSWORD)
    assert blocked.status_code == 429 and "Too many failed logins. Try again in 15 minutes." in blocked.text
    assert blocked.headers["retry-after"] == "900"
    assert not signed_in(client)
    clock.set(clock.now + dt.timedelta(minutes=15))
    assert login(client, account.email, PASSWORD).status_code == 303


def test_a_good_login_clears_the_count(client, account):
    for _ in range(4):
        login(client, account.email, "wrong password")
    assert login(client, account.email, PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        assert login(client, account.email, "wrong password").status_code == 400
    assert login(client, account.email, PASSWORD).status_code == 303


def test_one_client_guessing_many_addresses_is_limited_too(client, account):
    for n in range(20):
        assert login(client, f"guess{n}@example.com", "wrong password").status_code == 400
    assert login(client, account.email, PASSWORD).status_code == 429


def _users(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def signup(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/signup").text)
    body = {
        "email": "new@example.com",
        "password": "long enough",
        "confirm": "long enough",
        "time_zone": "Europe/Berlin",
        "csrf_token": token,
        **fields,
    }
    return client.post("/signup", data=body, follow_redirects=False)


def test_sign_up_creates_a_premium_account_and_signs_in(client, db):
    page = client.get("/signup")
    assert "<option selected>UTC</option>" in page.text and '<label for="time_zone">' in page.text
    answer = signup(client)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    assert signed_in(client)
    with db.read() as conn:
        user = user_store.by_email(conn, "new@example.com")
    assert user is not None and (user.time_zone, user.plan) == ("Europe/Berlin", "premium")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid e-mail address: "),
        ({"email": "a b@example.com"}, "it holds a space"),
        ({"email": "a@b@example.com"}, "expected name@example.com"),
        ({"email": "ada@example..com"}, "the part after @ is not a domain"),
        ({"password": "short", "confirm": "short"}, "The password must be at least 8 characters."),
        ({"confirm": "something else"}, "The two passwords differ."),
        ({"time_zone": "Mars/Olympus"}, "Choose a time zone from the list."),
    ],
)
def test_sign_up_refuses_bad_input(client, db, fields, message):
    answer = signup(client, **fields)
    assert answer.status_code == 400 and message in answer.text
    assert _users(db) == 0 and not signed_in(client)


def test_sign_up_with_a_taken_address(client, account, db):
    answer = signup(client, email=account.email.upper())
    assert answer.status_code == 400 and "There is already an account with this e-mail address" in answer.text
    assert _users(db) == 1


def test_sign_up_closed_by_the_operator(database_url, db, tmp_path: Path):
    settings = Settings(data_dir=tmp_path, database_url=database_url, maintenance_interval_seconds=0, open_signup=False)
    with TestClient(create_app(settings, db=db)) as closed:
        assert closed.get("/signup").status_code == 404
        assert "Sign-up is closed" in closed.post("/signup", data={"email": "x@example.com"}).text
        assert "Sign up" not in closed.get("/login").text
    assert _users(db) == 0


def test_sign_ups_are_limited_per_client_address(client, db, clock, settings):
    """Every sign-up form counts, made account or not (bulk accounts; probing which addresses exist)."""
    assert signup(client, email="first@example.com").status_code == 303
    for n in range(19):
        answer = signup(client, email=f"probe{n}@example.com", password="short", confirm="short")
        assert answer.status_code == 400
    blocked = signup(client, email="one-more@example.com")
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
    assert "Too many sign-ups from your network address. Try again in 15 minutes. Nothing was created." in blocked.text
    assert 'value="one-more@example.com"' in blocked.text  # the form as sent
    with db.read() as conn:
        assert user_store.by_email(conn, "one-more@example.com") is None
    assert _users(db) == 1
    # Another client address has its own count; this one's ends with the window.
    with TestClient(create_app(settings, db=db, clock_ms=clock), client=("203.0.113.9", 1)) as elsewhere:
        assert signup(elsewhere, email="elsewhere@example.com").status_code == 303
    clock.set(clock.now + dt.timedelta(minutes=15))
    assert signup(client, email="one-more@example.com").status_code == 303
    assert _users(db) == 3


def change_password(client: TestClient, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/account").text)
    body = {
        "current_password": current,
        "new_password": new,
        "confirm": new if confirm is None else confirm,
        "csrf_token": token,
    }
    return client.post("/account/password", data=body)


def test_changing_the_password_ends_other_sessions(client, account, settings, db, clock):
    web_login(client, account.email)
    with TestClient(create_app(settings, db=db, clock_ms=clock)) as other:
        web_login(other, account.email)
        assert signed_in(other)
        answer = change_password(client, PASSWORD, "a brand new password")
        assert answer.status_code == 200 and "Password changed." in answer.text
        assert signed_in(client) and not signed_in(other)
        assert login(other, account.email, PASSWORD).status_code == 400
        assert login(other, account.email, "a brand new password").status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong", "a brand new password", None, "The current password is wrong."),
        (PASSWORD, "short", None, "The new password must be at least 8 characters."),
        (PASSWORD, "a brand new password", "another one", "The two new passwords differ."),
    ],
)
def test_password_change_refuses_bad_input(client, account, current, new, confirm, message):
    web_login(client, account.email)
    answer = change_password(client, current, new, confirm)
    assert answer.status_code == 400 and message in answer.text
    client.cookies.clear()
    assert login(client, account.email, PASSWORD).status_code == 303


def test_time_zone_change_applies_to_reports(client, account, db):
    web_login(client, account.email)
    token = csrf_of(client.get("/account").text)
    answer = client.post("/account/time-zone", data={"time_zone": "Asia/Kolkata", "csrf_token": token})
    assert answer.status_code == 200 and "Time zone set to Asia/Kolkata." in answer.text
    assert "<option selected>Asia/Kolkata</option>" in answer.text
    with db.read() as conn:
        assert user_store.by_id(conn, account.id).time_zone == "Asia/Kolkata"  # type: ignore[union-attr]
    bad = client.post("/account/time-zone", data={"time_zone": "Nowhere/Land", "csrf_token": token})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    with db.read() as conn:
        assert user_store.by_id(conn, account.id).time_zone == "Asia/Kolkata"  # type: ignore[union-attr]


def test_wrong_current_passwords_are_limited_as_logins_are(client, account, clock):
    web_login(client, account.email)
    fields = {"new_password": "a-new-password-1", "confirm": "a-new-password-1"}
    for _ in range(5):
        token = csrf_of(client.get("/account").text)
        wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "guess", **fields})
        assert wrong.status_code == 400
    token = csrf_of(client.get("/account").text)
    blocked = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD, **fields})
    assert blocked.status_code == 429 and "Too many wrong passwords" in blocked.text
    client.cookies.clear()
    assert login(client, account.email, "a-new-password-1").status_code == 429  # the same count, not changed
    clock.set(clock.now + dt.timedelta(minutes=15))
    assert login(client, account.email, PASSWORD).status_code == 303


def test_an_address_longer_than_any_account_fails_as_a_wrong_login(client, account, db):
    # Its failure used to be recorded under the address itself: a VARCHAR(320) on PostgreSQL (500),
    # and on SQLite a row as long as the body (up to 64 MiB) kept for the window.
    long = "x" * 5000 + "@example.com"
    for _ in range(5):
        answer = login(client, long, "wrong password")
        assert answer.status_code == 400 and "Wrong e-mail address or password." in answer.text
    assert login(client, long, "wrong password").status_code == 429
    with db.read() as conn:
        longest = conn.execute(select(func.max(func.length(login_failures.c.key)))).scalar_one()
    assert longest <= 320
    assert login(client, account.email, PASSWORD).status_code == 303


def test_a_client_address_of_any_length_is_counted(settings, db, clock, account):
    # What a proxy's X-Forwarded-For says becomes the client address: it may be any text.
    host = "proxy-said-" + "y" * 2000
    with TestClient(create_app(settings, db=db, clock_ms=clock), client=(host, 1)) as far:
        for n in range(20):
            assert login(far, f"guess{n}@example.com", "wrong password").status_code == 400
        assert login(far, account.email, PASSWORD).status_code == 429
