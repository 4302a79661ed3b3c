"""The feature pages: /alerts, /highlights, /focus, /offline, /schedules — list, create, delete.

Every form is CSRF-protected and validated by the same domain code the API and the CLI use
(domain.alerts, domain.highlights, domain.focus, domain.offline, domain.schedule_spec): a refused
form answers 400 with the rule it broke and changes nothing. Lite accounts see the premium
features (alerts, highlights, focus sessions, offline time) explained instead of their forms, and a
forged post from one is refused (403), as the API refuses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime.api import alerts as alerts_api
from selftime.api import focus as focus_api
from selftime.api.context import Services, services
from selftime.api.offline import record_offline
from selftime.compat.feeds import local_datetime
from selftime.domain import alerts as alert_rules
from selftime.domain import focus as focus_rules
from selftime.domain.alerts import AlertError
from selftime.domain.highlights import FEED_LIMIT, HighlightError, parse_highlight
from selftime.domain.offline import MAX_MINUTES, OfflineError, parse_offline
from selftime.domain.schedule_spec import DAY_NAMES, parse_range
from selftime.domain.zone import zone
from selftime.store import alerts as alert_store
from selftime.store import catalog, highlights, offline, schedules
from selftime.store import focus as focus_store
from selftime.store.users import User
from selftime.web import csrf
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect

router = APIRouter(include_in_schema=False)

RECENT = 20
MAX_SCHEDULE_NAME = 255
TARGET_KINDS = (
    ("all_productive", "all productive time"),
    ("all_distracting", "all distracting time"),
    ("productivity", "a productivity level (-2..2)"),
    ("category", "a top-level category"),
    ("sub_category", "a sub-category"),
    ("activity", "an activity"),
)
FOCUS_CHOICES = (25, 30, 45, 50, 60, 90, 120)


def when(ms: int | None, time_zone: str) -> str:
    """UTC ms → the user's wall clock, to the minute."""
    return "" if ms is None else local_datetime(ms, time_zone)[:16].replace("T", " ")


def _form_dict(raw: Any) -> dict[str, str]:
    return {k: v for k, v in raw.items() if isinstance(v, str)}


