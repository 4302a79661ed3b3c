"""POST /api/v1/activity: agents send spans here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from selftime.api.activity_hooks import after_activity
from selftime.api.auth import presented_key, user_for_key
from selftime.api.context import Services, services
from selftime.api.errors import ApiError, describe_validation, unauthorized
from selftime.api.focus import device_commands
from selftime.api.schemas import BatchIn, BatchOut, CommandsOut
from selftime.domain.ingest import BatchError, normalize_batch
from selftime.store.ingest import OFFLINE_DEVICE, DeviceRef, record_batch
from selftime.store.users import AccountGone, User

router = APIRouter(prefix="/api/v1")

SYNC_INTERVAL = {"premium": 180, "lite": 1800}
# Devices ask for commands this often between syncs, so that a focus session started on the web
# starts blocking within seconds, not at the next sync minutes later (one indexed read per ask).
COMMAND_POLL_SECONDS = {"premium": 15, "lite": 300}


def ingest(svc: Services, user: User, body: bytes) -> BatchOut:
    try:
        batch = BatchIn.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(400, "invalid batch", describe_validation(exc)) from None
    if batch.device.id == OFFLINE_DEVICE.external_id:
        raise ApiError(400, "invalid batch", f"device.id {OFFLINE_DEVICE.external_id!r} is reserved for offline time")
    limit = svc.settings.max_spans_per_batch
    if len(batch.spans) > limit:
        raise ApiError(400, "invalid batch", f"a batch may hold at most {limit} spans (got {len(batch.spans)})")
    now = svc.clock_ms()
    try:
        items = normalize_batch(
            batch.spans,
            now_ms=now,
            future_tolerance_ms=svc.settings.future_tolerance_seconds * 1000,
        )
    except BatchError as exc:
        raise ApiError(400, "invalid batch", str(exc)) from None
    device = DeviceRef(batch.device.id, batch.device.name or batch.device.id, batch.device.source_type)
    # Concurrent posts of one batch id queue on the account's row and the second finds it stored
    # (record_batch): any error here means nothing was stored, and must not read as a duplicate,
    # which an agent drops as delivered.
    try:
        with svc.db.write() as conn:
            result = record_batch(
                conn,
                user_id=user.id,
                device=device,
                batch_id=batch.batch_id,
                items=items,
                source_type=device.source_type,
                now_ms=now,
            )
    except AccountGone:
        raise unauthorized() from None
    if result.recorded_ms > 0:
        after_activity(svc, user, min(s.start_ms for s in items), max(s.end_ms for s in items))
    return BatchOut(
        accepted=result.accepted,
        duplicate=result.duplicate,
        recorded_seconds=result.recorded_ms / 1000,
        sync_interval_seconds=SYNC_INTERVAL.get(user.plan, 1800),
        batch_id=batch.batch_id,
        # Duplicates (a retried batch) get them too: the device still needs to know.
        commands=device_commands(svc, user),
    )


@router.post("/activity", response_model=BatchOut)
async def post_activity(request: Request) -> Response:
    svc = services(request)
    user = await run_in_threadpool(user_for_key, svc, presented_key(request, dict(request.query_params)))
    if user is None:
        return unauthorized().response()
    body = await request.body()
    try:
        out = await run_in_threadpool(ingest, svc, user, body)
    except ApiError as exc:
        return exc.response()
    return JSONResponse(out.model_dump())


@router.get("/commands", response_model=CommandsOut)
async def get_commands(request: Request) -> Response:
    svc = services(request)

    def answer() -> Response:
        user = user_for_key(svc, presented_key(request, dict(request.query_params)))
        if user is None:
            return unauthorized().response()
        out = CommandsOut(commands=device_commands(svc, user), poll_seconds=COMMAND_POLL_SECONDS.get(user.plan, 300))
        return JSONResponse(out.model_dump())

    return await run_in_threadpool(answer)
