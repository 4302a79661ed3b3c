"""/anapi/offline_time_post: stored as offline-source time every report sees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from selftime.api import offline as offline_api
from selftime.db.tables import devices
from tests.api.offline_helpers import count, covered, ms, stored
from tests.conftest import data, send, span

URL = "/anapi/offline_time_post"
JSON_TYPE = "application/json; charset=utf-8"
DAY = "2026-11-30"
MEETING = {
    "start_time": "2026-11-30 09:00:00",
    "duration": 60,
    "activity_name": "Meeting",
    "activity_details": "Daily Planning",
}


def post_json(client: TestClient, key: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(URL, params={"key": key}, json=body)


def rows(client, account, kind="activity", **params):  # type: ignore[no-untyped-def]
    return data(client, account, perspective="rank", restrict_kind=kind, restrict_begin=DAY, **params)["rows"]


# --- success ------------------------------------------------------------------------------------


def test_docs_example_as_json_body(client, account, db):
    response = post_json(client, account.key, MEETING)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert response.content == (
        b'{"activity":"meeting","document":"Daily Planning","start_time":"2026-11-30T09:00:00.000+00:00",'
        b'"end_time":"2026-11-30T10:00:00.000+00:00","duration_seconds":3600.0,"recorded_seconds":3600.0}'
    )
    assert covered(db) == (ms("2026-11-30T09:00:00+00:00"), ms("2026-11-30T10:00:00+00:00"), 3_600_000)
    assert {source for _s, _e, source in stored(db)} == {"offline"}
    with db.read() as conn:
        device = conn.execute(select(devices.c.external_id, devices.c.name, devices.c.source_type)).one()
    assert tuple(device) == ("offline", "Offline time", "offline")


def test_form_body(client, account, db):
    form = {"key": account.key, **{k: str(v) for k, v in MEETING.items()}}
    response = client.post(URL, data=form)
    assert response.status_code == 200, response.text
    assert response.json()["recorded_seconds"] == 3600.0
    assert count(db) > 0


def test_query_string_only_and_bearer_key(client, account, db):
    params = {"start_time": "2026-11-30 09:00:00", "end_time": "2026-11-30 09:30:00", "activity_name": "Driving"}
    response = client.post(URL, params=params, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    assert response.json()["activity"] == "driving"
    assert response.json()["document"] == "No Details"
    assert covered(db)[2] == 30 * 60_000


def test_visible_in_analytic_data_as_offline_activity_and_document(client, account):
    send(client, account, [span("2026-11-30T08:00:00Z", "2026-11-30T08:10:00Z", app="Code")])
    assert post_json(client, account.key, MEETING).status_code == 200
    assert rows(client, account, restrict_source_type="offline") == [[1, 3600, 1, "meeting", "Meetings", 1]]
    assert rows(client, account, restrict_source_type="computers") == [[1, 600, 1, "code", "Editing & IDEs", 2]]
    assert rows(client, account, kind="document", restrict_source_type="offline") == [
        [1, 3600, 1, "meeting", "Daily Planning", "Meetings", 1]
    ]
    # Drill-down by name, case-insensitively: the activity's documents in the Activity column.
    assert rows(client, account, restrict_thing="Meeting") == [[1, 3600, 1, "Daily Planning", "Meetings", 1]]
    # Every report sees it: all sources together.
    assert [r[3] for r in rows(client, account)] == ["meeting", "code"]


def test_no_details_is_reported_as_no_details(client, account):
    body = {"start_time": "2026-11-30 09:00:00", "duration": 15, "activity_name": "Lunch"}
    assert post_json(client, account.key, body).status_code == 200
    assert rows(client, account, restrict_thing="lunch") == [[1, 900, 1, "No Details", "Uncategorized", 0]]


def test_offline_activity_can_be_recategorized(client, account):
    assert post_json(client, account.key, MEETING).status_code == 200
    change = {"activity": "Meeting", "category": "Meetings"}
    response = client.post("/api/v1/categorizations", json=change, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    assert rows(client, account, restrict_source_type="offline") == [[1, 3600, 1, "meeting", "Meetings", 1]]


def test_local_string_and_timestamp_agree_in_a_non_utc_zone(client, make_account, db):
    kolkata = make_account(time_zone="Asia/Kolkata")  # UTC+05:30
    local = dict(MEETING, start_time="2026-11-30 09:00:00")
    stamp = dict(MEETING, start_time=ms("2026-11-30T03:30:00+00:00") // 1000, activity_name="Meeting2")
    first = post_json(client, kolkata.key, local)
    second = post_json(client, kolkata.key, stamp)
    assert first.status_code == second.status_code == 200
    assert first.json()["start_time"] == second.json()["start_time"] == "2026-11-30T09:00:00.000+05:30"
    # The same instant twice: the second post found it already covered.
    assert (first.json()["recorded_seconds"], second.json()["recorded_seconds"]) == (3600.0, 0.0)
    assert covered(db) == (ms("2026-11-30T03:30:00+00:00"), ms("2026-11-30T04:30:00+00:00"), 3_600_000)


def test_duration_and_end_time_record_the_same_block(client, make_account, db):
    by_duration, by_end = make_account(time_zone="America/Chicago"), make_account(time_zone="America/Chicago")
    body = {"start_time": "2026-11-30 05:15:00", "activity_name": "Gym"}
    assert post_json(client, by_duration.key, {**body, "duration": 45}).status_code == 200
    assert post_json(client, by_end.key, {**body, "end_time": "2026-11-30 06:00:00"}).status_code == 200
    assert rows(client, by_duration) == rows(client, by_end) == [[1, 2700, 1, "gym", "Uncategorized", 0]]


def test_overlapping_offline_time_is_counted_once(client, account, db):
    first = post_json(client, account.key, {"start_time": "2026-11-30 09:00:00", "duration": 60, "activity_name": "A"})
    second = post_json(client, account.key, {"start_time": "2026-11-30 09:30:00", "duration": 60, "activity_name": "B"})
    assert (first.json()["recorded_seconds"], second.json()["recorded_seconds"]) == (3600.0, 1800.0)
    assert second.json()["duration_seconds"] == 3600.0
    assert rows(client, account) == [[1, 3600, 1, "a", "Uncategorized", 0], [2, 1800, 1, "b", "Uncategorized", 0]]


def test_offline_time_does_not_hide_computer_time(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", app="Code")])
    assert post_json(client, account.key, MEETING).json()["recorded_seconds"] == 3600.0
    assert sorted(r[1] for r in rows(client, account)) == [3600, 3600]


def test_hooks_run_after_the_commit_with_the_block(client, account, db, monkeypatch):
    seen = []

    def hook(svc, user, start_ms, end_ms):  # type: ignore[no-untyped-def]
        seen.append((user.id, start_ms, end_ms, count(db)))

    monkeypatch.setattr(offline_api, "after_activity", hook)
    assert post_json(client, account.key, MEETING).status_code == 200
    start, end = ms("2026-11-30T09:00:00+00:00"), ms("2026-11-30T10:00:00+00:00")
    assert seen == [(account.id, start, end, count(db))]
    assert seen[0][3] > 0  # the spans were visible to the hook: committed first
    assert post_json(client, account.key, MEETING).json()["recorded_seconds"] == 0.0
    assert len(seen) == 1  # nothing new, nothing to evaluate


# --- the limits ---------------------------------------------------------------------------------


def test_four_hours_exactly_is_accepted(client, account, db):
    response = post_json(
        client, account.key, {"start_time": "2026-11-30 06:00:00", "duration": 240, "activity_name": "x"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["recorded_seconds"] == 14400.0


def test_241_minutes_is_refused(client, account, db):
    response = post_json(
        client, account.key, {"start_time": "2026-11-30 06:00:00", "duration": 241, "activity_name": "x"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "# invalid offline time",
        "messages": "offline time may be at most 4 hours (240 minutes); duration is 241",
    }
    assert count(db) == 0


def test_future_rule_follows_the_server_clock(client, account, db, clock):
    body = {"start_time": "2026-11-30 11:30:00", "duration": 30, "activity_name": "x"}
    clock.set(dt.datetime(2026, 11, 30, 11, 54, 59, tzinfo=dt.UTC))
    early = post_json(client, account.key, body)
    assert early.status_code == 400
    assert early.json() == {
        "error": "# invalid offline time",
        "messages": "offline time may not be in the future: it would end 6 minutes from now",
    }
    assert count(db) == 0
    clock.set(dt.datetime(2026, 11, 30, 11, 55, tzinfo=dt.UTC))  # ends within the 5-minute tolerance
    assert post_json(client, account.key, body).status_code == 200


# --- each rule: 400, its own message, nothing stored --------------------------------------------


@pytest.mark.parametrize(
    "body,message",
    [
        (
            {"duration": 30, "activity_name": "x"},
            "start_time is required: a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp in seconds",
        ),
        (
            {"start_time": "30.11.2026 09:00", "duration": 30, "activity_name": "x"},
            "start_time must be a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp in seconds"
            " (got '30.11.2026 09:00')",
        ),
        (
            {"start_time": "2026-11-31 09:00:00", "duration": 30, "activity_name": "x"},
            "start_time '2026-11-31 09:00:00' is not a valid date and time",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "end_time": "ten", "activity_name": "x"},
            "end_time must be a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp in seconds (got 'ten')",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "activity_name": "x"},
            "give end_time (same forms as start_time) or duration (whole minutes)",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "duration": 1.5, "activity_name": "x"},
            "duration must be a whole number of minutes (got '1.5')",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "duration": 0, "activity_name": "x"},
            "duration must be at least 1 minute (got 0)",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "end_time": "2026-11-30 08:00:00", "activity_name": "x"},
            "end_time must be after start_time",
        ),
        (
            {"start_time": "2026-11-30 06:00:00", "end_time": "2026-11-30 10:01:00", "activity_name": "x"},
            "offline time may be at most 4 hours (240 minutes); end_time is 241 minutes after start_time",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "duration": 30},
            "activity_name is required: 1 to 255 characters of text",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "duration": 30, "activity_name": "n" * 256},
            "activity_name must be at most 255 characters (got 256)",
        ),
        (
            {"start_time": "2026-11-30 09:00:00", "duration": 30, "activity_name": "x", "activity_details": "d" * 256},
            "activity_details must be at most 255 characters (got 256)",
        ),
    ],
    ids=[
        "start-missing",
        "start-form",
        "start-calendar",
        "end-form",
        "end-or-duration",
        "duration-whole",
        "duration-positive",
        "end-after-start",
        "end-four-hours",
        "name-missing",
        "name-long",
        "details-long",
    ],
)
def test_bad_input_is_400_and_stores_nothing(client, account, db, body, message):
    response = post_json(client, account.key, body)
    assert response.status_code == 400
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {"error": "# invalid offline time", "messages": message}
    assert (count(db), count(db, devices)) == (0, 0)


def test_a_skipped_local_time_is_refused(client, make_account, db):
    berlin = make_account(time_zone="Europe/Berlin")
    response = post_json(
        client, berlin.key, {"start_time": "2026-03-29 02:30:00", "duration": 30, "activity_name": "x"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "# invalid offline time",
        "messages": "start_time '2026-03-29 02:30:00' does not exist in Europe/Berlin: the clocks skip it when they go"
        " forward",
    }
    assert count(db) == 0


def test_a_repeated_local_time_is_its_first_occurrence(client, make_account, db):
    berlin = make_account(time_zone="Europe/Berlin")
    body = {"start_time": "2026-10-25 02:30:00", "end_time": "2026-10-25 02:15:00", "activity_name": "x"}
    response = post_json(client, berlin.key, body)
    assert response.status_code == 200, response.text
    assert (response.json()["start_time"], response.json()["end_time"]) == (
        "2026-10-25T02:30:00.000+02:00",
        "2026-10-25T02:15:00.000+01:00",
    )
    assert covered(db) == (ms("2026-10-25T00:30:00+00:00"), ms("2026-10-25T01:15:00+00:00"), 45 * 60_000)


def test_lite_account_gets_premium_feature(client, make_account, db):
    lite = make_account(plan="lite")
    response = post_json(client, lite.key, MEETING)
    assert response.status_code == 400
    assert response.content == b'{"error":"# premium feature","messages":"Offline Time is a premium feature."}'
    assert count(db) == 0


@pytest.mark.parametrize("key", ["", "st_not-a-real-key"], ids=["missing", "unknown"])
def test_bad_key_is_400(client, db, key):
    response = post_json(client, key, MEETING)
    assert response.status_code == 400
    assert response.content == b'{"error":"# key not found","messages":"key not found"}'
    assert count(db) == 0


def test_post_needs_post(client, account):
    assert client.get(URL, params={"key": account.key, **MEETING}).status_code == 405
