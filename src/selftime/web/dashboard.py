"""/dashboard: a day, week or month of the signed-in user's time, server-rendered.

Every number comes from analytics.run with the parameters /anapi/data would take for the same range
(perspective, resolution, kind, restrict_thing), and is rounded to seconds as the API rounds it: so the
page shows the API's numbers, and tests compare them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime import analytics
from selftime.api import alerts as alerts_api
from selftime.api import focus as focus_api
from selftime.api.context import Services, services
from selftime.compat.params import ParamError, parse_date
from selftime.domain.summary import productivity_pulse
from selftime.domain.zone import (
    date_of_day_number,
    from_ms,
    local_day_number,
    local_range_ms,
    today_in,
    weekday_sunday_first,
    zone,
)
from selftime.store import catalog
from selftime.store.users import User
from selftime.web import dashboard_feeds as feeds
from selftime.web.dashboard_charts import (
    LEVEL_NAMES,
    LEVEL_ORDER,
    StackedChart,
    day_buckets,
    duration,
    hour_buckets,
    stacked,
)
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect

router = APIRouter(include_in_schema=False)

PERIODS = ("day", "week", "month")
TOP_ACTIVITIES = 10
DRILL_ROWS = 50


@dataclass(frozen=True)
class Period:
    kind: str
    date: dt.date
    begin: dt.date
    end: dt.date
    previous: dt.date
    next: dt.date
    title: str


def period_of(kind: str, day: dt.date, week_start: int) -> Period:
    """The day, week (starting on week_start: 0 Sunday, 1 Monday) or calendar month holding `day`."""
    if kind == "day":
        return Period(
            kind, day, day, day, day - dt.timedelta(days=1), day + dt.timedelta(days=1), day.strftime("%A %d %B %Y")
        )
    if kind == "week":
        shift = (weekday_sunday_first(local_day_number(day)) - week_start) % 7
        begin = day - dt.timedelta(days=shift)
        end = begin + dt.timedelta(days=6)
        title = f"Week of {begin.strftime('%d %B %Y')} to {end.strftime('%d %B %Y')}"
        return Period(kind, day, begin, end, begin - dt.timedelta(days=7), begin + dt.timedelta(days=7), title)
    begin = day.replace(day=1)
    end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    previous = (begin - dt.timedelta(days=1)).replace(day=1)
    return Period(kind, day, begin, end, previous, end + dt.timedelta(days=1), begin.strftime("%B %Y"))


def seconds(ms: int) -> int:
    """The API's rounding: each row's milliseconds to whole seconds, half up."""
    return (int(ms) + 500) // 1000


@dataclass
class Dashboard:
    period: Period
    total_seconds: int = 0
    pulse: int = 0
    levels: list[dict[str, Any]] = field(default_factory=list)
    chart: StackedChart | None = None
    categories: list[dict[str, Any]] = field(default_factory=list)
    top_activities: list[dict[str, Any]] = field(default_factory=list)
    drill: dict[str, Any] | None = None
    highlights: list[dict[str, Any]] = field(default_factory=list)
    focus: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)


def api_params(period: Period, **extra: str) -> dict[str, str]:
    """The /anapi/data parameters asking for what a section of the page shows (also shown in the page)."""
    return {"restrict_begin": period.begin.isoformat(), "restrict_end": period.end.isoformat(), **extra}


def _report(conn: Any, svc: Services, user: User, period: Period, **kw: Any) -> analytics.Report:
    return analytics.run(
        conn,
        analytics.ReportRequest(
            user_id=user.id,
            time_zone=user.time_zone,
            perspective=kw.pop("perspective", "rank"),
            resolution=kw.pop("resolution", "hour"),
            begin=period.begin,
            end=period.end,
            catalog_version=user.catalog_version,
            created_ms=user.created_ms,
            **kw,
        ),
        svc.catalogs,
    )


def _link(period: Period, **extra: str) -> str:
    return "/dashboard?" + urlencode({"period": period.kind, "date": period.date.isoformat(), **extra})


def _href(kind: str, day: dt.date, drill: dict[str, str]) -> str:
    return "/dashboard?" + urlencode({"period": kind, "date": day.isoformat(), **drill})


def nav_links(period: Period, today: dt.date, drill: dict[str, str]) -> dict[str, Any]:
    """Links to other periods; they keep the drill-down, so a category can be followed from week to week."""
    return {
        "previous": _href(period.kind, period.previous, drill),
        "next": _href(period.kind, period.next, drill),
        "today": _href(period.kind, today, drill),
        "tabs": [(kind, _href(kind, period.date, drill)) for kind in PERIODS],
        "drill": drill,
    }


def _local_time(ms: int, time_zone: str) -> str:
    return from_ms(ms).astimezone(zone(time_zone)).strftime("%Y-%m-%d %H:%M")


def build(svc: Services, user: User, period: Period, category: str | None, activity: str | None) -> Dashboard:
    # As the feeds do: record the triggers of days that ended since the last look, and the end of a focus
    # session whose time ran out (each one indexed read when nothing is due).
    alerts_api.catch_up(svc, user)
    focus_api.catch_up(svc, user)
    board = Dashboard(period)
    tz = zone(user.time_zone)
    start_ms, end_ms = local_range_ms(period.begin, period.end, tz)
    first_day, last_day = local_day_number(period.begin), local_day_number(period.end)
    with svc.db.read() as conn:
        # Productivity per bucket (perspective=interval, restrict_kind=productivity): the chart, and summed
        # per level for the totals and the pulse, which are exactly the rank report's milliseconds.
        resolution = "hour" if period.kind == "day" else "day"
        by_bucket = _report(conn, svc, user, period, perspective="interval", resolution=resolution, kind="productivity")
        level_ms = {level: 0 for level in LEVEL_ORDER}
        cells: dict[tuple[str, int], int] = {}
        for label, ms, level in by_bucket.rows:
            level_ms[level] += ms
            cells[(label, level)] = seconds(ms)
        level_seconds = {level: seconds(ms) for level, ms in level_ms.items() if ms > 0}
        board.total_seconds = sum(level_seconds.values())
        board.pulse = productivity_pulse(level_ms)
        board.levels = [
            {"level": lv, "name": LEVEL_NAMES[lv], "seconds": level_seconds.get(lv, 0)} for lv in LEVEL_ORDER
        ]
        if board.total_seconds:
            if period.kind == "day":
                busy = {int(label[11:13]) for label, _level in cells if label[:10] == period.begin.isoformat()}
                keys, labels = hour_buckets(period.begin, busy, tz)
            else:
                keys, labels = day_buckets(period.begin, period.end)
            board.chart = stacked(keys, labels, cells)
            overview = _report(conn, svc, user, period, kind="overview")
            board.categories = [
                {
                    "name": name,
                    "seconds": seconds(ms),
                    "href": _link(period, category=name),
                    "current": category is not None and name.casefold() == category.strip().casefold(),
                }
                for _label, ms, name in overview.rows
            ]
            top = _report(conn, svc, user, period, kind="activity")
            board.top_activities = [
                {
                    "name": name,
                    "category": sub,
                    "productivity": prod,
                    "level_name": LEVEL_NAMES[prod],
                    "seconds": seconds(ms),
                    "href": _link(period, activity=name),
                }
                for _label, ms, name, sub, prod in top.rows[:TOP_ACTIVITIES]
            ]
            if activity:
                docs = _report(conn, svc, user, period, kind="document", thing=activity)
                board.drill = {
                    "kind": "activity",
                    "name": activity,
                    "api": api_params(period, restrict_kind="document", restrict_thing=activity),
                    "documents": [
                        {"name": doc, "seconds": seconds(ms), "category": sub, "level_name": LEVEL_NAMES[prod]}
                        for _label, ms, _act, doc, sub, prod in docs.rows[:DRILL_ROWS]
                    ],
                    "more": max(0, len(docs.rows) - DRILL_ROWS),
                }
            elif category:
                wanted = category.strip().casefold()
                tops_of: dict[str, set[str]] = {}
                for c in catalog.sub_categories(conn):
                    tops_of.setdefault(c.name, set()).add(c.top.casefold())
                subs = _report(conn, svc, user, period, kind="category")
                acts = _report(conn, svc, user, period, kind="overview", thing=category)
                board.drill = {
                    "kind": "category",
                    "name": category,
                    "api": api_params(period, restrict_kind="overview", restrict_thing=category),
                    "subs": [
                        {"name": name, "seconds": seconds(ms)}
                        for _label, ms, name in subs.rows
                        if wanted in tops_of.get(name, set())
                    ],
                    "activities": [
                        {
                            "name": name,
                            "category": sub,
                            "level_name": LEVEL_NAMES[prod],
                            "seconds": seconds(ms),
                            "href": _link(period, activity=name),
                        }
                        for _label, ms, name, sub, prod in acts.rows[:DRILL_ROWS]
                    ],
                    "more": max(0, len(acts.rows) - DRILL_ROWS),
                }
        board.highlights = [
            {"date": h.date, "description": h.description, "source": h.source}
            for h in feeds.highlights_between(conn, user.id, period.begin.isoformat(), period.end.isoformat())
        ]
        board.focus = [
            {
                "started": _local_time(s.started_ms, user.time_zone),
                "minutes": s.duration_minutes,
                "ended": None if s.ended_ms is None else _local_time(s.ended_ms, user.time_zone),
                "reason": s.end_reason,
            }
            for s in feeds.focus_between(conn, user.id, start_ms, end_ms)
        ]
        board.triggers = [
            {"date": date_of_day_number(t.day).isoformat(), "description": t.description}
            for t in feeds.triggers_between(conn, user.id, first_day, last_day)
        ]
    return board


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    q = request.query_params
    notices: list[tuple[str, str]] = []
    status = 200
    today = today_in(zone(user.time_zone), from_ms(svc.clock_ms()))
    kind = q.get("period", "day") or "day"
    if kind not in PERIODS:
        notices.append(("error", f"Unknown period {kind!r}: showing a day."))
        kind, status = "day", 400
    day = today
    if q.get("date"):
        try:
            day = parse_date(q["date"], "date")
        except ParamError:
            notices.append(("error", "That is not a date (YYYY-MM-DD): showing today."))
            status = 400
    category = (q.get("category") or "").strip() or None
    activity = (q.get("activity") or "").strip() or None
    try:
        period = period_of(kind, day, user.week_start)
    except OverflowError:
        # The first and last days of the calendar: the period, or the one before or after it that the
        # page links to, would reach past year 1 or 9999.
        notices.append(("error", "That date is out of range: showing today."))
        period, status = period_of(kind, today, user.week_start), 400
    # As build() reads them: an activity's documents when both are given.
    drill = {"activity": activity} if activity else {"category": category} if category else {}
    try:
        board = await run_in_threadpool(build, svc, user, period, category, activity)
    except analytics.QueryError:
        notices.append(("error", "That drill-down does not exist."))
        board = await run_in_threadpool(build, svc, user, period, None, None)
        status, drill = 400, {}
    return page(
        request,
        "dashboard.html",
        user=user,
        status=status,
        # The period in the tab's title: tabs, history and a screen reader's first words tell days apart.
        title=f"Dashboard: {period.title}",
        notices=notices,
        board=board,
        period=period,
        nav=nav_links(period, today, drill),
        link=_link,
        duration=duration,
        api=api_params(period),
        level_names=LEVEL_NAMES,
    )
