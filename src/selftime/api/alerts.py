"""/anapi/alerts_feed and /api/v1/alerts, and judging alerts: as time arrives and as days end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection
from starlette.responses import Response

from selftime.api.anapi import serve_feed
from selftime.api.context import Services
from selftime.api.errors import ApiError, describe_validation
from selftime.api.v1 import call
from selftime.compat import feeds
from selftime.compat.feeds import json_response, local_datetime
from selftime.compat.render import query_error
from selftime.domain import alerts as rules
from selftime.domain.alerts import Alert, AlertError, Target, Verdict
from selftime.store import alerts as store
from selftime.store import catalog, day_totals
from selftime.store.users import User

log = logging.getLogger("selftime.alerts")
router = APIRouter()

FEED_LIMIT = 100


# --- judging ---------------------------------------------------------------------------------


def _categorization(svc: Services, conn: Connection, user: User) -> dict[int, catalog.ActivityInfo]:
    # The version read now, not the one read at authentication: the batch that just committed may
    # have added activities.
    return svc.catalogs.get(conn, user.account, store.catalog_version(conn, user.id))


def _verdicts(
    svc: Services, conn: Connection, user: User, plan: list[tuple[Alert, range]], days: range
) -> list[Verdict]:
    plan = [(alert, span) for alert, span in plan if len(span)]
    if not plan or not len(days):
        return []
    amounts = day_totals.activity_ms(conn, user.id, days.start, days.stop - 1)
    if not amounts:
        return []
    return rules.judge(plan, amounts, _categorization(svc, conn, user))


def judge_new_time(svc: Services, user: User, start_ms: int, end_ms: int) -> None:
    """Record the "more than" alerts that time newly committed in [start_ms, end_ms) pushed over.

    Runs after the ingest committed, so of several concurrent ingests the one that judges last
    sees all their time. Judging reads; only a new verdict takes the write transaction, where the
    UNIQUE(alert_id, day) constraint keeps racing judges to one trigger."""
    if not user.is_premium or end_ms <= start_ms:
        return
    now = svc.clock_ms()
    days = rules.days_touched(start_ms, end_ms, now, user.time_zone)
    if not len(days):
        return
    with svc.db.read() as conn:
        # One indexed query, and for most users the last: they have no "more than" alert.
        candidates = [a for a in store.for_user(conn, user.id) if a.comparison == "more"]
        if not candidates:
            return
        # Once an alert triggered for the day, later batches of that day only read.
        done = store.triggered(conn, [a.id for a in candidates], days.start, days.stop - 1)
        plan = [(a, rules.days_since_created(a, days, user.time_zone)) for a in candidates]
        plan = [(a, span) for a, span in plan if any((a.id, d) not in done for d in span)]
        verdicts = [v for v in _verdicts(svc, conn, user, plan, days) if (v.alert_id, v.day) not in done]
    if not verdicts:
        return
    with svc.db.write() as conn:
        alive = {a.id for a in store.for_user(conn, user.id, lock=True)}
        store.record(conn, user.id, [(v, now) for v in verdicts if v.alert_id in alive])


def catch_up(svc: Services, user: User) -> None:
    """Judge every ended local day not judged yet (at most the last LOOKBACK_DAYS, none before an
    alert's creation day), record its triggers dated at the day's end, advance judged_through_day.

    "Less than" alerts are judged only here; "more than" alerts again, in case a failed or raced
    ingest left one unrecorded. For a Lite user the days are marked judged without verdicts, so an
    upgrade does not bring back triggers about days spent on Lite."""
    through = rules.last_ended_day(svc.clock_ms(), user.time_zone)
    with svc.db.read() as conn:
        if not store.has_unjudged(conn, user.id, through):
            return
    with svc.db.write() as conn:
        pending = [
            a
            for a in store.for_user(conn, user.id, lock=True)
            if a.judged_through_day is None or a.judged_through_day < through
        ]
        if not pending:
            return
        if user.is_premium:
            plan = [(a, rules.days_to_judge(a, through, user.time_zone)) for a in pending]
            first = min((span.start for _a, span in plan if len(span)), default=through + 1)
            verdicts = _verdicts(svc, conn, user, plan, range(first, through + 1))
            store.record(conn, user.id, [(v, rules.day_end_ms(v.day, user.time_zone)) for v in verdicts])
        store.mark_judged(conn, [a.id for a in pending], through)


# --- the RescueTime feed ---------------------------------------------------------------------


def feed_answer(svc: Services, user: User, params: dict[str, str]) -> Response:
    """op=list: the alerts defined; op=status (default): triggers newest first, maybe of one alert.

    An unknown op or a non-integer alert_id is a query error, as on the data API; an empty value
    counts as not given (clients re-send every parameter they ever used)."""
    if not user.is_premium:
        return json_response([])
    op = (params.get("op") or "").strip().lower() or "status"
    if op not in ("list", "status"):
        log.info("alerts feed for user %s: unknown op %r", user.id, op)
        return query_error()
    if op == "list":
        with svc.db.read() as conn:
            defined = store.for_user(conn, user.id)
        return json_response([feeds.alert_definition(a.id, a.description, a.hours) for a in defined])
    wanted = (params.get("alert_id") or "").strip()
    if wanted and not (wanted.isascii() and wanted.isdigit()):
        log.info("alerts feed for user %s: alert_id %r is not an integer", user.id, wanted)
        return query_error()
    catch_up(svc, user)
    with svc.db.read() as conn:
        found = store.triggers(conn, user.id, alert_id=int(wanted) if wanted else None, limit=FEED_LIMIT)
    return json_response(
        [feeds.alert_trigger(t.id, t.alert_id, t.description, t.created_ms, user.time_zone) for t in found]
    )


@router.api_route("/anapi/alerts_feed", methods=["GET", "POST"])
async def alerts_feed(request: Request) -> Response:
    return await serve_feed(request, feed_answer)


# --- our own API: /api/v1/alerts -------------------------------------------------------------


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comparison: Literal["more", "less"]
    hours: float = Field(description="per local day, more than 0 and at most 24")
    target_kind: Literal["all_productive", "all_distracting", "productivity", "category", "sub_category", "activity"]
    target: str | int | None = Field(
        default=None,
        description="the level (-2..2), category, sub-category or activity name; none for all_* kinds",
        examples=["Editing & IDEs"],
    )


class AlertOut(BaseModel):
    id: int
    comparison: str
    hours: float
    target_kind: str
    target: str | None
    description: str
    created_at: str


def taxonomy(conn: Connection) -> list[tuple[str, str]]:
    """(sub-category, top-level category) of every sub-category, for validating targets."""
    return [(c.name, c.top) for c in catalog.sub_categories(conn)]


def define(svc: Services, user: User, comparison: str, hours: float, target: Callable[[Connection], Target]) -> Alert:
    """Validate and store an alert (AlertError says what is wrong); `target` builds the target."""
    comparison = rules.check_comparison(comparison)
    threshold = rules.threshold_ms(hours)
    with svc.db.write() as conn:
        return store.create(
            conn,
            user_id=user.id,
            comparison=comparison,
            threshold_ms=threshold,
            target=target(conn),
            now_ms=svc.clock_ms(),
        )


def alert_out(alert: Alert, time_zone: str) -> dict[str, Any]:
    return AlertOut(
        id=alert.id,
        comparison=alert.comparison,
        hours=alert.hours,
        target_kind=alert.target.kind,
        target=alert.target.value,
        description=alert.description,
        created_at=local_datetime(alert.created_ms, time_zone),
    ).model_dump()


@router.get("/api/v1/alerts")
async def list_alerts(request: Request) -> Response:
    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        with svc.db.read() as conn:
            return [alert_out(a, user.time_zone) for a in store.for_user(conn, user.id)]

    return await call(request, work)


@router.post("/api/v1/alerts")
async def create_alert(request: Request) -> Response:
    body = await request.body()

    def work(svc: Services, user: User) -> dict[str, Any]:
        try:
            spec = AlertIn.model_validate_json(body or b"{}")
        except ValidationError as exc:
            raise ApiError(400, "invalid alert", describe_validation(exc)) from None
        try:
            alert = define(
                svc,
                user,
                spec.comparison,
                spec.hours,
                lambda conn: rules.make_target(spec.target_kind, spec.target, taxonomy(conn)),
            )
        except AlertError as exc:
            raise ApiError(400, "invalid alert", str(exc)) from None
        return alert_out(alert, user.time_zone)

    return await call(request, work, status=201)


@router.get("/api/v1/alerts/{alert_id}")
async def read_alert(request: Request, alert_id: int) -> Response:
    def work(svc: Services, user: User) -> dict[str, Any]:
        with svc.db.read() as conn:
            found = store.one(conn, user.id, alert_id)
        if found is None:
            raise ApiError(404, "not found", f"no alert {alert_id} for this user")
        return alert_out(found, user.time_zone)

    return await call(request, work)


@router.put("/api/v1/alerts/{alert_id}")
async def replace_alert(request: Request, alert_id: int) -> Response:
    """A new definition (same body as POST); triggers already recorded and days already judged stand."""
    body = await request.body()

    def work(svc: Services, user: User) -> dict[str, Any]:
        try:
            spec = AlertIn.model_validate_json(body or b"{}")
        except ValidationError as exc:
            raise ApiError(400, "invalid alert", describe_validation(exc)) from None
        try:
            comparison = rules.check_comparison(spec.comparison)
            threshold = rules.threshold_ms(spec.hours)
            with svc.db.write() as conn:
                target = rules.make_target(spec.target_kind, spec.target, taxonomy(conn))
                changed = store.redefine(
                    conn, user.id, alert_id, comparison=comparison, threshold_ms=threshold, target=target
                )
                found = store.one(conn, user.id, alert_id) if changed else None
        except AlertError as exc:
            raise ApiError(400, "invalid alert", str(exc)) from None
        if found is None:
            raise ApiError(404, "not found", f"no alert {alert_id} for this user")
        return alert_out(found, user.time_zone)

    return await call(request, work)


@router.delete("/api/v1/alerts/{alert_id}")
async def delete_alert(request: Request, alert_id: int) -> Response:
    def work(svc: Services, user: User) -> dict[str, Any]:
        with svc.db.write() as conn:
            if not store.delete_alert(conn, user.id, alert_id):
                raise ApiError(404, "not found", f"no alert {alert_id} for this user")
        return {"deleted": alert_id}

    return await call(request, work)
