"""/dashboard, server-rendered: the numbers on the page are the Analytic Data API's for the same range."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from selftime.domain.zone import to_ms
from selftime.store import focus, highlights, users
from tests.conftest import Account, data, send, span, web_login

DEMO_DAY = "2026-11-27"  # a Friday in the demo's six weeks, before "today" (2026-11-30)


def attr_rows(page: str, container_id: str) -> list[tuple[str, int]]:
    """(data-name, data-seconds) of the rows inside the element with this id, in page order."""
    start = page.index(f'id="{container_id}"')
    end_tag = "</ul>" if page.rfind("<ul", 0, start) > page.rfind("<table", 0, start) else "</table>"
    body = page[start : page.index(end_tag, start)]
    return [(html.unescape(n), int(s)) for n, s in re.findall(r'data-name="([^"]*)" data-seconds="(\d+)"', body)]


def total_of(page: str) -> int:
    found = re.search(r'id="total" data-seconds="(\d+)"', page)
    assert found, "no total on the page"
    return int(found[1])


def pulse_of(page: str) -> int:
    found = re.search(r'id="pulse" data-pulse="(\d+)"', page)
    assert found, "no pulse on the page"
    return int(found[1])


def level_seconds(page: str) -> dict[int, int]:
    return {int(lv): int(s) for lv, s in re.findall(r'class="level" data-level="(-?\d)" data-seconds="(\d+)"', page)}


def api(client: Any, key: str, begin: str, end: str, **params: str) -> list[list[Any]]:
    response = client.get(
        "/anapi/data",
        params={"key": key, "format": "json", "restrict_begin": begin, "restrict_end": end, **params},
    )
    assert response.status_code == 200
    return response.json()["rows"]  # type: ignore[no-any-return]


def pulse(levels: dict[int, int]) -> int:
    """The daily summary's formula, written out independently: round(100 * Σ (level+2)·t / (4 Σ t)), half up."""
    total = sum(levels.values())
    weighted = sum((lv + 2) * s for lv, s in levels.items())
    return int((100 * weighted / (4 * total)) + 0.5) if total else 0


def assert_page_is_the_api(client: Any, key: str, page: str, begin: str, end: str) -> None:
    assert f'data-begin="{begin}" data-end="{end}"' in page
    by_level = {
        row[3]: row[1] for row in api(client, key, begin, end, perspective="rank", restrict_kind="productivity")
    }
    assert level_seconds(page) == {lv: by_level.get(lv, 0) for lv in (2, 1, 0, -1, -2)}
    assert total_of(page) == sum(by_level.values())
    assert total_of(page) > 0
    # Seconds rounding may move the pulse by at most 1 against the ms-exact formula.
    assert abs(pulse_of(page) - pulse(by_level)) <= 1
    overview = api(client, key, begin, end, perspective="rank", restrict_kind="overview")
    assert attr_rows(page, "categories") == [(r[3], r[1]) for r in overview]
    activities = api(client, key, begin, end, perspective="rank", restrict_kind="activity")
    assert attr_rows(page, "top-activities") == [(r[3], r[1]) for r in activities[:10]]


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard?period=week", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdashboard%3Fperiod%3Dweek"


def test_an_empty_account_gets_a_friendly_empty_state(client, account):
    web_login(client, account.email)
    for period in ("day", "week", "month"):
        response = client.get(f"/dashboard?period={period}")
        assert response.status_code == 200
        assert 'id="empty"' in response.text and "Nothing logged" in response.text
        assert 'id="stacked-chart"' not in response.text
        assert "No highlights." in response.text


def test_a_small_day_matches_the_api_to_the_second(client, account: Account):
    send(
        client,
        account,
        [
            span("2026-11-30T06:00:00Z", "2026-11-30T06:05:00Z", "Code", "early.py"),
            span("2026-11-30T09:00:00Z", "2026-11-30T09:25:00Z", "Code", "main.py"),
            span("2026-11-30T09:25:00Z", "2026-11-30T09:40:00Z", "Firefox", "Reddit", "https://www.reddit.com/r/x"),
            span("2026-11-30T11:10:00Z", "2026-11-30T11:10:20.600Z", "Code", "test.py"),
        ],
    )
    web_login(client, account.email)
    page = client.get("/dashboard").text  # today, a day
    assert_page_is_the_api(client, account.key, page, "2026-11-30", "2026-11-30")
    assert total_of(page) == 5 * 60 + 25 * 60 + 15 * 60 + 21
    # The stacked chart: one group per hour from 09 to 17 at least, here from 06 for the early span; its
    # seconds the API's interval rows for that hour.
    hours = re.findall(r'<g class="bucket" data-bucket="([^"]+)" data-seconds="(\d+)"', page)
    assert [b for b, _s in hours] == [f"2026-11-30T{h:02d}:00:00" for h in range(6, 18)]
    by_hour: dict[int, int] = {}
    for row in api(
        client, account.key, "2026-11-30", "2026-11-30", perspective="interval", restrict_kind="productivity"
    ):
        hour = int(row[0][11:13])
        by_hour[hour] = by_hour.get(hour, 0) + row[1]
    assert {int(b[11:13]): int(s) for b, s in hours if int(s)} == by_hour == {6: 300, 9: 2400, 11: 21}
    # Labelled for screen readers, a tooltip per segment.
    assert 'role="img"' in page and "<title>09:00 to 09:59: Very productive 25m 00s</title>" in page


