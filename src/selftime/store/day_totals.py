"""Milliseconds per activity per local day, from the day rollups (kept in the user's own zone)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from selftime.db.tables import rollup_days


def activity_ms(conn: Connection, user_id: int, first_day: int, last_day: int) -> dict[tuple[int, int], int]:
    """(local day number, activity id) → ms over [first_day, last_day], every source type together."""
    rows = conn.execute(
        select(rollup_days.c.day, rollup_days.c.activity_id, func.sum(rollup_days.c.duration_ms))
        .where(rollup_days.c.user_id == user_id, rollup_days.c.day >= first_day, rollup_days.c.day <= last_day)
        .group_by(rollup_days.c.day, rollup_days.c.activity_id)
    )
    return {(int(day), int(activity_id)): int(ms) for day, activity_id, ms in rows}


def logged_days(conn: Connection, user_id: int, first_day: int, last_day: int) -> list[int]:
    """Local day numbers in [first_day, last_day] that hold any time, oldest first."""
    rows = conn.execute(
        select(rollup_days.c.day)
        .where(rollup_days.c.user_id == user_id, rollup_days.c.day >= first_day, rollup_days.c.day <= last_day)
        .group_by(rollup_days.c.day)
        .having(func.sum(rollup_days.c.duration_ms) > 0)
        .order_by(rollup_days.c.day)
    )
    return [int(day) for (day,) in rows]
