"""The feature pages for alerts, highlights and schedules: list, create, delete.

Every form is CSRF-protected and validated by the same domain code the API and the CLI use
(domain.alerts, domain.highlights, domain.schedule_spec): a refused form answers 400 with the rule it
broke and changes nothing. Lite accounts see the premium features (alerts, highlights) explained
instead of their forms, and a forged post from one is refused (403), as the API refuses it. Focus
sessions and offline time have their pages in time_pages.py; what every page shares is in form_page.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from selftime.api import alerts as alerts_api
from selftime.api.context import Services
from selftime.domain import alerts as alert_rules
from selftime.domain.alerts import AlertError
from selftime.domain.highlights import FEED_LIMIT, HighlightError, parse_highlight
from selftime.domain.schedule_spec import DAY_NAMES, ScheduleError, parse_range
from selftime.domain.zone import zone
from selftime.store import alerts as alert_store
from selftime.store import catalog, highlights, schedules
from selftime.store.users import User
from selftime.web.form_page import RECENT, Refused, add_list_page, when

router = APIRouter(include_in_schema=False)

MAX_SCHEDULE_NAME = 255
TARGET_KINDS = (
    ("all_productive", "all productive time"),
    ("all_distracting", "all distracting time"),
    ("productivity", "a productivity level (-2..2)"),
    ("category", "a top-level category"),
    ("sub_category", "a sub-category"),
    ("activity", "an activity"),
)


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
        raise AlertError(f"hours must be a number (got {text.strip()!r})", "hours") from None


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
        raise Refused(400, f"Nothing changed: {exc}.", exc.param) from None  # the form's ids are the API's names
    return f"Alert added: {alert.description}."


def _delete_alert(svc: Services, user: User, alert_id: int) -> str:
    with svc.db.write() as conn:
        if not alert_store.delete_alert(conn, user.id, alert_id):
            raise Refused(404, "There is no such alert.")
    return "The alert and its triggers are deleted."


add_list_page(router, "alerts", "Alerts", _alerts, _create_alert, _delete_alert, premium="Alerts")


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
        field = "date" if exc.param == "highlight_date" else exc.param  # the form's field for the API's name
        raise Refused(400, f"Nothing changed: {exc}.", field) from None
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


def _delete_highlight(svc: Services, user: User, highlight_id: int) -> str:
    with svc.db.write() as conn:
        if not highlights.delete_highlight(conn, user.id, highlight_id):
            raise Refused(404, "There is no such highlight.")
    return "The highlight is deleted."


add_list_page(
    router, "highlights", "Highlights", _highlights, _create_highlight, _delete_highlight, premium="Highlights"
)


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
        message = f"Nothing changed: give the schedule a name (1 to {MAX_SCHEDULE_NAME} characters)."
        raise Refused(400, message, "name")
    try:
        ranges = [parse_range(form.get("days", ""), form.get("from", ""), form.get("to", ""))]
    except ScheduleError as exc:
        raise Refused(400, f"Nothing changed: {exc}.", exc.param) from None  # days, from, to: the form's ids
    with svc.db.write() as conn:
        created = schedules.create(conn, user_id=user.id, name=name, ranges=ranges, now_ms=svc.clock_ms())
    return f"Schedule “{created.name}” added (id {created.id}: use it as restrict_schedule_id in the data API)."


def _delete_schedule(svc: Services, user: User, schedule_id: int) -> str:
    with svc.db.write() as conn:
        if not schedules.delete_schedule(conn, user.id, schedule_id):
            raise Refused(404, "There is no such schedule.")
    return "The schedule is deleted."


add_list_page(router, "schedules", "Schedules", _schedules, _create_schedule, _delete_schedule, premium=None)
