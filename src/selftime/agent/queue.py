"""The agent's durable local queue: SQLite in the data dir, written before anything is sent.

A span goes into `pending` the moment it is known; `seal` freezes pending spans into batches with a fixed
batch id and body, and a batch is deleted only after the server acknowledged it. So a crash (kill -9), a
server down for days or a sleeping laptop lose nothing, and a retry re-sends the very same batch, which the
server's (device, batch_id) idempotency counts once. The span still being recorded is checkpointed every
few seconds, so a crash loses at most the time since the last checkpoint."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    application TEXT, title TEXT, url TEXT, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sealed (
    batch_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, span_count INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_spans (
    source TEXT PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    application TEXT, title TEXT, url TEXT);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY, refused_ms INTEGER NOT NULL, batch_id TEXT NOT NULL, error TEXT NOT NULL,
    body TEXT NOT NULL);
"""


@dataclass(frozen=True)
class QueuedSpan:
    start_ms: int
    end_ms: int
    application: str | None
    title: str | None = None
    url: str | None = None
    source: str = "window"


@dataclass(frozen=True)
class SealedBatch:
    batch_id: str
    span_count: int
    body: str  # JSON array of the ingest API's span objects, frozen at sealing

    @property
    def spans(self) -> list[dict[str, object]]:
        return json.loads(self.body)  # type: ignore[no-any-return]


def rfc3339(ms: int) -> str:
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _wire(span: tuple[int, int, str | None, str | None, str | None]) -> dict[str, object]:
    start, end, application, title, url = span
    return {
        "start": rfc3339(start),
        "end": rfc3339(end),
        "application": _without_nul(application),
        "title": _without_nul(title),
        "url": _without_nul(url),
    }


def _without_nul(text: str | None) -> str | None:
    # The server refuses a whole request holding U+0000 without naming the span, so one such title (a web
    # page's, through the ActivityWatch endpoints) would set a whole batch aside. It carries nothing.
    return text.replace("\x00", "") if text else text


