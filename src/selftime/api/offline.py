"""/anapi/offline_time_post: a block of offline time, stored like any device's time.

The answer is a plain function (svc, user, params) → Response so the OAuth2 surface can reuse it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from selftime.api.activity_hooks import after_activity
from selftime.api.anapi import serve_post
from selftime.api.context import Services
from selftime.compat.feeds import json_response, local_datetime, post_key_not_found, premium_feature
from selftime.compat.render import post_error
from selftime.domain.naming import NO_DETAILS
from selftime.domain.offline import OfflineEntry, OfflineError, parse_offline
from selftime.domain.zone import zone
from selftime.store.ingest import OFFLINE_DEVICE, IngestResult, record_batch
from selftime.store.users import AccountGone, User

router = APIRouter()

# All of a user's offline time is one device: like any device, it never counts an instant twice.


def record_offline(svc: Services, user: User, entry: OfflineEntry, now_ms: int) -> IngestResult:
    """Store the block (one transaction), then let the hooks (alerts) see the new time."""
    with svc.db.write() as conn:
        result = record_batch(
            conn,
            user_id=user.id,
            device=OFFLINE_DEVICE,
            batch_id=uuid.uuid4().hex,
            items=[entry.span],
            source_type="offline",
            now_ms=now_ms,
        )
    if result.recorded_ms > 0:
        after_activity(svc, user, entry.start_ms, entry.end_ms)
    return result


def offline_time_post(svc: Services, user: User, params: dict[str, str]) -> Response:
    if not user.is_premium:
        return premium_feature("Offline Time")
    now = svc.clock_ms()
    try:
        entry = parse_offline(
            params,
            zone(user.time_zone),
            now_ms=now,
            future_tolerance_ms=svc.settings.future_tolerance_seconds * 1000,
        )
    except OfflineError as exc:
        return post_error("invalid offline time", str(exc))
    try:
        result = record_offline(svc, user, entry, now)
    except AccountGone:  # deleted after its key was checked
        return post_key_not_found()
    return json_response(
        {
            "activity": entry.activity,
            "document": entry.details or NO_DETAILS,
            "start_time": local_datetime(entry.start_ms, user.time_zone),
            "end_time": local_datetime(entry.end_ms, user.time_zone),
            "duration_seconds": (entry.end_ms - entry.start_ms) / 1000,
            # Less than the duration where earlier offline time already covers part of the block.
            "recorded_seconds": result.recorded_ms / 1000,
        }
    )


@router.post("/anapi/offline_time_post")
async def anapi_offline_time_post(request: Request) -> Response:
    return await serve_post(request, offline_time_post)