def test_the_demo_account_day_week_and_month_are_the_apis(client, db, clock):
    _email, key = ensure_demo(db, clock())
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    day = client.get(f"/dashboard?period=day&date={DEMO_DAY}")
    assert day.status_code == 200
    assert_page_is_the_api(client, key, day.text, DEMO_DAY, DEMO_DAY)
    # The demo user's week starts on Sunday (the default): Sunday 22 to Saturday 28 November.
    week = client.get(f"/dashboard?period=week&date={DEMO_DAY}")
    assert_page_is_the_api(client, key, week.text, "2026-11-22", "2026-11-28")
    assert len(re.findall(r'<g class="bucket"', week.text)) == 7
    month = client.get(f"/dashboard?period=month&date={DEMO_DAY}")
    assert_page_is_the_api(client, key, month.text, "2026-11-01", "2026-11-30")
    assert len(re.findall(r'<g class="bucket"', month.text)) == 30
    # The demo's feeds: highlights, focus sessions and triggered alerts of the month are listed.
    for feed in ('id="highlights"', 'id="focus"', 'id="triggers"'):
        assert feed in month.text


def test_the_week_starts_on_the_users_week_start(client, db, clock):
    _email, key = ensure_demo(db, clock())
    with db.write() as conn:
        user = users.by_email(conn, DEMO_EMAIL)
        assert user is not None
        users.set_week_start(conn, user.id, 1)
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    week = client.get(f"/dashboard?period=week&date={DEMO_DAY}").text
    assert_page_is_the_api(client, key, week, "2026-11-23", "2026-11-29")
    assert "/dashboard?period=week&amp;date=2026-11-16" in week  # previous: the Monday a week before
    assert "/dashboard?period=week&amp;date=2026-11-30" in week  # next


def test_drilling_into_a_category_and_an_activity(client, db, clock):
    _email, key = ensure_demo(db, clock())
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    top = api(client, key, DEMO_DAY, DEMO_DAY, perspective="rank", restrict_kind="overview")[0][3]
    page = client.get("/dashboard", params={"period": "day", "date": DEMO_DAY, "category": top}).text
    assert 'id="drill"' in page and f"Category: {html.escape(top)}" in page
    assert f'aria-current="true">{html.escape(top)}</a>' in page  # the chosen bar is marked
    acts = api(client, key, DEMO_DAY, DEMO_DAY, perspective="rank", restrict_kind="overview", restrict_thing=top)
    assert acts and attr_rows(page, "drill-activities") == [(r[3], r[1]) for r in acts[:50]]
    subs = attr_rows(page, "drill-subs")
    assert subs and abs(sum(s for _n, s in subs) - sum(r[1] for r in acts)) <= len(subs) + len(acts)  # rounded per row
    categories = {
        r[3]: r[1] for r in api(client, key, DEMO_DAY, DEMO_DAY, perspective="rank", restrict_kind="category")
    }
    assert all(categories[name] == s for name, s in subs)

    activity = acts[0][3]
    page = client.get("/dashboard", params={"period": "day", "date": DEMO_DAY, "activity": activity}).text
    docs = api(client, key, DEMO_DAY, DEMO_DAY, perspective="rank", restrict_kind="document", restrict_thing=activity)
    assert docs and attr_rows(page, "drill-documents") == [(r[4], r[1]) for r in docs[:50]]
    assert abs(sum(r[1] for r in docs) - acts[0][1]) <= len(docs)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=year", "Unknown period"),
        ("date=2026-13-01", "not a date"),
        ("date=yesterday", "not a date"),
        # Dates the calendar holds whose period, or the period before or after it, it does not.
        ("period=day&date=9999-12-31", "out of range"),
        ("period=day&date=0001-01-01", "out of range"),
        ("period=week&date=9999-12-30", "out of range"),
        ("period=week&date=0001-01-01", "out of range"),
        ("period=month&date=9999-12-01", "out of range"),
        ("period=month&date=0001-01-31", "out of range"),
    ],
)
def test_bad_parameters_say_so_and_still_show_a_dashboard(client, account, query, message):
    web_login(client, account.email)
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 400
    assert message in response.text and 'id="dashboard"' in response.text


def test_previous_and_next_walk_the_months(client, account):
    web_login(client, account.email)
    page = client.get("/dashboard?period=month&date=2026-03-31").text
    assert 'data-begin="2026-03-01" data-end="2026-03-31"' in page
    assert "/dashboard?period=month&amp;date=2026-02-01" in page
    assert "/dashboard?period=month&amp;date=2026-04-01" in page


