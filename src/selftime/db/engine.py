"""Engine construction. SQLite gets WAL, foreign keys, a busy timeout and IMMEDIATE write transactions."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger("selftime.db")

# SQLite checkpoints the WAL into the database after every ~4 MB of writes, but it can start the
# file over only at a moment when no reader is using it. A server with dashboards polling and
# agents syncing always has some read under way, so the file grew by every write, for good: 950 MB
# beside a 107 MB database after four minutes of mixed load (and each connection's page cache
# filled with pages read from it). Past this size, the write that finds it so waits for the reads
# under way to finish and truncates it (see Database.write).
WAL_LIMIT_BYTES = 64 * 1024 * 1024
# How long that write waits for the readers, at most (ms); writers queued behind it wait on
# busy_timeout (10 s), so a very long read makes it give up and a later write try again.
_CHECKPOINT_WAIT_MS = 2000
_BUSY_TIMEOUT_MS = 10000


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event own transaction start (pysqlite's own BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA temp_store=MEMORY")
        # Pages come straight from the OS cache, so a connection's first query is not a cold one.
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # A deferred transaction that reads then writes can fail with SQLITE_BUSY without waiting;
        # taking the write lock up front makes writers queue on busy_timeout instead.
        if conn.get_execution_options().get("selftime_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def build_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: under light load the same few connections (and their warm page caches) serve requests.
        engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=8, pool_use_lifo=True)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True, pool_use_lifo=True)


class Database:
    """The app's handle on storage: short read transactions and serialized write transactions."""

    def __init__(self, engine: Engine, *, wal_limit_bytes: int = WAL_LIMIT_BYTES) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        database = engine.url.database if self.is_sqlite else None
        self._wal_path = f"{database}-wal" if database and database != ":memory:" else None
        self._wal_limit_bytes = wal_limit_bytes
        self._checkpointing = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(selftime_write=True)
            with conn.begin():
                yield conn
            if self._wal_path is not None:
                self._truncate_wal_if_large(conn)

    def _truncate_wal_if_large(self, conn: Connection) -> None:
        """After a commit: when the WAL has grown past its limit, checkpoint it whole and truncate it.
        A TRUNCATE checkpoint waits (at most _CHECKPOINT_WAIT_MS) for the reads under way, which
        take milliseconds, while new reads go on from the database file; writers queue meanwhile."""
        assert self._wal_path is not None
        try:
            size = os.stat(self._wal_path).st_size
        except OSError:
            return
        if size <= self._wal_limit_bytes or not self._checkpointing.acquire(blocking=False):
            return
        try:
            # The driver's own connection: through SQLAlchemy the statement would open a transaction.
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(f"PRAGMA busy_timeout={_CHECKPOINT_WAIT_MS}")
                busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
                cursor.close()
            if busy:
                log.warning("the WAL (%d MB) could not be truncated: a read outlasted the wait", size >> 20)
            else:
                log.info("truncated the WAL (%d MB) after a full checkpoint", size >> 20)
        except Exception:
            # The write has committed; a failed checkpoint only leaves the file as long as it was.
            log.exception("checkpointing the WAL (%d MB) failed", size >> 20)
        finally:
            self._checkpointing.release()

    def dispose(self) -> None:
        self.engine.dispose()
