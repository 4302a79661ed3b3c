"""POST /api/v1/activity: auth, naming, duplicates, overlap, validation, cutting and rounding."""

from __future__ import annotations

import datetime as dt
import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from selftime.db.tables import activities, batches, devices, documents, rollups, spans
from selftime.domain.zone import to_ms
from selftime.store import keys
from tests.conftest import batch, data, send, span

DAY = "2026-11-30"


def ms(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))


def post(client, key, body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/activity", json=body, headers={"Authorization": f"Bearer {key}"})


def activity_rows(client, account, **params):  # type: ignore[no-untyped-def]
    return data(client, account, perspective="rank", restrict_kind="activity", restrict_begin=DAY, **params)["rows"]


def document_rows(client, account):  # type: ignore[no-untyped-def]
    return data(client, account, perspective="rank", restrict_kind="document", restrict_begin=DAY)["rows"]


def stored(db):  # type: ignore[no-untyped-def]
    """Every stored span piece as (start_ms, end_ms, activity, document or None), in time order."""
    query = (
        select(spans.c.start_ms, spans.c.end_ms, activities.c.name, documents.c.name)
        .join(activities, activities.c.id == spans.c.activity_id)
        .outerjoin(documents, documents.c.id == spans.c.document_id)
        .order_by(spans.c.start_ms, spans.c.end_ms)
    )
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(query)]


def count(db, table) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- response and authentication ---------------------------------------------------------------


def test_response_fields_follow_the_plan(client, make_account):
    premium, lite = make_account(plan="premium"), make_account(plan="lite")
    body = batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:03:10Z")], batch_id="b-1")
    first = post(client, premium.key, body)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    assert first.json() == {
        "accepted": 1,
        "duplicate": False,
        "recorded_seconds": 190.0,
        "sync_interval_seconds": 180,
        "batch_id": "b-1",
        "commands": [],
    }
    second = post(client, lite.key, body).json()
    assert (second["sync_interval_seconds"], second["accepted"], second["duplicate"]) == (1800, 1, False)


def test_key_as_query_parameter_or_bearer_header(client, account):
    body = batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])
    by_param = client.post("/api/v1/activity", params={"key": account.key}, json=body)
    assert by_param.status_code == 200 and by_param.json()["accepted"] == 1
    other = batch([span("2026-11-30T09:01:00Z", "2026-11-30T09:02:00Z")])
    by_header = client.post("/api/v1/activity", json=other, headers={"Authorization": f"bearer {account.key}"})
    assert by_header.status_code == 200 and by_header.json()["accepted"] == 1
    assert activity_rows(client, account) == [[1, 120, 1, "code", "Editing & IDEs", 2]]


@pytest.mark.parametrize(
    "params,headers",
    [
        ({}, {}),
        ({"key": "st_not-a-real-key"}, {}),
        ({}, {"Authorization": "Bearer st_not-a-real-key"}),
        ({}, {"Authorization": "Bearer "}),
    ],
    ids=["missing", "unknown-param", "unknown-bearer", "empty-bearer"],
)
def test_missing_or_unknown_key_is_401(client, db, params, headers):
    body = batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])
    response = client.post("/api/v1/activity", params=params, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "# key not found"
    assert (count(db, spans), count(db, batches), count(db, devices)) == (0, 0, 0)


def test_revoked_key_is_refused_at_once(client, account, db, clock):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])
    with db.read() as conn:
        (key,) = keys.list_for_user(conn, account.id)
    with db.write() as conn:
        assert keys.revoke(conn, user_id=account.id, key_id=key.id, now_ms=clock()) is True
    body = batch([span("2026-11-30T09:05:00Z", "2026-11-30T09:06:00Z")])
    response = post(client, account.key, body)
    assert response.status_code == 401
    assert response.json()["error"] == "# key not found"
    assert count(db, spans) == 1


# --- naming --------------------------------------------------------------------------------------


