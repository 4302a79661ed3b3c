"""The dashboard's feeds for one period: highlights by the date they are about, focus sessions by their
start, alert triggers by the day they judged. Read by range (the stores' own readers return the newest N,
which would miss an older period's entries once a user has many), in the stores' record types."""

from __future__ import annotations

from sqlalchemy import Connection, select

from selftime.db.tables import alert_triggers, focus_sessions, highlights
from selftime.store.alerts import Trigger
from selftime.store.focus import Session
from selftime.store.highlights import Highlight

# A bound on a page's reads: far more than a person enters in a month.
LIMIT = 500


def highlights_between(conn: Connection, user_id: int, first: str, last: str) -> list[Highlight]:
    """Highlights dated first..last (YYYY-MM-DD, which sort as text), oldest first."""
    c = highlights.c
    query = (
        select(c.id, c.date, c.description, c.source, c.created_ms)
        .where(c.user_id == user_id, c.date >= first, c.date <= last)
        .order_by(c.date, c.created_ms, c.id)
        .limit(LIMIT)
    )
    return [Highlight(*row) for row in conn.execute(query)]


def focus_between(conn: Connection, user_id: int, start_ms: int, end_ms: int) -> list[Session]:
    """Focus sessions started in [start_ms, end_ms), oldest first."""
    c = focus_sessions.c
    query = (
        select(c.id, c.started_ms, c.duration_minutes, c.ends_ms, c.ended_ms, c.end_reason)
        .where(c.user_id == user_id, c.started_ms >= start_ms, c.started_ms < end_ms)
        .order_by(c.started_ms, c.id)
        .limit(LIMIT)
    )
    return [Session(*row) for row in conn.execute(query)]


def triggers_between(conn: Connection, user_id: int, first_day: int, last_day: int) -> list[Trigger]:
    """Alert triggers about local days first_day..last_day, oldest first."""
    c = alert_triggers.c
    query = (
        select(c.id, c.alert_id, c.day, c.created_ms, c.description)
        .where(c.user_id == user_id, c.day >= first_day, c.day <= last_day)
        .order_by(c.day, c.created_ms, c.id)
        .limit(LIMIT)
    )
    return [Trigger(int(i), int(a), int(d), int(cr), desc) for i, a, d, cr, desc in conn.execute(query)]
