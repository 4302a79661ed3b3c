"""Refresh-ahead: after new time commits, the account's recent questions are answered again in the
background, so the next asking is a cache hit, with the answer a server without cache computes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Hashable

import orjson
import pytest
from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.report_refresh import Refresher
from tests.api.report_helpers import (
    HISTORY,
    QUERIES,
    ask_all,
    assert_ready_and_right,
    body,
    offline_meeting,
    refresher,
    reports,
)
from tests.conftest import Clock, send, span


@pytest.mark.parametrize("write", ["ingest", "offline time"])
def test_after_new_time_the_recent_questions_are_ready_and_right(client, plain, account, write):
    send(client, account, HISTORY)
    ask_all(client, account)
    if write == "ingest":
        send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")])
    else:
        offline_meeting(client, account, "2026-11-30 11:00:00")
    refresher(client).wait_idle()
    assert refresher(client).refreshed == len(QUERIES)
    assert_ready_and_right(client, plain, account)


def test_questions_older_than_the_window_are_left_to_their_next_asking(client, account, clock):
    send(client, account, HISTORY)
    body(client, account, QUERIES[0])
    clock.set(clock.now + dt.timedelta(minutes=16))
    body(client, account, QUERIES[1])
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")])
    refresher(client).wait_idle()
    assert refresher(client).refreshed == 1


def test_no_refresh_when_turned_off(settings, db, clock, account):
    off = dataclasses.replace(settings, report_refresh_minutes=0)
    with TestClient(create_app(off, db=db, clock_ms=clock)) as client:
        assert client.app.state.services.refresher is None  # type: ignore[attr-defined]
        send(client, account, HISTORY)
        body(client, account, QUERIES[0])
        send(client, account, HISTORY[:1], device="phone")  # must not fail without a refresher


def test_writes_while_a_refresh_waits_join_it():
    runs: list[list[Hashable]] = []
    refresh = Refresher(
        lambda _a, q: runs.append(q) or len(q), Clock(), window_seconds=60, max_questions=2, settle_seconds=3600
    )
    for question in ("a", "b", "c"):
        refresh.asked((1, 0), question)
    for _ in range(3):
        refresh.after_write((1, 0))
    refresh.after_write((2, 0))  # never asked anything: nothing to refresh
    assert runs == []  # still settling
    refresh.wait_idle()
    assert runs == [["c", "b"]]  # once, the two most recent questions, newest first
    refresh.after_write((1, 0))
    refresh.close()  # a waiting refresh is dropped, and nothing starts after
    refresh.after_write((1, 0))
    refresh.wait_idle()
    assert runs == [["c", "b"]]


def test_time_arriving_during_a_refresh_gets_another_one_after_it():
    started, release = threading.Event(), threading.Event()
    runs: list[list[Hashable]] = []

    def compute(account: tuple[int, int], questions: list[Hashable]) -> int:
        runs.append(questions)
        started.set()
        release.wait(10)
        return len(questions)

    refresh = Refresher(compute, Clock(), window_seconds=60, settle_seconds=0)
    refresh.asked((1, 0), "q")
    refresh.after_write((1, 0))
    assert started.wait(10)  # running, and blocked
    refresh.after_write((1, 0))
    release.set()
    refresh.wait_idle()
    refresh.close()
    assert runs == [["q"], ["q"]]


def test_a_failing_refresh_is_logged_and_the_next_one_still_runs(caplog):
    calls = []

    def compute(account: tuple[int, int], questions: list[Hashable]) -> int:
        calls.append(account)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return len(questions)

    refresh = Refresher(compute, Clock(), window_seconds=60)
    refresh.asked((1, 0), "q")
    refresh.after_write((1, 0))
    refresh.wait_idle()
    refresh.after_write((1, 0))
    refresh.wait_idle()
    refresh.close()
    assert calls == [(1, 0), (1, 0)] and refresh.refreshed == 1
    assert "refreshing reports for account (1, 0) failed" in caplog.text


def test_a_question_of_today_is_refreshed_for_the_day_it_is_now(client, plain, account, clock):
    clock.set(dt.datetime(2026, 11, 30, 23, 55, tzinfo=dt.UTC))  # the account's zone is UTC
    send(client, account, HISTORY)
    today = {"perspective": "rank", "restrict_kind": "activity"}  # no dates: today, in the account's zone
    body(client, account, today)
    clock.set(dt.datetime(2026, 12, 1, 0, 5, tzinfo=dt.UTC))
    send(client, account, [span("2026-12-01T00:00:00Z", "2026-12-01T00:04:00Z", "Code", "new.py")])
    refresher(client).wait_idle()
    assert refresher(client).refreshed == 1
    hits = reports(client).hits
    answer = body(client, account, today)
    assert reports(client).hits == hits + 1
    assert answer == body(plain, account, today)
    assert orjson.loads(answer)["rows"] == [[1, 240, 1, "code", "Editing & IDEs", 2]]