def test_naming_of_applications_sites_and_documents(client, account, db):
    result = send(
        client,
        account,
        [
            span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code", "main.py"),
            span("2026-11-30T09:10:00Z", "2026-11-30T09:15:00Z", "Firefox", "PR #1", "https://www.GitHub.com/x/y"),
            span("2026-11-30T09:15:00Z", "2026-11-30T09:16:40Z", "  CODE  ", None),
            span("2026-11-30T09:20:00Z", "2026-11-30T09:21:00Z", None, "  ", "http://Docs.Example.org:8080/a?b#c"),
        ],
    )
    assert result["accepted"] == 4 and result["recorded_seconds"] == 1060.0
    assert document_rows(client, account) == [
        [1, 600, 1, "code", "main.py", "Editing & IDEs", 2],
        [2, 300, 1, "github.com", "PR #1", "General Software Development", 2],
        [3, 100, 1, "code", "No Details", "Editing & IDEs", 2],
        [4, 60, 1, "docs.example.org", "No Details", "Uncategorized", 0],
    ]
    with db.read() as conn:
        names = sorted(conn.execute(select(activities.c.name)).scalars())
    assert names == ["code", "docs.example.org", "github.com"]


def test_offsets_are_converted_to_utc(client, account, db):
    send(client, account, [span("2026-11-30T10:00:00+01:00", "2026-11-30T04:10:00-05:00", "Code")])
    assert stored(db) == [
        (ms("2026-11-30T09:00:00+00:00"), ms("2026-11-30T09:05:00+00:00"), "code", None),
        (ms("2026-11-30T09:05:00+00:00"), ms("2026-11-30T09:10:00+00:00"), "code", None),
    ]


def test_lower_casing_cannot_push_a_name_past_255_characters(client, account, db):
    # "İ".lower() is two characters: the name is checked before it is lower-cased.
    # (On PostgreSQL the 510-character name breaks VARCHAR(255): a 500 instead of 200 or 400.)
    lenient = TestClient(client.app, raise_server_exceptions=False)
    response = post(lenient, account.key, batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "İ" * 255)]))
    assert response.status_code in (200, 400), response.text
    with db.read() as conn:
        lengths = [len(n) for n in conn.execute(select(activities.c.name)).scalars()]
    assert all(length <= 255 for length in lengths), lengths


# --- duplicates ----------------------------------------------------------------------------------


def test_same_batch_id_is_a_duplicate_and_counts_nothing(client, account, db):
    first = send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")], batch_id="same")
    assert (first["accepted"], first["duplicate"], first["recorded_seconds"]) == (1, False, 600.0)
    again = send(
        client,
        account,
        [span("2026-11-30T10:00:00Z", "2026-11-30T10:10:00Z", "Slack")],
        batch_id="same",
    )
    assert again == {
        "accepted": 0,
        "duplicate": True,
        "recorded_seconds": 0.0,
        "sync_interval_seconds": 180,
        "batch_id": "same",
        "commands": [],
    }
    assert activity_rows(client, account) == [[1, 600, 1, "code", "Editing & IDEs", 2]]
    assert count(db, batches) == 1


def test_same_batch_id_from_another_device_is_another_batch(client, account, db):
    one = send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")], batch_id="b", device="laptop")
    two = send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")], batch_id="b", device="desk")
    assert (one["duplicate"], two["duplicate"], two["accepted"]) == (False, False, 1)
    assert activity_rows(client, account) == [[1, 1200, 1, "code", "Editing & IDEs", 2]]
    assert (count(db, batches), count(db, devices)) == (2, 2)


def test_concurrent_posts_of_one_batch_count_once(client, account, db):
    body = batch(
        [span("2026-11-30T09:00:00Z", "2026-11-30T09:07:30Z"), span("2026-11-30T09:07:30Z", "2026-11-30T09:08:00Z")],
        batch_id="racy",
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: post(client, account.key, body), range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    results = [r.json() for r in responses]
    assert sorted(r["duplicate"] for r in results) == [False] + [True] * 7
    assert sum(r["accepted"] for r in results) == 2
    assert sum(r["recorded_seconds"] for r in results) == 480.0
    assert activity_rows(client, account) == [[1, 480, 1, "code", "Editing & IDEs", 2]]
    assert count(db, batches) == 1


def test_concurrent_overlapping_batches_of_one_device_count_time_once(client, account, db):
    bodies = [
        batch([span("2026-11-30T09:00:00Z", f"2026-11-30T09:{10 + n:02d}:00Z")], batch_id=f"overlap-{n}")
        for n in range(8)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda body: post(client, account.key, body), bodies))
    assert [r.status_code for r in responses] == [200] * 8
    # Whatever the order, the union 09:00-09:17 is recorded exactly once.
    assert sum(r.json()["recorded_seconds"] for r in responses) == 17 * 60
    assert activity_rows(client, account) == [[1, 1020, 1, "code", "Editing & IDEs", 2]]
    assert count(db, batches) == 8


# --- overlap -------------------------------------------------------------------------------------


