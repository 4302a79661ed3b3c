"""Work that falls due with time rather than with a request: summaries of ended days, alerts judged at
day end, focus sessions that ran out.

Every feature also does its own catch-up lazily when its data is read, so answers never depend on this
loop; the loop makes the stored results appear on time (alert triggers with their time, summaries kept
as they were at 00:01) for people who do not happen to ask. Each job is idempotent and race-safe, so
every server process may run the loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from selftime.api import alerts, focus, summary
from selftime.api.context import Services
from selftime.store import users
from selftime.store.users import User

log = logging.getLogger("selftime.maintenance")

JOBS: tuple[tuple[str, Callable[[Services, User], None]], ...] = (
    ("focus sessions", focus.catch_up),
    ("alerts", alerts.catch_up),
    ("daily summaries", summary.catch_up),
)


def run_once(svc: Services) -> int:
    """One pass over every user; returns how many jobs failed (each failure is logged, none stops the rest)."""
    with svc.db.read() as conn:
        everyone = users.all_users(conn)
    failures = 0
    for user in everyone:
        for name, job in JOBS:
            try:
                job(svc, user)
            except Exception:  # one user's bad row must not starve everyone else's summaries
                failures += 1
                log.exception("maintenance: %s failed for user %s", name, user.id)
    return failures


async def loop(svc: Services, interval_seconds: float) -> None:
    while True:
        try:
            await run_in_threadpool(run_once, svc)
        except Exception:  # e.g. the database is briefly unreachable: try again next round
            log.exception("maintenance pass failed")
        await asyncio.sleep(interval_seconds)
