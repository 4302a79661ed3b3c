"""Focus sessions over the RescueTime API: start/end, the started/ended feeds, plans and keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from selftime.domain.zone import to_ms
from selftime.store import users
from tests.api.focus_helpers import (
    END,
    ENDED,
    NONE_ACTIVE,
    START,
    STARTED,
    at,
    count,
    end,
    feed,
    ms,
    start,
    stored,
    unix,
)

KEY_NOT_FOUND = {"error": "# key not found", "messages": "key not found"}


# --- start ---------------------------------------------------------------------------------------


def test_start_answers_the_session(client, account, db):
    response = start(client, account, 30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == (
        b'{"id":1,"started_at":"2026-11-30T12:00:00.000+00:00","ends_at":"2026-11-30T12:30:00.000+00:00","duration":30}'
    )
    noon = ms("2026-11-30T12:00:00+00:00")
    assert stored(db) == [(1, 30, noon, noon + 30 * 60_000, None, None)]


@pytest.mark.parametrize("how", ["query", "form", "json", "json-number", "bearer"])
def test_start_takes_parameters_from_anywhere(client, account, how):
    if how == "query":
        response = client.post(START, params={"key": account.key, "duration": "45"})
    elif how == "form":
        response = client.post(START, data={"key": account.key, "duration": "45"})
    elif how == "json":
        response = client.post(START, params={"key": account.key}, json={"duration": "45"})
    elif how == "json-number":
        response = client.post(START, params={"key": account.key}, json={"duration": 45})
    else:
        response = client.post(START, data={"duration": "45"}, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    assert response.json()["duration"] == 45
    assert response.json()["ends_at"] == "2026-11-30T12:45:00.000+00:00"


def test_start_ignores_unknown_parameters(client, account):
    response = client.post(START, params={"key": account.key, "duration": "10", "format": "csv", "version": "0"})
    assert response.status_code == 200 and response.json()["duration"] == 10


def test_start_in_the_users_zone(client, make_account):
    kolkata = make_account(time_zone="Asia/Kolkata")
    assert start(client, kolkata, 60).json() == {
        "id": 1,
        "started_at": "2026-11-30T17:30:00.000+05:30",
        "ends_at": "2026-11-30T18:30:00.000+05:30",
        "duration": 60,
    }


def _bad_start(client, account, db, params: dict[str, Any], message: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(START, params={"key": account.key, **params})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"error": "# invalid focus session", "messages": message}
    assert count(db) == 0


def test_start_without_duration(client, account, db):
    _bad_start(
        client,
        account,
        db,
        {},
        "duration is required: a positive multiple of 5 minutes up to 1440, or -1 for the rest of the day.",
    )


def test_start_with_empty_duration(client, account, db):
    _bad_start(
        client,
        account,
        db,
        {"duration": ""},
        "duration is required: a positive multiple of 5 minutes up to 1440, or -1 for the rest of the day.",
    )


def test_start_with_non_integer_duration(client, account, db):
    _bad_start(client, account, db, {"duration": "half"}, "duration must be a whole number of minutes, not 'half'.")


def test_start_with_fractional_duration(client, account, db):
    _bad_start(client, account, db, {"duration": "30.5"}, "duration must be a whole number of minutes, not '30.5'.")


def test_start_with_zero_duration(client, account, db):
    _bad_start(
        client,
        account,
        db,
        {"duration": "0"},
        "duration must not be 0: give at least 5 minutes, or -1 for the rest of the day.",
    )


def test_start_with_negative_duration(client, account, db):
    _bad_start(
        client, account, db, {"duration": "-5"}, "duration must be positive (or -1 for the rest of the day), not -5."
    )


def test_start_with_duration_not_a_multiple_of_five(client, account, db):
    _bad_start(
        client, account, db, {"duration": "12"}, "duration must be a multiple of 5 minutes (5, 10, 15…), not 12."
    )


def test_start_with_duration_over_a_day(client, account, db):
    _bad_start(client, account, db, {"duration": "1445"}, "duration must be at most 1440 minutes (24 hours), not 1445.")


def test_a_refused_start_leaves_the_active_session_alone(client, account, db):
    assert start(client, account, 30).status_code == 200
    assert start(client, account, 7).status_code == 400
    assert [(r[0], r[4]) for r in stored(db)] == [(1, None)]


def test_start_needs_post(client, account):
    assert client.get(START, params={"key": account.key, "duration": "30"}).status_code == 405


# --- replacing, ending ---------------------------------------------------------------------------


def test_starting_while_active_replaces_the_active_session(client, account, clock, db):
    start(client, account, 60)
    clock.set(at("2026-11-30T12:20:00+00:00"))
    second = start(client, account, 15)
    assert second.json() == {
        "id": 2,
        "started_at": "2026-11-30T12:20:00.000+00:00",
        "ends_at": "2026-11-30T12:35:00.000+00:00",
        "duration": 15,
    }
    twenty = ms("2026-11-30T12:20:00+00:00")
    assert [(r[0], r[4], r[5]) for r in stored(db)] == [(1, twenty, "replaced"), (2, None, None)]
    assert feed(client, account, ENDED) == [
        {"id": unix("2026-11-30T12:20:00+00:00"), "created_at": "2026-11-30T12:20:00.000+00:00"}
    ]


def test_end_answers_the_ended_session(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T12:10:00.250+00:00"))
    response = end(client, account)
    assert response.status_code == 200
    assert response.content == (
        b'{"id":1,"started_at":"2026-11-30T12:00:00.000+00:00","ended_at":"2026-11-30T12:10:00.250+00:00"}'
    )
    assert [(r[4], r[5]) for r in stored(db)] == [(ms("2026-11-30T12:10:00.250+00:00"), "api")]


def test_end_without_an_active_session(client, account, db):
    response = end(client, account)
    assert response.status_code == 400
    assert response.json() == NONE_ACTIVE
    assert count(db) == 0


def test_end_twice(client, account):
    start(client, account, 30)
    assert end(client, account).status_code == 200
    second = end(client, account)
    assert (second.status_code, second.json()) == (400, NONE_ACTIVE)


def test_end_after_the_session_ran_out(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T12:31:00+00:00"))
    response = end(client, account)
    assert (response.status_code, response.json()) == (400, NONE_ACTIVE)
    assert [(r[4], r[5]) for r in stored(db)] == [(ms("2026-11-30T12:30:00+00:00"), "expired")]


def test_end_takes_the_key_from_a_form_or_bearer(client, account):
    start(client, account, 30)
    assert client.post(END, data={"key": account.key}).status_code == 200
    start(client, account, 30)
    assert client.post(END, headers={"Authorization": f"Bearer {account.key}"}).status_code == 200


# --- feeds ---------------------------------------------------------------------------------------


def test_feeds_are_empty_at_first(client, account):
    assert feed(client, account, STARTED) == []
    assert feed(client, account, ENDED) == []


def test_feeds_newest_first_with_float_ids(client, make_account, clock):
    account = make_account(time_zone="America/New_York")
    start(client, account, 30)
    clock.set(at("2026-11-30T12:10:00+00:00"))
    end(client, account)
    clock.set(at("2026-11-30T13:00:00+00:00"))
    start(client, account, 90)

    started = client.get(STARTED, params={"key": account.key})
    assert started.content == (
        b'[{"id":1796043600.0,"duration":90,"created_at":"2026-11-30T08:00:00.000-05:00"},'
        b'{"id":1796040000.0,"duration":30,"created_at":"2026-11-30T07:00:00.000-05:00"}]'
    )
    assert unix("2026-11-30T13:00:00+00:00") == 1796043600.0
    ended = client.get(ENDED, params={"key": account.key})
    assert ended.content == b'[{"id":1796040600.0,"created_at":"2026-11-30T07:10:00.000-05:00"}]'


def test_feed_ids_keep_milliseconds(client, account, clock):
    clock.set(at("2026-11-30T12:00:00.125+00:00"))
    start(client, account, 5)
    assert feed(client, account, STARTED) == [
        {"id": 1796040000.125, "duration": 5, "created_at": "2026-11-30T12:00:00.125+00:00"}
    ]


def test_feeds_accept_post_and_ignore_other_parameters(client, account):
    start(client, account, 30)
    by_get = client.get(STARTED, params={"key": account.key, "format": "csv", "operation": "select"})
    by_post = client.post(STARTED, data={"key": account.key, "format": "csv"})
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.content == by_post.content
    assert by_get.json()[0]["duration"] == 30
    assert client.post(ENDED, data={"key": account.key}).json() == []


def test_feeds_keep_the_newest_hundred(client, account, clock):
    base = at("2026-11-30T00:00:00+00:00")
    for n in range(105):
        clock.set(base + dt.timedelta(minutes=5 * n))
        assert start(client, account, 5).status_code == 200
    started = feed(client, account, STARTED)
    ended = feed(client, account, ENDED)
    assert len(started) == len(ended) == 100
    assert started[0]["id"] == (to_ms(base) + 104 * 300_000) / 1000
    # Each start ended the one before it; the newest is still running.
    assert ended[0]["id"] == started[0]["id"]
    assert [e["id"] for e in ended] == sorted((e["id"] for e in ended), reverse=True)


# --- plans and keys ------------------------------------------------------------------------------


def test_lite_cannot_start_or_end(client, make_account, db):
    lite = make_account(plan="lite")
    for response in (start(client, lite, 30), start(client, lite, 7), end(client, lite)):
        assert response.status_code == 400
        assert response.content == b'{"error":"# premium feature","messages":"Focus Session is a premium feature."}'
    assert count(db) == 0


def test_lite_feeds_are_empty_even_with_past_sessions(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T12:10:00+00:00"))
    end(client, account)
    assert len(feed(client, account, STARTED)) == len(feed(client, account, ENDED)) == 1
    with db.write() as conn:
        users.set_plan(conn, account.id, "lite")
    assert client.get(STARTED, params={"key": account.key}).content == b"[]"
    assert client.get(ENDED, params={"key": account.key}).content == b"[]"


@pytest.mark.parametrize("path", [START, END])
@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_posts_with_a_bad_key(client, account, db, path, key):
    params = {"duration": "30"} if key is None else {"key": key, "duration": "30"}
    response = client.post(path, params=params)
    assert response.status_code == 400
    assert response.content == b'{"error":"# key not found","messages":"key not found"}'
    assert count(db) == 0


@pytest.mark.parametrize("path", [STARTED, ENDED])
def test_feeds_with_a_bad_key(client, account, path):
    start(client, account, 30)
    for params in ({}, {"key": "nope"}):
        response = client.get(path, params=params)
        assert response.status_code == 200
        assert response.json() == KEY_NOT_FOUND


def test_sessions_are_per_user(client, make_account):
    ada, bob = make_account(), make_account()
    start(client, ada, 30)
    assert feed(client, bob, STARTED) == []
    assert end(client, bob).json() == NONE_ACTIVE
    assert len(feed(client, ada, STARTED)) == 1