class _Refused(Exception):
    """A form refused: (status, message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- one page = a loader of its lists, a template, and the premium rule --------------------------


PageLoader = Callable[[Services, User], dict[str, Any]]


async def _show(
    request: Request,
    user: User,
    name: str,
    load: PageLoader,
    *,
    title: str,
    status: int = 200,
    **context: Any,
) -> Response:
    lists = await run_in_threadpool(load, services(request), user)
    return page(request, f"{name}.html", user=user, status=status, title=title, **lists, **context)


async def _get(request: Request, name: str, load: PageLoader, title: str) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return login_redirect(request)
    return await _show(request, user, name, load, title=title)


async def _post(
    request: Request,
    name: str,
    load: PageLoader,
    title: str,
    act: Callable[[Services, User, dict[str, str]], str],
    *,
    premium: str | None,
) -> Response:
    """Check the session, the CSRF token and the plan, run `act` (→ the notice), render the page."""
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    form = _form_dict(await request.form())
    csrf.verify(request, form)
    try:
        if premium is not None and not user.is_premium:
            raise _Refused(403, f"{premium} are a premium feature: nothing changed.")
        message = await run_in_threadpool(act, svc, user, form)
    except _Refused as exc:
        return await _show(
            request, user, name, load, title=title, status=exc.status, notices=[("error", str(exc))], form=form
        )
    return await _show(request, user, name, load, title=title, notices=[("ok", message)])


# --- alerts --------------------------------------------------------------------------------------


def _alerts(svc: Services, user: User) -> dict[str, Any]:
    alerts_api.catch_up(svc, user)  # record the triggers of days that ended since the last look
    with svc.db.read() as conn:
        defined = alert_store.for_user(conn, user.id)
        fired = alert_store.triggers(conn, user.id, limit=RECENT)
        subs = catalog.sub_categories(conn)
    return {
        "alerts": [
            {"id": a.id, "description": a.description, "created": when(a.created_ms, user.time_zone)} for a in defined
        ],
        "triggers": [{"description": t.description, "at": when(t.created_ms, user.time_zone)} for t in fired],
        "target_kinds": TARGET_KINDS,
        "tops": sorted({c.top for c in subs}),
        "subs": [c.name for c in subs],
    }


def _hours(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise AlertError(f"hours must be a number (got {text.strip()!r})") from None


def _create_alert(svc: Services, user: User, form: dict[str, str]) -> str:
    target_text = form.get("target", "").strip() or None
    try:
        alert = alerts_api.define(
            svc,
            user,
            form.get("comparison", ""),
            _hours(form.get("hours", "")),
            lambda conn: alert_rules.make_target(form.get("target_kind", ""), target_text, alerts_api.taxonomy(conn)),
        )
    except AlertError as exc:
        raise _Refused(400, f"Nothing changed: {exc}.") from None
    return f"Alert added: {alert.description}."


def _delete_alert(alert_id: int) -> Callable[[Services, User, dict[str, str]], str]:
    def act(svc: Services, user: User, form: dict[str, str]) -> str:
        with svc.db.write() as conn:
            if not alert_store.delete_alert(conn, user.id, alert_id):
                raise _Refused(404, "There is no such alert.")
        return "The alert and its triggers are deleted."

    return act


@router.get("/alerts")
async def alerts_page(request: Request) -> Response:
    return await _get(request, "alerts", _alerts, "Alerts")


@router.post("/alerts")
async def alerts_create(request: Request) -> Response:
    return await _post(request, "alerts", _alerts, "Alerts", _create_alert, premium="Alerts")


@router.post("/alerts/{alert_id}/delete")
async def alerts_delete(request: Request, alert_id: int) -> Response:
    return await _post(request, "alerts", _alerts, "Alerts", _delete_alert(alert_id), premium=None)


# --- highlights ----------------------------------------------------------------------------------


def _highlights(svc: Services, user: User) -> dict[str, Any]:
    with svc.db.read() as conn:
        found = highlights.newest(conn, user.id, FEED_LIMIT)
    return {
        "highlights": [{"id": h.id, "date": h.date, "description": h.description, "source": h.source} for h in found],
        "limit": FEED_LIMIT,
        "today": when(svc.clock_ms(), user.time_zone)[:10],
    }


def _create_highlight(svc: Services, user: User, form: dict[str, str]) -> str:
    params = {"highlight_date": form.get("date", ""), "description": form.get("description", "")}
    params["source"] = form.get("source", "")
    try:
        new = parse_highlight(params, zone(user.time_zone))
    except HighlightError as exc:
        raise _Refused(400, f"Nothing changed: {exc}.") from None
    with svc.db.write() as conn:
        highlights.add(
            conn,
            user_id=user.id,
            date=new.date.isoformat(),
            description=new.description,
            source=new.source,
            now_ms=svc.clock_ms(),
        )
    return f"Highlight added for {new.date.isoformat()}."


def _delete_highlight(highlight_id: int) -> Callable[[Services, User, dict[str, str]], str]:
    def act(svc: Services, user: User, form: dict[str, str]) -> str:
        with svc.db.write() as conn:
            if not highlights.delete_highlight(conn, user.id, highlight_id):
                raise _Refused(404, "There is no such highlight.")
        return "The highlight is deleted."

    return act


@router.get("/highlights")
async def highlights_page(request: Request) -> Response:
    return await _get(request, "highlights", _highlights, "Highlights")


@router.post("/highlights")
async def highlights_create(request: Request) -> Response:
    return await _post(request, "highlights", _highlights, "Highlights", _create_highlight, premium="Highlights")


@router.post("/highlights/{highlight_id}/delete")
async def highlights_delete(request: Request, highlight_id: int) -> Response:
    return await _post(request, "highlights", _highlights, "Highlights", _delete_highlight(highlight_id), premium=None)


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
        raise _Refused(400, f"Nothing changed: {exc}") from None
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
        raise _Refused(409, "There is no active focus session to end.")
    return "Focus session ended."


@router.get("/focus")
async def focus_page(request: Request) -> Response:
    return await _get(request, "focus", _focus, "Focus")


@router.post("/focus/start")
async def focus_start(request: Request) -> Response:
    return await _post(request, "focus", _focus, "Focus", _start_focus, premium="Focus sessions")


@router.post("/focus/end")
async def focus_end(request: Request) -> Response:
    return await _post(request, "focus", _focus, "Focus", _end_focus, premium="Focus sessions")


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
        raise _Refused(400, f"Nothing changed: {exc}.") from None
    result = record_offline(svc, user, entry, now)
    minutes = round((entry.end_ms - entry.start_ms) / 60000)
    recorded = round(result.recorded_ms / 60000)
    text = f"Offline time added: {entry.activity}, {minutes} min from {when(entry.start_ms, user.time_zone)}."
    if recorded < minutes:
        text += f" Only {recorded} min were new: earlier offline time already covers the rest."
    return text


def _delete_offline(block_id: int) -> Callable[[Services, User, dict[str, str]], str]:
    def act(svc: Services, user: User, form: dict[str, str]) -> str:
        with svc.db.write() as conn:
            removed = offline.delete_block(conn, user.id, block_id)
        if removed is None:
            raise _Refused(404, "There is no such offline time: nothing changed.")
        return f"Offline time deleted: {round(removed / 60000)} min removed from every report."

    return act


@router.get("/offline")
async def offline_page(request: Request) -> Response:
    return await _get(request, "offline", _offline, "Offline time")


@router.post("/offline")
async def offline_add(request: Request) -> Response:
    return await _post(request, "offline", _offline, "Offline time", _add_offline, premium="Offline time entries")


@router.post("/offline/{block_id}/delete")
async def offline_delete(request: Request, block_id: int) -> Response:
    # No plan check: deleting is the user's own data, also after a move to Lite.
    return await _post(request, "offline", _offline, "Offline time", _delete_offline(block_id), premium=None)


# --- schedules -----------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _schedules(svc: Services, user: User) -> dict[str, Any]:
    with svc.db.read() as conn:
        found = schedules.list_for_user(conn, user.id)

    def days(mask: int) -> str:
        return ", ".join(DAY_NAMES[d] for d in range(7) if mask & (1 << d))

    return {
        "schedules": [
            {
                "id": s.id,
                "name": s.name,
                "ranges": [f"{days(r.weekdays)} {_clock(r.from_minute)} to {_clock(r.to_minute)}" for r in s.ranges],
            }
            for s in found
        ],
    }


def _create_schedule(svc: Services, user: User, form: dict[str, str]) -> str:
    name = form.get("name", "").strip()
    if not 1 <= len(name) <= MAX_SCHEDULE_NAME:
        raise _Refused(400, f"Nothing changed: give the schedule a name (1 to {MAX_SCHEDULE_NAME} characters).")
    try:
        ranges = [parse_range(form.get("days", ""), form.get("from", ""), form.get("to", ""))]
    except ValueError as exc:
        raise _Refused(400, f"Nothing changed: {exc}.") from None
    with svc.db.write() as conn:
        created = schedules.create(conn, user_id=user.id, name=name, ranges=ranges, now_ms=svc.clock_ms())
    return f"Schedule “{created.name}” added (id {created.id}: use it as restrict_schedule_id in the data API)."


def _delete_schedule(schedule_id: int) -> Callable[[Services, User, dict[str, str]], str]:
    def act(svc: Services, user: User, form: dict[str, str]) -> str:
        with svc.db.write() as conn:
            if not schedules.delete_schedule(conn, user.id, schedule_id):
                raise _Refused(404, "There is no such schedule.")
        return "The schedule is deleted."

    return act


@router.get("/schedules")
async def schedules_page(request: Request) -> Response:
    return await _get(request, "schedules", _schedules, "Schedules")


@router.post("/schedules")
async def schedules_create(request: Request) -> Response:
    return await _post(request, "schedules", _schedules, "Schedules", _create_schedule, premium=None)


@router.post("/schedules/{schedule_id}/delete")
async def schedules_delete(request: Request, schedule_id: int) -> Response:
    return await _post(request, "schedules", _schedules, "Schedules", _delete_schedule(schedule_id), premium=None)
