"""/api/oauth/*: every endpoint behind its scope, the same answers as the API-key surface, and the
401/403 refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from selftime.db.tables import focus_sessions, highlights, spans
from selftime.oauth.surfaces import ENDPOINTS
from selftime.store import oauth as store
from tests.conftest import DEFAULT_NOW, send, span, web_login
from tests.oauth.conftest import ALL_SCOPES, token_for

DAY = "2026-11-30"
DATA_PARAMS = {"perspective": "rank", "restrict_begin": DAY, "restrict_end": DAY, "format": "json"}

# endpoint → (the scope of contract §1, parameters for a successful call, the /anapi/ call it must equal)
TABLE: dict[str, tuple[str, dict[str, str], tuple[str, dict[str, str]] | None]] = {
    "data": ("time_data", {**DATA_PARAMS, "restrict_kind": "activity"}, ("data", {"restrict_kind": "activity"})),
    "overview_data": ("category_data", DATA_PARAMS, ("data", {"restrict_kind": "overview"})),
    "category_data": ("category_data", DATA_PARAMS, ("data", {"restrict_kind": "category"})),
    "productivity_data": ("productivity_data", DATA_PARAMS, ("data", {"restrict_kind": "productivity"})),
    "daily_summary_feed": ("time_data", {}, ("daily_summary_feed", {})),
    "alerts_feed": ("alert_data", {}, ("alerts_feed", {})),
    "highlights_feed": ("highlight_data", {}, ("highlights_feed", {})),
    "highlights_post": ("highlight_data", {"highlight_date": DAY, "description": "Shipped"}, None),
    "start_focustime": ("focustime_data", {"duration": "30"}, None),
    "end_focustime": ("focustime_data", {}, None),
    "focustime_started_feed": ("focustime_data", {}, ("focustime_started_feed", {})),
    "focustime_ended_feed": ("focustime_data", {}, ("focustime_ended_feed", {})),
    "offline_time_post": (
        "time_data",
        {"start_time": f"{DAY} 08:00:00", "duration": "30", "activity_name": "Planning meeting"},
        None,
    ),
}
WRITES = {"highlights_post", "start_focustime", "end_focustime", "offline_time_post"}


def test_the_table_covers_every_endpoint_with_the_contracts_scope():
    assert {e.name: e.scope for e in ENDPOINTS} == {name: row[0] for name, row in TABLE.items()}
    assert {e.name for e in ENDPOINTS if e.methods == ("POST",)} == WRITES


def snapshot(db) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    """What the POST endpoints change."""
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(highlights)).scalar_one(),
            conn.execute(select(focus_sessions.c.id, focus_sessions.c.ended_ms).order_by(focus_sessions.c.id)).all(),
            conn.execute(select(func.count()).select_from(spans)).scalar_one(),
        )


def call(client, name: str, token: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
    if name in WRITES:
        return client.post(f"/api/oauth/{name}", data={"access_token": token, **params})
    return client.get(f"/api/oauth/{name}", params={"access_token": token, **params})


@pytest.mark.parametrize("name", list(TABLE))
def test_each_endpoint_takes_exactly_its_scope(client, account, oauth_app, db, name):
    scope, params, same_as = TABLE[name]
    send(client, account, [span(f"{DAY}T09:00:00Z", f"{DAY}T10:30:00Z", app="Code")])
    client.post("/anapi/highlights_post", data={"key": account.key, "highlight_date": DAY, "description": "Earlier"})
    client.post("/anapi/start_focustime", data={"key": account.key, "duration": "60"})
    web_login(client, account.email)
    exact = token_for(client, oauth_app, scope)["access_token"]
    others = token_for(client, oauth_app, " ".join(s for s in ALL_SCOPES if s != scope))["access_token"]

    before = snapshot(db)
    refused = call(client, name, others, params)
    assert refused.status_code == 403, refused.text
    assert refused.json() == {
        "error": "# insufficient scope",
        "messages": f"This endpoint needs the {scope} scope, which this token was not granted.",
    }
    assert f'scope="{scope}"' in refused.headers["www-authenticate"]
    assert snapshot(db) == before  # refused before anything happened

    allowed = call(client, name, exact, params)
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["content-type"] == "application/json; charset=utf-8"
    if same_as is not None:
        path, extra = same_as
        by_key = client.get(f"/anapi/{path}", params={"key": account.key, **params, **extra})
        assert by_key.status_code == 200
        assert allowed.content == by_key.content
    if name in WRITES:
        assert snapshot(db) != before


@pytest.mark.parametrize(
    "kind,asked",
    [
        ("overview", {"restrict_kind": "activity"}),
        ("overview", {"restrict_kind": "document", "restrict_thing": "Code"}),
        ("overview", {"taxonomy": "activity", "taxon": "Software Development"}),
        ("category", {"ty": "document", "tx": "Code", "tn": "main.py"}),
        ("category", {"rk": "activity", "rt": "Editing & IDEs"}),
        ("category", {"restrict_kind": "overview", "restrict_thing": "Software Development"}),
        ("productivity", {"restrict_kind": "efficiency", "perspective": "interval"}),
        ("productivity", {"restrict_kind": "activity", "restrict_thingy": "main.py", "sub_taxon": "x", "ry": "y"}),
    ],
)
def test_the_restricted_reports_answer_only_their_own_detail(client, account, oauth_app, kind, asked):
    send(
        client,
        account,
        [
            span(f"{DAY}T09:00:00Z", f"{DAY}T10:00:00Z", app="Code", title="main.py"),
            span(f"{DAY}T10:00:00Z", f"{DAY}T10:20:00Z", app=None, url="https://news.example.com/a"),
        ],
    )
    web_login(client, account.email)
    scope = "productivity_data" if kind == "productivity" else "category_data"
    token = token_for(client, oauth_app, scope)["access_token"]
    perspective = asked.get("perspective", "rank")
    expected = client.get(
        "/anapi/data", params={**DATA_PARAMS, "key": account.key, "restrict_kind": kind, "perspective": perspective}
    )
    answer = client.get(f"/api/oauth/{kind}_data", params={**DATA_PARAMS, **asked, "access_token": token})
    assert answer.status_code == 200, answer.text
    assert answer.content == expected.content
    headers = answer.json()["row_headers"]
    assert "Activity" not in headers and "Document" not in headers
    assert answer.json()["rows"]


def test_a_bearer_header_a_form_body_and_a_json_body_all_carry_the_token(client, account, oauth_app):
    web_login(client, account.email)
    token = token_for(client, oauth_app, "time_data")["access_token"]
    header = client.get("/api/oauth/daily_summary_feed", headers={"Authorization": f"Bearer {token}"})
    assert header.status_code == 200
    form = client.post("/api/oauth/data", data={"access_token": token, **DATA_PARAMS})
    assert form.status_code == 200
    offline = client.post(
        "/api/oauth/offline_time_post",
        json={"access_token": token, "start_time": f"{DAY} 07:00:00", "duration": 15, "activity_name": "Call"},
    )
    assert offline.status_code == 200, offline.text
    # Another kind of Authorization header is not a token, so the parameter still counts.
    other_header = client.get(
        "/api/oauth/data", params={"access_token": token}, headers={"Authorization": "Basic Zm9vOmJhcg=="}
    )
    assert other_header.status_code == 200
    trailing_slash = client.get("/api/oauth/data/", params={"access_token": token})
    assert trailing_slash.status_code == 200


@pytest.mark.parametrize("name", ["data", "highlights_post"])
def test_missing_and_unknown_tokens_and_api_keys_are_401(client, account, name):
    for params, headers in (
        ({}, {}),
        ({"access_token": "sto_made-up"}, {}),
        ({}, {"Authorization": "Bearer sto_made-up"}),
        ({"key": account.key}, {}),  # an API key is not an access token
        ({"access_token": account.key, "format": "csv"}, {}),
    ):
        if name in WRITES:
            response = client.post(f"/api/oauth/{name}", data=params, headers=headers)
        else:
            response = client.get(f"/api/oauth/{name}", params=params, headers=headers)
        assert response.status_code == 401, (params, response.text)
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json()["error"] == "# invalid token"
        assert response.json()["messages"]
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_an_expiring_token_works_until_its_expiry_and_then_is_401(client, account, oauth_app, db, clock):
    now = clock()
    with db.write() as conn:
        store.insert_token(
            conn,
            access_token="sto_expiring",
            refresh_token=None,
            app_id=oauth_app.id,
            user_id=account.id,
            code_id=None,
            scopes=["time_data"],
            now_ms=now,
            expires_ms=now + 3_600_000,
        )
    clock.set(DEFAULT_NOW + dt.timedelta(hours=1))
    assert client.get("/api/oauth/data", params={"access_token": "sto_expiring"}).status_code == 200
    clock.set(DEFAULT_NOW + dt.timedelta(hours=1, milliseconds=1))
    expired = client.get("/api/oauth/data", params={"access_token": "sto_expiring"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["messages"]


def test_a_token_reads_only_its_own_users_data(client, account, make_account, oauth_app):
    other = make_account("bob@example.com")
    send(client, other, [span(f"{DAY}T09:00:00Z", f"{DAY}T10:00:00Z", app="Secret")])
    web_login(client, account.email)
    token = token_for(client, oauth_app, "time_data")["access_token"]
    rows = client.get("/api/oauth/data", params={"access_token": token, **DATA_PARAMS}).json()["rows"]
    assert rows == []


def test_a_repeated_report_follows_new_data_through_the_oauth_surface(client, account, oauth_app):
    """The OAuth surface shares the report cache: its user arrives with the data version too."""
    send(client, account, [span(f"{DAY}T09:00:00Z", f"{DAY}T09:10:00Z", "Code")])
    web_login(client, account.email)
    token = token_for(client, oauth_app, "time_data")["access_token"]
    params = {"access_token": token, **DATA_PARAMS, "restrict_kind": "activity"}
    first = client.get("/api/oauth/data", params=params).json()["rows"]
    assert client.get("/api/oauth/data", params=params).json()["rows"] == first == [[1, 600, 1, "code", *first[0][4:]]]
    send(client, account, [span(f"{DAY}T10:00:00Z", f"{DAY}T10:05:00Z", "Code")])
    assert client.get("/api/oauth/data", params=params).json()["rows"][0][1] == 900


def test_a_json_body_nested_too_deep_is_refused_before_the_token_is_read(client):
    deep = "[" * 100_000 + "]" * 100_000  # json.loads raised RecursionError: a 500
    headers = {"content-type": "application/json"}
    assert client.post("/api/oauth/highlights_post", content=deep, headers=headers).status_code == 400
    assert client.post("/api/oauth/data", content=deep, headers=headers).status_code == 200  # the query error
