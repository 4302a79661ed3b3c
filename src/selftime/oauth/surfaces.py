"""/api/oauth/*: the RescueTime endpoints on OAuth2 access tokens, each behind its scope.

The answers are the same plain functions the API-key surface (/anapi/*) serves; only how the user is
known differs. A bad, expired or revoked token is 401 and a token without the endpoint's scope is 403,
both with the error object, whatever `format` asks (contract §2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime.api import alerts, data, focus, highlights, offline, summary
from selftime.api.context import BadBody, Services, request_params, services
from selftime.compat.params import ALIASES
from selftime.compat.render import post_error, query_error
from selftime.oauth import server
from selftime.store.users import User

Answer = Callable[[Services, User, dict[str, str]], Response]
READ = ("GET", "POST")  # every GET endpoint also takes a form POST (contract §2)
WRITE = ("POST",)

# Every spelling of the parameters that choose the level of detail; the restricted reports set their own.
_DETAIL_PARAMS = frozenset(ALIASES["restrict_kind"] + ALIASES["restrict_thing"] + ALIASES["restrict_thingy"])


def restricted(kind: str) -> Answer:
    """The analytic data at one level of detail only, whatever restrict_kind asks.

    restrict_thing and restrict_thingy are dropped too: with them the engine drills down to the
    activities (and documents) inside a category, which these scopes do not grant."""

    def answer(svc: Services, user: User, params: dict[str, str]) -> Response:
        narrowed = {k: v for k, v in params.items() if k not in _DETAIL_PARAMS}
        narrowed["restrict_kind"] = kind
        return data.answer(svc, user, narrowed)

    return answer


@dataclass(frozen=True)
class Endpoint:
    name: str
    scope: str
    answer: Answer
    methods: tuple[str, ...] = READ

    @property
    def path(self) -> str:
        return f"/api/oauth/{self.name}"


# The scope table of contract §1.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("data", "time_data", data.answer),
    Endpoint("overview_data", "category_data", restricted("overview")),
    Endpoint("category_data", "category_data", restricted("category")),
    Endpoint("productivity_data", "productivity_data", restricted("productivity")),
    Endpoint("daily_summary_feed", "time_data", summary.daily_summary_feed),
    Endpoint("alerts_feed", "alert_data", alerts.feed_answer),
    Endpoint("highlights_feed", "highlight_data", highlights.highlights_feed),
    Endpoint("highlights_post", "highlight_data", highlights.highlights_post, WRITE),
    Endpoint("start_focustime", "focustime_data", focus.start_focustime, WRITE),
    Endpoint("end_focustime", "focustime_data", focus.end_focustime, WRITE),
    Endpoint("focustime_started_feed", "focustime_data", focus.started_feed),
    Endpoint("focustime_ended_feed", "focustime_data", focus.ended_feed),
    Endpoint("offline_time_post", "time_data", offline.offline_time_post, WRITE),
)


def _refusal(error: str, message: str, scope: str) -> Response:
    if error == "insufficient_scope":
        response = post_error("insufficient scope", message, 403)
        response.headers["www-authenticate"] = f'Bearer realm="Selftime", error="insufficient_scope", scope="{scope}"'
    else:
        response = post_error("invalid token", message, 401)
        response.headers["www-authenticate"] = 'Bearer realm="Selftime", error="invalid_token"'
    return response


def _serve(svc: Services, endpoint: Endpoint, authorization: str | None, params: dict[str, str]) -> Response:
    oauth = server.build(svc, svc.clock_ms())
    headers = {"Authorization": authorization} if authorization else {}
    # oauthlib reads only the token from this request (the parameters were parsed already).
    valid, checked = oauth.verify_request(
        server.resource_uri(endpoint.path, params.get("access_token")),
        http_method="GET",
        headers=headers,
        scopes=[endpoint.scope],
    )
    if not valid:
        error, message = oauth.validator.failure or ("invalid_token", "The access token is not valid.")
        return _refusal(error, message, endpoint.scope)
    return endpoint.answer(svc, checked.user, params)


def _route(endpoint: Endpoint) -> Callable[[Request], object]:
    async def handle(request: Request) -> Response:
        svc = services(request)
        try:
            params = await request_params(request)
        except BadBody as exc:
            return post_error("invalid request", str(exc)) if endpoint.methods == WRITE else query_error()
        header = request.headers.get("authorization", "")
        # Only a Bearer header carries a token; any other kind is ignored, so access_token still counts.
        bearer = header if header.split(" ", 1)[0].lower() == "bearer" else None
        return await run_in_threadpool(_serve, svc, endpoint, bearer, params)

    handle.__name__ = f"oauth_{endpoint.name}"
    return handle


router = APIRouter()
for _endpoint in ENDPOINTS:
    _handler = _route(_endpoint)
    router.add_api_route(_endpoint.path, _handler, methods=list(_endpoint.methods))
    # Some RescueTime clients write the URLs with a trailing slash (passport-rescuetime does).
    router.add_api_route(_endpoint.path + "/", _handler, methods=list(_endpoint.methods), include_in_schema=False)
