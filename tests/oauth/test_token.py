"""POST /oauth/token: the code exchange and the refresh grant, and the RFC 6749 errors."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from selftime.db.tables import oauth_apps, oauth_codes, oauth_tokens
from selftime.store.keys import digest
from tests.conftest import DEFAULT_NOW, web_login
from tests.oauth.conftest import (
    REDIRECT,
    authorize,
    basic,
    exchange,
    pkce_pair,
    refresh,
    register,
    token_for,
)

DATA = "/api/oauth/data"


def works(client: TestClient, access_token: str) -> bool:
    response = client.get(DATA, params={"access_token": access_token})
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def rfc_error(response, status: int, error: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["error_description"]
    assert set(body) == {"error", "error_description"}
    return body["error_description"]  # type: ignore[no-any-return]


@pytest.fixture
def logged_in(client, account):  # type: ignore[no-untyped-def]
    web_login(client, account.email)
    return client


# --- the exchange ----------------------------------------------------------------------------------


def test_a_form_body_and_http_basic_work_like_the_json_body(logged_in, oauth_app):
    form = exchange(logged_in, oauth_app, authorize(logged_in, oauth_app), form=True)
    assert form.status_code == 200, form.text
    assert list(form.json()) == ["access_token", "token_type", "refresh_token", "scope", "created_at"]
    code = authorize(logged_in, oauth_app)
    basic_auth = logged_in.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        headers=basic(oauth_app.client_id, oauth_app.secret),
    )
    assert basic_auth.status_code == 200, basic_auth.text
    assert works(logged_in, basic_auth.json()["access_token"])
    assert works(logged_in, form.json()["access_token"])


def test_tokens_and_secrets_are_stored_only_as_digests(logged_in, oauth_app, db):
    answer = token_for(logged_in, oauth_app, "time_data")
    with db.read() as conn:
        token_row = conn.execute(select(oauth_tokens)).one()._mapping
        app_row = conn.execute(select(oauth_apps)).one()._mapping
    assert token_row["access_hash"] == digest(answer["access_token"])
    assert token_row["refresh_hash"] == digest(answer["refresh_token"])
    assert app_row["secret_hash"] == digest(oauth_app.secret)
    assert token_row["expires_ms"] is None


def test_a_wrong_client_secret_is_refused_and_the_code_still_works_for_the_real_client(logged_in, oauth_app):
    code = authorize(logged_in, oauth_app)
    wrong = exchange(logged_in, oauth_app, code, client_secret=oauth_app.secret + "x")
    rfc_error(wrong, 401, "invalid_client")
    assert "Basic" in wrong.headers["www-authenticate"]
    rfc_error(exchange(logged_in, oauth_app, code, client_secret=None), 401, "invalid_client")
    wrong_basic = logged_in.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        headers=basic(oauth_app.client_id, "nope"),
    )
    rfc_error(wrong_basic, 401, "invalid_client")
    assert exchange(logged_in, oauth_app, code).status_code == 200


def test_a_code_works_only_for_the_app_it_was_issued_to(logged_in, oauth_app, db, clock):
    other = register(db, clock, "Other App")
    code = authorize(logged_in, oauth_app)
    stolen = exchange(logged_in, other, code, redirect_uri=REDIRECT)
    rfc_error(stolen, 400, "invalid_grant")
    assert exchange(logged_in, oauth_app, code).status_code == 200


def test_reusing_a_code_fails_and_revokes_the_token_it_bought(logged_in, oauth_app):
    code = authorize(logged_in, oauth_app)
    first = exchange(logged_in, oauth_app, code)
    assert first.status_code == 200
    access, refresh_token = first.json()["access_token"], first.json()["refresh_token"]
    assert works(logged_in, access)
    description = rfc_error(exchange(logged_in, oauth_app, code), 400, "invalid_grant")
    assert "already used" in description
    assert not works(logged_in, access)
    rfc_error(refresh(logged_in, oauth_app, refresh_token), 400, "invalid_grant")


def test_reusing_a_code_also_revokes_the_tokens_refreshed_from_it(logged_in, oauth_app):
    code = authorize(logged_in, oauth_app)
    first = exchange(logged_in, oauth_app, code).json()
    renewed = refresh(logged_in, oauth_app, first["refresh_token"]).json()
    assert works(logged_in, renewed["access_token"])
    rfc_error(exchange(logged_in, oauth_app, code), 400, "invalid_grant")
    assert not works(logged_in, renewed["access_token"])


def test_codes_live_ten_minutes(logged_in, oauth_app, clock):
    on_time, late = authorize(logged_in, oauth_app), authorize(logged_in, oauth_app)
    clock.set(DEFAULT_NOW + dt.timedelta(minutes=10))
    assert exchange(logged_in, oauth_app, on_time).status_code == 200
    clock.set(DEFAULT_NOW + dt.timedelta(minutes=10, milliseconds=1))
    description = rfc_error(exchange(logged_in, oauth_app, late), 400, "invalid_grant")
    assert "expired" in description


def test_the_redirect_uri_must_be_the_one_the_code_was_issued_for(logged_in, db, clock):
    app = register(db, clock, "Two", ("https://a.example/cb", "https://b.example/cb"))
    code = authorize(logged_in, app, redirect_uri="https://a.example/cb")
    rfc_error(exchange(logged_in, app, code, redirect_uri="https://b.example/cb"), 400, "invalid_grant")
    rfc_error(exchange(logged_in, app, code, redirect_uri=None), 400, "invalid_request")
    assert exchange(logged_in, app, code, redirect_uri="https://a.example/cb").status_code == 200


def test_pkce_s256_success_and_mismatch(logged_in, oauth_app):
    verifier, challenge = pkce_pair()
    code = authorize(logged_in, oauth_app, code_challenge=challenge, code_challenge_method="S256")
    rfc_error(exchange(logged_in, oauth_app, code), 400, "invalid_request")  # no verifier
    rfc_error(exchange(logged_in, oauth_app, code, code_verifier=verifier + "x"), 400, "invalid_grant")
    ok = exchange(logged_in, oauth_app, code, code_verifier=verifier)
    assert ok.status_code == 200, ok.text
    assert works(logged_in, ok.json()["access_token"])


def test_pkce_challenge_is_stored_with_the_code(logged_in, oauth_app, db):
    _verifier, challenge = pkce_pair()
    authorize(logged_in, oauth_app, code_challenge=challenge, code_challenge_method="S256")
    with db.read() as conn:
        row = conn.execute(select(oauth_codes)).one()._mapping
    assert (row["code_challenge"], row["code_challenge_method"]) == (challenge, "S256")


@pytest.mark.parametrize(
    "body,error",
    [
        ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),  # no code
        ({"grant_type": "authorization_code", "code": "made-up", "redirect_uri": REDIRECT}, "invalid_grant"),
        ({"grant_type": "refresh_token"}, "invalid_request"),  # no refresh token
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, "invalid_grant"),
    ],
)
def test_malformed_token_requests(client, oauth_app, body, error):
    credentials = {"client_id": oauth_app.client_id, "client_secret": oauth_app.secret}
    rfc_error(client.post("/oauth/token", json={**credentials, **body}), 400, error)


def test_bodies_that_are_not_json_objects_or_forms_and_parameters_in_the_url(client, oauth_app):
    rfc_error(
        client.post("/oauth/token", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "invalid_request",
    )
    rfc_error(client.post("/oauth/token", json=["a"]), 400, "invalid_request")
    in_url = client.post(
        "/oauth/token",
        params={"client_id": oauth_app.client_id, "client_secret": oauth_app.secret, "grant_type": "refresh_token"},
    )
    rfc_error(in_url, 400, "invalid_request")


# --- the refresh grant -----------------------------------------------------------------------------


def test_refresh_rotates_both_tokens(logged_in, oauth_app, clock):
    first = token_for(logged_in, oauth_app, "time_data category_data")
    clock.set(DEFAULT_NOW + dt.timedelta(days=3))
    response = refresh(logged_in, oauth_app, first["refresh_token"])
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["scope"] == "time_data category_data"
    assert renewed["created_at"] == first["created_at"] + 3 * 86400
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] != first["refresh_token"]
    assert works(logged_in, renewed["access_token"])
    assert not works(logged_in, first["access_token"])  # the old pair is retired


def test_a_replayed_refresh_token_ends_the_grant(logged_in, oauth_app):
    first = token_for(logged_in, oauth_app, "time_data")
    renewed = refresh(logged_in, oauth_app, first["refresh_token"]).json()
    rfc_error(refresh(logged_in, oauth_app, first["refresh_token"]), 400, "invalid_grant")
    # Someone holds an old refresh token: the live one, issued to whoever refreshed, ends too.
    assert not works(logged_in, renewed["access_token"])
    rfc_error(refresh(logged_in, oauth_app, renewed["refresh_token"]), 400, "invalid_grant")


def test_refresh_may_narrow_the_scope_but_not_widen_it(logged_in, oauth_app):
    first = token_for(logged_in, oauth_app, "time_data,category_data")
    rfc_error(refresh(logged_in, oauth_app, first["refresh_token"], scope="time_data alert_data"), 400, "invalid_scope")
    narrowed = refresh(logged_in, oauth_app, first["refresh_token"], scope="category_data")
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "category_data"
    data = logged_in.get(DATA, params={"access_token": narrowed.json()["access_token"]})
    assert data.status_code == 403  # /api/oauth/data needs time_data
    overview = logged_in.get("/api/oauth/overview_data", params={"access_token": narrowed.json()["access_token"]})
    assert overview.status_code == 200


def test_a_refresh_token_works_only_for_its_own_app(logged_in, oauth_app, db, clock):
    other = register(db, clock, "Other App")
    first = token_for(logged_in, oauth_app, "time_data")
    rfc_error(refresh(logged_in, other, first["refresh_token"]), 400, "invalid_grant")
    assert works(logged_in, first["access_token"])
    rfc_error(
        refresh(logged_in, oauth_app, first["refresh_token"], client_secret="wrong"),
        401,
        "invalid_client",
    )
    assert refresh(logged_in, oauth_app, first["refresh_token"]).status_code == 200


# --- races -----------------------------------------------------------------------------------------


def test_one_code_sent_by_many_requests_at_once_buys_at_most_one_live_token(logged_in, oauth_app, db):
    """Whatever the interleaving: one exchange succeeds, and a second use revokes what it bought,
    so at the end no token from the code is live (first use then reuse) or exactly one (a race
    lost in the transaction that claims the code)."""
    code = authorize(logged_in, oauth_app)
    app = logged_in.app

    def attempt(_: int) -> int:
        with TestClient(app) as other:
            return exchange(other, oauth_app, code).status_code  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(attempt, range(4)))
    assert statuses.count(200) == 1, statuses
    assert statuses.count(400) == 3, statuses
    with db.read() as conn:
        rows = conn.execute(select(oauth_tokens.c.revoked_ms)).all()
    assert len(rows) == 1  # one token was ever stored


def test_one_refresh_token_sent_by_many_requests_at_once_is_exchanged_once(logged_in, oauth_app, db):
    first = token_for(logged_in, oauth_app, "time_data")
    app = logged_in.app

    def attempt(_: int) -> int:
        with TestClient(app) as other:
            return refresh(other, oauth_app, first["refresh_token"]).status_code  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(attempt, range(4)))
    assert statuses.count(200) == 1, statuses
    with db.read() as conn:
        rows = conn.execute(select(oauth_tokens.c.revoked_ms)).all()
    assert len(rows) == 2  # the first pair and exactly one renewal


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than Python's recursion limit: RecursionError, a 500
        '{"client_id": "\\ud800", "client_secret": "x", "grant_type": "authorization_code", "code": "x"}',
        '{"client_id": "CLIENT", "client_secret": "\\ud800", "grant_type": "authorization_code", "code": "x"}',
        '{"client_id": "x", "client_secret": "x", "grant_type": "\\ud800"}',
    ],
)
def test_json_bodies_that_hold_no_text_are_invalid_requests(client, oauth_app, body):
    # A lone surrogate escape is valid JSON but no text: it failed (500) where it met a hash or the database.
    body = body.replace("CLIENT", oauth_app.client_id)
    response = client.post("/oauth/token", content=body, headers={"content-type": "application/json"})
    rfc_error(response, 400, "invalid_request")
