"""Web sessions end on the server: logging out ends the session a copied cookie names, and only that one."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from itsdangerous import TimestampSigner
from sqlalchemy import select
from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.db.tables import web_sessions
from tests.conftest import PASSWORD, csrf_of, web_login


def cookie(client: TestClient) -> str:
    value = client.cookies.get("selftime_session")
    assert value
    return value


def with_cookie(client: TestClient, value: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set("selftime_session", value)
    return client


def account_page(client: TestClient, value: str):  # type: ignore[no-untyped-def]
    return with_cookie(client, value).get("/account")


def log_out(client: TestClient) -> None:
    token = csrf_of(client.get("/account").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303


def stored_hashes(db) -> set[str]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return {h for (h,) in conn.execute(select(web_sessions.c.token_hash))}


def token_of(value: str) -> str:
    """The session token inside a Starlette session cookie (base64 JSON, then its signature)."""
    payload = value.split(".", 1)[0]
    return str(json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"])


def test_a_copied_cookie_stops_working_at_logout_and_other_sessions_stay(client, account, settings, db, clock):
    web_login(client, account.email)
    copied = cookie(client)
    with TestClient(create_app(settings, db=db, clock_ms=clock)) as other_browser:
        web_login(other_browser, account.email)
        log_out(client)
        page = account_page(client, copied)
        assert page.url.path == "/login" and '<label for="password">' in page.text
        # The other browser's session is its own: still signed in.
        still = other_browser.get("/account", follow_redirects=False)
        assert still.status_code == 200 and account.email in still.text


def test_only_a_digest_of_the_token_is_stored_and_logout_deletes_it(client, account, db):
    web_login(client, account.email)
    token = token_of(cookie(client))
    assert stored_hashes(db) == {hashlib.sha256(token.encode()).hexdigest()}
    log_out(client)
    assert stored_hashes(db) == set()


def test_signing_in_again_ends_the_browsers_previous_session(client, account, db):
    web_login(client, account.email)
    before = cookie(client)
    web_login(client, account.email)  # the login page of a signed-in browser answers the form too
    assert len(stored_hashes(db)) == 1
    assert account_page(client, before).url.path == "/login"


def test_sessions_expire_after_14_days_unused_and_are_cleaned_up(client, account, clock, db, make_account):
    web_login(client, account.email)
    kept = cookie(client)
    for _ in range(3):  # used every 13 days: extended each time, as the cookie is
        clock.set(clock.now + dt.timedelta(days=13))
        assert account_page(client, kept).status_code == 200
    clock.set(clock.now + dt.timedelta(days=14))
    assert account_page(client, kept).url.path == "/login"
    assert len(stored_hashes(db)) == 1  # the expired row stays until the next sign-in, anyone's
    client.cookies.clear()
    web_login(client, make_account("later@example.com").email)
    assert len(stored_hashes(db)) == 1


def test_a_cookie_without_a_session_token_opens_nothing(client, account, settings):
    """As every cookie signed before sessions were recorded: a valid signature, the user id, address
    and epoch, but no token. It was enough to be signed in; now its holder logs in once more."""
    legacy = {"uid": account.id, "email": account.email, "epoch": 0, "csrf": "x"}
    signer = TimestampSigner(str(settings.session_secret()))
    value = signer.sign(base64.b64encode(json.dumps(legacy).encode())).decode()
    assert account_page(client, value).url.path == "/login"
    # The same cookie with the token of a live session does open the account: the token is what counts.
    client.cookies.clear()
    web_login(client, account.email)
    live = {**legacy, "sid": token_of(cookie(client))}
    value = signer.sign(base64.b64encode(json.dumps(live).encode())).decode()
    assert account_page(client, value).status_code == 200


def test_changing_the_password_ends_every_other_session_on_the_server(client, account, settings, db, clock):
    web_login(client, account.email)
    copied = cookie(client)
    with TestClient(create_app(settings, db=db, clock_ms=clock)) as other_browser:
        web_login(other_browser, account.email)
        token = csrf_of(client.get("/account").text)
        body = {"current_password": PASSWORD, "new_password": "new password!", "confirm": "new password!"}
        assert client.post("/account/password", data={**body, "csrf_token": token}).status_code == 200
        assert other_browser.get("/account", follow_redirects=False).status_code == 303
        assert len(stored_hashes(db)) == 1  # only the session that changed it, under a new token
        current = cookie(client)
        assert token_of(current) != token_of(copied)
        assert account_page(client, copied).url.path == "/login"
        assert account_page(client, current).status_code == 200
