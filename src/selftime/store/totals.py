"""Time totals straight from SQL, grouped by local bucket number and by the report's kind.

Local bucket numbers are computed in SQL as (utc_ms + offset) / unit, the offset picked by a CASE over
the constant-offset segments of the range. The query sums the rollups (or the raw spans when documents
are needed); the categorization of activities and the names of documents are joined in Python, from
memory (see catalog_cache).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from selftime.db.raw import select_rows
from selftime.domain.zone import (
    DAY_MS,
    FIFTEEN_MINUTES_MS,
    MINUTE_MS,
    Segment,
    date_of_day_number,
    local_day_number,
    month_start_day,
)

# Typed, so that PostgreSQL can UNION the parts whatever their document column holds.
_NO_DOCUMENT = "CAST(NULL AS INTEGER)"
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
    # Local day numbers [first, last] of the range, when the day/month rollups may answer.
    days: tuple[int, int] | None = None
    month_buckets: bool = False  # interval rows are months
    week_buckets: bool = False  # interval rows are weeks (Sunday first)


def offset_sql(column: str, segments: Sequence[Segment]) -> str:
    """The zone's UTC offset at `column` (UTC ms) as SQL: a CASE over the constant-offset stretches."""
    if len(segments) == 1:
        return str(int(segments[0].offset_ms))
    whens = " ".join(
        f"WHEN {column} < {int(nxt.start_ms)} THEN {int(seg.offset_ms)}" for seg, nxt in itertools.pairwise(segments)
    )
    return f"(CASE {whens} ELSE {int(segments[-1].offset_ms)} END)"


def local_floor_sql(local: str, unit_ms: int) -> str:
    """`local` (local ms) // `unit_ms` as SQL, for a unit that divides a day. Local times of the first
    hours of 1970 west of Greenwich are negative, where SQL's division truncates toward zero and put
    them in the next bucket: shifted by a day they are positive (no time is before 1970 UTC, no
    offset a day), and a whole number of units comes back off."""
    return f"(({local} + {DAY_MS}) / {int(unit_ms)} - {DAY_MS // int(unit_ms)})"


def _schedule_sql(local: str, ranges: Sequence[ScheduleRange]) -> str:
    day = local_floor_sql(local, DAY_MS)
    weekday = f"(({day} + 4) % 7)"
    minute = f"((({local} + {DAY_MS}) % {DAY_MS}) / {MINUTE_MS})"
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


