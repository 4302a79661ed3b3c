"""Writes of one account that meet in the database: each must wait for the other, never deadlock,
and a write that finds the account deleted says so.

On PostgreSQL every write that changes an account's time or catalog, and its deletion, take the
account's row first (store.users.lock_for_time_write); one that takes it late can hold what the
other waits for. Each race test holds one transaction open at the point of conflict, starts the other
in a thread, waits until the database shows it blocked, then finishes the first: both must commit.
On SQLite the second simply queues for the write lock."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from selftime.api.auth import user_for_key
from selftime.api.errors import ApiError
from selftime.api.ingest import ingest
from selftime.api.offline import offline_time_post
from selftime.categorize import categorize
from selftime.db.engine import Database
from selftime.db.tables import activities, batches, devices, rollups, spans, users
from selftime.domain.ingest import Span
from selftime.domain.zone import to_ms
from selftime.store import account_data, catalog
from selftime.store.ingest import DeviceRef, record_batch
from selftime.store.users import lock_for_time_write
from tests.conftest import batch, span

DEVICE = DeviceRef("laptop", "laptop", "computers")


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


def _one_span_batch(conn: Connection, user_id: int, batch_id: str) -> Any:
    start = to_ms(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))
    item = Span(start, start + 60_000, "code", None)
    return record_batch(
        conn, user_id=user_id, device=DEVICE, batch_id=batch_id, items=[item], source_type="computers", now_ms=start
    )


def test_deleting_the_account_while_a_batch_is_written(db, account):
    """The deletion removed the account's rollups and devices, then waited for the account's row,
    which the batch held while it waited to add to those rollups (PostgreSQL: 'deadlock detected')."""
    with db.write() as conn:
        _one_span_batch(conn, account.id, "earlier")
    outcome = _while_blocked(
        db,
        lambda conn: lock_for_time_write(conn, account.id),  # as record_batch starts
        lambda conn: account_data.delete_everything(conn, account.id),
        lambda conn: _one_span_batch(conn, account.id, "now"),
    )
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    with db.read() as conn:
        for table in (spans, batches, devices, rollups, users):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0, table.name


def test_a_batch_that_reaches_the_database_after_its_account_was_deleted_is_401(client, account, db):
    """Its key was checked, then the account was deleted before the batch's transaction began: the
    foreign keys refused the device, and ingest answered that IntegrityError as `duplicate: true`
    (an agent drops a duplicate batch as sent). Now the key's owner is gone, as a new request finds."""
    svc = client.app.state.services
    user = user_for_key(svc, account.key)
    assert user is not None
    with db.write() as conn:
        account_data.delete_everything(conn, account.id)
    body = json.dumps(batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])).encode()
    with pytest.raises(ApiError) as refused:
        ingest(svc, user, body)
    assert (refused.value.status, refused.value.kind) == (401, "key not found")
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar_one() == 0


def test_offline_time_that_reaches_the_database_after_its_account_was_deleted_is_key_not_found(client, account, db):
    """The same for offline time, which was a 500 (the foreign key's IntegrityError)."""
    svc = client.app.state.services
    user = user_for_key(svc, account.key)
    assert user is not None
    with db.write() as conn:
        account_data.delete_everything(conn, account.id)
    params = {"start_time": "2026-11-30 09:00", "duration": "30", "activity_name": "Meeting"}
    response = offline_time_post(svc, user, params)
    assert (response.status_code, json.loads(response.body)) == (
        400,
        {"error": "# key not found", "messages": "key not found"},
    )