def test_another_users_time_is_not_shown(client, account, make_account):
    other = make_account("grace@example.com")
    send(client, other, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")])
    web_login(client, account.email)
    assert 'id="empty"' in client.get("/dashboard").text
    assert data(client, other, restrict_begin="2026-11-30")["rows"]


def test_the_feeds_show_only_the_periods_entries(client, db, account):
    with db.write() as conn:
        highlights.add(conn, user_id=account.id, date="2026-10-05", description="Old <b>win</b>", source=None, now_ms=0)
        highlights.add(conn, user_id=account.id, date="2026-11-30", description="Today's win", source="git", now_ms=1)
        when = to_ms(dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC))
        focus.start(conn, account.id, minutes=25, time_zone="UTC", now_ms=when)
        focus.end(conn, account.id, now_ms=when + 20 * 60_000)
    web_login(client, account.email)
    old = client.get("/dashboard?period=day&date=2026-10-05").text
    assert "Old &lt;b&gt;win&lt;/b&gt;" in old and "Today&#39;s win" not in old
    assert "2026-10-05 09:00 · 25 min · ended 2026-10-05 09:20" in old
    today = client.get("/dashboard").text
    assert "Today&#39;s win" in today and "Old &lt;b&gt;" not in today and "No focus sessions." in today
    month = client.get("/dashboard?period=month&date=2026-10-20").text
    assert "Old &lt;b&gt;win&lt;/b&gt;" in month and 'id="focus"' in month


def test_drilling_into_something_with_no_time_says_so(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    web_login(client, account.email)
    page = client.get("/dashboard", params={"category": "No Such Category"})
    assert page.status_code == 200 and "No time in this category." in page.text
    page = client.get("/dashboard", params={"activity": "nothing-here.example"})
    assert page.status_code == 200 and "No time on this activity." in page.text
    assert attr_rows(page.text, "categories") == [("Software Development", 600)]


def test_a_days_chart_has_the_hours_the_day_has_across_dst(client, make_account):
    berlin = make_account("berlin@example.com", time_zone="Europe/Berlin")
    send(
        client,
        berlin,
        [
            # 29 March 2026: 01:30 to 03:30 local, across the hour the clocks skip (02:00 → 03:00).
            span("2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "Code", "spring.py"),
            # 25 October 2026: 02:10 to 02:40 summer time, then 02:10 to 02:50 winter time (the hour repeats).
            span("2026-10-25T00:10:00Z", "2026-10-25T00:40:00Z", "Code", "fall-1.py"),
            span("2026-10-25T01:10:00Z", "2026-10-25T01:50:00Z", "Code", "fall-2.py"),
        ],
    )
    web_login(client, berlin.email)

    def buckets(day: str) -> dict[str, int]:
        page = client.get(f"/dashboard?period=day&date={day}").text
        assert_page_is_the_api(client, berlin.key, page, day, day)
        found = re.findall(r'<g class="bucket" data-bucket="[^"]+T(\d\d):00:00" data-seconds="(\d+)"', page)
        return {hour: int(s) for hour, s in found}

    spring = buckets("2026-03-29")
    assert "02" not in spring and list(spring)[:2] == ["01", "03"]
    assert spring["01"] == spring["03"] == 1800
    fall = buckets("2026-10-25")
    assert fall["02"] == 70 * 60 and list(fall)[:3] == ["02", "03", "04"]
    page = client.get("/dashboard?period=day&date=2026-10-25").text
    assert "<title>02:00 to 02:59 (120 minutes: the clocks went back): 1h 10m</title>" in page
    assert "<title>03:00 to 03:59: 0s</title>" in page


def test_moving_to_another_period_keeps_the_drill_down(client, account):
    send(
        client,
        account,
        [
            span("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z", "Code", "last-week.py"),
            span("2026-11-30T09:00:00Z", "2026-11-30T09:20:00Z", "Code", "this-week.py"),
        ],
    )
    web_login(client, account.email)
    page = client.get("/dashboard", params={"period": "week", "category": "Software Development"}).text
    assert attr_rows(page, "drill-activities") == [("code", 1200)]
    previous = html.unescape(re.findall(r'rel="prev" href="([^"]+)"', page)[0])
    assert previous == "/dashboard?period=week&date=2026-11-22&category=Software+Development"
    assert attr_rows(client.get(previous).text, "drill-activities") == [("code", 3600)]
    assert "/dashboard?period=month&amp;date=2026-11-30&amp;category=Software+Development" in page
    assert '<input type="hidden" name="category" value="Software Development">' in page
    page = client.get("/dashboard", params={"period": "day", "activity": "code"}).text
    assert "/dashboard?period=day&amp;date=2026-11-29&amp;activity=code" in page
    assert '<input type="hidden" name="activity" value="code">' in page
    # The link back to all categories leaves it.
    assert 'href="/dashboard?period=day&amp;date=2026-11-30">← Back to all categories' in page
