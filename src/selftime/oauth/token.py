"""POST /oauth/token: exchange a code (or a refresh token) for tokens, RFC 6749 §4.1.3 and §6.

The body may be JSON (as RescueTime's docs show) or a form; the client authenticates with
client_id/client_secret in the body or with HTTP Basic. Answers are RFC 6749 JSON either way."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from oauthlib.oauth2.rfc6749 import errors
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime.api.context import encodable, load_json, services
from selftime.compat.render import JSON_TYPE
from selftime.oauth import server

router = APIRouter(include_in_schema=False)

# Key order of a token answer, as Doorkeeper writes it.
_ORDER = ("access_token", "token_type", "expires_in", "refresh_token", "scope", "created_at")
# oauthlib leaves some errors without a description; a client developer deserves one.
_DESCRIPTIONS = {
    "invalid_request": "The request is missing a parameter or has a malformed one.",
    "invalid_client": "Unknown client or wrong client secret.",
    "invalid_grant": "The authorization code or refresh token is not valid for this client.",
    "unauthorized_client": "This client may not use this grant type.",
    "unsupported_grant_type": "grant_type must be authorization_code or refresh_token.",
    "invalid_scope": "The requested scope is not within the granted scope.",
}


async def _body(request: Request) -> dict[str, str] | None:
    """The form or JSON body as text values; None when it is not one of those."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            parsed = load_json(await request.body() or b"{}")
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
        fields = {str(k): _text(v) for k, v in parsed.items() if v is not None and not isinstance(v, dict | list)}
        # A lone surrogate escape ("\ud800") is valid JSON but no text: it failed (500) at the secret's hash.
        return fields if all(encodable(k) and encodable(v) for k, v in fields.items()) else None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return {}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _answer(status: int, payload: dict[str, object], extra: dict[str, str] | None = None) -> Response:
    headers = {"content-type": JSON_TYPE, "cache-control": "no-store", "pragma": "no-cache", **(extra or {})}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status_code=status, headers=headers)


def _error(error: str, description: str, status: int = 400) -> Response:
    extra = {"www-authenticate": 'Basic realm="Selftime"'} if status == 401 else None
    return _answer(status, {"error": error, "error_description": description}, extra)


@router.post("/oauth/token")
@router.post("/oauth/token/")
async def token(request: Request) -> Response:
    svc = services(request)
    if request.url.query:
        # Secrets in a URL end up in logs; oauthlib refuses them there, and so do we (RFC 6749 §3.2).
        return _error("invalid_request", "Send the parameters in the request body (JSON or a form), not in the URL.")
    body = await _body(request)
    if body is None:
        return _error("invalid_request", "The body must be a JSON object or a form.")
    headers = {"Authorization": request.headers["authorization"]} if "authorization" in request.headers else {}

    def run() -> tuple[str, int]:
        oauth = server.build(svc, svc.clock_ms())
        try:
            _headers, text, status = oauth.create_token_response(
                f"{server.BASE}/oauth/token", http_method="POST", body=server.token_body(body), headers=headers
            )
        except errors.OAuth2Error as exc:  # raised outside the grant's own handling (e.g. a lost race)
            return exc.json, exc.status_code
        return text, status

    text, status = await run_in_threadpool(run)
    payload = json.loads(text)
    if status != 200:
        error = str(payload.get("error", "invalid_request"))
        return _error(error, str(payload.get("error_description") or _DESCRIPTIONS.get(error, error)), status)
    ordered = {k: payload[k] for k in _ORDER if k in payload}
    return _answer(200, ordered)
