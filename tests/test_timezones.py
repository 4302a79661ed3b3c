"""Local-time bucketing with hand-computed expectations: DST days, week and month starts, odd offsets,
date-line neighbours, local-midnight range edges and a change of the user's zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from selftime.store import users
from tests.conftest import data, send, span

UTC = dt.UTC


def z(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def continuous(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Unbroken Code time from start to end (UTC), sent as hour-long spans."""
    out = []
    while start < end:
        nxt = min(start + dt.timedelta(hours=1), end)
        out.append(span(z(start), z(nxt), "Code"))
        start = nxt
    return out


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def interval(client: Any, account: Any, resolution: str, begin: str, end: str) -> list[tuple[str, int]]:
    body = data(
        client,
        account,
        perspective="interval",
        restrict_kind="overview",
        resolution_time=resolution,
        restrict_begin=begin,
        restrict_end=end,
    )
    return [(row[0], row[1]) for row in body["rows"]]


def rank_total(client: Any, account: Any, begin: str, end: str) -> int:
    body = data(client, account, perspective="rank", restrict_kind="overview", restrict_begin=begin, restrict_end=end)
    return sum(row[1] for row in body["rows"])


def test_berlin_dst_days_have_23_and_25_hours(client, make_account):
    berlin = make_account(time_zone="Europe/Berlin")
    # Local midnight 28 March (CET, +1) to local midnight 31 March (CEST, +2).
    send(client, berlin, continuous(utc(2026, 3, 27, 23), utc(2026, 3, 30, 22)))
    # Local midnight 24 October (CEST) to local midnight 27 October (CET).
    send(client, berlin, continuous(utc(2026, 10, 23, 22), utc(2026, 10, 26, 23)))

    assert interval(client, berlin, "day", "2026-03-28", "2026-03-30") == [
        ("2026-03-28T00:00:00", 86400),
        ("2026-03-29T00:00:00", 82800),
        ("2026-03-30T00:00:00", 86400),
    ]
    assert interval(client, berlin, "day", "2026-10-24", "2026-10-26") == [
        ("2026-10-24T00:00:00", 86400),
        ("2026-10-25T00:00:00", 90000),
        ("2026-10-26T00:00:00", 86400),
    ]
    assert rank_total(client, berlin, "2026-03-29", "2026-03-29") == 82800
    assert rank_total(client, berlin, "2026-10-25", "2026-10-25") == 90000
    full_fall_day = interval(client, berlin, "hour", "2026-10-25", "2026-10-25")
    assert full_fall_day == [(f"2026-10-25T{h:02d}:00:00", 7200 if h == 2 else 3600) for h in range(24)]
    full_spring_day = interval(client, berlin, "hour", "2026-03-29", "2026-03-29")
    assert full_spring_day == [(f"2026-03-29T{h:02d}:00:00", 3600) for h in range(24) if h != 2]


def test_berlin_spring_forward_skips_the_2am_label(client, make_account):
    berlin = make_account(time_zone="Europe/Berlin")
    # In UTC hour k (from 23:00Z on 28 March, local midnight) k+1 minutes of activity.
    start = utc(2026, 3, 28, 23)
    send(
        client,
        berlin,
        [span(z(start + dt.timedelta(hours=k)), z(start + dt.timedelta(hours=k, minutes=k + 1))) for k in range(23)],
    )
    assert interval(client, berlin, "hour", "2026-03-29", "2026-03-29") == [
        ("2026-03-29T00:00:00", 60),
        ("2026-03-29T01:00:00", 120),
        ("2026-03-29T03:00:00", 180),  # 01:00Z is 03:00 CEST
        ("2026-03-29T04:00:00", 240),
        ("2026-03-29T05:00:00", 300),
        ("2026-03-29T06:00:00", 360),
        ("2026-03-29T07:00:00", 420),
        ("2026-03-29T08:00:00", 480),
        ("2026-03-29T09:00:00", 540),
        ("2026-03-29T10:00:00", 600),
        ("2026-03-29T11:00:00", 660),
        ("2026-03-29T12:00:00", 720),
        ("2026-03-29T13:00:00", 780),
        ("2026-03-29T14:00:00", 840),
        ("2026-03-29T15:00:00", 900),
        ("2026-03-29T16:00:00", 960),
        ("2026-03-29T17:00:00", 1020),
        ("2026-03-29T18:00:00", 1080),
        ("2026-03-29T19:00:00", 1140),
        ("2026-03-29T20:00:00", 1200),
        ("2026-03-29T21:00:00", 1260),
        ("2026-03-29T22:00:00", 1320),
        ("2026-03-29T23:00:00", 1380),
    ]


