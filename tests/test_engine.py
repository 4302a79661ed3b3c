"""The SQLite engine under a server's load: what the database files do over time."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from selftime.db.engine import Database, build_engine

BLOB = 64 * 1024


def _overlapping_reads(path: Path, stop: threading.Event, started: threading.Event) -> None:
    """Reads that pass a baton, as a server's dashboards do: each begins before the one before it
    ends, so at every moment some read is under way."""
    conns = [sqlite3.connect(path, isolation_level=None, check_same_thread=False) for _ in range(2)]
    try:
        current = 0
        conns[current].execute("BEGIN")
        conns[current].execute("SELECT count(*) FROM t").fetchone()
        started.set()
        while not stop.is_set():
            following = 1 - current
            conns[following].execute("BEGIN")
            conns[following].execute("SELECT count(*) FROM t").fetchone()
            conns[current].execute("COMMIT")
            current = following
        conns[current].execute("COMMIT")
    finally:
        for conn in conns:
            conn.close()


def test_the_wal_stays_bounded_while_reads_overlap_writes(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    limit = 1024 * 1024
    db = Database(build_engine(f"sqlite:///{path}"), wal_limit_bytes=limit)
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x BLOB)")
    stop, started = threading.Event(), threading.Event()
    reader = threading.Thread(target=_overlapping_reads, args=(path, stop, started))
    reader.start()
    try:
        started.wait()
        largest = 0
        for _ in range(160):  # 10 MB of writes
            with db.write() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (?)", (os.urandom(BLOB),))
            largest = max(largest, os.stat(f"{path}-wal").st_size)
    finally:
        stop.set()
        reader.join()
        db.dispose()
    # SQLite alone checkpoints but never starts the file over while some read is under way: it held
    # every write. Now it is truncated when it passes the limit, by at most one write.
    assert largest <= limit + 2 * BLOB
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone() == (160,)
