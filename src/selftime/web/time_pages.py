"""The pages for time itself: /focus (start, end, past sessions) and /offline (add, delete).

Both are premium features: Lite accounts see them explained instead of their forms, and a forged post
from one is refused (403), as the API refuses it; deleting offline time stays allowed after a move to
Lite (it is the user's own data). Forms are validated by domain.focus and domain.offline, the code the
API uses: a refused form answers 400 with the rule it broke and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from selftime.api import focus as focus_api
from selftime.api.context import Services
from selftime.api.offline import record_offline
from selftime.domain import focus as focus_rules
from selftime.domain.offline import MAX_MINUTES, OfflineError, parse_offline
from selftime.domain.zone import zone
from selftime.store import focus as focus_store
from selftime.store import offline
from selftime.store.users import User
from selftime.web.form_page import RECENT, Refused, add_list_page, get, post, when

router = APIRouter(include_in_schema=False)

FOCUS_CHOICES = (25, 30, 45, 50, 60, 90, 120)


# --- focus sessions ------------------------------------------------------------------------------


def _focus(svc: Services, user: User) -> dict[str, Any]:
    focus_api.catch_up(svc, user)  # a session whose time ran out gets its end recorded
    now = svc.clock_ms()
    with svc.db.read() as conn:
        found = focus_store.recent(conn, user.id, RECENT)
    current = found[0] if found and found[0].active_at(now) else None

    def item(s: focus_store.Session) -> dict[str, Any]:
        return {
            "started": when(s.started_ms, user.time_zone),
            "ends": when(s.ends_ms, user.time_zone),
            "ended": when(s.ended_ms, user.time_zone),
            "reason": s.end_reason,
            "minutes": focus_api.shown_minutes(s),
            "until_end_of_day": s.duration_minutes == focus_rules.UNTIL_END_OF_DAY,
        }

    return {
        "current": item(current) if current else None,
        "left_minutes": -(-(current.ends_ms - now) // 60000) if current else None,
        "sessions": [item(s) for s in found if s is not current],
        "choices": FOCUS_CHOICES,
    }


def _start_focus(svc: Services, user: User, form: dict[str, str]) -> str:
    try:
        minutes = focus_rules.parse_duration(form.get("duration"))
    except focus_rules.DurationError as exc:
        raise Refused(400, f"Nothing changed: {exc}", "duration") from None
    with svc.db.write() as conn:
        session, replaced = focus_store.start(
            conn, user.id, minutes=minutes, time_zone=user.time_zone, now_ms=svc.clock_ms()
        )
    ends = when(session.ends_ms, user.time_zone)[11:]
    return f"Focus session started; it ends at {ends}." + (" The session before it ended." if replaced else "")


def _end_focus(svc: Services, user: User, form: dict[str, str]) -> str:
    with svc.db.write() as conn:
        ended = focus_store.end(conn, user.id, now_ms=svc.clock_ms())
    if ended is None:
        raise Refused(409, "There is no active focus session to end.")
    return "Focus session ended."


@router.get("/focus")
async def focus_page(request: Request) -> Response:
    return await get(request, "focus", _focus, "Focus")


@router.post("/focus/start")
async def focus_start(request: Request) -> Response:
    return await post(request, "focus", _focus, "Focus", _start_focus, premium="Focus sessions")


@router.post("/focus/end")
async def focus_end(request: Request) -> Response:
    return await post(request, "focus", _focus, "Focus", _end_focus, premium="Focus sessions")


# --- offline time --------------------------------------------------------------------------------


def _offline(svc: Services, user: User) -> dict[str, Any]:
    with svc.db.read() as conn:
        found = offline.recent_blocks(conn, user.id, RECENT)
    return {
        "blocks": [
            {
                "id": b.id,
                "start": when(b.start_ms, user.time_zone),
                "end": when(b.end_ms, user.time_zone),
                "minutes": round(b.recorded_ms / 60000),
                "activity": b.activity,
                "details": b.details,
            }
            for b in found
        ],
        "max_minutes": MAX_MINUTES,
        "now_local": when(svc.clock_ms(), user.time_zone).replace(" ", "T"),
    }


def _add_offline(svc: Services, user: User, form: dict[str, str]) -> str:
    params = {
        "start_time": form.get("start_time", ""),
        "end_time": form.get("end_time", ""),
        "duration": form.get("duration", ""),
        "activity_name": form.get("activity_name", ""),
        "activity_details": form.get("activity_details", ""),
    }
    now = svc.clock_ms()
    try:
        entry = parse_offline(
            params, zone(user.time_zone), now_ms=now, future_tolerance_ms=svc.settings.future_tolerance_seconds * 1000
        )
    except OfflineError as exc:
        raise Refused(400, f"Nothing changed: {exc}.", exc.param) from None  # the form's ids are the API's names
    result = record_offline(svc, user, entry, now)
    minutes = round((entry.end_ms - entry.start_ms) / 60000)
    recorded = round(result.recorded_ms / 60000)
    text = f"Offline time added: {entry.activity}, {minutes} min from {when(entry.start_ms, user.time_zone)}."
    if recorded < minutes:
        text += f" Only {recorded} min were new: earlier offline time already covers the rest."
    return text


def _delete_offline(svc: Services, user: User, block_id: int) -> str:
    with svc.db.write() as conn:
        removed = offline.delete_block(conn, user.id, block_id)
    if removed is None:
        raise Refused(404, "There is no such offline time: nothing changed.")
    return f"Offline time deleted: {round(removed / 60000)} min removed from every report."


add_list_page(
    router, "offline", "Offline time", _offline, _add_offline, _delete_offline, premium="Offline time entries"
)