class LocalQueue:
    """Thread-safe: the recorder, the ActivityWatch endpoints and the syncer share one instance."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # autocommit mode; every change below is one explicit transaction.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, spans: Sequence[QueuedSpan]) -> None:
        rows = [(s.start_ms, s.end_ms, s.application, s.title, s.url, s.source) for s in spans if s.end_ms > s.start_ms]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO pending (start_ms, end_ms, application, title, url, source) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.execute("COMMIT")

    def checkpoint(self, source: str, span: QueuedSpan | None) -> None:
        """Remember the span still being recorded for `source` (None: there is none)."""
        with self._lock:
            if span is None:
                self._db.execute("DELETE FROM open_spans WHERE source = ?", (source,))
                return
            self._db.execute(
                "INSERT INTO open_spans (source, start_ms, end_ms, application, title, url) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,"
                " application = excluded.application, title = excluded.title, url = excluded.url",
                (source, span.start_ms, span.end_ms, span.application, span.title, span.url),
            )

    def close_span(self, source: str, span: QueuedSpan | None) -> None:
        """The open span of `source` is final: queue it (None: nothing to keep) and drop its checkpoint, in
        one transaction, so a crash cannot leave both the span and a longer checkpoint of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            if span is not None and span.end_ms > span.start_ms:
                self._db.execute(
                    "INSERT INTO pending (start_ms, end_ms, application, title, url, source) VALUES (?, ?, ?, ?, ?, ?)",
                    (span.start_ms, span.end_ms, span.application, span.title, span.url, span.source),
                )
            self._db.execute("DELETE FROM open_spans WHERE source = ?", (source,))
            self._db.execute("COMMIT")

    def recover(self) -> int:
        """At start: spans that were still open when the agent died become pending, up to their last
        checkpoint. Returns how many."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            found = self._db.execute(
                "SELECT source, start_ms, end_ms, application, title, url FROM open_spans WHERE end_ms > start_ms"
            ).fetchall()
            self._db.executemany(
                "INSERT INTO pending (start_ms, end_ms, application, title, url, source) VALUES (?, ?, ?, ?, ?, ?)",
                [(s, e, a, t, u, src) for src, s, e, a, t, u in found],
            )
            self._db.execute("DELETE FROM open_spans")
            self._db.execute("COMMIT")
        return len(found)

    def seal(self, max_spans: int = 1000) -> list[SealedBatch]:
        """Freeze every pending span into batches of at most `max_spans`; returns the new batches."""
        made = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM sealed").fetchone()[0]
            while True:
                rows = self._db.execute(
                    "SELECT id, start_ms, end_ms, application, title, url FROM pending ORDER BY start_ms, id LIMIT ?",
                    (max_spans,),
                ).fetchall()
                if not rows:
                    break
                seq += 1
                batch = SealedBatch(uuid.uuid4().hex, len(rows), json.dumps([_wire(r[1:]) for r in rows]))
                self._db.execute(
                    "INSERT INTO sealed (batch_id, seq, span_count, body) VALUES (?, ?, ?, ?)",
                    (batch.batch_id, seq, batch.span_count, batch.body),
                )
                self._db.executemany("DELETE FROM pending WHERE id = ?", [(r[0],) for r in rows])
                made.append(batch)
            self._db.execute("COMMIT")
        return made

    def sealed(self) -> list[SealedBatch]:
        with self._lock:
            rows = self._db.execute("SELECT batch_id, span_count, body FROM sealed ORDER BY seq").fetchall()
        return [SealedBatch(*r) for r in rows]

    def ack(self, batch_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sealed WHERE batch_id = ?", (batch_id,))

    def refuse(self, batch_id: str, error: str, now_ms: int, index: int | None = None) -> SealedBatch | None:
        """Set aside what the server refused (a 400), so that it does not block the queue forever: span
        `index` of the batch, or the whole batch when `index` is None. The batch's other spans go on as a
        new batch in the same place in the order; it gets a new id, as an id always names one body (the
        server stored nothing of the refused one). Returns that replacement, if any."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT seq, body FROM sealed WHERE batch_id = ?", (batch_id,)).fetchone()
            if row is None:
                self._db.execute("COMMIT")
                return None
            seq, body = row
            spans = json.loads(body)
            if index is None or not 0 <= index < len(spans):
                refused, rest = spans, []
            else:
                refused, rest = [spans[index]], spans[:index] + spans[index + 1 :]
            self._db.execute(
                "INSERT INTO refused (refused_ms, batch_id, error, body) VALUES (?, ?, ?, ?)",
                (now_ms, batch_id, error, json.dumps(refused)),
            )
            self._db.execute("DELETE FROM sealed WHERE batch_id = ?", (batch_id,))
            replacement = None
            if rest:
                replacement = SealedBatch(uuid.uuid4().hex, len(rest), json.dumps(rest))
                self._db.execute(
                    "INSERT INTO sealed (batch_id, seq, span_count, body) VALUES (?, ?, ?, ?)",
                    (replacement.batch_id, seq, replacement.span_count, replacement.body),
                )
            self._db.execute("COMMIT")
        return replacement

    def refused_count(self) -> int:
        """Spans the server refused, kept aside in the `refused` table (see `refuse`)."""
        with self._lock:
            bodies = self._db.execute("SELECT body FROM refused").fetchall()
        return sum(len(json.loads(b)) for (b,) in bodies)

    def pending_count(self) -> int:
        """Spans not yet acknowledged by the server: pending ones plus those in sealed batches."""
        with self._lock:
            pending = self._db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
            sealed = self._db.execute("SELECT COALESCE(SUM(span_count), 0) FROM sealed").fetchone()[0]
        return int(pending) + int(sealed)

    def get(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set(self, key: str, value: str | None) -> None:
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM state WHERE key = ?", (key,))
            else:
                self._db.execute(
                    "INSERT INTO state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
