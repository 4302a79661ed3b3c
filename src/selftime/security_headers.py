"""Security headers on every answer, set in one place so that no page, error page or refusal lacks them.

- No answer may be framed (`X-Frame-Options`, CSP `frame-ancestors`): every page has buttons that
  change things (revoke a key, delete an alert, Allow on the consent page), and a framed button can
  be clicked through a disguise.
- `nosniff` everywhere: CSV and JSON bodies hold text the user's agents sent (an activity may be
  named `<script>…`); a browser must never take them for HTML.
- Pages may run only this site's scripts and styles (inline `style` attributes are kept for the
  dashboard's bars), so an injection that slipped past the templates' escaping would run nothing.
  The policy leaves out `form-action`: the consent form's answer redirects to the app, which a
  browser would block under `form-action 'self'`.
- Pages are not stored by the browser's cache: they show the account's data, and /anapi/manage a
  new key, which must not come back from the cache after the user has logged out.
- The referrer never leaves the site: page URLs name activities and categories.

A header the route set itself is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI loads its script and style from a CDN and starts with an inline script.
DOCS_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = ("/api/docs", "/docs/oauth2-redirect")

_EVERY_ANSWER = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in DOCS_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _added(list(message.get("headers", [])), docs=docs)
            await send(message)

        await self.app(scope, receive, with_headers)


def _added(headers: list[tuple[bytes, bytes]], *, docs: bool) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _value in headers}
    wanted = list(_EVERY_ANSWER)
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    if content_type.lower().startswith(b"text/html"):
        wanted.append((b"content-security-policy", (DOCS_POLICY if docs else PAGE_POLICY).encode()))
        if not docs:
            wanted.append((b"cache-control", b"no-store"))
    return headers + [(name, value) for name, value in wanted if name not in present]
