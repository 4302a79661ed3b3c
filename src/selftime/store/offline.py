"""Offline time as the user entered it: the spans with source_type "offline", one block per post.

An offline post is one batch of one item, stored cut at 5-minute boundaries (and trimmed where
earlier offline time already covered it), so its spans are put back together by batch.

A block is deleted exactly: the amounts its spans added to every rollup tier (5-minute, 15-minute,
local day, local month, document day) are computed the way `store.ingest.record_batch` computed them and added
back negated, rows left at zero are removed, then the spans and the batch go — one transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table, and_, delete, func, or_, select

from selftime.db.tables import (
    activities,
    batches,
    devices,
    documents,
    is_row_id,
    rollup_days,
    rollup_doc_days,
    rollup_months,
    rollups,
    rollups_5m,
    spans,
)
from selftime.domain.spans import rollup_bucket
from selftime.domain.zone import FIVE_MINUTES_MS, month_start_day
from selftime.store import tiers
from selftime.store.ingest import OFFLINE_DEVICE, add_rollups
from selftime.store.users import lock_for_time_write

SOURCE_TYPE = OFFLINE_DEVICE.source_type


@dataclass(frozen=True)
class OfflineBlock:
    id: int  # the batch's row id: what /offline/{id}/delete and DELETE /api/v1/offline/{id} take
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
            spans.c.batch_id,
            start,
            func.max(spans.c.end_ms),
            func.sum(spans.c.end_ms - spans.c.start_ms),
            activities.c.name,
            documents.c.name,
        )
        .join(activities, activities.c.id == spans.c.activity_id)
        .outerjoin(documents, documents.c.id == spans.c.document_id)
        .where(spans.c.user_id == user_id, spans.c.source_type == SOURCE_TYPE)
        .group_by(spans.c.batch_id, activities.c.name, documents.c.name)
        .order_by(start.desc(), spans.c.batch_id.desc())
        .limit(limit)
    )
    return [OfflineBlock(int(b), int(s), int(e), int(r), a, d) for b, s, e, r, a, d in conn.execute(query)]


def _offline_device(conn: Connection, user_id: int) -> int | None:
    """The user's offline device, row-locked on PostgreSQL like an ingest of offline time locks it, so a
    deletion and a concurrent post (which trims against existing offline time) serialize."""
    query = select(devices.c.id).where(
        devices.c.user_id == user_id,
        devices.c.external_id == OFFLINE_DEVICE.external_id,
        devices.c.source_type == SOURCE_TYPE,
    )
    found = conn.execute(query.with_for_update()).scalar()
    return None if found is None else int(found)


def _drop_zero_rows(
    conn: Connection, table: Table, column: Column[int], user_id: int, keys: set[tuple[int, int]]
) -> None:
    """Remove the rows a deletion brought to exactly zero, so reports list nothing for them."""
    for key_chunk in _chunks(sorted(keys), 200):
        conn.execute(
            delete(table).where(
                table.c.user_id == user_id,
                table.c.source_type == SOURCE_TYPE,
                table.c.duration_ms == 0,
                or_(*(and_(column == k, table.c.activity_id == a) for k, a in key_chunk)),
            )
        )


def _drop_zero_document_days(conn: Connection, user_id: int, keys: set[tuple[int, ...]]) -> None:
    t = rollup_doc_days
    for key_chunk in _chunks(sorted(keys), 200):
        conn.execute(
            delete(t).where(
                t.c.user_id == user_id,
                t.c.source_type == SOURCE_TYPE,
                t.c.duration_ms == 0,
                or_(*(and_(t.c.day == d, t.c.activity_id == a, t.c.document_id == doc) for d, a, doc in key_chunk)),
            )
        )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def delete_block(conn: Connection, user_id: int, block_id: int) -> int | None:
    """Delete one of the user's offline blocks (a batch of the offline device) and reverse its rollups.
    → the milliseconds removed, or None if the user has no such block. Call inside a write transaction."""
    if not is_row_id(block_id):
        return None  # larger than any id: PostgreSQL refuses to compare, SQLite's driver overflows
    lock_for_time_write(conn, user_id)  # before the device, in the order ingest takes them
    device_id = _offline_device(conn, user_id)
    if device_id is None:
        return None
    owned = conn.execute(
        select(batches.c.id).where(batches.c.id == block_id, batches.c.device_id == device_id)
    ).scalar()
    if owned is None:
        return None
    parts = conn.execute(
        select(spans.c.start_ms, spans.c.end_ms, spans.c.activity_id, spans.c.document_id, spans.c.source_type).where(
            spans.c.batch_id == block_id, spans.c.user_id == user_id
        )
    ).all()
    fifteen: defaultdict[tuple[int, int], int] = defaultdict(int)
    five: defaultdict[tuple[int, int], int] = defaultdict(int)
    by_document: defaultdict[tuple[int, int, int], int] = defaultdict(int)
    for start, end, activity_id, document_id, source_type in parts:
        if source_type != SOURCE_TYPE:  # never the case for the offline device; refuse rather than guess
            return None
        start, end, activity_id = int(start), int(end), int(activity_id)
        fifteen[(rollup_bucket(start), activity_id)] += end - start
        five[(start - start % FIVE_MINUTES_MS, activity_id)] += end - start
        document = tiers.NO_DOCUMENT if document_id is None else int(document_id)
        by_document[(rollup_bucket(start), activity_id, document)] += end - start
    removed = sum(fifteen.values())
    if parts:
        add_rollups(
            conn,
            user_id,
            SOURCE_TYPE,
            {k: -ms for k, ms in fifteen.items()},
            {k: -ms for k, ms in five.items()},
            {k: -ms for k, ms in by_document.items()},
        )
        zone = tiers.zone_of(conn, user_id)
        days = tiers.local_days(zone, fifteen)
        document_days = tiers.local_days(zone, by_document)
        months = {(month_start_day(d), a) for d, a in days}
        _drop_zero_rows(conn, rollups_5m, rollups_5m.c.bucket_ms, user_id, set(five))
        _drop_zero_rows(conn, rollups, rollups.c.bucket_ms, user_id, set(fifteen))
        _drop_zero_rows(conn, rollup_days, rollup_days.c.day, user_id, set(days))
        _drop_zero_rows(conn, rollup_months, rollup_months.c.month, user_id, months)
        _drop_zero_document_days(conn, user_id, set(document_days))
    conn.execute(delete(spans).where(spans.c.batch_id == block_id, spans.c.user_id == user_id))
    conn.execute(delete(batches).where(batches.c.id == block_id))
    return removed
