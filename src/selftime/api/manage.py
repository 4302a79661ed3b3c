"""Our own JSON API for what the RescueTime API cannot express: categorization and schedules."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from selftime.api.context import Services
from selftime.api.errors import ApiError, describe_validation
from selftime.api.schemas import (
    ActivityOut,
    CategorizationIn,
    CategoryOut,
    ScheduleIn,
    ScheduleOut,
)
from selftime.api.v1 import call
from selftime.categorize import CategorizeError, categorize
from selftime.domain.schedule_spec import DAY_NAMES, parse_range
from selftime.store import catalog, schedules
from selftime.store.catalog import ActivityInfo
from selftime.store.schedules import Schedule
from selftime.store.users import User

router = APIRouter(prefix="/api/v1")
M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise ApiError(400, "invalid request", describe_validation(exc)) from None


def _activity_out(a: ActivityInfo) -> dict[str, Any]:
    return ActivityOut(
        id=a.id,
        name=a.name,
        category=a.sub,
        top_category=a.top,
        productivity=a.productivity,
        overridden=a.overridden,
    ).model_dump()


def _schedule_out(s: Schedule) -> dict[str, Any]:
    def days(mask: int) -> str:
        return ",".join(DAY_NAMES[d] for d in range(7) if mask & (1 << d))

    def clock(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    ranges = [{"days": days(r.weekdays), "from": clock(r.from_minute), "to": clock(r.to_minute)} for r in s.ranges]
    return ScheduleOut(id=s.id, name=s.name, ranges=ranges).model_dump()


@router.get("/categories")
async def list_categories(request: Request) -> Response:
    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        with svc.db.read() as conn:
            return [
                CategoryOut(id=c.id, name=c.name, top_category=c.top, productivity=c.productivity).model_dump()
                for c in catalog.sub_categories(conn)
            ]

    return await call(request, work)


@router.get("/activities")
async def list_activities(request: Request) -> Response:
    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        with svc.db.read() as conn:
            infos = catalog.categorization(conn, user.id).values()
        return [_activity_out(a) for a in sorted(infos, key=lambda a: a.name)]

    return await call(request, work)


@router.post("/categorizations")
async def set_categorization(request: Request) -> Response:
    body = await request.body()

    def work(svc: Services, user: User) -> dict[str, Any]:
        change = _parse(CategorizationIn, body)
        try:
            with svc.db.write() as conn:
                info = categorize(
                    conn,
                    user_id=user.id,
                    activity=change.activity,
                    category=change.category,
                    top=change.top_category,
                    productivity=change.productivity,
                    reset=change.reset,
                )
        except CategorizeError as exc:
            raise ApiError(400, "invalid categorization", str(exc)) from None
        return _activity_out(info)

    return await call(request, work)


@router.get("/schedules")
async def list_schedules(request: Request) -> Response:
    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        with svc.db.read() as conn:
            return [_schedule_out(s) for s in schedules.list_for_user(conn, user.id)]

    return await call(request, work)


@router.post("/schedules")
async def create_schedule(request: Request) -> Response:
    body = await request.body()

    def work(svc: Services, user: User) -> dict[str, Any]:
        spec = _parse(ScheduleIn, body)
        try:
            ranges = [parse_range(r.days, r.start, r.end) for r in spec.ranges]
        except ValueError as exc:
            raise ApiError(400, "invalid schedule", str(exc)) from None
        with svc.db.write() as conn:
            created = schedules.create(conn, user_id=user.id, name=spec.name, ranges=ranges, now_ms=svc.clock_ms())
        return _schedule_out(created)

    return await call(request, work, status=201)


@router.delete("/schedules/{schedule_id}")
async def delete_schedule(request: Request, schedule_id: int) -> Response:
    def work(svc: Services, user: User) -> dict[str, Any]:
        with svc.db.write() as conn:
            if not schedules.delete_schedule(conn, user.id, schedule_id):
                raise ApiError(404, "not found", f"no schedule {schedule_id} for this user")
        return {"deleted": schedule_id}

    return await call(request, work)
