"""Parameters: aliases, defaults, drill-down, filters, and the exact error bodies."""

from __future__ import annotations

import datetime as dt

import pytest

from selftime.store import keys, schedules
from selftime.store.totals import ScheduleRange
from tests.golden_data import DAY, ZONE, load

KEY_NOT_FOUND = b'{"error":"# key not found","messages":"key not found"}'
QUERY_ERROR = b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}'
EDIT, GSD, GSN = "Editing & IDEs", "General Software Development", "General Social Networking"


@pytest.fixture
def golden(client, make_account):
    account = make_account("golden@example.com", time_zone=ZONE)
    load(client, account)
    return account


def rows(client, account, **params):
    response = client.get("/anapi/data", params={"key": account.key, "rb": DAY, "re": DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


@pytest.mark.parametrize(
    "names",
    [
        {"perspective": "interval", "resolution_time": "hour", "restrict_kind": "productivity"},
        {"pv": "interval", "rs": "hour", "rk": "productivity"},
        {"by": "interval", "interval": "hour", "taxonomy": "productivity"},
        {"by": "interval", "i": "hour", "ty": "productivity"},
        {"by": "INTERVAL", "i": "Hour", "ty": "Productivity", "operation": "select", "version": "0"},
    ],
)
def test_every_spelling_of_the_parameters_means_the_same(client, golden, names):
    expected = [["2026-11-30T09:00:00", 2400, 1, 2], ["2026-11-30T09:00:00", 600, 1, -2]]
    assert rows(client, golden, **names)[:2] == expected


@pytest.mark.parametrize(
    ("thing_names", "thingy_names"),
    [
        ({"restrict_thing": "code"}, {"restrict_thingy": "no details"}),
        ({"rt": "code"}, {"ry": "no details"}),
        ({"taxon": "code"}, {"sub_taxon": "no details"}),
        ({"tx": "code"}, {"tn": "no details"}),
    ],
)
def test_thing_and_thingy_aliases(client, golden, thing_names, thingy_names):
    assert rows(client, golden, rk="activity", **thing_names, **thingy_names) == [[1, 300, 1, "No Details", EDIT, 2]]


def test_defaults_are_rank_activity_today_in_the_users_zone(client, golden, clock):
    clock.set(dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC))  # 23:30 in Berlin: still the 30th
    response = client.get("/anapi/data", params={"key": golden.key})
    assert response.json()["rows"][0] == [1, 2100, 1, "code", EDIT, 2]
    clock.set(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))  # 00:30 on the 1st in Berlin
    assert client.get("/anapi/data", params={"key": golden.key}).json()["rows"] == []


def test_begin_alone_runs_to_today(client, golden, clock):
    clock.set(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC))
    response = client.get("/anapi/data", params={"key": golden.key, "rb": "2026-11-29", "rk": "productivity"})
    assert response.json()["rows"][0] == [1, 2700, 1, 2]


def test_post_form_body_and_bearer_header(client, golden):
    form = {"key": golden.key, "by": "rank", "ty": "overview", "rb": DAY, "re": DAY}
    assert client.post("/anapi/data", data=form).json()["rows"][0] == [1, 2700, 1, "Software Development"]
    headers = {"Authorization": f"Bearer {golden.key}"}
    response = client.get("/anapi/data", params={"ty": "overview", "rb": DAY, "re": DAY}, headers=headers)
    assert response.json()["rows"][0] == [1, 2700, 1, "Software Development"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"rk": "overview", "rt": "Software Development"},
            [[1, 2100, 1, "code", EDIT, 2], [2, 600, 1, "github.com", GSD, 2]],
        ),
        (
            {"rk": "overview", "rt": "software development"},
            [[1, 2100, 1, "code", EDIT, 2], [2, 600, 1, "github.com", GSD, 2]],
        ),
        ({"rk": "category", "rt": "general software development"}, [[1, 600, 1, "github.com", GSD, 2]]),
        ({"rk": "activity", "rt": "code"}, [[1, 1800, 1, "main.py", EDIT, 2], [2, 300, 1, "No Details", EDIT, 2]]),
        ({"rk": "activity", "rt": "www.youtube.com"}, [[1, 900, 1, 'Cats, "funny"', "Video", -2]]),
        ({"rk": "activity", "rt": "code", "ry": "MAIN.PY"}, [[1, 1800, 1, "main.py", EDIT, 2]]),
        ({"rk": "activity", "rt": "code", "ry": "nothing like it"}, []),
        (
            {"rk": "productivity", "rt": "-2"},
            [[1, 900, 1, "youtube.com", "Video", -2], [2, 600, 1, "reddit.com", GSN, -2]],
        ),
        (
            {"rk": "document", "rt": "code"},
            [[1, 1800, 1, "code", "main.py", EDIT, 2], [2, 300, 1, "code", "No Details", EDIT, 2]],
        ),
        ({"rk": "activity", "rt": "no-such-app"}, []),
        ({"rk": "overview", "rt": "Software Development", "ry": "main.py"}, [[1, 1800, 1, "code", EDIT, 2]]),
    ],
)
def test_drill_down(client, golden, params, expected):
    assert rows(client, golden, **params) == expected


