"""Time totals straight from SQL: grouped by local bucket number, activity and (optionally) document.

Local bucket numbers are computed in SQL as (utc_ms + offset) / unit, the offset picked by a CASE over
the constant-offset segments of the range, so no per-row Python runs for the grouping.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from selftime.domain.zone import DAY_MS, MINUTE_MS, Segment


@dataclass(frozen=True)
class ScheduleRange:
    weekdays: int  # bitmask, bit 0 = Sunday
    from_minute: int
    to_minute: int


@dataclass(frozen=True)
class TotalsQuery:
    user_id: int
    start_ms: int
    end_ms: int
    segments: Sequence[Segment]
    unit_ms: int | None = None  # None: one bucket for the whole range (rank)
    source_type: str | None = None
    activity_ids: frozenset[int] | None = None
    document_ids: frozenset[int] | None = None
    include_no_details: bool = False  # with document_ids: also time without a document
    by_document: bool = False
    schedule: Sequence[ScheduleRange] = field(default_factory=tuple)


def _offset_sql(column: str, segments: Sequence[Segment]) -> str:
    if len(segments) == 1:
        return str(int(segments[0].offset_ms))
    whens = " ".join(
        f"WHEN {column} < {int(nxt.start_ms)} THEN {int(seg.offset_ms)}" for seg, nxt in itertools.pairwise(segments)
    )
    return f"(CASE {whens} ELSE {int(segments[-1].offset_ms)} END)"


def _schedule_sql(local: str, ranges: Sequence[ScheduleRange]) -> str:
    weekday = f"((({local}) / {DAY_MS} + 4) % 7)"
    minute = f"((({local}) % {DAY_MS}) / {MINUTE_MS})"
    parts = []
    for r in ranges:
        days = [str(d) for d in range(7) if r.weekdays & (1 << d)]
        if not days:
            continue
        parts.append(
            f"({weekday} IN ({','.join(days)}) AND {minute} >= {int(r.from_minute)} AND {minute} < {int(r.to_minute)})"
        )
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


def _id_list(ids: frozenset[int]) -> str:
    return ",".join(str(int(i)) for i in sorted(ids)) or "NULL"


def fetch(conn: Connection, q: TotalsQuery) -> list[tuple[int | None, int, int | None, int]]:
    """Rows (local bucket number or None, activity id, document id or None, milliseconds).

    Uses the 15-minute rollups unless documents, document filters or buckets finer than 15 minutes
    are asked for; then the raw spans, which are cut at 5-minute UTC edges.
    """
    raw = q.by_document or q.document_ids is not None or (q.unit_ms is not None and q.unit_ms < 15 * MINUTE_MS)
    if raw:
        table, time_col, amount = "spans", "start_ms", "SUM(end_ms - start_ms)"
    else:
        table, time_col, amount = "rollups", "bucket_ms", "SUM(duration_ms)"
    local = f"({time_col} + {_offset_sql(time_col, q.segments)})"
    where = [
        f"user_id = {int(q.user_id)}",
        f"{time_col} >= {int(q.start_ms)}",
        f"{time_col} < {int(q.end_ms)}",
    ]
    params: dict[str, object] = {}
    if q.source_type is not None:
        where.append("source_type = :source_type")
        params["source_type"] = q.source_type
    if q.activity_ids is not None:
        where.append(f"activity_id IN ({_id_list(q.activity_ids)})")
    if q.document_ids is not None:
        doc_filter = f"document_id IN ({_id_list(q.document_ids)})"
        if q.include_no_details:
            doc_filter = f"({doc_filter} OR document_id IS NULL)"
        where.append(doc_filter)
    if q.schedule:
        where.append(_schedule_sql(local, q.schedule))
    bucket = f"({local}) / {int(q.unit_ms)}" if q.unit_ms is not None else "NULL"
    document = "document_id" if q.by_document else "NULL"
    group = ["activity_id"]
    if q.unit_ms is not None:
        group.insert(0, "b")
    if q.by_document:
        group.append("document_id")
    sql = (
        f"SELECT {bucket} AS b, activity_id, {document} AS d, {amount} AS ms FROM {table} "
        f"WHERE {' AND '.join(where)} GROUP BY {', '.join(group)}"
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in conn.execute(text(sql), params)]
