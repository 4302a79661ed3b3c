"""GET/POST /anapi/data: the Analytic Data API on API keys."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Hashable

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime import analytics
from selftime.api.auth import presented_key, user_for_key
from selftime.api.context import BadBody, Services, request_params, services
from selftime.compat import params as wire
from selftime.compat import render
from selftime.domain.zone import from_ms, local_day_number, today_in, zone
from selftime.store import schedules, users
from selftime.store.users import User

log = logging.getLogger("selftime.data")
router = APIRouter()


def answer(svc: Services, user: User, params: dict[str, str]) -> Response:
    """Shared by every surface that serves analytic data once the caller is known."""
    try:
        parsed = wire.parse(params, _today(svc, user))
        if svc.refresher is not None:
            svc.refresher.asked(user.account, wire.principal_values(params), user.report_versions)
        key = _cache_key(user, parsed, None)
        # Without a schedule, a repeated question needs no database at all (the user came with the key).
        cached = svc.reports.get(key) if parsed.schedule_id is None else None
        if cached is not None:
            return _body(*cached)
        with svc.db.read() as conn:
            schedule = None
            if parsed.schedule_id is not None:
                schedule = schedules.for_user(conn, user.id, parsed.schedule_id)
                if schedule is None:
                    raise analytics.QueryError(f"no schedule {parsed.schedule_id} for this user")
                key = _cache_key(user, parsed, schedule.ranges)
                cached = svc.reports.get(key)
                if cached is not None:
                    return _body(*cached)
            body, content_type = _compute(svc, conn, user, parsed, schedule)
    except (wire.ParamError, analytics.QueryError) as exc:
        log.info("query error for user %s: %s", user.id, exc)
        return render.query_error()
    svc.reports.put(key, body, content_type)
    return _body(body, content_type)


def _compute(
    svc: Services, conn: Connection, user: User, parsed: wire.DataParams, schedule: schedules.Schedule | None
) -> tuple[bytes, str]:
    report = analytics.run(
        conn,
        analytics.ReportRequest(
            user_id=user.id,
            time_zone=user.time_zone,
            perspective=parsed.perspective,
            resolution=parsed.resolution,
            kind=parsed.kind,
            begin=parsed.begin,
            end=parsed.end,
            thing=parsed.thing,
            thingy=parsed.thingy,
            source_type=parsed.source_type,
            schedule=schedule,
            catalog_version=user.catalog_version,
            created_ms=user.created_ms,
        ),
        svc.catalogs,
    )
    return render.data_body(parsed.perspective, report, parsed.format)


def refresh(svc: Services, account: tuple[int, int], questions: list[Hashable]) -> int:
    """Answer an account's recent questions (wire.principal_values) again into the cache (see
    report_refresh), each under the versions read in its own transaction, before the data, and on
    the day it is now in the account's zone. Returns how many it computed."""
    computed = 0
    for question in questions:
        with svc.db.read() as conn:
            user = users.by_id(conn, account[0])
            if user is None or user.account != account:
                return computed  # the account is gone (its id may be someone else's now)
            try:
                parsed = wire.parse(dict(question), _today(svc, user))  # type: ignore[call-overload]
            except wire.ParamError:
                continue
            schedule = None
            if parsed.schedule_id is not None:
                schedule = schedules.for_user(conn, user.id, parsed.schedule_id)
                if schedule is None:
                    continue
            key = _cache_key(user, parsed, schedule.ranges if schedule else None)
            if key in svc.reports:
                continue
            try:
                body, content_type = _compute(svc, conn, user, parsed, schedule)
            except analytics.QueryError:
                continue
        svc.reports.put(key, body, content_type)
        computed += 1
    return computed


def _today(svc: Services, user: User) -> dt.date:
    return today_in(zone(user.time_zone), from_ms(svc.clock_ms()))


def _cache_key(user: User, parsed: wire.DataParams, ranges: object) -> tuple[object, ...]:
    """Everything a body depends on: see report_cache for why this is enough."""
    return (user.account, user.versions_for(local_day_number(parsed.end)), parsed, ranges)


def _body(body: bytes, content_type: str) -> Response:
    return Response(body, media_type=None, headers={"content-type": content_type})


@router.api_route("/anapi/data", methods=["GET", "POST"], include_in_schema=True)
async def anapi_data(request: Request) -> Response:
    svc = services(request)
    try:
        params = await request_params(request)
    except BadBody:
        return render.query_error()
    return await run_in_threadpool(_authenticated_answer, svc, presented_key(request, params), params)


def _authenticated_answer(svc: Services, key: str | None, params: dict[str, str]) -> Response:
    # One trip to the thread pool per request: each hop costs more than the smallest queries.
    user = user_for_key(svc, key)
    return render.key_not_found() if user is None else answer(svc, user, params)
