"""Highlights: /anapi/highlights_post and _feed, our /api/v1/highlights, and `selftime highlights`."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from selftime.cli import app
from selftime.db.tables import highlights
from selftime.domain.highlights import FEED_LIMIT
from selftime.domain.zone import to_ms
from selftime.store import highlights as store

POST = "/anapi/highlights_post"
FEED = "/anapi/highlights_feed"
JSON_TYPE = "application/json; charset=utf-8"


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(highlights)).scalar_one())


def post(client: TestClient, key: str, **params: str):  # type: ignore[no-untyped-def]
    return client.post(POST, data={"key": key, **params})


def feed(client: TestClient, key: str) -> list:
    response = client.get(FEED, params={"key": key})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_TYPE
    return response.json()  # type: ignore[no-any-return]


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


# --- highlights_post: the three ways to send parameters -------------------------------------------


def test_post_with_a_form_body(client, account, db):
    response = post(client, account.key, highlight_date="2026-11-29", description="Shipped v2", source="git")
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    assert body == {
        "id": body["id"],
        "description": "Shipped v2",
        "date": "2026-11-29",
        "created_at": "2026-11-30T12:00:00.000+00:00",
        "source": "git",
    }
    assert isinstance(body["id"], int)
    with db.read() as conn:
        row = conn.execute(select(highlights)).one()._mapping
    assert dict(row) == {
        "id": body["id"],
        "user_id": account.id,
        "date": "2026-11-29",
        "description": "Shipped v2",
        "source": "git",
        "created_ms": to_ms(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)),
    }


def test_post_with_the_query_string(client, account, db):
    params = {"key": account.key, "highlight_date": "2026-11-30", "description": "Wrote the docs"}
    response = client.post(POST, params=params)
    assert response.status_code == 200, response.text
    assert (response.json()["description"], response.json()["source"]) == ("Wrote the docs", None)
    assert count(db) == 1


def test_post_with_a_json_body_and_a_numeric_timestamp(client, make_account, db):
    karachi = make_account(time_zone="Asia/Karachi")
    # 2026-11-29T20:30:00Z is already 30 November in Karachi (UTC+5).
    stamp = to_ms(dt.datetime(2026, 11, 29, 20, 30, tzinfo=dt.UTC)) // 1000
    body = {"highlight_date": stamp, "description": "Closed the sprint"}
    response = client.post(POST, params={"key": karachi.key}, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["date"] == "2026-11-30"
    assert response.json()["created_at"] == "2026-11-30T17:00:00.000+05:00"
    assert count(db) == 1


def test_timestamp_becomes_the_date_in_the_users_zone(client, make_account):
    stamp = str(to_ms(dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)) // 1000)
    for zone, expected in (("UTC", "2026-11-30"), ("America/New_York", "2026-11-29"), ("Asia/Tokyo", "2026-11-30")):
        user = make_account(time_zone=zone)
        response = post(client, user.key, highlight_date=stamp, description="x")
        assert response.status_code == 200, response.text
        assert response.json()["date"] == expected, zone


def test_post_with_a_bearer_key(client, account):
    response = client.post(
        POST,
        data={"highlight_date": "2026-11-30", "description": "via header"},
        headers={"Authorization": f"Bearer {account.key}"},
    )
    assert response.status_code == 200, response.text


# --- highlights_post: each rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params,message",
    [
        (
            {"description": "x"},
            "highlight_date is required: a date as YYYY-MM-DD or a Unix timestamp in seconds",
        ),
        (
            {"highlight_date": "30/11/2026", "description": "x"},
            "highlight_date must be a date as YYYY-MM-DD or a Unix timestamp in seconds (got '30/11/2026')",
        ),
        (
            {"highlight_date": "2026-02-30", "description": "x"},
            "highlight_date '2026-02-30' is not a calendar date",
        ),
        (
            {"highlight_date": "999999999999", "description": "x"},
            "highlight_date '999999999999' is out of range for a Unix timestamp",
        ),
        (
            {"highlight_date": "2026-11-30"},
            "description is required: 1 to 255 characters of text",
        ),
        (
            {"highlight_date": "2026-11-30", "description": "   "},
            "description is required: 1 to 255 characters of text",
        ),
        (
            {"highlight_date": "2026-11-30", "description": "d" * 256},
            "description must be at most 255 characters (got 256)",
        ),
        (
            {"highlight_date": "2026-11-30", "description": "x", "source": "s" * 65},
            "source must be at most 64 characters (got 65)",
        ),
    ],
    ids=[
        "date-missing",
        "date-form",
        "date-calendar",
        "timestamp-range",
        "description-missing",
        "description-blank",
        "description-long",
        "source-long",
    ],
)
def test_bad_input_is_400_and_stores_nothing(client, account, db, params, message):
    response = post(client, account.key, **params)
    assert response.status_code == 400
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {"error": "# invalid highlight", "messages": message}
    assert count(db) == 0


def test_limits_are_inclusive(client, account, db):
    ok = post(client, account.key, highlight_date="2026-11-30", description="d" * 255, source="s" * 64)
    assert ok.status_code == 200, ok.text
    assert count(db) == 1


def test_lite_account_gets_premium_feature_and_nothing_is_stored(client, make_account, db):
    lite = make_account(plan="lite")
    response = post(client, lite.key, highlight_date="2026-11-30", description="x")
    assert response.status_code == 400
    assert response.content == b'{"error":"# premium feature","messages":"Highlights is a premium feature."}'
    assert count(db) == 0


@pytest.mark.parametrize("key", ["", "st_not-a-real-key"], ids=["missing", "unknown"])
def test_bad_key_on_post_is_400(client, db, key):
    response = post(client, key, highlight_date="2026-11-30", description="x")
    assert response.status_code == 400
    assert response.content == b'{"error":"# key not found","messages":"key not found"}'
    assert count(db) == 0


def test_post_needs_post(client, account):
    response = client.get(POST, params={"key": account.key, "highlight_date": "2026-11-30", "description": "x"})
    assert response.status_code == 405


# --- highlights_feed ----------------------------------------------------------------------------


def test_feed_newest_first_with_local_created_at(client, make_account, clock):
    user = make_account(time_zone="Asia/Karachi")
    clock.set(dt.datetime(2026, 11, 28, 23, 17, 6, tzinfo=dt.UTC))
    first = post(client, user.key, highlight_date="2026-11-28", description="older", source="a").json()["id"]
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))
    second = post(client, user.key, highlight_date="2026-11-27", description="newer").json()["id"]
    assert feed(client, user.key) == [
        {"id": second, "description": "newer", "date": "2026-11-27", "created_at": "2026-11-30T14:00:00.000+05:00"},
        {"id": first, "description": "older", "date": "2026-11-28", "created_at": "2026-11-29T04:17:06.000+05:00"},
    ]


def test_feed_bytes_keep_the_docs_key_order(client, account):
    post(client, account.key, highlight_date="2026-11-30", description='say "hi" ✓')
    response = client.get(FEED, params={"key": account.key})
    assert response.content == (
        b'[{"id":1,"description":"say \\"hi\\" \xe2\x9c\x93","date":"2026-11-30",'
        b'"created_at":"2026-11-30T12:00:00.000+00:00"}]'
    )


def test_feed_shows_the_newest_hundred(client, account, db, clock):
    base = clock()
    with db.write() as conn:
        for i in range(FEED_LIMIT + 1):
            store.add(conn, user_id=account.id, date="2026-11-30", description=f"h{i}", source=None, now_ms=base + i)
    shown = feed(client, account.key)
    assert FEED_LIMIT == 100
    assert [h["description"] for h in shown] == [f"h{i}" for i in range(FEED_LIMIT, 0, -1)]


def test_feed_entered_in_the_same_millisecond_follows_entry_order(client, account):
    ids = [post(client, account.key, highlight_date="2026-11-30", description=f"h{i}").json()["id"] for i in range(3)]
    assert [h["id"] for h in feed(client, account.key)] == ids[::-1]


def test_feed_is_per_user(client, account, make_account):
    other = make_account()
    post(client, other.key, highlight_date="2026-11-30", description="not yours")
    assert feed(client, account.key) == []


def test_feed_accepts_post_and_ignores_other_parameters(client, account):
    post(client, account.key, highlight_date="2026-11-30", description="x")
    response = client.post(FEED, data={"key": account.key, "format": "csv", "operation": "select", "version": "0"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert [h["description"] for h in response.json()] == ["x"]


def test_feed_of_a_lite_account_is_empty(client, make_account, db, database_url):
    user = make_account(plan="lite")
    with db.write() as conn:
        store.add(conn, user_id=user.id, date="2026-11-30", description="from premium days", source=None, now_ms=1)
    assert feed(client, user.key) == []
    assert run(database_url, "users", "set-plan", user.email, "premium").exit_code == 0
    assert [h["description"] for h in feed(client, user.key)] == ["from premium days"]


@pytest.mark.parametrize("key", ["", "st_not-a-real-key"], ids=["missing", "unknown"])
def test_bad_key_on_feed_is_the_data_apis_body(client, key):
    response = client.get(FEED, params={"key": key})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert response.content == b'{"error":"# key not found","messages":"key not found"}'


# --- /api/v1/highlights -------------------------------------------------------------------------


def test_v1_list_includes_the_source(client, account):
    made = post(client, account.key, highlight_date="2026-11-29", description="one", source="git").json()
    response = client.get("/api/v1/highlights", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": made["id"],
            "description": "one",
            "date": "2026-11-29",
            "created_at": "2026-11-30T12:00:00.000+00:00",
            "source": "git",
        }
    ]


def test_v1_list_limit(client, account):
    for i in range(3):
        post(client, account.key, highlight_date="2026-11-30", description=f"h{i}")
    response = client.get("/api/v1/highlights", params={"key": account.key, "limit": "2"})
    assert [h["description"] for h in response.json()] == ["h2", "h1"]
    for bad in ("0", "1001", "ten", "-1"):
        refused = client.get("/api/v1/highlights", params={"key": account.key, "limit": bad})
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "# invalid request",
            "messages": f"limit must be a whole number from 1 to 1000 (got {bad!r})",
        }


def test_v1_list_works_on_lite_too(client, make_account, db):
    lite = make_account(plan="lite")
    with db.write() as conn:
        store.add(conn, user_id=lite.id, date="2026-11-30", description="kept", source=None, now_ms=1)
    response = client.get("/api/v1/highlights", params={"key": lite.key})
    assert [h["description"] for h in response.json()] == ["kept"]


def test_v1_delete(client, account, db):
    made = post(client, account.key, highlight_date="2026-11-30", description="oops").json()
    response = client.delete(f"/api/v1/highlights/{made['id']}", params={"key": account.key})
    assert response.status_code == 200
    assert response.json() == {"deleted": made["id"]}
    assert feed(client, account.key) == []
    again = client.delete(f"/api/v1/highlights/{made['id']}", params={"key": account.key})
    assert again.status_code == 404
    assert again.json() == {"error": "# not found", "messages": f"no highlight {made['id']} for this user"}


def test_v1_delete_of_someone_elses_highlight_is_404_and_keeps_it(client, account, make_account, db):
    other = make_account()
    theirs = post(client, other.key, highlight_date="2026-11-30", description="theirs").json()
    response = client.delete(f"/api/v1/highlights/{theirs['id']}", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 404
    assert count(db) == 1
    huge = client.delete("/api/v1/highlights/9223372036854775807", params={"key": account.key})
    assert huge.status_code == 404


@pytest.mark.parametrize("method,path", [("GET", "/api/v1/highlights"), ("DELETE", "/api/v1/highlights/1")])
def test_v1_without_a_valid_key_is_401(client, account, db, method, path):
    post(client, account.key, highlight_date="2026-11-30", description="x")
    for params in ({}, {"key": "st_not-a-real-key"}):
        response = client.request(method, path, params=params)
        assert response.status_code == 401
        assert response.json()["error"] == "# key not found"
    assert count(db) == 1


# --- selftime highlights ------------------------------------------------------------------------


def test_cli_add_list_delete(database_url, client, account, db):
    added = run(
        database_url, "highlights", "add", account.email, "Shipped it", "--date", "2026-11-02", "--source", "ci"
    )
    assert added.exit_code == 0, added.output
    new_id = int(added.stdout.strip().splitlines()[-1])
    with db.read() as conn:
        (h,) = store.newest(conn, account.id, 10)
    assert (h.id, h.date, h.description, h.source) == (new_id, "2026-11-02", "Shipped it", "ci")
    assert [x["id"] for x in feed(client, account.key)] == [new_id]
    listed = run(database_url, "highlights", "list", account.email)
    assert listed.exit_code == 0, listed.output
    assert "Shipped it" in listed.stdout and "2026-11-02" in listed.stdout and "ci" in listed.stdout
    deleted = run(database_url, "highlights", "delete", account.email, str(new_id))
    assert deleted.exit_code == 0, deleted.output
    assert count(db) == 0
    again = run(database_url, "highlights", "delete", account.email, str(new_id))
    assert again.exit_code == 2
    assert f"has no highlight {new_id}" in again.stderr


def test_cli_add_defaults_to_today_in_the_users_zone(database_url, make_account, db):
    user = make_account(time_zone="Pacific/Kiritimati")  # UTC+14: the first zone into each new day
    result = run(database_url, "highlights", "add", user.email, "today")
    assert result.exit_code == 0, result.output
    with db.read() as conn:
        (h,) = store.newest(conn, user.id, 10)
    now = dt.datetime.now(dt.UTC)
    expected = {(now + dt.timedelta(hours=14, minutes=m)).date().isoformat() for m in (-1, 0)}
    assert h.date in expected


@pytest.mark.parametrize(
    "args,message",
    [
        (["x" * 256], "description must be at most 255 characters (got 256)"),
        (["  "], "description is required"),
        (["ok", "--date", "2026-02-30"], "is not a calendar date"),
        (["ok", "--date", "next week"], "highlight_date must be a date as YYYY-MM-DD"),
        (["ok", "--source", "s" * 65], "source must be at most 64 characters"),
    ],
)
def test_cli_add_refusals(database_url, account, db, args, message):
    result = run(database_url, "highlights", "add", account.email, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert count(db) == 0


def test_cli_add_refuses_lite_and_unknown_users(database_url, make_account, db):
    lite = make_account(plan="lite")
    result = run(database_url, "highlights", "add", lite.email, "x")
    assert result.exit_code == 2
    assert "premium feature" in result.stderr
    assert run(database_url, "highlights", "add", "nobody@example.com", "x").exit_code == 2
    assert count(db) == 0


@pytest.mark.parametrize("command", [[], ["add"], ["list"], ["delete"]])
def test_cli_help(command):
    result = CliRunner().invoke(app, ["highlights", *command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
