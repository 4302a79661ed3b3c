"""Highlights: add, list newest first, delete. Every query is scoped to its user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from selftime.db.tables import highlights, is_row_id


@dataclass(frozen=True)
class Highlight:
    id: int
    date: str  # YYYY-MM-DD
    description: str
    source: str | None
    created_ms: int


def add(conn: Connection, *, user_id: int, date: str, description: str, source: str | None, now_ms: int) -> Highlight:
    new_id = conn.execute(
        insert(highlights)
        .values(user_id=user_id, date=date, description=description, source=source, created_ms=now_ms)
        .returning(highlights.c.id)
    ).scalar_one()
    return Highlight(new_id, date, description, source, now_ms)


def newest(conn: Connection, user_id: int, limit: int) -> list[Highlight]:
    """The user's newest `limit` highlights by time of entry; the id breaks ties (entry order)."""
    c = highlights.c
    query = (
        select(c.id, c.date, c.description, c.source, c.created_ms)
        .where(c.user_id == user_id)
        .order_by(c.created_ms.desc(), c.id.desc())
        .limit(limit)
    )
    return [Highlight(*row) for row in conn.execute(query)]


def delete_highlight(conn: Connection, user_id: int, highlight_id: int) -> bool:
    """False when the user has no such highlight (unknown, or someone else's)."""
    if not is_row_id(highlight_id):
        return False  # PostgreSQL refuses to compare an INTEGER column with a larger number
    result = conn.execute(delete(highlights).where(highlights.c.id == highlight_id, highlights.c.user_id == user_id))
    return result.rowcount > 0
