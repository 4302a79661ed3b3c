"""Time totals straight from SQL, grouped by local bucket number and by the report's kind.

Local bucket numbers are computed in SQL as (utc_ms + offset) / unit, the offset picked by a CASE over
the constant-offset segments of the range. The inner query sums the rollups (or the raw spans when
documents or 5-minute buckets are needed); the outer one joins the categorization, so the rows that
reach Python are already the report's rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from selftime.domain.zone import DAY_MS, FIFTEEN_MINUTES_MS, MINUTE_MS, Segment

# Output grouping → the outer query's key columns.
_KEYS = {
    "overview": ("top.id", "top.name"),
    "category": ("sub.id", "sub.name"),
    "activity": ("a.name", "sub.name", "prod"),
    "productivity": ("prod",),
    "documents-as-activities": ("d.name", "sub.name", "prod"),
    "document": ("a.name", "d.name", "sub.name", "prod"),
    "efficiency": (),
}
_PROD = "COALESCE(a.productivity, sub.productivity)"
_BY_DOCUMENT = frozenset({"documents-as-activities", "document"})


@dataclass(frozen=True)
class ScheduleRange:
    weekdays: int  # bitmask, bit 0 = Sunday
    from_minute: int
    to_minute: int


@dataclass(frozen=True)
class ActivityFilter:
    """Which activities count: by top-level ids, sub-category ids, exact name, or productivity."""

    top_ids: frozenset[int] | None = None
    sub_ids: frozenset[int] | None = None
    name: str | None = None
    productivity: int | None = None
    ids: frozenset[int] | None = None


@dataclass(frozen=True)
class TotalsQuery:
    user_id: int
    start_ms: int
    end_ms: int
    segments: Sequence[Segment]
    group: str
    unit_ms: int | None = None  # None: one bucket for the whole range (rank)
    source_type: str | None = None
    activities: ActivityFilter | None = None
    document_ids: frozenset[int] | None = None
    include_no_details: bool = False  # with document_ids: also the time without a document
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
        if days:
            parts.append(
                f"({weekday} IN ({','.join(days)}) AND {minute} >= {int(r.from_minute)}"
                f" AND {minute} < {int(r.to_minute)})"
            )
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


def _ids(ids: frozenset[int]) -> str:
    return ",".join(str(int(i)) for i in sorted(ids)) or "NULL"


def _activity_sql(user_id: int, f: ActivityFilter, params: dict[str, object]) -> str:
    conds = []
    if f.top_ids is not None:
        conds.append(f"s2.parent_id IN ({_ids(f.top_ids)})")
    if f.sub_ids is not None:
        conds.append(f"s2.id IN ({_ids(f.sub_ids)})")
    if f.name is not None:
        conds.append("a2.name = :thing")
        params["thing"] = f.name
    if f.productivity is not None:
        conds.append(f"COALESCE(a2.productivity, s2.productivity) = {int(f.productivity)}")
    if f.ids is not None:
        conds.append(f"a2.id IN ({_ids(f.ids)})")
    return (
        "activity_id IN (SELECT a2.id FROM activities a2 JOIN categories s2"
        " ON s2.id = COALESCE(a2.category_id, a2.default_category_id)"
        f" WHERE a2.user_id = {int(user_id)} AND {' AND '.join(conds) or '1 = 1'})"
    )


def uses_raw_spans(q: TotalsQuery) -> bool:
    fine = q.unit_ms is not None and q.unit_ms < FIFTEEN_MINUTES_MS
    return q.group in _BY_DOCUMENT or q.document_ids is not None or fine


def fetch(conn: Connection, q: TotalsQuery) -> list[tuple[object, ...]]:
    """Rows (local bucket number or None, *key columns of the group, milliseconds[, weighted ms])."""
    by_document = q.group in _BY_DOCUMENT
    if uses_raw_spans(q):
        table, time_col, amount = "spans", "start_ms", "SUM(end_ms - start_ms)"
    else:
        table, time_col, amount = "rollups", "bucket_ms", "SUM(duration_ms)"
    local = f"({time_col} + {_offset_sql(time_col, q.segments)})"
    params: dict[str, object] = {}
    where = [f"user_id = {int(q.user_id)}", f"{time_col} >= {int(q.start_ms)}", f"{time_col} < {int(q.end_ms)}"]
    if q.source_type is not None:
        where.append("source_type = :source_type")
        params["source_type"] = q.source_type
    if q.activities is not None:
        where.append(_activity_sql(q.user_id, q.activities, params))
    if q.document_ids is not None:
        docs = f"document_id IN ({_ids(q.document_ids)})"
        where.append(f"({docs} OR document_id IS NULL)" if q.include_no_details else docs)
    if q.schedule:
        where.append(_schedule_sql(local, q.schedule))
    bucket = f"{local} / {int(q.unit_ms)}" if q.unit_ms is not None else "0"
    inner_group = ["b", "activity_id"] + (["document_id"] if by_document else [])
    inner = (
        f"SELECT {bucket} AS b, activity_id, {'document_id' if by_document else 'NULL'} AS document_id,"
        f" {amount} AS ms FROM {table} WHERE {' AND '.join(where)} GROUP BY {', '.join(inner_group)}"
    )
    keys = [_PROD if k == "prod" else k for k in _KEYS[q.group]]
    select = ["t.b", *keys, "SUM(t.ms)"]
    if q.group == "efficiency":
        select.append(f"SUM(t.ms * {_PROD})")
    sql = (
        f"SELECT {', '.join(select)} FROM ({inner}) t"
        " JOIN activities a ON a.id = t.activity_id"
        " JOIN categories sub ON sub.id = COALESCE(a.category_id, a.default_category_id)"
        " JOIN categories top ON top.id = sub.parent_id"
        " LEFT JOIN documents d ON d.id = t.document_id"
        f" GROUP BY {', '.join(['t.b', *keys])}"
    )
    rows = conn.execute(text(sql), params).fetchall()
    if q.unit_ms is None:
        return [(None, *r[1:]) for r in rows]
    return [tuple(r) for r in rows]
