"""What runs once new time for a user has committed (agent ingest, offline time)."""

from __future__ import annotations

from selftime.api.context import Services
from selftime.store.users import User


def after_activity(svc: Services, user: User, start_ms: int, end_ms: int) -> None:
    """Called after a commit that added time in [start_ms, end_ms) for the user."""
