"""Deleting offline time exactly: the page's Delete button, DELETE /api/v1/offline/{id}, and proof that
every rollup tier (5-minute, 15-minute, local day, local month) and the raw spans are reversed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from selftime.db.tables import batches, rollup_days, rollup_months, rollups, rollups_5m, spans
from selftime.store import users
from tests.conftest import csrf_of, data, send, span, web_login

ZONE = "Asia/Kolkata"  # +05:30: local days and months are not UTC's, and hours are not UTC hours

# Each shape below is answered from a different tier (store.totals): months, days, 15-minute
# rollups, 5-minute rollups, or the raw spans (documents).
SHAPES: list[dict[str, str]] = [
    {"perspective": "rank", "restrict_kind": "activity", "restrict_begin": "2026-10-01", "restrict_end": "2026-11-30"},
    {"perspective": "rank", "restrict_kind": "category", "restrict_begin": "2026-10-31", "restrict_end": "2026-11-01"},
    {"perspective": "rank", "restrict_kind": "document", "restrict_begin": "2026-10-01", "restrict_end": "2026-11-30"},
    {
        "perspective": "rank",
        "restrict_kind": "productivity",
        "restrict_begin": "2026-10-31",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "rank",
        "restrict_kind": "efficiency",
        "restrict_begin": "2026-10-31",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "interval",
        "resolution_time": "month",
        "restrict_kind": "activity",
        "restrict_begin": "2026-10-01",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "interval",
        "resolution_time": "week",
        "restrict_kind": "overview",
        "restrict_begin": "2026-10-25",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "interval",
        "resolution_time": "day",
        "restrict_kind": "activity",
        "restrict_begin": "2026-10-30",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "interval",
        "resolution_time": "hour",
        "restrict_kind": "activity",
        "restrict_begin": "2026-10-31",
        "restrict_end": "2026-11-30",
    },
    {
        "perspective": "interval",
        "resolution_time": "minute",
        "restrict_kind": "activity",
        "restrict_begin": "2026-10-31",
        "restrict_end": "2026-11-01",
    },
]


def reports(client, account) -> list[Any]:  # type: ignore[no-untyped-def]
    """The whole JSON bodies of every shape, with all sources and with offline time alone."""
    out = []
    for shape in SHAPES:
        for source in ({}, {"restrict_source_type": "offline"}):
            out.append(data(client, account, **shape, **source))
    return out


def stored(db, user_id: int) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    """Every rollup row of the user, all four tiers, plus the spans: nothing left at zero, nothing off."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        for table in (rollups_5m, rollups, rollup_days, rollup_months):
            rows = conn.execute(select(table).where(table.c.user_id == user_id)).all()
            out[table.name] = sorted(tuple(r) for r in rows)
        rows = conn.execute(
            select(spans.c.source_type, spans.c.start_ms, spans.c.end_ms, spans.c.activity_id).where(
                spans.c.user_id == user_id
            )
        ).all()
        out["spans"] = sorted(tuple(r) for r in rows)
    return out


