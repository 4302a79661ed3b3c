"""What runs once new time for a user has committed (agent ingest, offline time)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from selftime.api.alerts import judge_new_time
from selftime.api.context import Services
from selftime.store.users import User

log = logging.getLogger("selftime.hooks")


def after_activity(svc: Services, user: User, start_ms: int, end_ms: int) -> None:
    """Called after a commit that added time in [start_ms, end_ms) for the user."""
    if svc.refresher is not None:
        svc.refresher.after_write(user.account)
    try:
        judge_new_time(svc, user, start_ms, end_ms)
    except SQLAlchemyError:
        # The time is stored: failing the request now would make the agent re-send a batch that is
        # a duplicate by then, and judge nothing. The day-end catch-up records a missed trigger.
        log.exception("judging alerts for user %s after new time failed", user.id)
