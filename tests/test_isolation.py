"""Two users on one server: neither key ever reaches the other user's data, whatever is asked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from selftime.store import schedules
from selftime.store.totals import ScheduleRange
from tests.conftest import data, send, span

QUERY_ERROR = b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}'
DAY = {"restrict_begin": "2026-11-20", "restrict_end": "2026-11-20"}
KINDS = ["overview", "category", "activity", "productivity", "document"]
RESOLUTIONS = ["month", "week", "day", "hour", "minute"]
# Names that only one of the two users has.
ONLY_A = {"github.com", "whatsapp", "alpha.py", "Pull requests", "General Software Development"}
ONLY_B = {"slack", "youtube.com", "spotify", "beta.py", "Cats", "Entertainment", "Video", "Music"}
TOTAL_A, TOTAL_B = 2700, 6000
ROWS_A = [
    [1, 1800, 1, "code", "Editing & IDEs", 2],
    [2, 600, 1, "github.com", "General Software Development", 2],
    [3, 300, 1, "whatsapp", "Instant Message", 1],
]
ROWS_B = [
    [1, 3600, 1, "code", "Editing & IDEs", 2],
    [2, 1200, 1, "slack", "Instant Message", 1],
    [3, 900, 1, "youtube.com", "Video", -2],
    [4, 300, 1, "spotify", "Music", -2],
]


@pytest.fixture
def pair(client, make_account):
    a = make_account("a@example.com")
    b = make_account("b@example.com")
    # Same device ids and the same batch ids for both users.
    send(
        client,
        a,
        [
            span("2026-11-20T09:00:00Z", "2026-11-20T09:30:00Z", "Code", "alpha.py"),
            span(
                "2026-11-20T10:00:00Z", "2026-11-20T10:10:00Z", "Firefox", "Pull requests", "https://www.github.com/x"
            ),
        ],
        batch_id="shared-1",
        device="laptop",
    )
    send(
        client,
        a,
        [span("2026-11-20T11:00:00Z", "2026-11-20T11:05:00Z", "WhatsApp")],
        batch_id="shared-2",
        device="phone",
        source="mobile",
    )
    send(
        client,
        b,
        [
            span("2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", "Code", "beta.py"),
            span("2026-11-20T12:00:00Z", "2026-11-20T12:20:00Z", "Slack"),
            span("2026-11-20T13:00:00Z", "2026-11-20T13:15:00Z", "Firefox", "Cats", "https://youtube.com/watch"),
        ],
        batch_id="shared-1",
        device="laptop",
    )
    send(
        client,
        b,
        [span("2026-11-20T14:00:00Z", "2026-11-20T14:05:00Z", "Spotify")],
        batch_id="shared-2",
        device="phone",
        source="mobile",
    )
    return a, b


def strings(rows: list[list[Any]]) -> set[str]:
    return {cell for row in rows for cell in row[1:] if isinstance(cell, str)}


def raw(client: Any, account: Any, **params: str) -> Any:
    response = client.get("/anapi/data", params={"key": account.key, "format": "json", **DAY, **params})
    assert response.status_code == 200
    return response


def test_reports_of_each_user_hold_only_their_own_data(client, pair):
    a, b = pair
    assert data(client, a, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_A
    assert data(client, b, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_B
    for account, total, foreign in ((a, TOTAL_A, ONLY_B), (b, TOTAL_B, ONLY_A)):
        for kind in KINDS:
            for source in (None, "computers", "mobile"):
                extra = {"restrict_source_type": source} if source else {}
                reports = [data(client, account, perspective="rank", restrict_kind=kind, **DAY, **extra)["rows"]]
                reports += [
                    data(
                        client, account, perspective="interval", restrict_kind=kind, resolution_time=r, **DAY, **extra
                    )["rows"]
                    for r in RESOLUTIONS
                ]
                for rows in reports:
                    assert not strings(rows) & foreign, (account.email, kind, source, rows)
                    if source is None:
                        assert sum(row[1] for row in rows) == total, (account.email, kind)
        for resolution in RESOLUTIONS:
            rows = data(
                client, account, perspective="interval", restrict_kind="efficiency", resolution_time=resolution, **DAY
            )["rows"]
            assert sum(row[1] for row in rows) == total
    assert data(client, a, perspective="interval", restrict_kind="efficiency", resolution_time="day", **DAY)[
        "rows"
    ] == [["2026-11-20T00:00:00", 2700, 1, 1.89, 97.22]]
    assert data(client, b, perspective="rank", restrict_kind="activity", restrict_source_type="mobile", **DAY)[
        "rows"
    ] == [[1, 300, 1, "spotify", "Music", -2]]


@pytest.mark.parametrize("perspective", ["rank", "interval"])
def test_naming_the_other_users_things_finds_nothing(client, pair, perspective):
    a, b = pair

    def rows(account: Any, **params: str) -> list[list[Any]]:
        body = data(client, account, perspective=perspective, resolution_time="hour", **DAY, **params)
        return body["rows"]  # type: ignore[no-any-return]

    for kind in ("activity", "document"):
        assert rows(a, restrict_kind=kind, restrict_thing="slack") == []
        assert rows(a, restrict_kind=kind, restrict_thing="youtube.com") == []
        assert rows(a, restrict_kind=kind, restrict_thing="youtube.com", restrict_thingy="Cats") == []
        assert rows(a, restrict_kind=kind, restrict_thing="code", restrict_thingy="beta.py") == []
        assert rows(b, restrict_kind=kind, restrict_thing="github.com", restrict_thingy="Pull requests") == []
        assert rows(b, restrict_kind=kind, restrict_thing="code", restrict_thingy="alpha.py") == []
    assert rows(a, restrict_kind="overview", restrict_thing="Entertainment") == []
    assert rows(a, restrict_kind="category", restrict_thing="Video") == []
    assert rows(a, restrict_kind="productivity", restrict_thing="-2") == []
    assert rows(b, restrict_kind="category", restrict_thing="General Software Development") == []

    first = 1 if perspective == "rank" else "2026-11-20T09:00:00"
    editing = ["Editing & IDEs", 2]
    assert rows(a, restrict_kind="activity", restrict_thing="code") == [[first, 1800, 1, "alpha.py", *editing]]
    assert rows(b, restrict_kind="activity", restrict_thing="code") == [[first, 3600, 1, "beta.py", *editing]]
    assert rows(a, restrict_kind="document", restrict_thing="code", restrict_thingy="alpha.py") == [
        [first, 1800, 1, "code", "alpha.py", "Editing & IDEs", 2]
    ]
    software = rows(a, restrict_kind="overview", restrict_thing="Software Development")
    assert [(r[1], r[3]) for r in software] == [(1800, "code"), (600, "github.com")]
    shared = rows(b, restrict_kind="category", restrict_thing="Instant Message")
    assert [(r[1], r[3]) for r in shared] == [(1200, "slack")]
    # A document named without its activity: an error or nothing, never the other user's time.
    for account, foreign in ((a, "beta.py"), (b, "alpha.py")):
        response = raw(client, account, perspective=perspective, restrict_kind="document", restrict_thingy=foreign)
        body = response.json()
        assert response.content == QUERY_ERROR or body["rows"] == [], body


def test_other_users_schedule_is_a_query_error(client, pair, db, clock):
    a, b = pair
    with db.write() as conn:
        own = schedules.create(conn, user_id=a.id, name="always", ranges=[ScheduleRange(127, 0, 1440)], now_ms=clock())
        other = schedules.create(
            conn, user_id=b.id, name="mornings", ranges=[ScheduleRange(127, 0, 720)], now_ms=clock()
        )
    mine = data(client, a, perspective="rank", restrict_kind="activity", restrict_schedule_id=str(own.id), **DAY)
    assert mine["rows"] == ROWS_A
    theirs = data(client, b, perspective="rank", restrict_kind="activity", restrict_schedule_id=str(other.id), **DAY)
    assert theirs["rows"] == [[1, 3600, 1, "code", "Editing & IDEs", 2]]
    for account, schedule_id in ((a, other.id), (b, own.id), (a, 999_999)):
        for perspective in ("rank", "interval"):
            for alias in ("restrict_schedule_id", "rsi", "schedule_id", "s"):
                response = raw(client, account, perspective=perspective, **{alias: str(schedule_id)})
                assert response.content == QUERY_ERROR
                assert response.headers["content-type"] == "application/json; charset=utf-8"
            response = raw(client, account, perspective=perspective, rsi=str(schedule_id), format="csv")
            assert response.content == QUERY_ERROR


def test_shared_device_id_stores_to_the_sender_only(client, pair, db):
    a, b = pair
    with db.read() as conn:
        devices = conn.execute(text("SELECT user_id, external_id, id FROM devices ORDER BY user_id, external_id")).all()
        owners = conn.execute(
            text(
                "SELECT s.user_id, d.user_id, COUNT(*) FROM spans s JOIN devices d ON d.id = s.device_id"
                " GROUP BY s.user_id, d.user_id ORDER BY s.user_id"
            )
        ).all()
    assert [(u, e) for u, e, _ in devices] == [(a.id, "laptop"), (a.id, "phone"), (b.id, "laptop"), (b.id, "phone")]
    assert all(span_user == device_user for span_user, device_user, _ in owners)
    # A's laptop sends the hour B's laptop already filled: only A's own coverage trims it.
    result = send(
        client, a, [span("2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", "Code", "alpha.py")], device="laptop"
    )
    assert result["recorded_seconds"] == 1800
    assert data(client, a, perspective="rank", restrict_kind="activity", **DAY)["rows"][0] == [
        1,
        3600,
        1,
        "code",
        "Editing & IDEs",
        2,
    ]
    assert data(client, b, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_B
    with db.read() as conn:
        b_devices = conn.execute(
            text("SELECT external_id, name, source_type FROM devices WHERE user_id = :u ORDER BY external_id"),
            {"u": b.id},
        ).all()
        b_spans = conn.execute(text("SELECT COUNT(*) FROM spans WHERE user_id = :u"), {"u": b.id}).scalar_one()
    assert [tuple(r) for r in b_devices] == [("laptop", "laptop", "computers"), ("phone", "phone", "mobile")]
    assert b_spans == 12 + 4 + 3 + 1  # 5-minute pieces of B's four spans


def test_batch_ids_are_independent_across_users(client, pair, make_account):
    a, b = pair
    again = send(
        client, a, [span("2026-11-20T15:00:00Z", "2026-11-20T15:10:00Z", "Code")], batch_id="shared-1", device="laptop"
    )
    assert again["duplicate"] is True and again["accepted"] == 0
    c = make_account("c@example.com")
    fresh = send(
        client, c, [span("2026-11-20T15:00:00Z", "2026-11-20T15:10:00Z", "Code")], batch_id="shared-1", device="laptop"
    )
    assert fresh["duplicate"] is False and fresh["accepted"] == 1 and fresh["recorded_seconds"] == 600
    assert data(client, a, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_A
    assert data(client, b, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_B
    assert data(client, c, perspective="rank", restrict_kind="activity", **DAY)["rows"] == [
        [1, 600, 1, "code", "Editing & IDEs", 2]
    ]


def test_categorization_overrides_stay_with_their_user(client, pair):
    a, b = pair
    for change in (
        {"activity": "code", "category": "Games", "top_category": "Entertainment"},
        {"activity": "slack", "category": "Games", "top_category": "Entertainment"},  # B's activity name
    ):
        response = client.post("/api/v1/categorizations", json=change, headers={"Authorization": f"Bearer {a.key}"})
        assert response.status_code == 200, response.text
        assert response.json()["category"] == "Games" and response.json()["top_category"] == "Entertainment"
    assert data(client, a, perspective="rank", restrict_kind="activity", **DAY)["rows"] == [
        [1, 1800, 1, "code", "Games", -2],
        [2, 600, 1, "github.com", "General Software Development", 2],
        [3, 300, 1, "whatsapp", "Instant Message", 1],
    ]
    assert data(client, b, perspective="rank", restrict_kind="activity", **DAY)["rows"] == ROWS_B
    assert data(client, b, perspective="rank", restrict_kind="overview", **DAY)["rows"] == [
        [1, 3600, 1, "Software Development"],
        [2, 1200, 1, "Communication & Scheduling"],
        [3, 1200, 1, "Entertainment"],
    ]
    assert data(client, b, perspective="interval", restrict_kind="efficiency", resolution_time="day", **DAY)[
        "rows"
    ] == [["2026-11-20T00:00:00", 6000, 1, 1.0, 75.0]]
    assert data(client, b, perspective="rank", restrict_kind="category", restrict_thing="Games", **DAY)["rows"] == []
    listed = client.get("/api/v1/activities", headers={"Authorization": f"Bearer {b.key}"}).json()
    assert {(x["name"], x["category"], x["overridden"]) for x in listed} == {
        ("code", "Editing & IDEs", False),
        ("slack", "Instant Message", False),
        ("youtube.com", "Video", False),
        ("spotify", "Music", False),
    }
