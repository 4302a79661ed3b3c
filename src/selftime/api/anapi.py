"""What the RescueTime feeds and POST endpoints share on API keys: who is calling, on which plan.

Each feature's answer is a plain function (svc, user, params) → Response, so that the OAuth2
surface (/api/oauth/…) can serve the same answers once it knows the user by token."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from selftime.api.auth import presented_key, user_for_key
from selftime.api.context import BadBody, Services, request_params, services
from selftime.compat import feeds
from selftime.compat.render import key_not_found, post_error, query_error
from selftime.store.users import User

Answer = Callable[[Services, User, dict[str, str]], Response]


async def serve_feed(request: Request, answer: Answer) -> Response:
    """A GET-style feed: a bad key gets the data API's 200 `# key not found` body."""
    svc = services(request)
    try:
        params = await request_params(request)
    except BadBody:
        return query_error()

    def run() -> Response:
        user = user_for_key(svc, presented_key(request, params))
        return key_not_found() if user is None else answer(svc, user, params)

    return await run_in_threadpool(run)


async def serve_post(request: Request, answer: Answer) -> Response:
    """A POST endpoint: a bad key is an error like any other, 400 with the error object."""
    svc = services(request)
    try:
        params = await request_params(request)
    except BadBody as exc:
        return post_error("invalid request", str(exc))

    def run() -> Response:
        user = user_for_key(svc, presented_key(request, params))
        return feeds.post_key_not_found() if user is None else answer(svc, user, params)

    return await run_in_threadpool(run)
