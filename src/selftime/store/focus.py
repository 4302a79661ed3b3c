"""Focus sessions: all their SQL.

A user's sessions never overlap: a start first ends the open one (same instant), and start times
strictly increase per user. So the newest session is the only one that can be open, and finding
it is one probe of ix_focus_sessions_user_started."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, insert, select, update

from selftime.db.tables import focus_sessions, users
from selftime.domain import focus

_COLUMNS = (
    focus_sessions.c.id,
    focus_sessions.c.started_ms,
    focus_sessions.c.duration_minutes,
    focus_sessions.c.ends_ms,
    focus_sessions.c.ended_ms,
    focus_sessions.c.end_reason,
)
_NEWEST_FIRST = (focus_sessions.c.started_ms.desc(), focus_sessions.c.id.desc())


@dataclass(frozen=True)
class Session:
    id: int
    started_ms: int
    duration_minutes: int  # as asked: -1 means until the end of the local day
    ends_ms: int  # the planned end
    ended_ms: int | None  # the recorded end; None while open
    end_reason: str | None  # api, expired, replaced

    def active_at(self, now_ms: int) -> bool:
        return self.ended_ms is None and now_ms < self.ends_ms

    def expired_at(self, now_ms: int) -> bool:
        """Open, but its time ran out: its end is yet to be recorded."""
        return self.ended_ms is None and self.ends_ms <= now_ms


def _session(row: object) -> Session:
    return Session(*row)  # type: ignore[misc]


def latest(conn: Connection, user_id: int) -> Session | None:
    row = conn.execute(
        select(*_COLUMNS).where(focus_sessions.c.user_id == user_id).order_by(*_NEWEST_FIRST).limit(1)
    ).first()
    return _session(row) if row else None


def recent(conn: Connection, user_id: int, limit: int, *, ended_only: bool = False) -> list[Session]:
    """Newest first. Sessions do not overlap, so start order is also end order."""
    query = select(*_COLUMNS).where(focus_sessions.c.user_id == user_id)
    if ended_only:
        query = query.where(focus_sessions.c.ended_ms.is_not(None))
    return [_session(r) for r in conn.execute(query.order_by(*_NEWEST_FIRST).limit(limit))]


def _lock_user(conn: Connection, user_id: int) -> None:
    # Serializes one user's starts and ends on PostgreSQL (SQLite's IMMEDIATE write transactions
    # already do). NO KEY UPDATE: inserts elsewhere that reference the user need not wait on it.
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True))


def expire_due(conn: Connection, user_id: int, now_ms: int) -> int:
    """Record the end of sessions whose time ran out (at their planned end); idempotent."""
    result = conn.execute(
        update(focus_sessions)
        .where(
            focus_sessions.c.user_id == user_id,
            focus_sessions.c.ended_ms.is_(None),
            focus_sessions.c.ends_ms <= now_ms,
        )
        .values(ended_ms=focus_sessions.c.ends_ms, end_reason="expired")
    )
    return result.rowcount


def _close_open(conn: Connection, user_id: int, at_ms: int, reason: str) -> None:
    conn.execute(
        update(focus_sessions)
        .where(focus_sessions.c.user_id == user_id, focus_sessions.c.ended_ms.is_(None))
        .values(ended_ms=at_ms, end_reason=reason)
    )


def start(
    conn: Connection, user_id: int, *, minutes: int, time_zone: str, now_ms: int
) -> tuple[Session, Session | None]:
    """Start a session in a write transaction: (the new session, the open one it replaced, if any)."""
    _lock_user(conn, user_id)
    expire_due(conn, user_id, now_ms)
    previous = latest(conn, user_id)
    started = now_ms
    if previous is not None and now_ms <= previous.started_ms:
        # The clock stepped back: stay after the newest start, so it stays the newest.
        started = previous.started_ms + 1
    replaced = None
    if previous is not None and previous.ended_ms is None:
        _close_open(conn, user_id, started, "replaced")
        replaced = replace(previous, ended_ms=started, end_reason="replaced")
    ends = focus.ends_ms(started, minutes, time_zone)
    session_id = conn.execute(
        insert(focus_sessions)
        .values(user_id=user_id, started_ms=started, duration_minutes=minutes, ends_ms=ends)
        .returning(focus_sessions.c.id)
    ).scalar_one()
    return Session(session_id, started, minutes, ends, None, None), replaced


def end(conn: Connection, user_id: int, *, now_ms: int) -> Session | None:
    """End the active session in a write transaction (reason api); None when none is active."""
    _lock_user(conn, user_id)
    expire_due(conn, user_id, now_ms)
    current = latest(conn, user_id)
    if current is None or current.ended_ms is not None:
        return None
    at = max(now_ms, current.started_ms)
    _close_open(conn, user_id, at, "api")
    return replace(current, ended_ms=at, end_reason="api")
