"""GET/POST /anapi/daily_summary_feed end to end: spans in through /api/v1/activity, summaries out.

The app's clock starts at 2026-11-30 12:00 UTC (see tests/conftest.py), so for a UTC user today is
2026-11-30 and the feed covers 2026-11-16 .. 2026-11-29.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import orjson
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from selftime import cli
from selftime.api.context import Services
from selftime.api.summary import _categorization, catch_up, feed_payloads
from selftime.db.tables import activities, daily_summaries
from selftime.domain.zone import local_day_number
from selftime.store import summaries, users
from tests.conftest import data, send, span

FEED = "/anapi/daily_summary_feed"
KEY_NOT_FOUND = '{"error":"# key not found","messages":"key not found"}'
LEVELS = ("very_productive", "productive", "neutral", "distracting", "very_distracting")
CATEGORIES = (
    "uncategorized",
    "business",
    "communication_and_scheduling",
    "social_networking",
    "design_and_composition",
    "entertainment",
    "news",
    "software_development",
    "reference_and_learning",
    "shopping",
    "utilities",
)


def unix(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def day_number(text: str) -> int:
    return local_day_number(dt.date.fromisoformat(text))


def back_to_back(start: str, pieces: list[tuple[str, int]]) -> list[dict]:
    """Contiguous spans from `start` (UTC): (application or URL, seconds) each."""
    moment = dt.datetime.fromisoformat(start)
    spans = []
    for what, seconds in pieces:
        end = moment + dt.timedelta(seconds=seconds)
        s, e = moment.isoformat(), end.isoformat()
        spans.append(span(s, e, app=None, url=what) if what.startswith("https://") else span(s, e, app=what))
        moment = end
    return spans


def feed(client, account, **params: str):  # type: ignore[no-untyped-def]
    response = client.get(FEED, params={"key": account.key, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response


def stored_days(db, user_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        rows = conn.execute(
            select(daily_summaries.c.day).where(daily_summaries.c.user_id == user_id).order_by(daily_summaries.c.day)
        )
        return [int(d) for (d,) in rows]


def recategorize(client, account, **change: Any) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/categorizations", json=change, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text


HAND_MADE_DAY = [
    ("Code", 7200),  # very productive, Software Development
    ("Figma", 1800),  # very productive, Design & Composition
    ("Slack", 2700),  # productive, Communication & Scheduling
    ("https://www.linkedin.com/feed", 900),  # productive, Social Networking
    ("Calendar", 1215),  # neutral, Communication & Scheduling
    ("Frobnicator", 210),  # neutral, Uncategorized
    ("https://www.bloomberg.com/markets", 720),  # distracting, News & Opinion
    ("https://www.youtube.com/watch", 3660),  # very distracting, Entertainment
    ("https://www.amazon.com/cart", 41),  # very distracting, Shopping
]

# Worked out by hand from HAND_MADE_DAY: 18446 s in all.
HAND_MADE_OBJECT = (
    '{"id":1795910400,"date":"2026-11-29","productivity_pulse":68,'
    '"very_productive_percentage":48.8,"productive_percentage":19.5,"neutral_percentage":7.7,'
    '"distracting_percentage":3.9,"very_distracting_percentage":20.1,"all_productive_percentage":68.3,'
    '"all_distracting_percentage":24.0,"uncategorized_percentage":1.1,"business_percentage":0.0,'
    '"communication_and_scheduling_percentage":21.2,"social_networking_percentage":4.9,'
    '"design_and_composition_percentage":9.8,"entertainment_percentage":19.8,"news_percentage":3.9,'
    '"software_development_percentage":39.0,"reference_and_learning_percentage":0.0,'
    '"shopping_percentage":0.2,"utilities_percentage":0.0,'
    '"total_hours":5.12,"very_productive_hours":2.5,"productive_hours":1.0,"neutral_hours":0.4,'
    '"distracting_hours":0.2,"very_distracting_hours":1.03,"all_productive_hours":3.5,'
    '"all_distracting_hours":1.23,"uncategorized_hours":0.06,"business_hours":0.0,'
    '"communication_and_scheduling_hours":1.09,"social_networking_hours":0.25,'
    '"design_and_composition_hours":0.5,"entertainment_hours":1.02,"news_hours":0.2,'
    '"software_development_hours":2.0,"reference_and_learning_hours":0.0,"shopping_hours":0.01,'
    '"utilities_hours":0.0,'
    '"total_duration_formatted":"5h 7m","very_productive_duration_formatted":"2h 30m",'
    '"productive_duration_formatted":"1h","neutral_duration_formatted":"23m 45s",'
    '"distracting_duration_formatted":"12m","very_distracting_duration_formatted":"1h 1m",'
    '"all_productive_duration_formatted":"3h 30m","all_distracting_duration_formatted":"1h 13m",'
    '"uncategorized_duration_formatted":"3m 30s","business_duration_formatted":"no time",'
    '"communication_and_scheduling_duration_formatted":"1h 5m",'
    '"social_networking_duration_formatted":"15m","design_and_composition_duration_formatted":"30m",'
    '"entertainment_duration_formatted":"1h 1m","news_duration_formatted":"12m",'
    '"software_development_duration_formatted":"2h","reference_and_learning_duration_formatted":"no time",'
    '"shopping_duration_formatted":"41s","utilities_duration_formatted":"no time"}'
)


# --- the object -----------------------------------------------------------------------------------


def test_hand_made_day_exact_object(client, account):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    assert feed(client, account).text == f"[{HAND_MADE_OBJECT}]"


def test_every_key_in_order_and_the_types(client, account):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    (obj,) = json.loads(feed(client, account).text)
    assert list(obj.items()) == list(json.loads(HAND_MADE_OBJECT).items())
    assert type(obj["id"]) is int and type(obj["productivity_pulse"]) is int
    assert all(type(obj[f"{s}_percentage"]) is float for s in (*LEVELS, *CATEGORIES))
    assert all(type(obj[f"{s}_hours"]) is float for s in ("total", *LEVELS, *CATEGORIES))


def test_levels_and_categories_sum_to_the_total(client, account):
    """Checked in hundredths of an hour and tenths of a percent, exactly (as Decimals): every piece is
    a multiple of 36 s and the day is 10 h, so no field is rounded."""
    send(
        client,
        account,
        back_to_back(
            "2026-11-29T06:00:00+00:00",
            [
                ("Code", 10800),
                ("Slack", 6480),
                ("Calendar", 2160),
                ("Frobnicator", 4320),
                ("https://www.bloomberg.com/", 1080),
                ("https://www.amazon.com/", 2160),
                ("https://en.wikipedia.org/wiki/Time", 1080),
                ("Excel", 216),
                ("Finder", 144),
            ],
        ),
    )
    # Phone time counts like any other source type.
    send(client, account, back_to_back("2026-11-29T16:00:00+00:00", [("https://youtube.com/", 7560)]), source="mobile")
    (obj,) = json.loads(feed(client, account).text, parse_float=Decimal)
    assert obj["total_hours"] == Decimal("10.0")
    assert sum(obj[f"{s}_hours"] for s in LEVELS) == obj["total_hours"]
    assert sum(obj[f"{s}_hours"] for s in CATEGORIES) == obj["total_hours"]
    assert sum(obj[f"{s}_percentage"] for s in LEVELS) == 100
    assert sum(obj[f"{s}_percentage"] for s in CATEGORIES) == 100
    assert obj["all_productive_hours"] == obj["very_productive_hours"] + obj["productive_hours"]
    assert obj["all_distracting_hours"] == obj["distracting_hours"] + obj["very_distracting_hours"]
    assert [obj[f"{s}_hours"] for s in LEVELS] == [Decimal(x) for x in ("3.36", "1.84", "1.8", "0.3", "2.7")]
    assert obj["entertainment_hours"] == Decimal("2.1")
    assert obj["entertainment_duration_formatted"] == "2h 6m"


def test_same_spans_on_different_dates_at_utc_plus_13_and_minus_10(client, make_account):
    tonga = make_account(time_zone="Pacific/Tongatapu")
    honolulu = make_account(time_zone="Pacific/Honolulu")
    spans = [
        span("2026-11-28T10:30:00+00:00", "2026-11-28T11:30:00+00:00", "Code"),
        span("2026-11-28T20:00:00+00:00", "2026-11-28T21:00:00+00:00", "Slack"),
    ]
    send(client, tonga, spans)
    send(client, honolulu, spans)

    def brief(obj: dict) -> tuple:
        return obj["id"], obj["date"], obj["total_hours"], obj["very_productive_hours"], obj["productive_hours"]

    # Tongatapu (+13): code runs 23:30-00:30 across its midnight; slack is 09:00 on the 29th.
    assert [brief(o) for o in feed(client, tonga).json()] == [
        (unix("2026-11-29T00:00:00+13:00"), "2026-11-29", 1.5, 0.5, 1.0),
        (unix("2026-11-28T00:00:00+13:00"), "2026-11-28", 0.5, 0.5, 0.0),
    ]
    # Honolulu (-10): both on the 28th, 00:30 and 10:00.
    assert [brief(o) for o in feed(client, honolulu).json()] == [
        (unix("2026-11-28T00:00:00-10:00"), "2026-11-28", 2.0, 1.0, 1.0),
    ]


# --- which days -----------------------------------------------------------------------------------


def test_today_is_never_included(client, account, db):
    send(client, account, [span("2026-11-29T09:00:00+00:00", "2026-11-29T10:00:00+00:00")])
    send(client, account, [span("2026-11-30T09:00:00+00:00", "2026-11-30T11:00:00+00:00")])
    assert [o["date"] for o in feed(client, account).json()] == ["2026-11-29"]
    assert stored_days(db, account.id) == [day_number("2026-11-29")]


def test_yesterday_appears_from_00_01_local(client, make_account, clock, db):
    berlin = make_account(time_zone="Europe/Berlin")
    send(client, berlin, [span("2026-11-29T09:00:00+00:00", "2026-11-29T10:00:00+00:00")])
    clock.set(dt.datetime.fromisoformat("2026-11-30T00:00:59.999+01:00"))
    assert feed(client, berlin).json() == []
    assert stored_days(db, berlin.id) == []
    clock.set(dt.datetime.fromisoformat("2026-11-30T00:01:00+01:00"))
    assert [(o["date"], o["id"]) for o in feed(client, berlin).json()] == [
        ("2026-11-29", unix("2026-11-29T00:00:00+01:00"))
    ]
    assert stored_days(db, berlin.id) == [day_number("2026-11-29")]


def test_only_the_14_days_before_today(client, account, db):
    for date in ("2026-11-15", "2026-11-16", "2026-11-22"):
        send(client, account, [span(f"{date}T09:00:00+00:00", f"{date}T09:30:00+00:00")])
    assert [o["date"] for o in feed(client, account).json()] == ["2026-11-22", "2026-11-16"]
    assert stored_days(db, account.id) == [day_number("2026-11-16"), day_number("2026-11-22")]


def test_stored_days_leave_the_feed_after_14_days(client, account, clock):
    send(client, account, [span("2026-11-16T09:00:00+00:00", "2026-11-16T09:30:00+00:00")])
    assert [o["date"] for o in feed(client, account).json()] == ["2026-11-16"]
    clock.set(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC))
    assert feed(client, account).json() == []


def test_empty_day_is_not_stored_and_late_time_still_shows(client, account, db):
    send(client, account, [span("2026-11-27T09:00:00+00:00", "2026-11-27T09:30:00+00:00")])
    assert [o["date"] for o in feed(client, account).json()] == ["2026-11-27"]
    # The 28th was over and empty; a device that was offline then syncs it late.
    send(client, account, [span("2026-11-28T09:00:00+00:00", "2026-11-28T10:00:00+00:00")], device="phone")
    assert [(o["date"], o["total_hours"]) for o in feed(client, account).json()] == [
        ("2026-11-28", 1.0),
        ("2026-11-27", 0.5),
    ]
    assert stored_days(db, account.id) == [day_number("2026-11-27"), day_number("2026-11-28")]


def test_no_time_at_all_is_an_empty_array(client, account):
    assert feed(client, account).text == "[]"


# --- point in time --------------------------------------------------------------------------------


def test_recategorizing_after_the_summary_is_computed_changes_data_not_the_summary(client, account):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    before = feed(client, account).text
    assert before == f"[{HAND_MADE_OBJECT}]"
    recategorize(client, account, activity="code", category="Games")
    rows = data(client, account, perspective="rank", restrict_kind="overview", restrict_begin="2026-11-29")["rows"]
    assert [r[3] for r in rows if r[1] == 7200 + 3660] == ["Entertainment"]
    assert feed(client, account).text == before


def test_day_computed_before_recategorizing_and_day_computed_after(client, account, clock):
    clock.set(dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC))
    send(client, account, [span("2026-11-28T09:00:00+00:00", "2026-11-28T10:00:00+00:00", "Code")])
    send(client, account, [span("2026-11-29T09:00:00+00:00", "2026-11-29T10:00:00+00:00", "Code")])
    assert [o["date"] for o in feed(client, account).json()] == ["2026-11-28"]
    recategorize(client, account, activity="code", category="Games")
    clock.set(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC))

    def brief(obj: dict) -> tuple:
        return obj["date"], obj["productivity_pulse"], obj["software_development_hours"], obj["entertainment_hours"]

    assert [brief(o) for o in feed(client, account).json()] == [
        ("2026-11-29", 0, 0.0, 1.0),  # computed after: code is now Games (-2)
        ("2026-11-28", 100, 1.0, 0.0),  # kept as computed before
    ]


# --- races and background -------------------------------------------------------------------------


def test_racing_requests_store_one_summary_and_answer_the_same(client, account, db):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    send(client, account, [span("2026-11-25T09:00:00+00:00", "2026-11-25T09:30:00+00:00")])
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda _: feed(client, account).text, range(8)))
    assert len(set(bodies)) == 1
    assert [o["date"] for o in json.loads(bodies[0])] == ["2026-11-29", "2026-11-25"]
    assert stored_days(db, account.id) == [day_number("2026-11-25"), day_number("2026-11-29")]


def test_racing_writers_keep_the_first_summary(account, db, clock):
    """Two computations of one day that disagree (a categorization changed between them): whoever
    commits first is kept, and both read back that one."""
    barrier = threading.Barrier(2)
    day = day_number("2026-11-29")
    window = (day - 13, day)

    def write_then_read(payload: str) -> list[tuple[int, str]]:
        barrier.wait()
        with db.write() as conn:
            summaries.keep(conn, account.id, [(day, payload)], clock())
        with db.read() as conn:
            return summaries.payloads(conn, account.id, *window)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(write_then_read, ['{"id":1}', '{"id":2}'])
    assert first == second
    assert first in ([(day, '{"id":1}')], [(day, '{"id":2}')])
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(daily_summaries)).scalar_one() == 1


def test_catch_up_stores_due_summaries_without_a_request(client, account, db, settings, clock):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    svc = Services(settings=settings, db=db, clock_ms=clock)
    with db.read() as conn:
        user = users.by_id(conn, account.id)
    assert user is not None
    catch_up(svc, user)
    assert stored_days(db, account.id) == [day_number("2026-11-29")]
    recategorize(client, account, activity="code", category="Games")
    assert feed(client, account).text == f"[{HAND_MADE_OBJECT}]"
    assert [text for _, text in feed_payloads(svc, user)] == [HAND_MADE_OBJECT]


def test_an_activity_newer_than_the_cached_categorization_is_found(client, account, db, settings, clock):
    send(client, account, [span("2026-11-29T09:00:00+00:00", "2026-11-29T10:00:00+00:00", "Code")])
    svc = Services(settings=settings, db=db, clock_ms=clock)
    with db.read() as conn:
        user = users.by_id(conn, account.id)
        assert user is not None
        svc.catalogs.get(conn, user.account, user.catalog_version)  # cached without Slack
    send(client, account, [span("2026-11-29T10:00:00+00:00", "2026-11-29T11:00:00+00:00", "Slack")])
    with db.read() as conn:
        slack = conn.execute(select(activities.c.id).where(activities.c.name == "slack")).scalar_one()
        infos = _categorization(svc, conn, user, {slack})
    assert infos[slack].top == "Communication & Scheduling"


# --- keys, plans, methods -------------------------------------------------------------------------


def test_wrong_or_missing_key(client, account):
    for params in ({"key": "not-a-key"}, {}):
        response = client.get(FEED, params=params)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.text == KEY_NOT_FOUND
    assert client.post(FEED, data={"key": "nope"}).text == KEY_NOT_FOUND


def test_lite_users_get_the_feed(client, make_account):
    lite = make_account(plan="lite")
    send(client, lite, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    assert feed(client, lite).text == f"[{HAND_MADE_OBJECT}]"


def test_post_form_bearer_and_ignored_parameters(client, account):
    send(client, account, back_to_back("2026-11-29T08:00:00+00:00", HAND_MADE_DAY))
    expected = f"[{HAND_MADE_OBJECT}]"
    posted = client.post(FEED, data={"key": account.key, "format": "csv", "operation": "select"})
    assert (posted.status_code, posted.headers["content-type"]) == (200, "application/json; charset=utf-8")
    assert posted.text == expected
    bearer = client.get(
        FEED, params={"restrict_begin": "2026-11-01"}, headers={"Authorization": f"Bearer {account.key}"}
    )
    assert bearer.text == expected


# --- CLI ------------------------------------------------------------------------------------------


def _cli() -> typer.Typer:
    return cli.app


def test_cli_show_prints_the_feed(client, account, clock, database_url):
    # The CLI runs on the real clock, so the data sits two days before the real today.
    now = dt.datetime.now(dt.UTC)
    clock.set(now)
    two_days_ago = (now - dt.timedelta(days=2)).date()
    start = dt.datetime.combine(two_days_ago, dt.time(9), tzinfo=dt.UTC).isoformat()
    send(client, account, back_to_back(start, HAND_MADE_DAY))

    as_json = CliRunner().invoke(_cli(), ["--database-url", database_url, "summary", "show", account.email, "--json"])
    assert as_json.exit_code == 0, as_json.output
    (obj,) = orjson.loads(as_json.stdout)
    assert (obj["date"], obj["productivity_pulse"], obj["total_duration_formatted"]) == (
        two_days_ago.isoformat(),
        68,
        "5h 7m",
    )
    assert as_json.stdout == feed(client, account).text + "\n"

    table = CliRunner().invoke(_cli(), ["--database-url", database_url, "summary", "show", account.email])
    assert table.exit_code == 0, table.output
    assert two_days_ago.isoformat() in table.stdout and "5h 7m" in table.stdout and "23m 45s" in table.stdout


def test_cli_show_unknown_user_and_empty_feed(account, database_url):
    missing = CliRunner().invoke(_cli(), ["--database-url", database_url, "summary", "show", "nobody@example.com"])
    assert missing.exit_code == 2
    assert "no user 'nobody@example.com'" in missing.stderr
    empty = CliRunner().invoke(_cli(), ["--database-url", database_url, "summary", "show", account.email])
    assert empty.exit_code == 0
    assert "has no summaries" in empty.stdout
    assert (
        CliRunner().invoke(_cli(), ["--database-url", database_url, "summary", "show", account.email, "--json"]).stdout
        == "[]\n"
    )
