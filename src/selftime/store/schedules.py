"""Schedules (time filters): weekday sets and local time-of-day ranges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from selftime.db.tables import is_row_id, schedule_ranges, schedules
from selftime.store.totals import ScheduleRange

MAX_NAME = 255  # the name column's length


@dataclass(frozen=True)
class Schedule:
    id: int
    user_id: int
    name: str
    ranges: tuple[ScheduleRange, ...]


def create(conn: Connection, *, user_id: int, name: str, ranges: list[ScheduleRange], now_ms: int) -> Schedule:
    schedule_id = conn.execute(
        insert(schedules).values(user_id=user_id, name=name, created_ms=now_ms).returning(schedules.c.id)
    ).scalar_one()
    conn.execute(
        insert(schedule_ranges),
        [
            {
                "schedule_id": schedule_id,
                "weekdays": r.weekdays,
                "from_minute": r.from_minute,
                "to_minute": r.to_minute,
            }
            for r in ranges
        ],
    )
    return Schedule(schedule_id, user_id, name, tuple(ranges))


def for_user(conn: Connection, user_id: int, schedule_id: int) -> Schedule | None:
    """The schedule when it exists and belongs to this user; None otherwise."""
    if not is_row_id(schedule_id):
        return None
    row = conn.execute(
        select(schedules.c.id, schedules.c.name).where(schedules.c.id == schedule_id, schedules.c.user_id == user_id)
    ).first()
    if row is None:
        return None
    ranges = conn.execute(
        select(schedule_ranges.c.weekdays, schedule_ranges.c.from_minute, schedule_ranges.c.to_minute)
        .where(schedule_ranges.c.schedule_id == schedule_id)
        .order_by(schedule_ranges.c.id)
    )
    return Schedule(row[0], user_id, row[1], tuple(ScheduleRange(*r) for r in ranges))


def list_for_user(conn: Connection, user_id: int) -> list[Schedule]:
    ids = conn.execute(select(schedules.c.id).where(schedules.c.user_id == user_id).order_by(schedules.c.id)).scalars()
    return [s for i in list(ids) if (s := for_user(conn, user_id, i)) is not None]


def delete_schedule(conn: Connection, user_id: int, schedule_id: int) -> bool:
    if not is_row_id(schedule_id):
        return False
    result = conn.execute(delete(schedules).where(schedules.c.id == schedule_id, schedules.c.user_id == user_id))
    return result.rowcount == 1