def _next_month(day: int) -> int:
    d = date_of_day_number(day)
    return local_day_number(dt.date(d.year + d.month // 12, d.month % 12 + 1, 1))


def split_months(first: int, last: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Whole months inside [first, last] (as the day number of their 1st) and the day ranges left over."""
    months = []
    month = month_start_day(first)
    if month < first:
        month = _next_month(month)
    while _next_month(month) - 1 <= last:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [(first, last)]
    edges = []
    if months[0] > first:
        edges.append((first, months[0] - 1))
    if _next_month(months[-1]) <= last:
        edges.append((_next_month(months[-1]), last))
    return months, edges


# The kinds whose rows can be keyed by the categorization in SQL, and their key.
KEYED = {
    "overview": "s.parent_id",
    "category": "s.id",
    "productivity": "COALESCE(a.productivity, s.productivity)",
    "efficiency": "COALESCE(a.productivity, s.productivity)",
}


def _tier_parts(q: TotalsQuery, filters: list[str]) -> list[str] | None:
    """SELECTs over the month and day rollups to be UNIONed, or None when they cannot answer.

    For the KEYED kinds each joins the categorization and sums by its key: a year by day is ~50,000
    (day, activity) rows but 1,825 (day, level) rows, and each row that reaches Python costs more than
    the join. (Finer buckets cover short ranges, whose rows Python keys faster from its cache.)"""
    if q.days is None or q.schedule or uses_raw_spans(q) or _fine(q) or q.unit_ms not in (None, DAY_MS):
        return None
    first, last = q.days
    interval = q.unit_ms is not None
    # Months group into months and into the rank's single bucket; days and weeks need days.
    months, edges = split_months(first, last) if not interval or q.month_buckets else ([], [(first, last)])
    ranges = [("rollup_months", "month", months[0], months[-1])] if months else []
    # One SELECT per edge: an OR of day ranges would make SQLite scan all of the user's days.
    ranges += [("rollup_days", "day", low, high) for low, high in edges]
    key = KEYED.get(q.group)
    if key is None:
        what = f"activity_id, {_NO_DOCUMENT} AS document_id, CAST(SUM(r.duration_ms) AS BIGINT) AS ms"
        by, join = ["activity_id"], ""
    else:
        join = (
            " JOIN activities a ON a.id = r.activity_id"
            " JOIN categories s ON s.id = COALESCE(a.category_id, a.default_category_id)"
        )
        if q.group == "efficiency":
            what = f"CAST(SUM(r.duration_ms) AS BIGINT), CAST(SUM(r.duration_ms * {key}) AS BIGINT)"
            by = []
        else:
            what, by = f"{key} AS k, CAST(SUM(r.duration_ms) AS BIGINT) AS ms", [key]
    extra = "".join(f" AND {f}" for f in filters)
    parts = []
    for table, period, low, high in ranges:
        group = ([period] if interval else []) + by
        parts.append(
            f"SELECT {period if interval else '0'} AS b, {what} FROM {table} r{join}"
            f" WHERE r.user_id = {int(q.user_id)} AND {period} >= {int(low)} AND {period} <= {int(high)}{extra}"
            + (f" GROUP BY {', '.join(group)}" if group else "")
        )
    return parts


def _document_day_part(q: TotalsQuery, filters: list[str], summed: bool = True) -> str | None:
    """The SELECT over the document day rollup for whole local days by day or coarser (or ranked),
    or None when only the spans can answer (finer buckets, schedules). Weeks and months are folded
    here, so that each row is one bucket, activity and document (Totals.unique); not `summed`, the
    rows are the rollup's own, to be summed by the caller."""
    if q.days is None or q.schedule or q.unit_ms not in (None, DAY_MS):
        return None
    first, last = q.days
    where = [f"user_id = {int(q.user_id)}", f"day >= {int(first)}", f"day <= {int(last)}", *filters]
    if q.document_ids is not None:
        docs = f"document_id IN ({_ids(q.document_ids)})"
        where.append(f"({docs} OR document_id = 0)" if q.include_no_details else docs)
    by_document = q.group in _BY_DOCUMENT
    bucket = "0" if q.unit_ms is None else _day_bucket_sql(q, first, last)
    group = (["b"] if q.unit_ms is not None else []) + ["activity_id"] + (["document_id"] if by_document else [])
    return (
        f"SELECT {bucket} AS b, activity_id,"
        f" {'NULLIF(document_id, 0)' if by_document else _NO_DOCUMENT} AS document_id,"
        f" {'CAST(SUM(duration_ms) AS BIGINT)' if summed else 'duration_ms'} AS ms"
        f" FROM rollup_doc_days WHERE {' AND '.join(where)}" + (f" GROUP BY {', '.join(group)}" if summed else "")
    )


def _day_bucket_sql(q: TotalsQuery, first: int, last: int) -> str:
    """The day's bucket as a day number: its week's Sunday, its month's 1st, or the day itself."""
    if q.week_buckets:
        return "(day - ((day + 4) % 7 + 7) % 7)"  # % keeps the sign in SQL: days before 1970 are negative
    if not q.month_buckets:
        return "day"
    starts = [month_start_day(first)]
    while (following := _next_month(starts[-1])) <= last:
        starts.append(following)
    whens = " ".join(f"WHEN day < {int(nxt)} THEN {int(cur)}" for cur, nxt in itertools.pairwise(starts))
    return f"(CASE {whens} ELSE {int(starts[-1])} END)" if whens else str(int(starts[0]))


def uses_raw_spans(q: TotalsQuery) -> bool:
    return q.group in _BY_DOCUMENT or q.document_ids is not None


def _fine(q: TotalsQuery) -> bool:
    return q.unit_ms is not None and q.unit_ms < FIFTEEN_MINUTES_MS


@dataclass(frozen=True)
class Totals:
    """Rows (local bucket number or 0 for rank, activity id, document id or None, milliseconds); when
    `keyed`, the categorization was joined in SQL (see KEYED): (bucket, key, milliseconds), and for
    efficiency (bucket, milliseconds, milliseconds times productivity).

    One bucket and key may come in more than one row (the month and day rollups are UNIONed, or days
    are still to be folded into weeks or months): the caller sums, unless `unique`: one SELECT grouped
    by the report's bucket, activity and document gave the rows.
    Sums are cast back to BIGINT: PostgreSQL's SUM of a bigint is a numeric, which
    reaches Python as a Decimal, slow to add and not JSON."""

    rows: Sequence[Sequence[Any]]
    keyed: bool
    unique: bool = False


def _filters(q: TotalsQuery) -> tuple[list[str], dict[str, object]]:
    params: dict[str, object] = {}
    filters = []
    if q.source_type is not None:
        filters.append("source_type = :source_type")
        params["source_type"] = q.source_type
    if q.activities is not None:
        filters.append(_activity_sql(q.user_id, q.activities, params))
    return filters, params


def _span_select(q: TotalsQuery, filters: list[str], summed: bool = True) -> str:
    """The SELECT over the spans, or the hourly or 5-minute rollups, of (bucket, activity, document, ms)."""
    by_document = q.group in _BY_DOCUMENT
    if uses_raw_spans(q):
        table, time_col, amount = "spans", "start_ms", "CAST(SUM(end_ms - start_ms) AS BIGINT)"
        if not summed:
            amount = "end_ms - start_ms"
    elif _fine(q):
        # Rows are one per 5-minute bucket, activity and source type already, and the caller sums
        # by key anyway (Totals.unique is False): grouping in SQL cost as much as the rest of it.
        table, time_col, amount, summed = "rollups_5m", "bucket_ms", "duration_ms", False
    else:
        table, time_col, amount = "rollups", "bucket_ms", "CAST(SUM(duration_ms) AS BIGINT)"
    local = f"({time_col} + {offset_sql(time_col, q.segments)})"
    where = [f"user_id = {int(q.user_id)}", f"{time_col} >= {int(q.start_ms)}", f"{time_col} < {int(q.end_ms)}"]
    where += filters
    if q.document_ids is not None:
        docs = f"document_id IN ({_ids(q.document_ids)})"
        where.append(f"({docs} OR document_id IS NULL)" if q.include_no_details else docs)
    if q.schedule:
        where.append(_schedule_sql(local, q.schedule))
    bucket = local_floor_sql(local, q.unit_ms) if q.unit_ms is not None else "0"
    # A rank's bucket is the constant 0, and grouping by it too costs SQLite a fifth more time.
    group = (["b"] if q.unit_ms is not None else []) + ["activity_id"] + (["document_id"] if by_document else [])
    return (
        f"SELECT {bucket} AS b, activity_id, {'document_id' if by_document else _NO_DOCUMENT} AS document_id,"
        f" {amount} AS ms FROM {table} WHERE {' AND '.join(where)}"
        + (f" GROUP BY {', '.join(group)}" if summed else "")
    )


def fetch(conn: Connection, q: TotalsQuery) -> Totals:
    by_document = q.group in _BY_DOCUMENT
    filters, params = _filters(q)
    parts = _tier_parts(q, filters)
    documents = _document_day_part(q, filters) if parts is None and uses_raw_spans(q) else None
    if parts is not None:
        inner = " UNION ALL ".join(parts)
    elif documents is not None:
        inner = documents
    else:
        inner = _span_select(q, filters)
    folded = documents is not None or q.unit_ms is None or not (q.week_buckets or q.month_buckets)
    return Totals(
        _run(conn, inner, params),
        keyed=parts is not None and q.group in KEYED,
        unique=parts is None and by_document and folded,
    )


def document_rows_sql(q: TotalsQuery) -> tuple[str, dict[str, object]]:
    """A document report's SELECT of (bucket, activity, document or NULL, ms) rows, not summed, and
    its parameters: for a reader that sums them itself (store.document_reader). Buckets are as in
    fetch, weeks and months folded where the day rollup answers."""
    if not uses_raw_spans(q):
        raise ValueError(f"{q.group} is not a document report")
    filters, params = _filters(q)
    return _document_day_part(q, filters, summed=False) or _span_select(q, filters, summed=False), params


def day_extent(conn: Connection, user_id: int) -> tuple[int, int] | None:
    """The first and last local day (in the rollups' zone) with time of any source, or None. Two
    subqueries, because each MIN or MAX alone is one step down the day rollup's key."""
    uid = int(user_id)
    first, last = _run(
        conn,
        f"SELECT (SELECT MIN(day) FROM rollup_days WHERE user_id = {uid}),"
        f" (SELECT MAX(day) FROM rollup_days WHERE user_id = {uid})",
        {},
    )[0]
    return None if first is None or last is None else (int(first), int(last))


def _run(conn: Connection, sql: str, params: dict[str, object]) -> Sequence[Sequence[Any]]:
    """`sql` with :name parameters, on the driver's cursor (see db.raw.select_rows)."""
    if conn.dialect.name != "sqlite":
        sql = sql.replace("%", "%%")
        for name in params:
            sql = sql.replace(f":{name}", f"%({name})s")
    return select_rows(conn, sql, params)
