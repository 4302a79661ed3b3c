"""Focus sessions over time and on devices: expiry and catch-up, commands to syncing devices, races."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import TestClient

from selftime.api.focus import catch_up
from selftime.store import users
from tests.api.focus_helpers import ENDED, STARTED, at, end, feed, ms, start, stored, unix
from tests.conftest import Account, send, span

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
