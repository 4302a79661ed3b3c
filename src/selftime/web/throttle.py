"""Login rate limiting: N failures per e-mail address, 4N per client address, within a sliding window.

Counted in the database so that every server process sees the same counts. A signed-in page that asks
for the password again (changing it, deleting the account) counts with the same limits: a session
left open on a shared computer must not be a way to guess the password."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from selftime.api.context import Services
from selftime.domain.email import MAX_EMAIL
from selftime.passwords import verify_password
from selftime.store import login_failures

PER_CLIENT_FACTOR = 4


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0


def _keys(email: str, client: str) -> tuple[str, str]:
    return _key("email", email.strip().lower(), MAX_EMAIL), _key("client", client, _MAX_CLIENT)


# An IPv6 address with a zone is at most ~60 characters; a proxy's X-Forwarded-For may say anything.
_MAX_CLIENT = 255


def _key(kind: str, value: str, longest: int) -> str:
    """`kind:value`, or for a value longer than any real one (no account has such an address) its
    digest: the key column holds 320 characters (PostgreSQL refused the insert with a 500), and a
    request body's worth of text has no place in the table."""
    if len(value) > longest:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{value}"


def check(svc: Services, email: str, client: str) -> Verdict:
    now = svc.clock_ms()
    window_ms = svc.settings.login_failure_window_seconds * 1000
    limit = svc.settings.login_failures_allowed
    by_email, by_client = _keys(email, client)
    with svc.db.read() as conn:
        for key, allowed in ((by_email, limit), (by_client, limit * PER_CLIENT_FACTOR)):
            if login_failures.count_since(conn, key, now - window_ms) >= allowed:
                oldest = login_failures.oldest_since(conn, key, now - window_ms) or now
                return Verdict(False, max(1, math.ceil((oldest + window_ms - now) / 1000)))
    return Verdict(True)


def failed(svc: Services, email: str, client: str) -> None:
    now = svc.clock_ms()
    with svc.db.write() as conn:
        login_failures.forget(conn, "", before_ms=now - svc.settings.login_failure_window_seconds * 1000)
        login_failures.record(conn, list(_keys(email, client)), now)


def succeeded(svc: Services, email: str) -> None:
    with svc.db.write() as conn:
        login_failures.forget(conn, _keys(email, "")[0])


def recheck_password(svc: Services, email: str, client: str, password_hash: str, password: str) -> Verdict | bool:
    """A signed-in user's password typed again: the Verdict when refused for too many failures,
    else whether it is right (a failure counts as a failed login)."""
    verdict = check(svc, email, client)
    if not verdict.allowed:
        return verdict
    if verify_password(password_hash, password):
        succeeded(svc, email)
        return True
    failed(svc, email, client)
    return False


def too_many(verdict: Verdict) -> str:
    minutes = -(-verdict.retry_after_seconds // 60)
    return f"Too many wrong passwords. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
