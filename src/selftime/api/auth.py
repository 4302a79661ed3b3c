"""API key authentication, shared by the RescueTime surface and our own /api/v1."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from selftime.api.context import Services
from selftime.store import keys
from selftime.store.users import User


def presented_key(request: Request, params: Mapping[str, str]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    key = params.get("key")
    return key.strip() if key and key.strip() else None


def user_for_key(svc: Services, text: str | None) -> User | None:
    """The key's owner, or None for a missing, unknown or revoked key. Records 'last used'."""
    if not text:
        return None
    now = svc.clock_ms()
    with svc.db.read() as conn:
        found = keys.authenticate(conn, text)
    if found is None:
        return None
    last = found.last_used_ms
    if last is None or now - last >= svc.settings.key_touch_interval_seconds * 1000:
        with svc.db.write() as conn:
            keys.touch(conn, found.key_id, now)
    return found.user
