"""Refresh-ahead for writes made elsewhere: another worker of `serve --workers N`, or the CLI. The
server process that answered the questions sees the account's versions move and answers them again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable

import pytest

from selftime.report_refresh import Refresher
from selftime.store import account_data, users
from tests.api.report_helpers import (
    HISTORY,
    QUERIES,
    WRITES,
    ask_all,
    assert_ready_and_right,
    body,
    offline_meeting,
    refresher,
)
from tests.conftest import Clock, send, span

ELSEWHERE = [name for name in WRITES if "another process" in name or "CLI" in name]


@pytest.mark.parametrize("write", ELSEWHERE, ids=ELSEWHERE)
def test_a_write_elsewhere_is_refreshed_here(client, plain, account, settings, write):
    send(client, account, HISTORY)
    offline_meeting(client, account, "2026-11-30 07:00:00")
    ask_all(client, account)
    before = [body(plain, account, q) for q in QUERIES]
    WRITES[write](client, plain, account, settings)
    assert refresher(client).poll() == 1
    refresher(client).wait_idle()
    assert refresher(client).refreshed == len(QUERIES)
    assert_ready_and_right(client, plain, account)
    assert [body(plain, account, q) for q in QUERIES] != before  # the write did change the answers


def test_the_watcher_finds_the_write_by_itself(client, plain, account):
    send(client, account, HISTORY)
    ask_all(client, account)
    send(plain, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")], device="desk")
    deadline = time.monotonic() + 30  # polls every 0.5 s, then settles 1 s: this waits, it does not time
    while refresher(client).refreshed < len(QUERIES) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert refresher(client).refreshed == len(QUERIES)
    assert_ready_and_right(client, plain, account)


def test_a_write_here_is_not_computed_twice(client, account):
    send(client, account, HISTORY)
    ask_all(client, account)
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")])
    refresher(client).wait_idle()
    assert refresher(client).refreshed == len(QUERIES)
    refresher(client).poll()  # sees the versions moved too: the reports are there already
    refresher(client).wait_idle()
    assert refresher(client).refreshed == len(QUERIES)


def test_nothing_moved_nothing_refreshed_and_a_deleted_account_is_forgotten(client, plain, account, db):
    send(client, account, HISTORY)
    ask_all(client, account)
    assert refresher(client).poll() == 0
    with db.write() as conn:
        gone = users.by_id(conn, account.id).account
        account_data.delete_everything(conn, account.id)
    assert refresher(client).poll() == 0
    refresher(client).after_write(gone)  # nothing is remembered for it any more
    refresher(client).wait_idle()
    assert refresher(client).refreshed == 0


def test_a_failing_read_of_the_versions_is_logged_once_and_watching_goes_on(caplog):
    caplog.set_level(logging.INFO, logger="selftime.report_refresh")
    versions: list[dict[tuple[int, int], Hashable]] = [{(1, 0): "v2"}]
    reads = 0
    refreshed = threading.Event()

    def read(accounts: list[tuple[int, int]]) -> dict[tuple[int, int], Hashable]:
        nonlocal reads
        reads += 1
        if reads <= 3:
            raise RuntimeError("database went away")
        return versions[0]

    def compute(account: tuple[int, int], questions: list[Hashable]) -> int:
        refreshed.set()
        return len(questions)

    refresh = Refresher(compute, Clock(), window_seconds=60, settle_seconds=0, versions=read, poll_seconds=0.01)
    refresh.asked((1, 0), "q", "v1")
    assert refreshed.wait(30)
    refresh.close()
    assert reads >= 4 and refresh.refreshed == 1
    assert caplog.text.count("reading report versions failed") == 1
    assert "reading report versions works again" in caplog.text