def test_berlin_fall_back_repeated_hour_has_one_label(client, make_account):
    berlin = make_account(time_zone="Europe/Berlin")
    start = utc(2026, 10, 24, 22)  # local midnight 25 October, CEST
    send(
        client,
        berlin,
        [span(z(start + dt.timedelta(hours=k)), z(start + dt.timedelta(hours=k, minutes=k + 1))) for k in range(25)],
    )
    assert interval(client, berlin, "hour", "2026-10-25", "2026-10-25") == [
        ("2026-10-25T00:00:00", 60),
        ("2026-10-25T01:00:00", 120),
        ("2026-10-25T02:00:00", 420),  # 00:00Z (02:00 CEST) 180 s + 01:00Z (02:00 CET) 240 s
        ("2026-10-25T03:00:00", 300),
        ("2026-10-25T04:00:00", 360),
        ("2026-10-25T05:00:00", 420),
        ("2026-10-25T06:00:00", 480),
        ("2026-10-25T07:00:00", 540),
        ("2026-10-25T08:00:00", 600),
        ("2026-10-25T09:00:00", 660),
        ("2026-10-25T10:00:00", 720),
        ("2026-10-25T11:00:00", 780),
        ("2026-10-25T12:00:00", 840),
        ("2026-10-25T13:00:00", 900),
        ("2026-10-25T14:00:00", 960),
        ("2026-10-25T15:00:00", 1020),
        ("2026-10-25T16:00:00", 1080),
        ("2026-10-25T17:00:00", 1140),
        ("2026-10-25T18:00:00", 1200),
        ("2026-10-25T19:00:00", 1260),
        ("2026-10-25T20:00:00", 1320),
        ("2026-10-25T21:00:00", 1380),
        ("2026-10-25T22:00:00", 1440),
        ("2026-10-25T23:00:00", 1500),
    ]
    assert interval(client, berlin, "day", "2026-10-25", "2026-10-25") == [("2026-10-25T00:00:00", 19500)]


def test_berlin_fall_back_five_minute_buckets_merge(client, make_account):
    berlin = make_account(time_zone="Europe/Berlin")
    send(
        client,
        berlin,
        [
            span("2026-10-25T00:00:00Z", "2026-10-25T00:03:00Z"),  # 02:00-02:03 CEST
            span("2026-10-25T00:55:00Z", "2026-10-25T01:05:00Z"),  # 02:55-03:00 CEST, then 02:00-02:05 CET
        ],
    )
    assert interval(client, berlin, "minute", "2026-10-25", "2026-10-25") == [
        ("2026-10-25T02:00:00", 480),
        ("2026-10-25T02:55:00", 300),
    ]
    assert interval(client, berlin, "hour", "2026-10-25", "2026-10-25") == [("2026-10-25T02:00:00", 780)]


