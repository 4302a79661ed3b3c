"""What the offline-time tests read back from the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from selftime.db.tables import spans
from selftime.domain.zone import to_ms


def count(db, table=spans) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def stored(db) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        rows = conn.execute(select(spans.c.start_ms, spans.c.end_ms, spans.c.source_type).order_by(spans.c.start_ms))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def covered(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(first start, last end, total ms) of the stored pieces (the store cuts them at 5 minutes)."""
    rows = stored(db)
    return rows[0][0], rows[-1][1], sum(e - s for s, e, _ in rows)


def ms(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))