def offline_post(client, account, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.post("/anapi/offline_time_post", params={"key": account.key}, json=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def blocks(client, account) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/offline", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def api_delete(client, account, block_id: int):  # type: ignore[no-untyped-def]
    return client.delete(f"/api/v1/offline/{block_id}", headers={"Authorization": f"Bearer {account.key}"})


def seed(client, account) -> None:  # type: ignore[no-untyped-def]
    """Computer time and earlier offline time sharing buckets, days and months with the block to delete."""
    send(
        client,
        account,
        [
            span("2026-10-31T17:00:00Z", "2026-10-31T18:40:00Z", app="Code"),
            span("2026-10-15T08:00:00Z", "2026-10-15T09:00:00Z", app="Slack"),
            span("2026-11-30T03:00:00Z", "2026-11-30T04:00:00Z", app="Code"),
        ],
    )
    offline_post(client, account, start_time="2026-10-31 21:00", duration="50", activity_name="meeting")
    offline_post(client, account, start_time="2026-10-05 10:00", duration="30", activity_name="reading")


@pytest.fixture
def kolkata(make_account):  # type: ignore[no-untyped-def]
    return make_account("kol@example.com", time_zone=ZONE)


def test_api_delete_reverses_every_tier(client, db, kolkata):
    seed(client, kolkata)
    before_reports, before_rows = reports(client, kolkata), stored(db, kolkata.id)
    # 23:07 to 01:07 local: across a local midnight and a local month end (17:37 to 19:37 UTC, one UTC
    # day), starting off every 5-minute edge, partly the same activity as earlier offline time, partly
    # over the computer time's buckets, and partly over the earlier offline block (trimmed there).
    posted = offline_post(
        client,
        kolkata,
        start_time="2026-10-31 21:20",
        end_time="2026-10-31 23:30",
        activity_name="meeting",
        activity_details="late call",
    )
    assert posted["recorded_seconds"] < posted["duration_seconds"]  # trimmed against the 21:00 block
    posted = offline_post(
        client, kolkata, start_time="2026-10-31 23:37", end_time="2026-11-01 01:07", activity_name="phone"
    )
    after_post = reports(client, kolkata)
    assert after_post != before_reports
    listed = blocks(client, kolkata)
    assert [b["activity"] for b in listed] == ["phone", "meeting", "meeting", "reading"]
    assert listed[0]["start_time"] == "2026-10-31T23:37:00.000+05:30" and listed[0]["recorded_seconds"] == 5400

    for block in listed[:2]:
        response = api_delete(client, kolkata, block["id"])
        assert response.status_code == 200, response.text
        assert response.json() == {"deleted": block["id"], "removed_seconds": block["recorded_seconds"]}
    assert reports(client, kolkata) == before_reports
    assert stored(db, kolkata.id) == before_rows
    assert [b["activity"] for b in blocks(client, kolkata)] == ["meeting", "reading"]
    # Gone is gone: a second delete finds nothing.
    assert api_delete(client, kolkata, listed[0]["id"]).status_code == 404


def test_deleting_every_block_leaves_no_offline_rows(client, db, kolkata):
    send(client, kolkata, [span("2026-11-30T03:00:00Z", "2026-11-30T04:00:00Z")])
    before_reports, before_rows = reports(client, kolkata), stored(db, kolkata.id)
    offline_post(client, kolkata, start_time="2026-11-30 09:03", duration="61", activity_name="gym")
    offline_post(client, kolkata, start_time="2026-11-29 23:50", duration="20", activity_name="gym")
    assert data(client, kolkata, restrict_source_type="offline", restrict_begin="2026-11-29")["rows"] != []
    for block in blocks(client, kolkata):
        assert api_delete(client, kolkata, block["id"]).status_code == 200
    assert data(client, kolkata, restrict_source_type="offline", restrict_begin="2026-11-01")["rows"] == []
    assert reports(client, kolkata) == before_reports
    after = stored(db, kolkata.id)
    assert after == before_rows
    assert all(row[-1] > 0 for name in ("rollups_5m", "rollups", "rollup_days", "rollup_months") for row in after[name])
    with db.read() as conn:
        offline_batches = select(batches.c.id).join(spans, spans.c.batch_id == batches.c.id, isouter=True)
        assert conn.execute(offline_batches.where(batches.c.stored_ms == 0, spans.c.id.is_(None))).all() == []
        assert conn.execute(select(spans.c.id).where(spans.c.source_type == "offline")).all() == []


def test_deleting_the_trimmed_block_restores_the_earlier_one_exactly(client, db, account):
    first = offline_post(client, account, start_time="2026-11-30 09:00", duration="60", activity_name="meeting")
    assert first["recorded_seconds"] == 3600
    after_first, rows_first = reports(client, account), stored(db, account.id)
    later = offline_post(client, account, start_time="2026-11-30 09:32", duration="60", activity_name="call")
    assert later["recorded_seconds"] == 32 * 60  # 10:00 to 10:32: the rest was already covered
    call = next(b for b in blocks(client, account) if b["activity"] == "call")
    assert api_delete(client, account, call["id"]).json()["removed_seconds"] == 32 * 60
    assert reports(client, account) == after_first and stored(db, account.id) == rows_first

    # The other way round: deleting the earlier block keeps only what the later one recorded (its
    # covered part was never stored, and is not brought back).
    offline_post(client, account, start_time="2026-11-30 09:32", duration="60", activity_name="call")
    meeting = next(b for b in blocks(client, account) if b["activity"] == "meeting")
    assert api_delete(client, account, meeting["id"]).status_code == 200
    rows = data(client, account, restrict_begin="2026-11-30", restrict_source_type="offline")["rows"]
    assert [r[1:4] for r in rows] == [[32 * 60, 1, "call"]]


def test_only_the_users_own_offline_blocks(client, db, make_account):
    ada, bob = make_account("ada@example.com"), make_account("bob@example.com")
    offline_post(client, ada, start_time="2026-11-30 09:00", duration="30", activity_name="meeting")
    send(client, bob, [span("2026-11-30T08:00:00Z", "2026-11-30T08:30:00Z")])
    ada_block = blocks(client, ada)[0]["id"]
    before = reports(client, ada), stored(db, ada.id), reports(client, bob), stored(db, bob.id)
    with db.read() as conn:
        every_batch = [int(b) for b in conn.execute(select(batches.c.id)).scalars()]
    computer_batches = [b for b in every_batch if b != ada_block]
    assert computer_batches  # bob's computer batch: not offline time, so never deletable here
    for block_id in [ada_block, *computer_batches, 999_999, 2**40, -1]:
        response = api_delete(client, bob, block_id)
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "# not found" and str(block_id) in response.json()["messages"]
    for block_id in [*computer_batches, 2**63]:  # and an id past the column's range
        assert api_delete(client, ada, block_id).status_code == 404
    assert client.delete(f"/api/v1/offline/{ada_block}").status_code == 401
    assert client.get("/api/v1/offline").status_code == 401
    assert (reports(client, ada), stored(db, ada.id), reports(client, bob), stored(db, bob.id)) == before
    assert blocks(client, bob) == []

    # The same through bob's page: an error notice, nothing deleted.
    web_login(client, bob.email)
    token = csrf_of(client.get("/offline").text)
    page = client.post(f"/offline/{ada_block}/delete", data={"csrf_token": token})
    assert page.status_code == 404 and "There is no such offline time: nothing changed." in page.text
    assert stored(db, ada.id) == before[1]
    client.cookies.clear()
    web_login(client, ada.email)
    page = client.post(f"/offline/{2**63}/delete", data={"csrf_token": csrf_of(client.get("/offline").text)})
    assert page.status_code == 404 and "There is no such offline time: nothing changed." in page.text


_DELETE_FORM = re.compile(r'<form method="post" action="/offline/(\d+)/delete" class="inline">')


def test_ids_larger_than_any_row_are_not_found(client, db, account):
    offline_post(client, account, start_time="2026-11-30 09:00", duration="30", activity_name="meeting")
    before = stored(db, account.id)
    for block_id in [2**31, 2**40, 2**64]:  # past PostgreSQL's INTEGER, past SQLite's driver
        response = api_delete(client, account, block_id)
        assert response.status_code == 404, response.text
    web_login(client, account.email)
    page = client.post(f"/offline/{2**64}/delete", data={"csrf_token": csrf_of(client.get("/offline").text)})
    assert page.status_code == 404
    assert stored(db, account.id) == before


def test_the_page_deletes_with_its_button(client, db, kolkata):
    seed(client, kolkata)
    before_reports, before_rows = reports(client, kolkata), stored(db, kolkata.id)
    web_login(client, kolkata.email)
    page = client.post(
        "/offline",
        data={
            "csrf_token": csrf_of(client.get("/offline").text),
            "start_time": "2026-10-31T23:37",
            "end_time": "2026-11-01T01:07",
            "activity_name": "phone",
        },
    )
    assert page.status_code == 200 and "Offline time added: phone, 90 min" in page.text
    ids = [int(i) for i in _DELETE_FORM.findall(page.text)]
    assert len(ids) == 3 and page.text.count('aria-label="Delete the offline time ') == 3
    assert 'aria-label="Delete the offline time phone from 2026-10-31 23:37"' in page.text
    phone = ids[0]  # newest start first

    # CSRF: no token and a forged one are refused, and nothing changes.
    assert client.post(f"/offline/{phone}/delete", data={}).status_code == 403
    assert client.post(f"/offline/{phone}/delete", data={"csrf_token": "forged"}).status_code == 403
    assert len(_DELETE_FORM.findall(client.get("/offline").text)) == 3

    page = client.post(f"/offline/{phone}/delete", data={"csrf_token": csrf_of(client.get("/offline").text)})
    assert page.status_code == 200
    assert "Offline time deleted: 90 min removed from every report." in page.text
    assert [int(i) for i in _DELETE_FORM.findall(page.text)] == ids[1:]
    assert reports(client, kolkata) == before_reports and stored(db, kolkata.id) == before_rows


def test_a_signed_out_delete_goes_to_login(client, kolkata):
    offline_post(client, kolkata, start_time="2026-11-30 09:00", duration="30", activity_name="meeting")
    block = blocks(client, kolkata)[0]["id"]
    response = client.post(f"/offline/{block}/delete", data={}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert len(blocks(client, kolkata)) == 1


def test_a_lite_user_can_delete_what_was_entered_while_premium(client, db, account):
    before = reports(client, account), stored(db, account.id)
    offline_post(client, account, start_time="2026-11-30 09:00", duration="30", activity_name="meeting")
    with db.write() as conn:
        users.set_plan(conn, account.id, "lite")
    # Lite cannot add any more, but the list and its Delete buttons are there.
    refused = client.post(
        "/anapi/offline_time_post",
        params={"key": account.key},
        json={"start_time": "2026-11-30 10:00", "duration": "30", "activity_name": "x"},
    )
    assert "premium" in refused.text.lower()
    web_login(client, account.email)
    page = client.get("/offline")
    assert "Offline time is a premium feature" in page.text
    (block,) = [int(i) for i in _DELETE_FORM.findall(page.text)]
    page = client.post(f"/offline/{block}/delete", data={"csrf_token": csrf_of(page.text)})
    assert page.status_code == 200 and "Offline time deleted: 30 min" in page.text
    assert "No offline time yet." in page.text
    assert (reports(client, account), stored(db, account.id)) == before
    # And through the API too (another block, entered while premium again).
    with db.write() as conn:
        users.set_plan(conn, account.id, "premium")
    offline_post(client, account, start_time="2026-11-30 09:00", duration="30", activity_name="meeting")
    with db.write() as conn:
        users.set_plan(conn, account.id, "lite")
    assert api_delete(client, account, blocks(client, account)[0]["id"]).status_code == 200
    assert (reports(client, account), stored(db, account.id)) == before


def test_a_delete_after_a_zone_change_reverses_the_re_keyed_days(client, db, kolkata):
    """Posted in one zone, deleted after the day and month rollups were re-keyed in another."""
    seed(client, kolkata)
    with db.write() as conn:
        users.set_time_zone(conn, kolkata.id, "America/Los_Angeles")
    before = reports(client, kolkata), stored(db, kolkata.id)
    with db.write() as conn:
        users.set_time_zone(conn, kolkata.id, ZONE)
    # 05:00 to 06:00 on 1 November in Kolkata: 23:30 to 00:30 UTC (two UTC days and months), 31 October
    # in Los Angeles: the rows to take back are keyed by the zone at the time of the delete.
    offline_post(client, kolkata, start_time="2026-11-01 05:00", duration="60", activity_name="phone")
    with db.write() as conn:
        users.set_time_zone(conn, kolkata.id, "America/Los_Angeles")
    assert (reports(client, kolkata), stored(db, kolkata.id)) != before
    phone = next(b for b in blocks(client, kolkata) if b["activity"] == "phone")
    assert api_delete(client, kolkata, phone["id"]).status_code == 200
    assert (reports(client, kolkata), stored(db, kolkata.id)) == before
