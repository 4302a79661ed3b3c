"""The ActivityWatch buckets and events the agent receives, and their conversion into queued spans.

They live in the agent's SQLite file (`agent.sqlite3`), in tables of their own and through a connection of their
own, written with synchronous=FULL: a heartbeat that was answered survives a crash. Each bucket whose time is counted
(a window bucket, or a web bucket on a machine without one) has a "converted through" cursor: time before it has
been handed to the durable queue. Only final time is converted, because a later heartbeat can still extend an event
and aw-watcher-afk reports going AFK only after its timeout, backdated: see `horizon` and docs/activitywatch.md."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.domain.activitywatch import (
    CONVERTED_TYPES,
    FLOOD_PULSETIME_S,
    WINDOW,
    AwEvent,
    Bucket,
    event_json,
    heartbeat_merge,
    iso,
)
from selftime.domain.aw_conversion import group_buckets, web_spans, window_spans

log = logging.getLogger("selftime.agent.aw")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS aw_buckets (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, client TEXT NOT NULL, hostname TEXT NOT NULL, created TEXT NOT NULL,
    pulsetime_ms INTEGER NOT NULL DEFAULT 0, converted_through_ms INTEGER);
CREATE TABLE IF NOT EXISTS aw_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, bucket_id TEXT NOT NULL, start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aw_events_by_start ON aw_events (bucket_id, start_ms);
CREATE INDEX IF NOT EXISTS aw_events_by_end ON aw_events (bucket_id, end_ms);
CREATE TABLE IF NOT EXISTS aw_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# How late a watcher's report may arrive after the time it describes, beyond its heartbeats' pulsetime: aw-client
# pre-merges queued heartbeats and commits them every 10 s by default; the rest is slack for a busy machine.
LATE_MS = 60_000
# Neighbouring events that flood() needs to treat the edges of a converted stretch as ActivityWatch would.
_CONTEXT_MS = 10 * 60_000
# Converted events are kept this long (GET .../events and the export show them), then pruned.
RETAIN_MS = 7 * 24 * 3600_000
_PRUNE_EVERY_MS = 3600_000
_FLOOD_MS = round(FLOOD_PULSETIME_S * 1000)
_NEVER = -(2**62)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class NoSuchBucket(LookupError):
    def __init__(self, bucket_id: str) -> None:
        super().__init__(f"There's no bucket named {bucket_id}")


def _event(row: Sequence[Any]) -> AwEvent:
    """(start_ms, end_ms, data) → AwEvent."""
    return AwEvent(row[0], row[1] - row[0], json.loads(row[2]))


class AwStore:
    """Thread-safe: the HTTP handlers and the converter share one instance."""

    def __init__(self, path: Path, clock_ms: Callable[[], int] = wall_ms) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.clock_ms = clock_ms
        # When each bucket last received events, and when this store was opened (the agent started): see horizon().
        self._arrived: dict[str, int] = {}
        self._started_ms = clock_ms()
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._pruned_at: int | None = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _bucket_row(self, bucket_id: str) -> tuple[Any, ...]:
        row = self._db.execute(
            "SELECT id, type, client, hostname, created, converted_through_ms FROM aw_buckets WHERE id = ?",
            (bucket_id,),
        ).fetchone()
        if row is None:
            raise NoSuchBucket(bucket_id)
        return tuple(row)

    # --- buckets ---------------------------------------------------------------------------------------------

    def device_id(self) -> str:
        with self._write() as db:
            row = db.execute("SELECT value FROM aw_state WHERE key = 'device_id'").fetchone()
            if row is not None:
                return str(row[0])
            made = str(uuid.uuid4())
            db.execute("INSERT INTO aw_state (key, value) VALUES ('device_id', ?)", (made,))
            return made

    @staticmethod
    def _metadata(row: Sequence[Any]) -> dict[str, Any]:
        """As aw-server 0.12 describes a bucket (its name is None unless renamed, which aw-client cannot do)."""
        bucket_id, kind, client, hostname, created = row[:5]
        meta = {"id": bucket_id, "name": None, "type": kind, "client": client, "hostname": hostname}
        return meta | {"created": created, "data": {}}

    def buckets(self) -> dict[str, dict[str, Any]]:
        """Every bucket, with `last_updated` (its latest event's end) when it has events."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, type, client, hostname, created, (SELECT MAX(end_ms) FROM aw_events e"
                " WHERE e.bucket_id = b.id) FROM aw_buckets b ORDER BY id"
            ).fetchall()
        out = {}
        for row in rows:
            out[row[0]] = self._metadata(row)
            if row[5] is not None:
                out[row[0]]["last_updated"] = iso(row[5])
        return out

    def bucket(self, bucket_id: str) -> dict[str, Any]:
        with self._lock:
            return self._metadata(self._bucket_row(bucket_id))

    def create_bucket(self, bucket_id: str, kind: str, client: str, hostname: str) -> bool:
        """False when the bucket already exists (aw-server then answers 304 and changes nothing)."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO aw_buckets (id, type, client, hostname, created) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (bucket_id, kind, client, hostname, iso(self.clock_ms())),
            )
            return cursor.rowcount == 1

    def delete_bucket(self, bucket_id: str) -> None:
        """Its events go; whatever was already converted stays queued (or sent)."""
        with self._write() as db:
            self._bucket_row(bucket_id)
            db.execute("DELETE FROM aw_events WHERE bucket_id = ?", (bucket_id,))
            db.execute("DELETE FROM aw_buckets WHERE id = ?", (bucket_id,))

    # --- events ----------------------------------------------------------------------------------------------

    def _note_late(self, bucket: Sequence[Any], start_ms: int) -> None:
        cursor = bucket[5]
        if cursor is not None and start_ms < cursor:
            log.warning(
                "ActivityWatch bucket %s received an event for time already converted (%s); that part is not sent",
                bucket[0],
                iso(start_ms),
            )

    def heartbeat(self, bucket_id: str, heartbeat: AwEvent, pulsetime_s: float) -> dict[str, Any]:
        """aw-server's heartbeat: merged into the bucket's latest event by heartbeat_merge, else a new event."""
        with self._write() as db:
            bucket = self._bucket_row(bucket_id)
            self._arrived[bucket_id] = self.clock_ms()
            last = db.execute(
                "SELECT id, start_ms, end_ms, data FROM aw_events WHERE bucket_id = ?"
                " ORDER BY start_ms DESC, id DESC LIMIT 1",
                (bucket_id,),
            ).fetchone()
            merged = None if last is None else heartbeat_merge(_event(last[1:]), heartbeat, pulsetime_s)
            if merged is not None:
                db.execute("UPDATE aw_events SET end_ms = ? WHERE id = ?", (merged.end_ms, last[0]))
                result, event_id = merged, last[0]
            else:
                self._note_late(bucket, heartbeat.start_ms)
                event_id = db.execute(
                    "INSERT INTO aw_events (bucket_id, start_ms, end_ms, data) VALUES (?, ?, ?, ?)",
                    (bucket_id, heartbeat.start_ms, heartbeat.end_ms, json.dumps(heartbeat.data)),
                ).lastrowid
                result = heartbeat
            # The pulsetime says how long after an event's end a heartbeat may still extend it: see horizon().
            db.execute(
                "UPDATE aw_buckets SET pulsetime_ms = MAX(pulsetime_ms, ?) WHERE id = ?",
                (round(max(pulsetime_s, 0) * 1000), bucket_id),
            )
        return event_json(result, event_id)

    def insert(self, bucket_id: str, events: Sequence[AwEvent]) -> dict[str, Any] | None:
        """Inserted as they are; the event (with its id) when there was one, as aw-server answers."""
        with self._write() as db:
            bucket = self._bucket_row(bucket_id)
            self._arrived[bucket_id] = self.clock_ms()
            event_id = None
            for event in events:
                self._note_late(bucket, event.start_ms)
                event_id = db.execute(
                    "INSERT INTO aw_events (bucket_id, start_ms, end_ms, data) VALUES (?, ?, ?, ?)",
                    (bucket_id, event.start_ms, event.end_ms, json.dumps(event.data)),
                ).lastrowid
        return event_json(events[0], event_id) if len(events) == 1 else None

    def events(
        self, bucket_id: str, limit: int = -1, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first; with start/end, the events that overlap them, trimmed to them (aw-server's rule, which
        moves the end one millisecond on "to ensure events aren't missed")."""
        if limit == 0:
            return []
        end_ms = None if end_ms is None else end_ms + 1
        where, params = self._range(bucket_id, start_ms, end_ms)
        with self._lock:
            self._bucket_row(bucket_id)
            rows = self._db.execute(
                f"SELECT id, start_ms, end_ms, data FROM aw_events WHERE {where}"
                " ORDER BY start_ms DESC, id DESC LIMIT ?",
                (*params, limit if limit > 0 else -1),
            ).fetchall()
        out = []
        for event_id, start, end, data in rows:
            start = start if start_ms is None else max(start, start_ms)
            end = end if end_ms is None else min(end, end_ms)
            out.append(event_json(AwEvent(start, end - start, json.loads(data)), event_id))
        return out

    @staticmethod
    def _range(bucket_id: str, start_ms: int | None, end_ms: int | None) -> tuple[str, list[Any]]:
        where: list[str] = ["bucket_id = ?"]
        params: list[Any] = [bucket_id]
        if start_ms is not None:
            where.append("end_ms >= ?")
            params.append(start_ms)
        if end_ms is not None:
            where.append("start_ms <= ?")
            params.append(end_ms)
        return " AND ".join(where), params

    def count(self, bucket_id: str, start_ms: int | None = None, end_ms: int | None = None) -> int:
        where, params = self._range(bucket_id, start_ms, end_ms)
        with self._lock:
            self._bucket_row(bucket_id)
            return int(self._db.execute(f"SELECT COUNT(*) FROM aw_events WHERE {where}", params).fetchone()[0])

    def event(self, bucket_id: str, event_id: int) -> dict[str, Any] | None:
        with self._lock:
            self._bucket_row(bucket_id)
            row = self._db.execute(
                "SELECT start_ms, end_ms, data FROM aw_events WHERE bucket_id = ? AND id = ?", (bucket_id, event_id)
            ).fetchone()
        return None if row is None else event_json(_event(row), event_id)

    def delete_event(self, bucket_id: str, event_id: int) -> bool:
        with self._write() as db:
            self._bucket_row(bucket_id)
            return (
                db.execute("DELETE FROM aw_events WHERE bucket_id = ? AND id = ?", (bucket_id, event_id)).rowcount > 0
            )

    def export(self, bucket_id: str | None = None) -> dict[str, Any]:
        """aw-server's export: {"buckets": {id: metadata + events (newest first, without ids)}}."""
        with self._lock:
            ids = [bucket_id] if bucket_id is not None else list(self.buckets())
            out = {}
            for bid in ids:
                meta = self.bucket(bid)
                rows = self._db.execute(
                    "SELECT start_ms, end_ms, data FROM aw_events WHERE bucket_id = ? ORDER BY start_ms DESC, id DESC",
                    (bid,),
                ).fetchall()
                events = []
                for row in rows:
                    event = event_json(_event(row))
                    del event["id"]
                    events.append(event)
                out[bid] = meta | {"events": events}
        return {"buckets": out}

    # --- conversion --------------------------------------------------------------------------------------------

    def horizon(self, now_ms: int) -> int:
        """The time before which every converted bucket's events are final, less flood()'s 5 s (so the edge is
        flooded as it will be once the neighbours are in).

        A bucket that is still reporting (it received events less than its pulsetime + LATE_MS ago) is known through
        its latest event's end: that is how far its watcher has told, and a watcher re-sending what it queued while
        the agent was down reports hours-old time. For that long after the agent starts every bucket counts as
        reporting, to let the watchers reconnect and re-send. A bucket that has gone quiet is known through now
        less its pulsetime and LATE_MS: a heartbeat may still extend an event up to pulsetime after its end (185 s for
        aw-watcher-afk, whose timeout it bridges), and what a watcher sends next is about the present."""
        marks = ",".join("?" * len(CONVERTED_TYPES))
        rows = self._db.execute(
            "SELECT b.id, b.pulsetime_ms, (SELECT MAX(end_ms) FROM aw_events e WHERE e.bucket_id = b.id)"
            f" FROM aw_buckets b WHERE b.type IN ({marks})",
            CONVERTED_TYPES,
        ).fetchall()
        started = self._started_ms
        known = []
        for bucket_id, pulse, last in rows:
            reporting = now_ms - max(self._arrived.get(bucket_id, started), started) < pulse + LATE_MS
            if reporting:
                known.append(_NEVER if last is None else last)
            else:
                known.append(now_ms - pulse - LATE_MS if last is None else max(last, now_ms - pulse - LATE_MS))
        return min([now_ms, *known]) - _FLOOD_MS

    def converted_through(self, bucket_id: str) -> int | None:
        """The bucket's cursor: its time before this has been queued (None: none yet)."""
        with self._lock:
            cursor = self._bucket_row(bucket_id)[5]
        return None if cursor is None else int(cursor)

    def _around(self, bucket_id: str, lo_ms: int, hi_ms: int) -> list[AwEvent]:
        rows = self._db.execute(
            "SELECT start_ms, end_ms, data FROM aw_events WHERE bucket_id = ? AND end_ms > ? AND start_ms < ?",
            (bucket_id, lo_ms - _CONTEXT_MS, hi_ms + _CONTEXT_MS),
        ).fetchall()
        return [_event(r) for r in rows]

    def convert(self, queue: LocalQueue, now_ms: int | None = None) -> int:
        """Hand every final stretch not yet converted to the queue; returns the number of spans queued.

        The spans are queued before the cursor moves: a crash in between queues that stretch again, which the server
        counts once (time a device already recorded is not counted twice)."""
        now_ms = self.clock_ms() if now_ms is None else now_ms
        queued = 0
        marks: list[int | None] = []  # each counted bucket's cursor after this pass
        with self._lock:
            horizon = self.horizon(now_ms)
            rows = self._db.execute(
                "SELECT id, type, client, hostname, converted_through_ms FROM aw_buckets"
            ).fetchall()
            cursors = {r[0]: r[4] for r in rows}
            for group in group_buckets(Bucket(r[0], r[1], r[3], r[2]) for r in rows):
                for primary in group.primaries:
                    lo = cursors[primary.id]
                    if lo is None:
                        lo = self._db.execute(
                            "SELECT MIN(start_ms) FROM aw_events WHERE bucket_id = ?", (primary.id,)
                        ).fetchone()[0]
                    if lo is None or horizon <= lo:
                        marks.append(lo)
                        continue
                    queued += self._convert_one(queue, group.afk, group.web, primary, lo, horizon)
                    marks.append(horizon)
            self._prune(now_ms, marks)
        return queued

    def _convert_one(
        self, queue: LocalQueue, afk: list[Bucket], web: list[Bucket], primary: Bucket, lo: int, hi: int
    ) -> int:
        afk_events = [e for b in afk for e in self._around(b.id, lo, hi)] if afk else None
        if primary.type == WINDOW:
            pages = [(b.id, self._around(b.id, lo, hi)) for b in web]
            spans = window_spans(self._around(primary.id, lo, hi), afk_events, pages, lo, hi)
        else:
            spans = web_spans(primary.id, self._around(primary.id, lo, hi), afk_events, lo, hi)
        queue.add([QueuedSpan(s.start_ms, s.end_ms, s.application, s.title, s.url, source="aw") for s in spans])
        with self._write() as db:
            db.execute("UPDATE aw_buckets SET converted_through_ms = ? WHERE id = ?", (hi, primary.id))
        return len(spans)

    def _prune(self, now_ms: int, marks: list[int | None]) -> None:
        """Events that ended RETAIN_MS before every cursor (and before now) go, at most once an hour; none while a
        counted bucket has events but no cursor yet."""
        if None in marks or (self._pruned_at is not None and now_ms - self._pruned_at < _PRUNE_EVERY_MS):
            return
        self._pruned_at = now_ms
        before = min([now_ms, *(m for m in marks if m is not None)]) - RETAIN_MS
        with self._write() as db:
            db.execute("DELETE FROM aw_events WHERE end_ms < ?", (before,))