def test_drill_down_keeps_the_activity_header(client, golden):
    response = client.get(
        "/anapi/data", params={"key": golden.key, "rb": DAY, "re": DAY, "rk": "activity", "rt": "code"}
    )
    assert response.json()["row_headers"] == [
        "Rank", "Time Spent (seconds)", "Number of People", "Activity", "Category", "Productivity"
    ]  # fmt: skip


def test_interval_drill_down(client, golden):
    assert rows(client, golden, by="interval", i="hour", rk="activity", rt="code") == [
        ["2026-11-30T09:00:00", 1800, 1, "main.py", EDIT, 2],
        ["2026-11-30T10:00:00", 300, 1, "No Details", EDIT, 2],
    ]


def test_source_type_filter(client, golden):
    assert rows(client, golden, rk="activity", restrict_source_type="mobile") == [[1, 600, 1, "reddit.com", GSN, -2]]
    computers = rows(client, golden, rk="activity", restrict_source_type="computers")
    assert [r[3] for r in computers] == ["code", "youtube.com", "github.com", "slack", "mystery-app"]
    assert rows(client, golden, rk="activity", restrict_source_type="offline") == []


def test_schedule_filter(client, golden, db, clock):
    with db.write() as conn:
        monday_nine = schedules.create(
            conn, user_id=golden.id, name="nine", ranges=[ScheduleRange(0b0000010, 9 * 60, 10 * 60)], now_ms=clock()
        )
        weekend = schedules.create(
            conn, user_id=golden.id, name="weekend", ranges=[ScheduleRange(0b1000001, 0, 24 * 60)], now_ms=clock()
        )
    for name in ("restrict_schedule_id", "rsi", "schedule_id", "s"):
        assert rows(client, golden, rk="activity", **{name: str(monday_nine.id)}) == [
            [1, 1800, 1, "code", EDIT, 2],
            [2, 600, 1, "github.com", GSD, 2],
            [3, 600, 1, "reddit.com", GSN, -2],
            [4, 300, 1, "slack", "Instant Message", 1],
        ]
    assert rows(client, golden, rk="document", rsi=str(monday_nine.id))[0] == [1, 1800, 1, "code", "main.py", EDIT, 2]
    assert rows(client, golden, rk="activity", rsi=str(weekend.id)) == []


def test_schedule_created_over_the_api(client, golden):
    headers = {"Authorization": f"Bearer {golden.key}"}
    body = {"name": "late morning", "ranges": [{"days": "mon-fri", "from": "10:00", "to": "12:00"}]}
    created = client.post("/api/v1/schedules", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["ranges"] == [{"days": "mon,tue,wed,thu,fri", "from": "10:00", "to": "12:00"}]
    assert rows(client, golden, rk="productivity", rsi=str(created.json()["id"])) == [
        [1, 900, 1, -2], [2, 300, 1, 2], [3, 100, 1, 0]
    ]  # fmt: skip
    bad = client.post(
        "/api/v1/schedules",
        json={"name": "x", "ranges": [{"days": "mon", "from": "10:10", "to": "11:00"}]},
        headers=headers,
    )
    assert bad.status_code == 400 and "quarter hour" in bad.json()["messages"]


@pytest.mark.parametrize(
    "params",
    [
        {"rb": "2026-13-01"},
        {"rb": "yesterday"},
        {"rb": "2026-12-01", "re": "2026-11-30"},
        {"rk": "people"},
        {"by": "sideways"},
        {"i": "fortnight"},
        {"by": "rank", "rk": "efficiency"},
        {"by": "interval", "rk": "efficiency", "rt": "code"},
        {"restrict_source_type": "tablet"},
        {"rsi": "abc"},
        {"rsi": "999999"},
        {"rk": "activity", "ry": "main.py"},
        {"rk": "productivity", "rt": "3"},
        {"format": "xml"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_query_error_body(client, golden, params, fmt):
    response = client.get("/anapi/data", params={"key": golden.key, "format": fmt, **params})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == QUERY_ERROR


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_key_not_found_body(client, golden, db, clock, fmt):
    for params in ({}, {"key": "nope"}, {"key": golden.key + "x"}):
        response = client.get("/anapi/data", params={"format": fmt, **params})
        assert (response.status_code, response.content) == (200, KEY_NOT_FOUND)
        assert response.headers["content-type"] == "application/json; charset=utf-8"
    with db.write() as conn:
        key_id = keys.list_for_user(conn, golden.id)[0].id
        keys.revoke(conn, user_id=golden.id, key_id=key_id, now_ms=clock())
    assert client.get("/anapi/data", params={"key": golden.key, "format": fmt}).content == KEY_NOT_FOUND


def test_unknown_parameters_are_ignored(client, golden):
    assert rows(client, golden, rk="productivity", colour="blue", scopes="time_data")[0] == [1, 2700, 1, 2]


def test_date_with_a_time_part_is_read_as_that_day(client, golden):
    response = client.get(
        "/anapi/data",
        params={"key": golden.key, "rb": "2026-11-30T00:00:00", "re": "2026-11-30 23:59:59", "rk": "productivity"},
    )
    assert response.json()["rows"][0] == [1, 2700, 1, 2]