def test_weeks_start_on_sunday_and_months_on_the_first(client, make_account):
    berlin = make_account(time_zone="Europe/Berlin")
    send(
        client,
        berlin,
        [
            span("2026-03-25T09:00:00Z", "2026-03-25T09:10:00Z"),  # Wed 25 Mar 10:00 CET
            span("2026-03-28T22:30:00Z", "2026-03-28T23:30:00Z"),  # Sat 23:30 → Sun 29 Mar 00:30 CET
            span("2026-03-31T21:30:00Z", "2026-03-31T22:30:00Z"),  # Tue 31 Mar 23:30 → Wed 1 Apr 00:30 CEST
            span("2026-04-04T10:00:00Z", "2026-04-04T10:15:00Z"),  # Sat 4 Apr 12:00 CEST
            span("2026-04-05T10:00:00Z", "2026-04-05T10:05:00Z"),  # Sun 5 Apr 12:00 CEST
        ],
    )
    assert interval(client, berlin, "week", "2026-03-22", "2026-04-11") == [
        ("2026-03-22T00:00:00", 2400),
        ("2026-03-29T00:00:00", 6300),
        ("2026-04-05T00:00:00", 300),
    ]
    assert interval(client, berlin, "month", "2026-03-22", "2026-04-11") == [
        ("2026-03-01T00:00:00", 6000),
        ("2026-04-01T00:00:00", 3000),
    ]
    # A range starting mid-week still labels the week by its Sunday, and clips at local midnight.
    assert interval(client, berlin, "week", "2026-03-25", "2026-03-28") == [("2026-03-22T00:00:00", 2400)]
    assert interval(client, berlin, "month", "2026-04-01", "2026-04-30") == [("2026-04-01T00:00:00", 3000)]
    assert interval(client, berlin, "month", "2026-03-31", "2026-03-31") == [("2026-03-01T00:00:00", 1800)]
    # Friday 2 January 2026 belongs to the week of Sunday 28 December 2025.
    send(client, berlin, [span("2026-01-02T11:00:00Z", "2026-01-02T11:10:00Z")])
    assert interval(client, berlin, "week", "2026-01-01", "2026-01-03") == [("2025-12-28T00:00:00", 600)]
    assert interval(client, berlin, "month", "2025-12-01", "2026-01-31") == [("2026-01-01T00:00:00", 600)]


def test_same_utc_spans_on_both_sides_of_the_date_line(client, make_account):
    auckland = make_account(time_zone="Pacific/Auckland")  # NZDT, UTC+13
    honolulu = make_account(time_zone="Pacific/Honolulu")  # UTC-10
    spans = [
        span("2026-11-20T10:30:00Z", "2026-11-20T11:15:00Z"),
        span("2026-11-20T23:00:00Z", "2026-11-20T23:20:00Z"),
    ]
    send(client, auckland, spans)
    send(client, honolulu, spans)
    assert interval(client, auckland, "day", "2026-11-19", "2026-11-22") == [
        ("2026-11-20T00:00:00", 1800),
        ("2026-11-21T00:00:00", 2100),
    ]
    assert interval(client, honolulu, "day", "2026-11-19", "2026-11-22") == [("2026-11-20T00:00:00", 3900)]
    assert interval(client, auckland, "hour", "2026-11-19", "2026-11-22") == [
        ("2026-11-20T23:00:00", 1800),
        ("2026-11-21T00:00:00", 900),
        ("2026-11-21T12:00:00", 1200),
    ]
    assert interval(client, honolulu, "hour", "2026-11-19", "2026-11-22") == [
        ("2026-11-20T00:00:00", 1800),
        ("2026-11-20T01:00:00", 900),
        ("2026-11-20T13:00:00", 1200),
    ]
    assert rank_total(client, auckland, "2026-11-21", "2026-11-21") == 2100
    assert rank_total(client, honolulu, "2026-11-21", "2026-11-21") == 0


def test_range_edges_are_local_midnights(client, make_account):
    new_york = make_account(time_zone="America/New_York")  # EST, UTC-5
    send(client, new_york, [span("2026-11-11T04:30:00Z", "2026-11-11T05:30:00Z")])  # 23:30-00:30 local
    assert rank_total(client, new_york, "2026-11-10", "2026-11-10") == 1800
    assert rank_total(client, new_york, "2026-11-11", "2026-11-11") == 1800
    assert rank_total(client, new_york, "2026-11-10", "2026-11-11") == 3600
    assert interval(client, new_york, "day", "2026-11-10", "2026-11-11") == [
        ("2026-11-10T00:00:00", 1800),
        ("2026-11-11T00:00:00", 1800),
    ]
    kolkata = make_account(time_zone="Asia/Kolkata")  # local midnight is 18:30Z
    send(client, kolkata, [span("2026-11-10T18:00:00Z", "2026-11-10T19:10:00Z")])
    assert interval(client, kolkata, "day", "2026-11-10", "2026-11-11") == [
        ("2026-11-10T00:00:00", 1800),
        ("2026-11-11T00:00:00", 2400),
    ]
    assert rank_total(client, kolkata, "2026-11-11", "2026-11-11") == 2400


