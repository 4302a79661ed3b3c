"""How every endpoint of our own /api/v1 runs: API key first (401 without one), then the work in the
thread pool, an ApiError becoming its status and error object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from selftime.api.auth import presented_key, user_for_key
from selftime.api.context import Services, services
from selftime.api.errors import ApiError, unauthorized
from selftime.store.users import User


async def call(request: Request, work: Callable[[Services, User], Any], status: int = 200) -> Response:
    svc = services(request)
    user = await run_in_threadpool(user_for_key, svc, presented_key(request, dict(request.query_params)))
    if user is None:
        return unauthorized().response()
    try:
        result = await run_in_threadpool(work, svc, user)
    except ApiError as exc:
        return exc.response()
    return JSONResponse(result, status_code=status)
