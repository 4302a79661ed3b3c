"""/api/v1/offline: the user's offline time blocks, listed and deleted exactly (every rollup tier
reversed in the same transaction as the spans go; see store.offline.delete_block).

The plan does not matter here: it is the user's own data (a Lite user may delete what was entered
while premium)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from selftime.api.context import Services
from selftime.api.errors import ApiError
from selftime.api.v1 import call
from selftime.compat.feeds import local_datetime
from selftime.store import offline
from selftime.store.users import User

router = APIRouter(prefix="/api/v1")

LIST_LIMIT = 100


@router.get("/offline")
async def list_offline(request: Request) -> Response:
    """The newest blocks by start, newest first, with the id DELETE takes."""

    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        with svc.db.read() as conn:
            found = offline.recent_blocks(conn, user.id, LIST_LIMIT)
        return [
            {
                "id": b.id,
                "start_time": local_datetime(b.start_ms, user.time_zone),
                "end_time": local_datetime(b.end_ms, user.time_zone),
                "recorded_seconds": b.recorded_ms / 1000,
                "activity": b.activity,
                "details": b.details,
            }
            for b in found
        ]

    return await call(request, work)


@router.delete("/offline/{block_id}")
async def delete_offline(request: Request, block_id: int) -> Response:
    def work(svc: Services, user: User) -> dict[str, Any]:
        with svc.db.write() as conn:
            removed = offline.delete_block(conn, user.id, block_id)
        if removed is None:
            raise ApiError(404, "not found", f"no offline time block {block_id} for this user")
        return {"deleted": block_id, "removed_seconds": removed / 1000}

    return await call(request, work)