def test_quarter_hour_offsets_bucket_at_local_hours(client, make_account):
    kathmandu = make_account(time_zone="Asia/Kathmandu")  # UTC+05:45
    send(
        client,
        kathmandu,
        [
            span("2026-11-10T03:02:00Z", "2026-11-10T03:58:00Z"),  # 08:47-09:43 local
            span("2026-11-10T18:00:00Z", "2026-11-10T18:30:00Z"),  # 23:45-00:15 local
        ],
    )
    assert interval(client, kathmandu, "hour", "2026-11-10", "2026-11-11") == [
        ("2026-11-10T08:00:00", 780),
        ("2026-11-10T09:00:00", 2580),
        ("2026-11-10T23:00:00", 900),
        ("2026-11-11T00:00:00", 900),
    ]
    assert interval(client, kathmandu, "minute", "2026-11-10", "2026-11-10") == [
        ("2026-11-10T08:45:00", 180),
        ("2026-11-10T08:50:00", 300),
        ("2026-11-10T08:55:00", 300),
        ("2026-11-10T09:00:00", 300),
        ("2026-11-10T09:05:00", 300),
        ("2026-11-10T09:10:00", 300),
        ("2026-11-10T09:15:00", 300),
        ("2026-11-10T09:20:00", 300),
        ("2026-11-10T09:25:00", 300),
        ("2026-11-10T09:30:00", 300),
        ("2026-11-10T09:35:00", 300),
        ("2026-11-10T09:40:00", 180),
        ("2026-11-10T23:45:00", 300),
        ("2026-11-10T23:50:00", 300),
        ("2026-11-10T23:55:00", 300),
    ]
    assert interval(client, kathmandu, "day", "2026-11-10", "2026-11-11") == [
        ("2026-11-10T00:00:00", 4260),
        ("2026-11-11T00:00:00", 900),
    ]

    kolkata = make_account(time_zone="Asia/Kolkata")  # UTC+05:30
    send(client, kolkata, [span("2026-11-10T03:12:00Z", "2026-11-10T04:05:00Z")])  # 08:42-09:35 local
    assert interval(client, kolkata, "hour", "2026-11-10", "2026-11-10") == [
        ("2026-11-10T08:00:00", 1080),
        ("2026-11-10T09:00:00", 2100),
    ]
    assert interval(client, kolkata, "minute", "2026-11-10", "2026-11-10") == [
        ("2026-11-10T08:40:00", 180),
        ("2026-11-10T08:45:00", 300),
        ("2026-11-10T08:50:00", 300),
        ("2026-11-10T08:55:00", 300),
        ("2026-11-10T09:00:00", 300),
        ("2026-11-10T09:05:00", 300),
        ("2026-11-10T09:10:00", 300),
        ("2026-11-10T09:15:00", 300),
        ("2026-11-10T09:20:00", 300),
        ("2026-11-10T09:25:00", 300),
        ("2026-11-10T09:30:00", 300),
    ]


def test_chatham_fall_back_at_quarter_to_four(client, make_account):
    chatham = make_account(time_zone="Pacific/Chatham")  # 03:45 +13:45 → 02:45 +12:45 at 14:00Z on 4 April
    send(client, chatham, [span("2026-04-04T12:00:00Z", "2026-04-04T15:30:00Z")])  # 01:45 local on 5 April
    assert interval(client, chatham, "hour", "2026-04-05", "2026-04-05") == [
        ("2026-04-05T01:00:00", 900),
        ("2026-04-05T02:00:00", 4500),  # 02:00-03:00 first pass, then 02:45-03:00 again
        ("2026-04-05T03:00:00", 6300),  # 03:00-03:45 first pass, then 03:00-04:00
        ("2026-04-05T04:00:00", 900),
    ]
    minutes = interval(client, chatham, "minute", "2026-04-05", "2026-04-05")
    assert ("2026-04-05T02:45:00", 600) in minutes and ("2026-04-05T03:40:00", 600) in minutes
    assert ("2026-04-05T03:45:00", 300) in minutes and len(minutes) == 30


