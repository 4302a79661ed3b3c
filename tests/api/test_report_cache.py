"""Cached Analytic Data API bodies: after every kind of write, from this process or another, the
answer is byte for byte what a server without the cache computes; writes that change nothing keep
the entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from selftime.db.engine import Database
from selftime.db.tables import users
from selftime.report_cache import ReportCache
from selftime.store import account_data
from tests.api.report_helpers import HISTORY, QUERIES, WRITES, body, catalog_version, offline_meeting, reports
from tests.conftest import Account, batch, send, span


def warm(client: TestClient, account: Account) -> None:
    """Every query asked twice: the second time from the cache."""
    for params in QUERIES:
        body(client, account, params)
    hits = reports(client).hits
    for params in QUERIES:
        body(client, account, params)
    assert reports(client).hits == hits + len(QUERIES)


def assert_as_computed(client: TestClient, plain: TestClient, account: Account) -> None:
    for params in QUERIES:
        assert body(client, account, params) == body(plain, account, params), params


def data_version(db: Database, user_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(users.c.data_version).where(users.c.id == user_id)).scalar_one())


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_after_every_write_the_answer_is_the_computed_one(client, plain, account, settings, db, write):
    send(client, account, HISTORY)
    offline_meeting(client, account, "2026-11-30 07:00:00")
    warm(client, account)
    before = [body(plain, account, q) for q in QUERIES]
    before_catalog = catalog_version(db, account.id)
    WRITES[write](client, plain, account, settings)
    if "categorized" not in write:  # no new activity: only the data version can tell
        assert catalog_version(db, account.id) == before_catalog
    assert_as_computed(client, plain, account)
    assert [body(plain, account, q) for q in QUERIES] != before  # the write did change the answers


def test_writes_that_change_nothing_keep_the_entries(client, plain, account, db):
    repeated = batch(HISTORY, batch_id="once")
    headers = {"Authorization": f"Bearer {account.key}"}
    assert client.post("/api/v1/activity", json=repeated, headers=headers).json()["accepted"] == 3
    warm(client, account)
    version = data_version(db, account.id)
    assert client.post("/api/v1/activity", json=repeated, headers=headers).json()["duplicate"] is True
    send(client, account, HISTORY[1:2], batch_id="overlap")  # time already recorded for the device
    assert data_version(db, account.id) == version
    hits = reports(client).hits
    assert_as_computed(client, plain, account)
    assert reports(client).hits == hits + len(QUERIES)


def test_a_new_day_is_a_new_question(client, plain, account, clock):
    send(client, account, HISTORY)
    warm(client, account)
    clock.set(clock.now + dt.timedelta(days=1))
    send(client, account, [span("2026-12-01T09:00:00Z", "2026-12-01T09:05:00Z", "Mail")])
    clock.set(clock.now + dt.timedelta(days=1))
    assert_as_computed(client, plain, account)
    assert body(client, account, QUERIES[-1]) == body(plain, account, QUERIES[-1])


def test_a_schedule_given_the_same_id_again_is_a_new_question(client, plain, account, db):
    send(client, account, HISTORY)
    headers = {"Authorization": f"Bearer {account.key}"}

    def schedule(start: str, end: str) -> int:
        spec = {"name": "work", "ranges": [{"days": "mon-fri", "from": start, "to": end}]}
        response = client.post("/api/v1/schedules", json=spec, headers=headers)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    first = schedule("08:00", "09:00")
    query = {**QUERIES[0], "restrict_schedule_id": str(first)}
    morning = body(client, account, query)
    assert body(client, account, query) == morning == body(plain, account, query)
    assert client.delete(f"/api/v1/schedules/{first}", headers=headers).status_code == 200
    second = schedule("09:00", "10:00")
    if db.is_sqlite:
        assert second == first  # SQLite gives the id again
    query = {**QUERIES[0], "restrict_schedule_id": str(second)}
    assert body(client, account, query) == body(plain, account, query) != morning


def test_an_account_given_a_deleted_accounts_id_never_sees_its_reports(client, plain, make_account, db, clock):
    old = make_account("old@example.com")
    send(client, old, HISTORY)
    warm(client, old)
    with db.write() as conn:  # deleted by another process: this one is not told
        account_data.delete_everything(conn, old.id)
    clock.set(clock.now + dt.timedelta(seconds=1))
    new = make_account("new@example.com")
    if db.is_sqlite:
        assert new.id == old.id
    send(client, new, HISTORY[:1])
    assert_as_computed(client, plain, new)


def test_the_cache_is_bounded_by_size_and_least_recently_used_goes_first():
    cache = ReportCache(max_bytes=800)
    for n in range(8):
        cache.put(("a", n), b"x" * 100, "t")
    assert len(cache) == 8 and cache.size_bytes == 800
    assert cache.get(("a", 0)) == (b"x" * 100, "t")  # now the most recently used
    cache.put(("a", 8), b"y" * 100, "t")
    assert cache.get(("a", 1)) is None and cache.get(("a", 0)) is not None
    assert cache.size_bytes == 800
    cache.put(("a", 9), b"z" * 101, "t")  # over an eighth of the budget: not kept
    assert cache.get(("a", 9)) is None


def test_forget_drops_one_account_and_zero_bytes_turns_it_off():
    cache = ReportCache(max_bytes=10_000)
    cache.put(((1, 5), 0, 0), b"one", "t")
    cache.put(((2, 5), 0, 0), b"two", "t")
    cache.forget(1)
    assert cache.get(((1, 5), 0, 0)) is None and cache.get(((2, 5), 0, 0)) == (b"two", "t")
    assert cache.size_bytes == 3
    off = ReportCache(max_bytes=0)
    off.put("k", b"body", "t")
    assert off.get("k") is None and not off.enabled


def test_report_cache_size_comes_from_the_environment(monkeypatch: Any):
    from selftime.config import settings_from_env

    monkeypatch.setenv("SELFTIME_REPORT_CACHE_MB", "0")
    assert settings_from_env().report_cache_mb == 0
    monkeypatch.setenv("SELFTIME_REPORT_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="SELFTIME_REPORT_CACHE_MB must be a whole number \\(0 or more\\)"):
        settings_from_env()
