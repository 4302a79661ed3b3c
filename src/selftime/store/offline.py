"""Offline time as the user entered it: the spans with source_type "offline", one block per post.

An offline post is one batch of one item, stored cut at 5-minute boundaries (and trimmed where
earlier offline time already covered it), so its spans are put back together by batch."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from selftime.db.tables import activities, documents, spans


@dataclass(frozen=True)
class OfflineBlock:
    start_ms: int  # of the first stored part
    end_ms: int  # of the last stored part
    recorded_ms: int  # what was stored: less than end - start where earlier offline time covered a part
    activity: str
    details: str | None


def recent_blocks(conn: Connection, user_id: int, limit: int) -> list[OfflineBlock]:
    """The user's newest `limit` blocks of offline time by start, newest first."""
    start = func.min(spans.c.start_ms)
    query = (
        select(
            start,
            func.max(spans.c.end_ms),
            func.sum(spans.c.end_ms - spans.c.start_ms),
            activities.c.name,
            documents.c.name,
        )
        .join(activities, activities.c.id == spans.c.activity_id)
        .outerjoin(documents, documents.c.id == spans.c.document_id)
        .where(spans.c.user_id == user_id, spans.c.source_type == "offline")
        .group_by(spans.c.batch_id, activities.c.name, documents.c.name)
        .order_by(start.desc())
        .limit(limit)
    )
    return [OfflineBlock(int(s), int(e), int(r), a, d) for s, e, r, a, d in conn.execute(query)]
