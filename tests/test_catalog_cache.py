"""The in-memory categorizations and document names behind reports: never stale, never another account's."""

from __future__ import annotations

import datetime as dt

from selftime.store import account_data
from tests.conftest import data, send, span

WEEK = {"restrict_begin": "2026-11-23", "restrict_end": "2026-11-29", "perspective": "rank"}


def documents(client, account) -> list[tuple[str, str, int]]:
    return [(r[3], r[4], r[1]) for r in data(client, account, restrict_kind="document", **WEEK)["rows"]]


def test_a_document_newer_than_the_cached_names_is_reported(client, account):
    send(client, account, [span("2026-11-29T09:00:00Z", "2026-11-29T09:10:00Z", "Code", "a.py - repo")])
    assert documents(client, account) == [("code", "a.py - repo", 600)]
    send(client, account, [span("2026-11-29T10:00:00Z", "2026-11-29T10:20:00Z", "Code", "b.py - repo")])
    assert documents(client, account) == [("code", "b.py - repo", 1200), ("code", "a.py - repo", 600)]
    # An activity drill-down (documents as activities) reads the same names.
    drill = data(client, account, restrict_kind="activity", restrict_thing="code", **WEEK)["rows"]
    assert [(r[3], r[1]) for r in drill] == [("b.py - repo", 1200), ("a.py - repo", 600)]


def test_a_new_account_given_a_deleted_accounts_id_sees_only_its_own_names(client, make_account, db, clock):
    """SQLite gives the highest id of a deleted row to the next row. Another server process that
    deleted the account cannot tell this one's caches, so they must not be keyed by id alone."""
    first = make_account("first@example.com")
    send(client, first, [span("2026-11-29T09:00:00Z", "2026-11-29T09:30:00Z", "Code", "first-secret.txt")])
    assert documents(client, first) == [("code", "first-secret.txt", 1800)]
    with db.write() as conn:
        account_data.delete_everything(conn, first.id)  # as another process would: this app's cache is not told
    clock.set(clock.now + dt.timedelta(seconds=1))
    second = make_account("second@example.com")
    send(client, second, [span("2026-11-29T09:00:00Z", "2026-11-29T09:20:00Z", "Terminal", "second.txt")])
    if db.is_sqlite:
        assert second.id == first.id  # the case this test is about
    assert documents(client, second) == [("terminal", "second.txt", 1200)]
    overview = data(client, second, restrict_kind="activity", **WEEK)["rows"]
    assert [(r[3], r[4], r[1]) for r in overview] == [("terminal", "General Software Development", 1200)]


def test_a_document_named_no_details_is_one_row_with_time_without_a_document(client, account):
    send(
        client,
        account,
        [
            span("2026-11-29T09:00:00Z", "2026-11-29T09:05:00Z", "Code", None),
            span("2026-11-29T09:05:00Z", "2026-11-29T09:07:00Z", "Code", "No Details"),
            span("2026-11-29T09:07:00Z", "2026-11-29T09:08:00Z", "Code", "x.py"),
        ],
    )
    assert documents(client, account) == [("code", "No Details", 420), ("code", "x.py", 60)]
    drill = data(client, account, restrict_kind="activity", restrict_thing="code", **WEEK)["rows"]
    assert [(r[3], r[1]) for r in drill] == [("No Details", 420), ("x.py", 60)]
    by_hour = data(
        client, account, **{**WEEK, "perspective": "interval"}, resolution_time="hour", restrict_kind="document"
    )
    assert [(r[0], r[4], r[1]) for r in by_hour["rows"]] == [
        ("2026-11-29T09:00:00", "No Details", 420),
        ("2026-11-29T09:00:00", "x.py", 60),
    ]
