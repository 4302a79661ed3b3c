"""Login rate limiting: N failures per e-mail address, 4N per client address, within a sliding window;
and 4N sign-up forms per client address in the same window.

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


def _limited(svc: Services, limits: tuple[tuple[str, int], ...]) -> Verdict:
    """Refused while any key has `allowed` records within the window; Retry-After is when its oldest expires."""
    now = svc.clock_ms()
    window_ms = svc.settings.login_failure_window_seconds * 1000
    with svc.db.read() as conn:
        for key, allowed in limits:
            if login_failures.count_since(conn, key, now - window_ms) >= allowed:
                oldest = login_failures.oldest_since(conn, key, now - window_ms) or now
                return Verdict(False, max(1, math.ceil((oldest + window_ms - now) / 1000)))
    return Verdict(True)


def check(svc: Services, email: str, client: str) -> Verdict:
    limit = svc.settings.login_failures_allowed
    by_email, by_client = _keys(email, client)
    return _limited(svc, ((by_email, limit), (by_client, limit * PER_CLIENT_FACTOR)))


def failed(svc: Services, email: str, client: str) -> None:
    _record(svc, list(_keys(email, client)))


def _record(svc: Services, keys: list[str]) -> None:
    now = svc.clock_ms()
    with svc.db.write() as conn:
        login_failures.forget(conn, "", before_ms=now - svc.settings.login_failure_window_seconds * 1000)
        login_failures.record(conn, keys, now)


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


# --- sign-up -------------------------------------------------------------------------------------
# Every sign-up form a client sends counts, made account or not: the limit is on bulk account
# creation and on probing which addresses have accounts ("there is already an account…"), and a
# refused form probes as well as a good one. The same allowance as a client's failed logins.


def _signup_key(client: str) -> str:
    return _key("signup", client, _MAX_CLIENT)


def signup_check(svc: Services, client: str) -> Verdict:
    return _limited(svc, ((_signup_key(client), svc.settings.login_failures_allowed * PER_CLIENT_FACTOR),))


def signup_attempted(svc: Services, client: str) -> None:
    _record(svc, [_signup_key(client)])


def too_many_signups(verdict: Verdict) -> str:
    minutes = -(-verdict.retry_after_seconds // 60)
    return (
        f"Too many sign-ups from your network address. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        " Nothing was created."
    )
