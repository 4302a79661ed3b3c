"""Focus sessions: /anapi/start_focustime, end_focustime, their two feeds, and the devices' commands.

The answers are plain functions (svc, user, params) → Response so the OAuth2 surface can reuse them.
There is no cron: a session whose time ran out gets its end recorded by whoever looks next
(a feed, a start or end, a device's sync) or by `catch_up`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from selftime.api.anapi import serve_feed, serve_post
from selftime.api.context import Services
from selftime.api.schemas import FocusBlockOut, FocusSessionCommand
from selftime.compat import feeds
from selftime.compat.feeds import json_response, local_datetime, premium_feature
from selftime.compat.render import post_error
from selftime.domain import focus
from selftime.domain.zone import from_ms
from selftime.store import focus as sessions
from selftime.store.focus import Session
from selftime.store.users import User

router = APIRouter()

FEATURE = "Focus Session"
# The feeds are a log of recent events: this many, newest first.
FEED_LIMIT = 100


def catch_up(svc: Services, user: User) -> None:
    """Record the end of the user's session if its time ran out. One indexed read when nothing is due."""
    now = svc.clock_ms()
    with svc.db.read() as conn:
        current = sessions.latest(conn, user.id)
    if current is not None and current.expired_at(now):
        with svc.db.write() as conn:
            sessions.expire_due(conn, user.id, now)


def shown_minutes(session: Session) -> int:
    """A -1 session shows the minutes it was set to last (to local midnight), rounded up."""
    if session.duration_minutes == focus.UNTIL_END_OF_DAY:
        return focus.planned_minutes(session.started_ms, session.ends_ms)
    return session.duration_minutes


def started_item(session: Session, time_zone: str) -> dict[str, Any]:
    return feeds.focus_started(session.started_ms, shown_minutes(session), time_zone)


def ended_item(session: Session, time_zone: str) -> dict[str, Any]:
    assert session.ended_ms is not None
    return feeds.focus_ended(session.ended_ms, time_zone)


def _feed(svc: Services, user: User, *, ended: bool) -> Response:
    if not user.is_premium:
        return json_response([])
    catch_up(svc, user)
    with svc.db.read() as conn:
        found = sessions.recent(conn, user.id, FEED_LIMIT, ended_only=ended)
    item = ended_item if ended else started_item
    return json_response([item(s, user.time_zone) for s in found])


def started_feed(svc: Services, user: User, params: dict[str, str]) -> Response:
    return _feed(svc, user, ended=False)


def ended_feed(svc: Services, user: User, params: dict[str, str]) -> Response:
    return _feed(svc, user, ended=True)


def start_focustime(svc: Services, user: User, params: dict[str, str]) -> Response:
    """Start a session; an active one ends first (reason `replaced`, at the same instant)."""
    if not user.is_premium:
        return premium_feature(FEATURE)
    try:
        minutes = focus.parse_duration(params.get("duration"))
    except focus.DurationError as exc:
        return post_error("invalid focus session", str(exc))
    with svc.db.write() as conn:
        session, _replaced = sessions.start(
            conn, user.id, minutes=minutes, time_zone=user.time_zone, now_ms=svc.clock_ms()
        )
    return json_response(
        {
            "id": session.id,
            "started_at": local_datetime(session.started_ms, user.time_zone),
            "ends_at": local_datetime(session.ends_ms, user.time_zone),
            "duration": shown_minutes(session),
        }
    )


def end_focustime(svc: Services, user: User, params: dict[str, str]) -> Response:
    if not user.is_premium:
        return premium_feature(FEATURE)
    with svc.db.write() as conn:
        ended = sessions.end(conn, user.id, now_ms=svc.clock_ms())
    if ended is None or ended.ended_ms is None:
        return post_error("no active focus session", "There is no active focus session to end.")
    return json_response(
        {
            "id": ended.id,
            "started_at": local_datetime(ended.started_ms, user.time_zone),
            "ended_at": local_datetime(ended.ended_ms, user.time_zone),
        }
    )


# --- what a syncing device is told -----------------------------------------------------------------


def utc_rfc3339(ms: int) -> str:
    return f"{from_ms(ms):%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def device_commands(svc: Services, user: User) -> list[FocusSessionCommand]:
    """The ingest response's commands: the active session with what to block, else nothing.

    Costs one indexed read when no session is active; Lite accounts cost none."""
    if not user.is_premium:
        return []
    now = svc.clock_ms()
    with svc.db.read() as conn:
        current = sessions.latest(conn, user.id)
        if current is None or current.ended_ms is not None:
            return []
        if current.active_at(now):
            # Keyed on the version read with the key: an activity this very batch added shows next sync.
            catalog = svc.catalogs.get(conn, user.account, user.catalog_version)
            blocked = focus.block_lists(catalog.values())
            return [
                FocusSessionCommand(
                    id=current.id,
                    started_at=utc_rfc3339(current.started_ms),
                    ends_at=utc_rfc3339(current.ends_ms),
                    block=FocusBlockOut(applications=list(blocked.applications), sites=list(blocked.sites)),
                )
            ]
    with svc.db.write() as conn:
        sessions.expire_due(conn, user.id, now)
    return []


# --- routes --------------------------------------------------------------------------------------


@router.post("/anapi/start_focustime")
async def anapi_start_focustime(request: Request) -> Response:
    return await serve_post(request, start_focustime)


@router.post("/anapi/end_focustime")
async def anapi_end_focustime(request: Request) -> Response:
    return await serve_post(request, end_focustime)


@router.api_route("/anapi/focustime_started_feed", methods=["GET", "POST"])
async def anapi_focustime_started_feed(request: Request) -> Response:
    return await serve_feed(request, started_feed)


@router.api_route("/anapi/focustime_ended_feed", methods=["GET", "POST"])
async def anapi_focustime_ended_feed(request: Request) -> Response:
    return await serve_feed(request, ended_feed)