def test_time_already_recorded_for_the_device_counts_once(client, account, db):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code")])
    later = send(client, account, [span("2026-11-30T09:05:00Z", "2026-11-30T09:15:00Z", "Slack")])
    assert (later["accepted"], later["recorded_seconds"]) == (1, 300.0)
    covered = send(client, account, [span("2026-11-30T09:01:00Z", "2026-11-30T09:14:00Z", "Zoom")])
    assert (covered["accepted"], covered["recorded_seconds"]) == (1, 0.0)
    assert activity_rows(client, account) == [
        [1, 600, 1, "code", "Editing & IDEs", 2],
        [2, 300, 1, "slack", "Instant Message", 1],
    ]


def test_overlap_within_one_batch_first_span_wins(client, account, db):
    result = send(
        client,
        account,
        [
            span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code"),
            span("2026-11-30T09:05:00Z", "2026-11-30T09:15:00Z", "Slack"),
            span("2026-11-30T09:06:00Z", "2026-11-30T09:07:00Z", "Zoom"),
        ],
    )
    assert (result["accepted"], result["recorded_seconds"]) == (3, 900.0)
    pieces = stored(db)
    assert [p[2] for p in pieces] == ["code", "code", "slack"]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(pieces))  # no stored overlap
    assert activity_rows(client, account) == [
        [1, 600, 1, "code", "Editing & IDEs", 2],
        [2, 300, 1, "slack", "Instant Message", 1],
    ]


def test_another_devices_overlapping_time_counts_separately(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code")], device="laptop")
    phone = send(
        client,
        account,
        [span("2026-11-30T09:05:00Z", "2026-11-30T09:15:00Z", "Code")],
        device="phone",
        source="mobile",
    )
    assert phone["recorded_seconds"] == 600.0
    assert activity_rows(client, account) == [[1, 1200, 1, "code", "Editing & IDEs", 2]]
    assert activity_rows(client, account, restrict_source_type="mobile") == [[1, 600, 1, "code", "Editing & IDEs", 2]]


# --- cutting and rounding ------------------------------------------------------------------------


def test_span_crossing_five_minute_boundaries_is_cut_and_sums_exactly(client, account, db):
    result = send(client, account, [span("2026-11-30T09:03:10.250Z", "2026-11-30T09:17:20.250Z", "Code", "a.py")])
    assert result["recorded_seconds"] == 850.0
    edges = ["09:03:10.250", "09:05:00", "09:10:00", "09:15:00", "09:17:20.250"]
    cuts = [ms(f"2026-11-30T{e}+00:00") for e in edges]
    assert stored(db) == [(a, b, "code", "a.py") for a, b in itertools.pairwise(cuts)]
    with db.read() as conn:
        buckets = [
            tuple(r)
            for r in conn.execute(select(rollups.c.bucket_ms, rollups.c.duration_ms).order_by(rollups.c.bucket_ms))
        ]
    assert buckets == [(ms("2026-11-30T09:00:00+00:00"), 709_750), (ms("2026-11-30T09:15:00+00:00"), 140_250)]
    assert activity_rows(client, account) == [[1, 850, 1, "code", "Editing & IDEs", 2]]
    assert document_rows(client, account) == [[1, 850, 1, "code", "a.py", "Editing & IDEs", 2]]


def test_seconds_round_the_sum_not_each_piece(client, account):
    halves = [span(f"2026-11-30T09:0{i}:00Z", f"2026-11-30T09:0{i}:00.500Z", "Code") for i in range(3)]
    split = span("2026-11-30T09:04:59.750Z", "2026-11-30T09:05:00.250Z", "Slack")  # two 250 ms pieces
    result = send(client, account, [*halves, split])
    assert result["recorded_seconds"] == 2.0
    assert activity_rows(client, account) == [
        [1, 2, 1, "code", "Editing & IDEs", 2],
        [2, 1, 1, "slack", "Instant Message", 1],
    ]
    assert document_rows(client, account) == [
        [1, 2, 1, "code", "No Details", "Editing & IDEs", 2],
        [2, 1, 1, "slack", "No Details", "Instant Message", 1],
    ]


# --- validation ----------------------------------------------------------------------------------

GOOD = [span("2026-11-30T08:00:00Z", "2026-11-30T08:01:00Z"), span("2026-11-30T08:01:00Z", "2026-11-30T08:02:00Z")]


@pytest.mark.parametrize(
    "bad,problem",
    [
        (span("2026-11-30T09:10:00Z", "2026-11-30T09:00:00Z"), "after start"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:00:00Z"), "after start"),
        (span("2026-11-29T08:59:59Z", "2026-11-30T09:00:00Z"), "24 hours"),
        (span("2026-11-30T12:00:00Z", "2026-11-30T12:05:00.001Z"), "future"),
        (span("2026-11-30T09:00:00", "2026-11-30T09:01:00"), "offset"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00"), "offset"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", ""), "255"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "   "), "255"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "x" * 256), "255"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "Code", "t" * 256), "255"),
        (span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", None), "application"),
        (span("not a time", "2026-11-30T09:01:00Z"), "start"),
    ],
    ids=[
        "reversed",
        "empty",
        "over-24h",
        "future",
        "naive",
        "naive-end",
        "empty-app",
        "blank-app",
        "long-app",
        "long-title",
        "no-app",
        "garbage-time",
    ],
)
def test_invalid_span_refuses_the_whole_batch(client, account, db, bad, problem):
    response = post(client, account.key, batch([*GOOD, bad], batch_id="v-1"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "# invalid batch"
    assert "spans[2]" in body["messages"] and problem in body["messages"], body["messages"]
    assert "spans[0]" not in body["messages"] and "spans[1]" not in body["messages"]
    assert activity_rows(client, account) == []
    assert (count(db, spans), count(db, batches), count(db, rollups)) == (0, 0, 0)
    retry = send(client, account, GOOD, batch_id="v-1")
    assert (retry["accepted"], retry["duplicate"], retry["recorded_seconds"]) == (2, False, 120.0)


def test_unknown_source_type_refuses_the_batch(client, account, db):
    response = post(client, account.key, batch(GOOD, source="tablet"))
    assert response.status_code == 400
    assert response.json()["error"] == "# invalid batch"
    assert "source_type" in response.json()["messages"]
    assert (count(db, spans), count(db, devices)) == (0, 0)


def test_limits_are_inclusive(client, account, clock):
    clock.set(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    day = send(client, account, [span("2026-11-29T11:00:00Z", "2026-11-30T11:00:00Z")], device="a")
    assert (day["accepted"], day["recorded_seconds"]) == (1, 86400.0)
    edge = send(client, account, [span("2026-11-30T12:00:00Z", "2026-11-30T12:05:00Z")], device="b")
    assert (edge["accepted"], edge["recorded_seconds"]) == (1, 300.0)
    long_name = send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "A" * 255, "t" * 255)])
    assert long_name["accepted"] == 1
    assert document_rows(client, account) == [
        [1, 39900, 1, "code", "No Details", "Editing & IDEs", 2],
        [2, 60, 1, "a" * 255, "t" * 255, "Uncategorized", 0],
    ]


