"""/oauth/authorize: the consent page, Allow and Deny, and the requests it must refuse."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from selftime.db.tables import oauth_codes
from tests.conftest import send, span, web_login
from tests.oauth.conftest import (
    REDIRECT,
    authorize,
    authorize_params,
    consent,
    decide,
    exchange,
    hidden_fields,
    query_of,
    register,
)
from tests.web.test_headers import assert_page_headers


def codes(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(oauth_codes)).scalar_one())


def test_the_whole_flow_from_login_to_data(client, account, oauth_app):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", app="Code")])
    # Not logged in: the authorize URL sends the browser to log in, and back here afterwards.
    params = authorize_params(oauth_app, "time_data", state="xyz")
    first = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert first.status_code == 303
    login_url = first.headers["location"]
    assert login_url.startswith("/login?next=")
    back_to = parse_qs(urlsplit(login_url).query)["next"][0]
    assert back_to.startswith("/oauth/authorize?") and oauth_app.client_id in back_to
    web_login(client, account.email)

    page = client.get(back_to)
    assert page.status_code == 200
    assert "Time Graphs" in page.text
    assert "Your full time history" in page.text  # the scope in plain words
    assert ">Allow</button>" in page.text and ">Deny</button>" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert_page_headers(page)  # frame-ancestors 'none' among them

    allowed = decide(client, page.text, "allow")
    assert allowed.status_code == 303
    location = allowed.headers["location"]
    assert location.startswith(REDIRECT + "?")
    returned = query_of(location)
    assert returned["state"] == "xyz"

    token = exchange(client, oauth_app, returned["code"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "time_data"
    assert body["created_at"] == 1796040000  # 2026-11-30 12:00 UTC, the test clock
    assert "expires_in" not in body  # access tokens do not expire, as RescueTime's
    assert body["refresh_token"] != body["access_token"]
    assert token.headers["cache-control"] == "no-store"

    asked = {"restrict_kind": "activity", "restrict_begin": "2026-11-30", "format": "json"}
    data = client.get("/api/oauth/data", params={"access_token": body["access_token"], **asked})
    assert data.status_code == 200, data.text
    assert data.json()["rows"] == [[1, 3600, 1, "code", "Editing & IDEs", 2]]
    assert data.content == client.get("/anapi/data", params={"key": account.key, **asked}).content


def test_deny_redirects_with_access_denied_and_the_state(client, account, oauth_app):
    web_login(client, account.email)
    page = consent(client, authorize_params(oauth_app, state="s-1"))
    denied = decide(client, page.text, "deny")
    assert denied.status_code == 303
    returned = query_of(denied.headers["location"])
    assert returned["error"] == "access_denied"
    assert returned["state"] == "s-1"
    assert "code" not in returned
    assert codes(client.app.state.services.db) == 0


def test_a_redirect_uri_that_was_not_registered_gets_an_error_page_and_no_redirect(client, account, oauth_app, db):
    web_login(client, account.email)
    for wrong in (
        "https://evil.example/callback",
        REDIRECT + "/",
        REDIRECT + "?x=1",
        "https://CLIENT.example/callback",
    ):
        response = client.get(
            "/oauth/authorize", params=authorize_params(oauth_app, redirect_uri=wrong), follow_redirects=False
        )
        assert response.status_code == 400, wrong
        assert "location" not in response.headers
        assert "not one the application registered" in response.text
    # Also when the form is posted back with a swapped URI, and also for Deny.
    page = consent(client, authorize_params(oauth_app))
    fields = hidden_fields(page.text) | {"redirect_uri": "https://evil.example/callback"}
    for decision in ("allow", "deny"):
        response = client.post("/oauth/authorize", data={**fields, "decision": decision}, follow_redirects=False)
        assert response.status_code == 400
        assert "location" not in response.headers
    assert codes(db) == 0


def test_an_unknown_client_gets_an_error_page_logged_in_or_not(client, account, oauth_app):
    params = authorize_params(oauth_app) | {"client_id": "no-such-client"}
    anonymous = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert anonymous.status_code == 400
    assert "location" not in anonymous.headers
    assert "not name an application registered" in anonymous.text
    web_login(client, account.email)
    logged_in = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert logged_in.status_code == 400
    assert "location" not in logged_in.headers
    missing = client.get("/oauth/authorize", params={"response_type": "code", "scope": "time_data"})
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "sent,granted",
    [
        ("time_data category_data", "time_data category_data"),
        ("time_data,category_data", "time_data category_data"),
        ("time_data, category_data,productivity_data", "time_data category_data productivity_data"),
        ("focustime_data,,alert_data time_data", "focustime_data alert_data time_data"),
        ("time_data time_data", "time_data"),
    ],
)
def test_scopes_may_be_separated_by_spaces_or_commas(client, account, oauth_app, sent, granted):
    web_login(client, account.email)
    page = consent(client, authorize_params(oauth_app, sent))
    for name in granted.split():
        assert f'data-scope="{name}"' in page.text
    code = query_of(decide(client, page.text, "allow").headers["location"])["code"]
    response = exchange(client, oauth_app, code)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == granted


def test_an_unknown_scope_goes_back_to_the_client_as_invalid_scope(client, account, oauth_app, db):
    web_login(client, account.email)
    for scope in ("time_data,everything", "", "admin"):
        response = client.get(
            "/oauth/authorize", params=authorize_params(oauth_app, scope, state="st"), follow_redirects=False
        )
        assert response.status_code == 303, scope
        returned = query_of(response.headers["location"])
        assert response.headers["location"].startswith(REDIRECT + "?")
        assert returned["error"] == "invalid_scope"
        assert returned["state"] == "st"
        assert returned["error_description"]
    assert codes(db) == 0


def test_other_bad_requests_from_a_known_client_go_back_to_it(client, account, oauth_app):
    web_login(client, account.email)
    token_type = client.get(
        "/oauth/authorize", params=authorize_params(oauth_app, response_type="token"), follow_redirects=False
    )
    assert query_of(token_type.headers["location"])["error"] == "unsupported_response_type"
    params = authorize_params(oauth_app)
    del params["response_type"]
    missing = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert query_of(missing.headers["location"])["error"] == "invalid_request"


def test_a_repeated_parameter_is_refused_without_a_redirect(client, account, oauth_app):
    web_login(client, account.email)
    query = (
        f"client_id={oauth_app.client_id}&response_type=code&scope=time_data"
        f"&redirect_uri={REDIRECT}&redirect_uri=https://evil.example/"
    )
    response = client.get(f"/oauth/authorize?{query}", follow_redirects=False)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_the_redirect_uri_may_be_left_out_only_when_the_app_registered_one(client, account, db, clock):
    web_login(client, account.email)
    single = register(db, clock, "One URI")
    params = authorize_params(single)
    del params["redirect_uri"]
    code = query_of(decide(client, consent(client, params).text, "allow").headers["location"])["code"]
    assert exchange(client, single, code).status_code == 200
    several = register(db, clock, "Two URIs", ("https://a.example/cb", "https://b.example/cb"))
    params = authorize_params(several)
    del params["redirect_uri"]
    response = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert response.status_code == 400
    assert "location" not in response.headers
    # Either registered URI works when named.
    code = authorize(client, several, redirect_uri="https://b.example/cb")
    assert exchange(client, several, code, redirect_uri="https://b.example/cb").status_code == 200


def test_the_consent_form_needs_the_csrf_token_and_a_decision(client, account, oauth_app, db):
    web_login(client, account.email)
    page = consent(client, authorize_params(oauth_app))
    fields = hidden_fields(page.text)
    without_token = {k: v for k, v in fields.items() if k != "csrf_token"} | {"decision": "allow"}
    refused = client.post("/oauth/authorize", data=without_token, follow_redirects=False)
    assert refused.status_code == 403
    assert "location" not in refused.headers
    undecided = client.post("/oauth/authorize", data=fields, follow_redirects=False)
    assert undecided.status_code == 400
    assert codes(db) == 0


def test_a_post_after_the_session_ended_asks_for_the_login_again(client, account, oauth_app):
    web_login(client, account.email)
    page = consent(client, authorize_params(oauth_app, state="keep"))
    client.cookies.clear()
    response = decide(client, page.text, "allow")
    assert response.status_code == 303
    target = parse_qs(urlsplit(response.headers["location"]).query)["next"][0]
    assert target.startswith("/oauth/authorize?")
    assert query_of(target)["state"] == "keep"


def test_pkce_plain_is_refused_and_s256_needs_a_well_formed_challenge(client, account, oauth_app, db):
    web_login(client, account.email)
    for extra in (
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},  # no method means plain
        {"code_challenge": "short", "code_challenge_method": "S256"},
    ):
        response = client.get(
            "/oauth/authorize", params=authorize_params(oauth_app, state="p", **extra), follow_redirects=False
        )
        assert response.status_code == 303
        assert query_of(response.headers["location"])["error"] == "invalid_request"
    assert codes(db) == 0


def test_the_state_and_a_registered_query_string_come_back_unchanged(client, account, db, clock):
    web_login(client, account.email)
    app = register(db, clock, "Query App", ("https://client.example/cb?tenant=7&x=a%20b",))
    state = "état=1&next=/a b?c#d+é"
    page = consent(client, authorize_params(app, state=state))
    location = decide(client, page.text, "allow").headers["location"]
    assert location.startswith("https://client.example/cb?")
    returned = query_of(location)
    assert returned["state"] == state
    assert (returned["tenant"], returned["x"]) == ("7", "a b")  # kept (re-encoded as a form)
    assert exchange(client, app, returned["code"]).status_code == 200
