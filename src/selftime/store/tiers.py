"""Day and month rollups in the user's zone, kept from the 15-minute rollups' deltas; and the day
rollup of documents, kept from the same deltas per document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, delete, select, update

from selftime.db.raw import insert_rows
from selftime.db.tables import rollup_days, rollup_doc_days, rollup_months, users
from selftime.domain.zone import DAY_MS, FIFTEEN_MINUTES_MS, month_start_day, offset_segments
from selftime.store.users import bump_data_version

# (bucket_ms, activity_id) → milliseconds, for one source type.
Amounts = Mapping[tuple[int, int], int]
# (bucket_ms, activity_id, document_id or 0) → milliseconds, for one source type.
DocumentAmounts = Mapping[tuple[int, int, int], int]
NO_DOCUMENT = 0  # rollup_doc_days.document_id for time without a document


@lru_cache(maxsize=4096)
def _month_of(day: int) -> int:
    return month_start_day(day)


def local_days(zone: str, amounts: Mapping[Any, int]) -> dict[Any, int]:
    """(15-minute UTC bucket, *rest) → (local day number, *rest). A 15-minute bucket never straddles a
    local midnight."""
    if not amounts:
        return {}
    buckets = sorted({key[0] for key in amounts})
    segments = offset_segments(zone, buckets[0] - buckets[0] % DAY_MS, buckets[-1] - buckets[-1] % DAY_MS + 2 * DAY_MS)
    days: defaultdict[tuple[int, ...], int] = defaultdict(int)
    for (bucket, *rest), ms in amounts.items():
        offset = segments[0].offset_ms
        for seg in segments:
            if seg.start_ms <= bucket:
                offset = seg.offset_ms
        days[((bucket + offset) // DAY_MS, *rest)] += ms
    return dict(days)


def _upsert(conn: Connection, table: str, column: str, user_id: int, source_type: str, amounts: Amounts) -> None:
    insert_rows(
        conn,
        table,
        (
            ("user_id", "integer"),
            (column, "integer"),
            ("activity_id", "integer"),
            ("source_type", "varchar"),
            ("duration_ms", "bigint"),
        ),
        [(user_id, k, a, source_type, ms) for (k, a), ms in sorted(amounts.items())],
        f" ON CONFLICT (user_id, {column}, activity_id, source_type)"
        f" DO UPDATE SET duration_ms = {table}.duration_ms + excluded.duration_ms",
    )


def add(
    conn: Connection,
    *,
    user_id: int,
    zone: str,
    source_type: str,
    amounts: Amounts,
    documents: DocumentAmounts | None = None,
) -> tuple[int, int] | None:
    """Add to the day, month and document day rollups; the first and last local day touched."""
    days = local_days(zone, amounts)
    months: defaultdict[tuple[int, int], int] = defaultdict(int)
    for (day, activity_id), ms in days.items():
        months[(_month_of(day), activity_id)] += ms
    _upsert(conn, "rollup_days", "day", user_id, source_type, days)
    _upsert(conn, "rollup_months", "month", user_id, source_type, months)
    if documents:
        add_document_days(conn, user_id, source_type, local_days(zone, documents))
    touched = [day for day, _activity in days]
    return (min(touched), max(touched)) if touched else None


def add_document_days(conn: Connection, user_id: int, source_type: str, days: Mapping[Any, int]) -> None:
    """Add (local day, activity, document or 0) → ms to the document day rollup."""
    insert_rows(
        conn,
        "rollup_doc_days",
        (
            ("user_id", "integer"),
            ("day", "integer"),
            ("activity_id", "integer"),
            ("document_id", "integer"),
            ("source_type", "varchar"),
            ("duration_ms", "bigint"),
        ),
        [(user_id, day, a, d, source_type, ms) for (day, a, d), ms in sorted(days.items())],
        " ON CONFLICT (user_id, day, activity_id, document_id, source_type)"
        " DO UPDATE SET duration_ms = rollup_doc_days.duration_ms + excluded.duration_ms",
    )


def rebuild(conn: Connection, *, user_id: int, zone: str) -> None:
    """Re-key a user's day and month rollups in `zone` from the 15-minute rollups (after a zone change)."""
    conn.execute(delete(rollup_days).where(rollup_days.c.user_id == user_id))
    conn.execute(delete(rollup_months).where(rollup_months.c.user_id == user_id))
    rows = conn.exec_driver_sql(
        f"SELECT source_type, bucket_ms, activity_id, duration_ms FROM rollups WHERE user_id = {int(user_id)}"
    )
    by_source: defaultdict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for source_type, bucket, activity_id, ms in rows:
        by_source[source_type][(int(bucket), int(activity_id))] = int(ms)
    for source_type, amounts in by_source.items():
        add(conn, user_id=user_id, zone=zone, source_type=source_type, amounts=amounts)
    rebuild_document_days(conn, user_id=user_id, zone=zone)
    conn.execute(update(users).where(users.c.id == user_id).values(rollup_zone=zone))
    bump_data_version(conn, user_id, None)


def rebuild_document_days(conn: Connection, *, user_id: int, zone: str) -> None:
    """Re-key a user's document day rollup in `zone` from the spans, in one INSERT … SELECT: each span
    lies in one 15-minute bucket, whose local day is taken as at ingest (see local_days)."""
    from selftime.store.totals import local_floor_sql, offset_sql  # totals reads these tables; this only shares its SQL

    uid = int(user_id)
    conn.execute(delete(rollup_doc_days).where(rollup_doc_days.c.user_id == uid))
    first, last = conn.exec_driver_sql(f"SELECT MIN(start_ms), MAX(start_ms) FROM spans WHERE user_id = {uid}").one()
    if first is None:
        return
    segments = offset_segments(zone, int(first) - int(first) % DAY_MS, int(last) - int(last) % DAY_MS + 2 * DAY_MS)
    bucket = f"(start_ms / {FIFTEEN_MINUTES_MS}) * {FIFTEEN_MINUTES_MS}"
    local = f"(b + {offset_sql('b', segments)})"
    conn.exec_driver_sql(
        "INSERT INTO rollup_doc_days (user_id, day, activity_id, document_id, source_type, duration_ms)"
        f" SELECT {uid}, {local_floor_sql(local, DAY_MS)}, activity_id, document_id, source_type,"
        " SUM(ms) FROM (SELECT"
        f" {bucket} AS b, activity_id, COALESCE(document_id, {NO_DOCUMENT}) AS document_id, source_type,"
        f" end_ms - start_ms AS ms FROM spans WHERE user_id = {uid}) s"
        " GROUP BY 2, activity_id, document_id, source_type"
    )


def zone_of(conn: Connection, user_id: int) -> str:
    return str(conn.execute(select(users.c.rollup_zone).where(users.c.id == user_id)).scalar_one())
