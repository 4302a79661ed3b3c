"""Focus sessions: start/end, the started/ended feeds, expiry, plans, keys, device commands, races, CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from selftime.api.focus import catch_up
from selftime.cli import app as cli_app
from selftime.db.tables import focus_sessions
from selftime.domain.zone import to_ms
from selftime.store import users
from tests.conftest import Account, send, span

START = "/anapi/start_focustime"
END = "/anapi/end_focustime"
STARTED = "/anapi/focustime_started_feed"
ENDED = "/anapi/focustime_ended_feed"

KEY_NOT_FOUND = {"error": "# key not found", "messages": "key not found"}
PREMIUM = {"error": "# premium feature", "messages": "Focus Session is a premium feature."}
NONE_ACTIVE = {"error": "# no active focus session", "messages": "There is no active focus session to end."}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def unix(text: str) -> float:
    return to_ms(at(text)) / 1000


def start(client: TestClient, account: Account, duration: Any = 30):  # type: ignore[no-untyped-def]
    return client.post(START, params={"key": account.key, "duration": duration})


def end(client: TestClient, account: Account):  # type: ignore[no-untyped-def]
    return client.post(END, params={"key": account.key})


def feed(client: TestClient, account: Account, path: str) -> Any:
    response = client.get(path, params={"key": account.key})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def stored(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    query = select(
        focus_sessions.c.id,
        focus_sessions.c.duration_minutes,
        focus_sessions.c.started_ms,
        focus_sessions.c.ends_ms,
        focus_sessions.c.ended_ms,
        focus_sessions.c.end_reason,
    ).order_by(focus_sessions.c.id)
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(query)]


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(focus_sessions)).scalar_one())


def ms(text: str) -> int:
    return to_ms(at(text))


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


# --- expiry --------------------------------------------------------------------------------------


def test_a_session_that_runs_out_shows_in_the_ended_feed(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T12:29:59+00:00"))
    assert feed(client, account, ENDED) == []
    clock.set(at("2026-11-30T12:45:00+00:00"))
    assert feed(client, account, ENDED) == [
        {"id": unix("2026-11-30T12:30:00+00:00"), "created_at": "2026-11-30T12:30:00.000+00:00"}
    ]
    assert [(r[4], r[5]) for r in stored(db)] == [(ms("2026-11-30T12:30:00+00:00"), "expired")]
    # Recorded once: reading again changes nothing.
    assert len(feed(client, account, ENDED)) == 1
    assert feed(client, account, STARTED)[0]["duration"] == 30


def test_starting_after_expiry_records_the_expiry_not_a_replacement(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T14:00:00+00:00"))
    start(client, account, 10)
    assert [(r[0], r[4], r[5]) for r in stored(db)] == [
        (1, ms("2026-11-30T12:30:00+00:00"), "expired"),
        (2, None, None),
    ]


def test_catch_up_records_the_expiry(client, account, clock, db):
    start(client, account, 30)
    svc = client.app.state.services
    with db.read() as conn:
        user = users.by_id(conn, account.id)
    catch_up(svc, user)
    assert stored(db)[0][4:] == (None, None)
    clock.set(at("2026-11-30T13:00:00+00:00"))
    catch_up(svc, user)
    assert stored(db)[0][4:] == (ms("2026-11-30T12:30:00+00:00"), "expired")


def test_until_end_of_day_in_a_non_utc_zone(client, make_account, clock):
    account = make_account(time_zone="America/Los_Angeles")  # 04:00 local
    assert start(client, account, -1).json() == {
        "id": 1,
        "started_at": "2026-11-30T04:00:00.000-08:00",
        "ends_at": "2026-12-01T00:00:00.000-08:00",
        "duration": 1200,
    }
    assert feed(client, account, STARTED)[0]["duration"] == 1200
    clock.set(at("2026-12-01T07:59:59+00:00"))
    assert feed(client, account, ENDED) == []
    clock.set(at("2026-12-01T08:00:00+00:00"))
    assert feed(client, account, ENDED) == [
        {"id": unix("2026-12-01T08:00:00+00:00"), "created_at": "2026-12-01T00:00:00.000-08:00"}
    ]


def test_until_end_of_day_across_a_dst_change(client, make_account, clock):
    account = make_account(time_zone="Europe/Berlin")
    clock.set(at("2026-03-29T00:30:00+01:00"))  # clocks spring forward at 02:00: a 23-hour day
    body = start(client, account, -1).json()
    assert (body["ends_at"], body["duration"]) == ("2026-03-30T00:00:00.000+02:00", 22 * 60 + 30)
    clock.set(at("2026-03-30T00:00:00+02:00"))
    assert feed(client, account, ENDED)[0]["created_at"] == "2026-03-30T00:00:00.000+02:00"


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


# --- commands to syncing devices -----------------------------------------------------------------

SPANS = [
    span("2026-11-30T11:00:00Z", "2026-11-30T11:10:00Z", "Code"),
    span("2026-11-30T11:10:00Z", "2026-11-30T11:20:00Z", "Steam"),
    span("2026-11-30T11:20:00Z", "2026-11-30T11:30:00Z", "Firefox", "Cats", "https://www.youtube.com/watch?v=1"),
    span("2026-11-30T11:30:00Z", "2026-11-30T11:40:00Z", "Firefox", "r/all", "https://www.reddit.com/r/all"),
    span("2026-11-30T11:40:00Z", "2026-11-30T11:45:00Z", "Firefox", "Wiki", "https://wiki.example.org/x"),
    span("2026-11-30T11:45:00Z", "2026-11-30T11:50:00Z", "Patience"),
]


def categorize(client: TestClient, account: Account, activity: str, productivity: int) -> None:
    response = client.post(
        "/api/v1/categorizations",
        json={"activity": activity, "productivity": productivity},
        headers={"Authorization": f"Bearer {account.key}"},
    )
    assert response.status_code == 200, response.text


def sync(client: TestClient, account: Account, minute: int = 50) -> list[dict[str, Any]]:
    body = send(client, account, [span(f"2026-11-30T11:{minute:02d}:00Z", f"2026-11-30T11:{minute + 1:02d}:00Z")])
    return body["commands"]  # type: ignore[no-any-return]


def test_no_commands_without_a_session(client, account):
    assert send(client, account, SPANS)["commands"] == []


def test_a_syncing_device_receives_the_active_session_with_what_to_block(client, account):
    send(client, account, SPANS)
    categorize(client, account, "youtube.com", 2)  # lifted: no longer blocked
    categorize(client, account, "wiki.example.org", -1)  # the user's own distraction
    categorize(client, account, "patience", -2)
    start(client, account, 30)

    commands = sync(client, account)
    assert len(commands) == 1
    command = commands[0]
    assert {k: v for k, v in command.items() if k != "block"} == {
        "type": "focus_session",
        "id": 1,
        "started_at": "2026-11-30T12:00:00.000Z",
        "ends_at": "2026-11-30T12:30:00.000Z",
    }
    apps, sites = command["block"]["applications"], command["block"]["sites"]
    assert set(command["block"]) == {"applications", "sites"}
    assert {"steam", "patience", "spotify"} <= set(apps)  # visited, own, shipped default
    assert {"reddit.com", "wiki.example.org", "netflix.com"} <= set(sites)
    assert "youtube.com" not in sites
    assert not {"code", "firefox"} & set(apps)
    assert "github.com" not in sites
    assert apps == sorted(apps) and sites == sorted(sites)
    assert not set(apps) & set(sites)
    assert all("." in s for s in sites)


def test_the_command_follows_later_recategorizations(client, account):
    send(client, account, SPANS)
    start(client, account, 30)
    assert "steam" in sync(client, account, 50)[0]["block"]["applications"]
    categorize(client, account, "steam", 1)
    assert "steam" not in sync(client, account, 51)[0]["block"]["applications"]


def test_no_command_once_the_session_ended(client, account, clock):
    start(client, account, 30)
    assert len(sync(client, account, 50)) == 1
    clock.set(at("2026-11-30T12:05:00+00:00"))
    end(client, account)
    assert sync(client, account, 51) == []


def test_a_sync_after_the_session_ran_out_records_its_end(client, account, clock, db):
    start(client, account, 30)
    clock.set(at("2026-11-30T12:30:00+00:00"))
    assert sync(client, account) == []
    assert [(r[4], r[5]) for r in stored(db)] == [(ms("2026-11-30T12:30:00+00:00"), "expired")]


def test_a_retried_batch_still_gets_the_command(client, account):
    start(client, account, 30)
    body = {
        "device": {"id": "laptop", "name": "laptop", "source_type": "computers"},
        "batch_id": "same",
        "spans": [span("2026-11-30T11:00:00Z", "2026-11-30T11:01:00Z")],
    }
    for _ in range(2):
        response = client.post("/api/v1/activity", json=body, headers={"Authorization": f"Bearer {account.key}"})
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["commands"]] == [1]
    assert response.json()["duplicate"] is True


def test_lite_devices_get_no_commands(client, account, db):
    start(client, account, 30)
    with db.write() as conn:
        users.set_plan(conn, account.id, "lite")
    assert sync(client, account) == []


# --- races ---------------------------------------------------------------------------------------


def test_concurrent_starts_leave_one_active_session(client, account, db):
    barrier = threading.Barrier(8)

    def go(_n: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        return start(client, account, 30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(go, range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    rows = stored(db)
    assert len(rows) == 8
    assert [r[5] for r in rows].count(None) == 1
    assert sorted(r[5] for r in rows if r[5] is not None) == ["replaced"] * 7
    # Never two at once: each session ends where the next one (in start order) begins.
    by_start = sorted(rows, key=lambda r: r[2])
    assert len({r[2] for r in rows}) == 8
    for earlier, later in itertools.pairwise(by_start):
        assert earlier[4] == later[2]
    assert by_start[-1][4] is None
    assert [e["id"] for e in feed(client, account, STARTED)] == [r[2] / 1000 for r in reversed(by_start)]


def test_a_clock_stepping_back_keeps_one_active_session(client, account, clock, db):
    start(client, account, 60)
    clock.set(at("2026-11-30T11:00:00+00:00"))
    second = start(client, account, 30)
    assert second.json()["started_at"] == "2026-11-30T12:00:00.001+00:00"
    assert [(r[0], r[5]) for r in stored(db)] == [(1, "replaced"), (2, None)]
    assert [c["id"] for c in sync(client, account, 0)] == [2]


# --- CLI -----------------------------------------------------------------------------------------


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli_app, ["--database-url", database_url, *args])


def test_cli_start_status_end(database_url, account, db):
    started = run(database_url, "focus", "start", account.email, "--minutes", "25")
    assert started.exit_code == 0, started.output
    assert started.stdout.rstrip("\n").splitlines()[-1] == "1"
    rows = stored(db)
    assert [(r[1], r[3] - r[2], r[4]) for r in rows] == [(25, 25 * 60_000, None)]

    status = run(database_url, "focus", "status", account.email)
    assert status.exit_code == 0, status.output
    assert "active: focus session 1 until" in status.stdout

    ended = run(database_url, "focus", "end", account.email)
    assert ended.exit_code == 0, ended.output
    assert "ended focus session 1 of ada@example.com" in ended.stdout
    assert stored(db)[0][5] == "api"

    status = run(database_url, "focus", "status", account.email)
    assert "ada@example.com has no active focus session" in status.stdout
    assert "api" in status.stdout


def test_cli_start_replaces_and_until_end_of_day(database_url, account, db):
    assert run(database_url, "focus", "start", account.email, "--minutes", "30").exit_code == 0
    second = run(database_url, "focus", "start", account.email, "--minutes", "-1")
    assert second.exit_code == 0, second.output
    assert "ended focus session 1 (replaced)" in second.stdout
    rows = stored(db)
    assert [(r[1], r[5]) for r in rows] == [(30, "replaced"), (-1, None)]
    assert rows[1][3] > rows[1][2]


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "must not be 0"),
        ("-5", "must be positive"),
        ("7", "multiple of 5"),
        ("1445", "at most 1440"),
    ],
)
def test_cli_start_refuses_bad_minutes(database_url, account, db, minutes, message):
    result = run(database_url, "focus", "start", account.email, "--minutes", minutes)
    assert result.exit_code == 2
    assert message in result.stderr
    assert count(db) == 0


def test_cli_start_needs_minutes_and_a_known_premium_user(database_url, make_account, db):
    assert run(database_url, "focus", "start", "ada@example.com").exit_code == 2
    unknown = run(database_url, "focus", "start", "nobody@example.com", "--minutes", "30")
    assert unknown.exit_code == 2 and "no user 'nobody@example.com'" in unknown.stderr
    lite = make_account(plan="lite")
    refused = run(database_url, "focus", "start", lite.email, "--minutes", "30")
    assert refused.exit_code == 2 and "premium feature" in refused.stderr
    assert count(db) == 0


def test_cli_end_without_an_active_session(database_url, account):
    result = run(database_url, "focus", "end", account.email)
    assert result.exit_code == 2
    assert "ada@example.com has no active focus session" in result.stderr


@pytest.mark.parametrize("command", ["start", "end", "status"])
def test_cli_help(database_url, command):
    result = run(database_url, "focus", command, "--help")
    assert result.exit_code == 0
    assert "email" in result.stdout.lower()