def test_future_is_judged_by_the_app_clock(client, account, clock):
    late = batch([span("2026-12-01T08:00:00Z", "2026-12-01T08:10:00Z")], batch_id="late")
    refused = post(client, account.key, late)
    assert refused.status_code == 400 and "spans[0]" in refused.json()["messages"]
    clock.set(dt.datetime(2026, 12, 1, 8, 6, tzinfo=dt.UTC))
    accepted = post(client, account.key, late)
    assert accepted.status_code == 200
    assert (accepted.json()["duplicate"], accepted.json()["recorded_seconds"]) == (False, 600.0)


def test_batch_of_5000_spans(client, account, db):
    spans_in = [
        span(
            (dt.datetime(2026, 11, 30, tzinfo=dt.UTC) + dt.timedelta(seconds=8 * i)).isoformat(),
            (dt.datetime(2026, 11, 30, tzinfo=dt.UTC) + dt.timedelta(seconds=8 * i + 8)).isoformat(),
            ("Code", "Slack", "Firefox")[i % 3],
            f"doc {i % 700}",
        )
        for i in range(5000)
    ]
    result = send(client, account, spans_in)
    assert (result["accepted"], result["duplicate"], result["recorded_seconds"]) == (5000, False, 40000.0)
    rows = activity_rows(client, account)
    assert [(r[3], r[1]) for r in rows] == [("code", 13336), ("slack", 13336), ("firefox", 13328)]
    assert sum(r[1] for r in document_rows(client, account)) == 40000
    assert count(db, documents) == 3 * 700


def test_the_offline_device_id_is_reserved(client, account, db):
    body = batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")], device="offline")
    response = post(client, account.key, body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "# invalid batch",
        "messages": "device.id 'offline' is reserved for offline time",
    }
    assert count(db, batches) == 0
