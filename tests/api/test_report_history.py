"""Reports of ranges that ended before yesterday outlive the syncs of today (they key on the history
version, see store.users.bump_data_version), and every write that reaches back into them still
changes the answer."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from selftime.store import users
from tests.api.report_helpers import WRITES, body, offline_meeting, reports
from tests.conftest import Account, send, span

PAST = [
    {"restrict_begin": "2026-11-01", "restrict_end": "2026-11-20", "perspective": "rank", "restrict_kind": "activity"},
    {"restrict_begin": "2026-11-09", "restrict_end": "2026-11-15", "restrict_kind": "document", "format": "csv"},
    {"restrict_begin": "2026-11-22", "restrict_end": "2026-11-28", "by": "interval", "i": "hour", "ty": "efficiency"},
]
YESTERDAY = {"restrict_begin": "2026-11-29", "restrict_end": "2026-11-29", "restrict_kind": "overview"}
HISTORY = [
    span("2026-11-10T09:00:00Z", "2026-11-10T10:00:00Z", "Code", "old.py"),
    span("2026-11-25T09:00:00Z", "2026-11-25T09:40:00Z", "Slack"),
    span("2026-11-29T09:00:00Z", "2026-11-29T09:30:00Z", "Firefox", "News", "https://news.example.com/"),
    span("2026-11-30T08:00:00Z", "2026-11-30T08:20:00Z", "Code", "today.py"),  # the clock reads 11-30 12:00
]
TODAY = [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")]


def ask(client: TestClient, account: Account) -> list[bytes]:
    return [body(client, account, q) for q in PAST]


def test_a_sync_of_today_keeps_the_reports_of_past_ranges(client, plain, account, db):
    send(client, account, HISTORY)
    ask(client, account)
    body(client, account, YESTERDAY)
    send(plain, account, TODAY, device="desk")  # another process, as an agent's sync
    with db.read() as conn:
        user = users.by_id(conn, account.id)
        assert user is not None and user.recent_from_day == 20_786  # 2026-11-29: the newest day less one
    hits = reports(client).hits
    assert ask(client, account) == ask(plain, account)
    assert reports(client).hits == hits + len(PAST)
    body(client, account, YESTERDAY)  # ends on recent_from_day: keyed on every write, computed again
    assert reports(client).hits == hits + len(PAST)


def _ingest_into_the_past(client: TestClient, plain: TestClient, account: Account, settings) -> None:
    send(plain, account, [span("2026-11-12T09:00:00Z", "2026-11-12T11:00:00Z", "Code", "late.py")], device="old")


def _offline_in_the_past(client: TestClient, plain: TestClient, account: Account, settings) -> None:
    offline_meeting(plain, account, "2026-11-24 11:00:00")


REACHING_BACK = {
    "ingest into the past in another process": _ingest_into_the_past,
    "offline time in the past in another process": _offline_in_the_past,
    **{name: WRITES[name] for name in ("re-categorized from the CLI", "time zone changed from the CLI")},
}


@pytest.mark.parametrize("write", list(REACHING_BACK), ids=list(REACHING_BACK))
def test_a_write_that_reaches_back_changes_the_past_answers(client, plain, account, settings, write):
    send(client, account, HISTORY)
    offline_meeting(client, account, "2026-11-05 09:00:00")  # the activity exists: no catalog change
    send(client, account, TODAY)  # recent_from_day is 11-29 before the write
    before = ask(client, account)
    REACHING_BACK[write](client, plain, account, settings)
    after = ask(client, account)
    assert after == ask(plain, account)
    assert after != before