def test_changing_the_zone_moves_existing_data_at_once(client, make_account, db):
    user = make_account(time_zone="UTC")
    send(
        client,
        user,
        [
            span("2026-11-10T22:00:00Z", "2026-11-10T23:00:00Z"),
            span("2026-11-10T23:30:00Z", "2026-11-11T00:30:00Z"),
            span("2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z"),
        ],
    )

    def months() -> list[tuple[str, int]]:
        return interval(client, user, "month", "2026-10-01", "2026-11-30")

    assert months() == [("2026-10-01T00:00:00", 1800), ("2026-11-01T00:00:00", 9000)]
    assert rank_total(client, user, "2026-10-01", "2026-10-31") == 1800
    assert interval(client, user, "day", "2026-11-09", "2026-11-12") == [
        ("2026-11-10T00:00:00", 5400),
        ("2026-11-11T00:00:00", 1800),
    ]
    assert interval(client, user, "hour", "2026-11-09", "2026-11-12") == [
        ("2026-11-10T22:00:00", 3600),
        ("2026-11-10T23:00:00", 1800),
        ("2026-11-11T00:00:00", 1800),
    ]
    with db.write() as conn:
        users.set_time_zone(conn, user.id, "Asia/Tokyo")  # UTC+9
    assert interval(client, user, "day", "2026-11-09", "2026-11-12") == [("2026-11-11T00:00:00", 7200)]
    assert interval(client, user, "hour", "2026-11-09", "2026-11-12") == [
        ("2026-11-11T07:00:00", 3600),
        ("2026-11-11T08:00:00", 1800),
        ("2026-11-11T09:00:00", 1800),
    ]
    assert rank_total(client, user, "2026-11-10", "2026-11-10") == 0
    assert months() == [("2026-11-01T00:00:00", 10800)]  # 31 Oct 23:30Z is 1 Nov 08:30 in Tokyo
    assert rank_total(client, user, "2026-10-01", "2026-10-31") == 0
    with db.write() as conn:
        users.set_time_zone(conn, user.id, "America/Los_Angeles")  # PST, UTC-8
    assert interval(client, user, "day", "2026-11-09", "2026-11-12") == [("2026-11-10T00:00:00", 7200)]
    assert interval(client, user, "hour", "2026-11-09", "2026-11-12") == [
        ("2026-11-10T14:00:00", 3600),
        ("2026-11-10T15:00:00", 1800),
        ("2026-11-10T16:00:00", 1800),
    ]
    assert months() == [("2026-10-01T00:00:00", 3600), ("2026-11-01T00:00:00", 7200)]  # 16:30 PDT on 31 Oct
    assert rank_total(client, user, "2026-10-01", "2026-10-31") == 3600


def test_local_times_before_1970_keep_their_buckets(client, make_account, db):
    """The first hours of 1970 UTC are 1969 west of Greenwich: negative local times, which SQL's
    integer division truncated toward zero (into the next hour, and no weekday or minute for schedules)."""
    user = make_account(time_zone="UTC")
    send(client, user, [span("1970-01-01T00:00:00Z", "1970-01-01T00:45:00Z", "Code", "epoch.py")])
    with db.write() as conn:
        users.set_time_zone(conn, user.id, "America/New_York")  # EST, UTC-5: 19:00 to 19:45 on 31 Dec 1969
    assert interval(client, user, "hour", "1969-12-31", "1970-01-01") == [("1969-12-31T19:00:00", 2700)]

    def documents(resolution: str) -> list[list[Any]]:
        body = data(
            client,
            user,
            perspective="interval",
            restrict_kind="document",
            resolution_time=resolution,
            restrict_begin="1969-12-31",
            restrict_end="1970-01-01",
        )
        return [row[:2] for row in body["rows"]]

    assert documents("hour") == [["1969-12-31T19:00:00", 2700]]
    assert documents("day") == [["1969-12-31T00:00:00", 2700]]  # the document day rollup, re-keyed in the zone
    created = client.post(
        "/api/v1/schedules",
        json={"name": "Wednesday evening", "ranges": [{"days": "wed", "from": "19:00", "to": "19:30"}]},
        headers={"Authorization": f"Bearer {user.key}"},
    )
    assert created.status_code == 201, created.text
    body = data(
        client,
        user,
        restrict_kind="overview",
        restrict_begin="1969-12-31",
        restrict_end="1970-01-01",
        restrict_schedule_id=str(created.json()["id"]),
    )
    assert [row[1] for row in body["rows"]] == [1800]
