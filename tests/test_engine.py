"""The SQLite engine under a server's load: what the database files do over time."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade

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


def test_a_stopped_server_leaves_the_database_whole_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "served.sqlite3"
    db = Database(build_engine(f"sqlite:///{path}"))
    upgrade(db.engine)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{path}", maintenance_interval_seconds=0)
    with TestClient(create_app(settings, db=db, close_db_on_shutdown=True)) as client:
        assert client.get("/healthz").status_code == 200
        with db.write() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x BLOB)")
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", (os.urandom(BLOB),))
        assert Path(f"{path}-wal").exists()
    # The pool's connections were closed at shutdown: the last one checkpointed and removed the WAL,
    # so the file alone (a copy of it, a backup by the file) holds every write.
    assert not Path(f"{path}-wal").exists()
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as alone:
        assert alone.execute("SELECT count(*) FROM t").fetchone() == (1,)
