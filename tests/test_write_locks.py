"""Writes of one account that meet in the database: each must wait for the other, never deadlock.

On PostgreSQL every write that changes an account's time or catalog takes the account's row first
(store.users.lock_for_time_write); one that takes it late can hold what the other waits for. Each test
holds one transaction open at the point of conflict, starts the other in a thread, waits until the
database shows it blocked, then finishes the first: both must commit. On SQLite the second simply
queues for the write lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from selftime.categorize import categorize
from selftime.db.engine import Database
from selftime.db.tables import activities
from selftime.store import catalog
from selftime.store.users import lock_for_time_write


def _blocked_backends(db: Database) -> int:
    with db.read() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar_one()
        )


def _while_blocked(
    db: Database,
    first: Callable[[Connection], Any],
    other: Callable[[Connection], Any],
    then: Callable[[Connection], Any],
) -> list[Any]:
    """In one write transaction run `first`, then `other` in its own write transaction in a thread
    until it waits on this one, then `then` here, and commit. Returns `other`'s result, or the
    error it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            with db.write() as conn:
                outcome.append(other(conn))
        except Exception as exc:  # reported to the test, which names it
            outcome.append(exc)

    with db.write() as conn:
        first(conn)
        other_thread = threading.Thread(target=run)
        other_thread.start()
        deadline = time.monotonic() + 5
        if db.is_sqlite:
            time.sleep(0.2)  # it queues on the write lock; nothing in the database to watch
        else:
            while _blocked_backends(db) == 0:
                assert other_thread.is_alive(), outcome
                assert time.monotonic() < deadline, "the other transaction never blocked"
                time.sleep(0.02)
        then(conn)
    other_thread.join(10)
    assert not other_thread.is_alive()
    return outcome


def test_categorizing_a_new_activity_while_a_batch_of_it_is_written(db, account):
    """A categorization of an activity that a batch is creating at the same moment: the
    categorization inserted the activity, then waited for the account's row (the foreign key's
    check), which the batch held while it waited for that same activity (PostgreSQL: 'deadlock
    detected', a 503 for one of them)."""

    def categorization(conn: Connection) -> Any:
        return categorize(conn, user_id=account.id, activity="newtool", category=None, top=None, productivity=2)

    outcome = _while_blocked(
        db,
        lambda conn: lock_for_time_write(conn, account.id),  # as record_batch starts
        categorization,
        lambda conn: catalog.resolve_activities(conn, account.id, ["newtool"]),  # then its activities
    )
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    assert outcome[0].productivity == 2
    with db.read() as conn:
        names = conn.execute(select(activities.c.name).where(activities.c.user_id == account.id)).scalars().all()
    assert names == ["newtool"]
