"""Stored daily summaries: written once per (user, local day), then only read."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from selftime.db.tables import daily_summaries


def stored_days(conn: Connection, user_id: int, first_day: int, last_day: int) -> set[int]:
    rows = conn.execute(
        select(daily_summaries.c.day).where(
            daily_summaries.c.user_id == user_id,
            daily_summaries.c.day >= first_day,
            daily_summaries.c.day <= last_day,
        )
    )
    return {int(day) for (day,) in rows}


def keep(conn: Connection, user_id: int, payloads: Sequence[tuple[int, str]], computed_ms: int) -> None:
    """Store (day, payload) pairs; a day someone else stored first keeps its summary (point in time)."""
    if not payloads:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(
        dialect.insert(daily_summaries).on_conflict_do_nothing(
            index_elements=[daily_summaries.c.user_id, daily_summaries.c.day]
        ),
        [{"user_id": user_id, "day": day, "computed_ms": computed_ms, "payload": text} for day, text in payloads],
    )


def payloads(conn: Connection, user_id: int, first_day: int, last_day: int) -> list[tuple[int, str]]:
    """(day, stored JSON object) over [first_day, last_day], newest first."""
    rows = conn.execute(
        select(daily_summaries.c.day, daily_summaries.c.payload)
        .where(
            daily_summaries.c.user_id == user_id,
            daily_summaries.c.day >= first_day,
            daily_summaries.c.day <= last_day,
        )
        .order_by(daily_summaries.c.day.desc())
    )
    return [(int(day), str(text)) for day, text in rows]
