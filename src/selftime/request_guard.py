"""Requests refused at the door, before any route or other middleware sees them, and so before
anything is written: a body larger than any request needs, and a NUL character (U+0000) anywhere.

PostgreSQL cannot keep NUL in text, so such a value failed deep inside a write with a 500 (an
application name in a batch, a highlight, a report's restrict_thing); SQLite kept it and showed it
in reports. No name, title, description or parameter has a use for it. Each refusal is the answer
its surface gives to bad input.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

from selftime.compat.render import JSON_TYPE, QUERY_ERROR, post_error
from selftime.http_errors import is_api

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MESSAGE = "NUL characters (U+0000) are not accepted in any parameter or field"
# The largest batch the ingest API takes (50,000 spans) is ~8 MB of JSON; the server reads bodies whole.
MAX_BODY_BYTES = 64 * 1024 * 1024
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b""):
            await _refusal(scope["path"])(scope, receive, send)
            return
        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > MAX_BODY_BYTES:
            await _too_large(scope, receive, send)
            return
        # Routes read whole bodies anyway; reading it here first lets it be checked once and replayed.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:  # sent without a length, or longer than it said
                await _too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if holds_nul(body, _content_type(scope)):
            await _refusal(scope["path"])(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def holds_nul(body: bytes, content_type: str) -> bool:
    """Whether the body would hand a route a NUL: as a raw byte, percent-encoded in a form, or as a
    JSON escape (any body may be JSON: ingest reads it whatever the header says)."""
    if b"\x00" in body:
        return True
    if content_type == "application/x-www-form-urlencoded":
        return b"%00" in body
    # `\u0000` may also be the text "\\u0000" (an escaped backslash): only a parse tells, and only
    # bodies holding the six characters pay for one.
    return b"\\u0000" in body and _json_holds_nul(body)


def _json_holds_nul(body: bytes) -> bool:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON, or nested too deep to read: the route says what is wrong with it
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


def _content_type(scope: Scope) -> str:
    return _header(scope, b"content-type").split(";")[0].strip().lower()


def _declared_length(scope: Scope) -> int:
    text = _header(scope, b"content-length").strip()
    return int(text) if text.isascii() and text.isdigit() else 0


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    message = f"a request body may hold at most {MAX_BODY_BYTES // (1024 * 1024)} MiB"
    path = scope["path"]
    if is_api(path):
        response: Response = post_error("too large", message, 413)
    else:
        response = PlainTextResponse(f"Request too large: {message}.\n", status_code=413)
    response.headers["connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


def _refusal(path: str) -> Response:
    if path == "/anapi/data":
        return Response(QUERY_ERROR, status_code=200, headers={"content-type": JSON_TYPE})
    if path.startswith("/oauth/token"):  # OAuth 2's own error shape (RFC 6749, 5.2)
        return JSONResponse({"error": "invalid_request", "error_description": MESSAGE}, status_code=400)
    if is_api(path):
        return post_error("invalid request", MESSAGE)
    return PlainTextResponse(f"Bad request: {MESSAGE}.\n", status_code=400)
