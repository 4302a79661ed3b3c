"""/anapi/daily_summary_feed: the Daily Summary Feed.

Summaries are point in time: a local day's summary is computed on the first request (or
background catch-up) after 00:01 of the next local day, stored, and served as stored from then
on. Days without logged time are not stored, so time that arrives late for such a day still
gets a summary on a later request.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from selftime.api.anapi import serve_feed
from selftime.api.context import Services
from selftime.compat import summary as wire
from selftime.domain.summary import Window, feed_window, tally
from selftime.domain.zone import date_of_day_number, local_midnight_ms, zone
from selftime.store import day_totals, summaries, users
from selftime.store.catalog import ActivityInfo
from selftime.store.users import User

router = APIRouter()


def _categorization(svc: Services, conn: Connection, user: User, needed: set[int]) -> dict[int, ActivityInfo]:
    mapping = svc.catalogs.get(conn, user.account, user.catalog_version)
    if not needed <= mapping.keys():
        # An activity created after the cached version was read: load afresh, bypassing the cache.
        mapping = svc.catalogs.get(conn, user.account, None)
    return mapping


def _compute(conn: Connection, svc: Services, user: User, window: Window) -> list[tuple[int, str]]:
    """(day, JSON object) for each day of the window that has time and no stored summary yet."""
    logged = day_totals.logged_days(conn, user.id, window.first, window.last)
    missing = set(logged) - summaries.stored_days(conn, user.id, window.first, window.last)
    if not missing:
        return []
    # One query for the span of missing days, never one per day.
    totals = day_totals.activity_ms(conn, user.id, min(missing), max(missing))
    infos = _categorization(svc, conn, user, {activity for _, activity in totals})
    pieces: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for (day, activity), ms in totals.items():
        if day in missing:
            info = infos[activity]
            pieces[day].append((info.productivity, info.top, ms))
    tz = zone(user.time_zone)
    computed = []
    for day in sorted(pieces):
        date = date_of_day_number(day)
        obj = wire.summary_object(date, local_midnight_ms(date, tz), tally(pieces[day]))
        computed.append((day, wire.encode(obj)))
    return computed


def _catch_up(svc: Services, user: User) -> Window | None:
    """Compute and store what is due; the window the feed shows, or None for a deleted user."""
    now = svc.clock_ms()
    with svc.db.read() as conn:
        # Re-read: a background caller may hold an old copy (zone, catalog version).
        fresh = users.by_id(conn, user.id)
        if fresh is None:
            return None
        window = feed_window(now, fresh.time_zone)
        computed = _compute(conn, svc, fresh, window)
    if computed:
        with svc.db.write() as conn:
            # A racing request may have stored some of these days first; its summaries stand.
            summaries.keep(conn, fresh.id, computed, now)
    return window


def catch_up(svc: Services, user: User) -> None:
    """Store every summary of the feed's window that is due; for the server's background task."""
    _catch_up(svc, user)


def feed_payloads(svc: Services, user: User) -> list[tuple[int, str]]:
    """(day, stored JSON object) of the feed, newest first, after catching up."""
    window = _catch_up(svc, user)
    if window is None:
        return []
    with svc.db.read() as conn:
        return summaries.payloads(conn, user.id, window.first, window.last)


def daily_summary_feed(svc: Services, user: User, params: dict[str, str]) -> Response:
    """Every parameter is ignored; Lite users get the feed too (it is not a premium feature)."""
    return wire.feed_response(text for _, text in feed_payloads(svc, user))


@router.api_route("/anapi/daily_summary_feed", methods=["GET", "POST"])
async def daily_summary_feed_route(request: Request) -> Response:
    return await serve_feed(request, daily_summary_feed)
