"""Writing a batch: device, batch id, trimmed spans and rollups in one transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from selftime.db.raw import insert_rows
from selftime.db.tables import batches, devices, spans
from selftime.domain.ingest import MAX_SPAN_MS, Span
from selftime.domain.naming import stored_document
from selftime.domain.spans import Coverage, cut, rollup_bucket
from selftime.domain.zone import FIVE_MINUTES_MS
from selftime.store import tiers
from selftime.store.catalog import resolve_activities, resolve_documents
from selftime.store.users import AccountGone, bump_data_version, lock_for_time_write


@dataclass(frozen=True)
class DeviceRef:
    external_id: str
    name: str
    source_type: str


# Offline time is recorded as from a device of its own; agents may not send as it.
OFFLINE_DEVICE = DeviceRef("offline", "Offline time", "offline")


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicate: bool
    recorded_ms: int


def _dialect(conn: Connection):  # type: ignore[no-untyped-def]
    return sqlite if conn.dialect.name == "sqlite" else postgresql


def device_id_locked(conn: Connection, user_id: int, device: DeviceRef, now_ms: int) -> int:
    """The device's id, created if new, row-locked on PostgreSQL so one device's batches serialize."""
    conn.execute(
        _dialect(conn)
        .insert(devices)
        .values(
            user_id=user_id,
            external_id=device.external_id,
            name=device.name,
            source_type=device.source_type,
            created_ms=now_ms,
        )
        .on_conflict_do_nothing()
    )
    query = select(devices.c.id).where(devices.c.user_id == user_id, devices.c.external_id == device.external_id)
    device_id: int = conn.execute(query.with_for_update()).scalar_one()
    conn.execute(
        update(devices)
        .where(devices.c.id == device_id)
        .values(name=device.name, source_type=device.source_type, last_seen_ms=now_ms)
    )
    return device_id


def _existing_coverage(conn: Connection, device_id: int, lo: int, hi: int) -> Coverage:
    rows = conn.execute(
        select(spans.c.start_ms, spans.c.end_ms).where(
            spans.c.device_id == device_id,
            spans.c.start_ms >= lo - MAX_SPAN_MS,
            spans.c.start_ms < hi,
            spans.c.end_ms > lo,
        )
    )
    return Coverage((s, e) for s, e in rows)


def record_batch(
    conn: Connection,
    *,
    user_id: int,
    device: DeviceRef,
    batch_id: str,
    items: list[Span],
    source_type: str,
    now_ms: int,
) -> IngestResult:
    if not lock_for_time_write(conn, user_id):
        # Deleted since the caller read it: the foreign keys would refuse the device.
        raise AccountGone(user_id)
    device_id = device_id_locked(conn, user_id, device, now_ms)
    batch_pk = conn.execute(
        _dialect(conn)
        .insert(batches)
        .values(
            device_id=device_id,
            batch_id=batch_id,
            received_ms=now_ms,
            span_count=len(items),
            stored_ms=0,
        )
        .on_conflict_do_nothing()
        .returning(batches.c.id)
    ).scalar()
    if batch_pk is None:
        return IngestResult(accepted=0, duplicate=True, recorded_ms=0)
    if not items:
        return IngestResult(accepted=0, duplicate=False, recorded_ms=0)

    activity_ids = resolve_activities(conn, user_id, (s.activity for s in items))
    # First recorded wins: time already stored for this device, then earlier spans of this batch.
    ordered = sorted(items, key=lambda s: (s.start_ms, s.end_ms))
    documents = [stored_document(s.document) for s in ordered]
    document_ids = resolve_documents(
        conn, ((activity_ids[s.activity], d) for s, d in zip(ordered, documents, strict=True) if d is not None)
    )
    coverage = _existing_coverage(conn, device_id, ordered[0].start_ms, max(s.end_ms for s in items))
    rows = []
    rollup_ms: defaultdict[tuple[int, int], int] = defaultdict(int)
    five_ms: defaultdict[tuple[int, int], int] = defaultdict(int)
    doc_ms: defaultdict[tuple[int, int, int], int] = defaultdict(int)
    for item, document in zip(ordered, documents, strict=True):
        activity_id = activity_ids[item.activity]
        document_id = None if document is None else document_ids[(activity_id, document)]
        rolled_document = tiers.NO_DOCUMENT if document_id is None else document_id
        for free_start, free_end in coverage.claim(item.start_ms, item.end_ms):
            for start, end in cut(free_start, free_end):
                rows.append((user_id, device_id, batch_pk, source_type, start, end, activity_id, document_id))
                bucket = rollup_bucket(start)
                ms = end - start
                rollup_ms[(bucket, activity_id)] += ms
                five_ms[(start - start % FIVE_MINUTES_MS, activity_id)] += ms
                doc_ms[(bucket, activity_id, rolled_document)] += ms
    recorded = sum(rollup_ms.values())
    if rows:
        insert_rows(
            conn,
            "spans",
            (
                ("user_id", "integer"),
                ("device_id", "integer"),
                ("batch_id", "integer"),
                ("source_type", "varchar"),
                ("start_ms", "bigint"),
                ("end_ms", "bigint"),
                ("activity_id", "integer"),
                ("document_id", "integer"),
            ),
            rows,
        )
        add_rollups(conn, user_id, source_type, rollup_ms, five_ms, doc_ms)
    conn.execute(update(batches).where(batches.c.id == batch_pk).values(stored_ms=recorded))
    return IngestResult(accepted=len(items), duplicate=False, recorded_ms=recorded)


def add_rollups(
    conn: Connection,
    user_id: int,
    source_type: str,
    amounts: dict[tuple[int, int], int],
    five_minutes: dict[tuple[int, int], int],
    documents: dict[tuple[int, int, int], int],
) -> None:
    """Add (15-minute bucket, activity) → ms, the same by 5-minute bucket, and by (15-minute bucket,
    activity, document or 0), to the rollups of every grain, in the caller's transaction.

    Every change of a user's time totals passes here (or through tiers.rebuild), so here the data
    version moves on, and the history version when the write reached back before yesterday."""
    insert_rows(
        conn,
        "rollups_5m",
        (
            ("user_id", "integer"),
            ("bucket_ms", "bigint"),
            ("activity_id", "integer"),
            ("source_type", "varchar"),
            ("duration_ms", "bigint"),
        ),
        [(user_id, bucket, activity_id, source_type, ms) for (bucket, activity_id), ms in sorted(five_minutes.items())],
        " ON CONFLICT (user_id, bucket_ms, activity_id, source_type)"
        " DO UPDATE SET duration_ms = rollups_5m.duration_ms + excluded.duration_ms",
    )
    zone = tiers.zone_of(conn, user_id)
    days = tiers.add(conn, user_id=user_id, zone=zone, source_type=source_type, amounts=amounts, documents=documents)
    bump_data_version(conn, user_id, days)
    insert_rows(
        conn,
        "rollups",
        (
            ("user_id", "integer"),
            ("bucket_ms", "bigint"),
            ("source_type", "varchar"),
            ("activity_id", "integer"),
            ("duration_ms", "bigint"),
        ),
        [(user_id, bucket, source_type, activity_id, ms) for (bucket, activity_id), ms in sorted(amounts.items())],
        " ON CONFLICT (user_id, bucket_ms, source_type, activity_id)"
        " DO UPDATE SET duration_ms = rollups.duration_ms + excluded.duration_ms",
    )
