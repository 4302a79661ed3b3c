"""Day and month rollups answer exactly what the 15-minute rollups and the raw spans answer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from selftime import analytics
from selftime.catalog_cache import CatalogCache
from selftime.db.tables import documents, rollup_doc_days
from selftime.store import tiers, users
from selftime.store.schedules import Schedule
from selftime.store.totals import ScheduleRange
from tests.conftest import data, send, span


def _spans_across_months() -> list[dict]:
    out = []
    day = dt.datetime(2026, 8, 30, 21, 50, tzinfo=dt.UTC)
    apps = ["Code", "Slack", "Firefox", "zzz-tool"]
    for i in range(60):  # every 36 h from late August to mid November, 40 min each, crossing midnights
        start = day + dt.timedelta(hours=36 * i)
        end = start + dt.timedelta(minutes=40)
        out.append(span(start.isoformat(), end.isoformat(), apps[i % 4], f"doc {i % 3}"))
    return out


def _views(client, account, begin: str, end: str) -> dict[str, object]:
    common = {"restrict_begin": begin, "restrict_end": end}
    return {
        "rank": data(client, account, perspective="rank", restrict_kind="activity", **common)["rows"],
        "rank-overview": data(client, account, perspective="rank", restrict_kind="overview", **common)["rows"],
        "month": data(client, account, perspective="interval", resolution_time="month", **common)["rows"],
        "week": data(client, account, perspective="interval", resolution_time="week", **common)["rows"],
        "day-eff": data(
            client, account, perspective="interval", resolution_time="day", restrict_kind="efficiency", **common
        )["rows"],
    }


def _from_documents(client, account, begin: str, end: str) -> list[list[object]]:
    """Totals per activity rebuilt from the document rows (from the document day rollup)."""
    rows = data(client, account, perspective="rank", restrict_kind="document", restrict_begin=begin, restrict_end=end)
    sums: dict[str, int] = {}
    for row in rows["rows"]:
        sums[row[3]] = sums.get(row[3], 0) + row[1]
    return sorted([name, secs] for name, secs in sums.items())


def test_ranges_over_whole_months_and_edges_agree_with_raw_spans(client, make_account):
    account = make_account(time_zone="America/Sao_Paulo")
    send(client, account, _spans_across_months())
    for begin, end in [("2026-09-01", "2026-10-31"), ("2026-08-15", "2026-11-20"), ("2026-09-03", "2026-09-27")]:
        views = _views(client, account, begin, end)
        rank = sorted([r[3], r[1]] for r in views["rank"])  # type: ignore[union-attr]
        assert rank == _from_documents(client, account, begin, end)
        total = sum(r[1] for r in views["rank"])  # type: ignore[union-attr]
        for name in ("rank-overview", "month", "week", "day-eff"):
            assert sum(r[1] for r in views[name]) == total, name  # type: ignore[union-attr]


def test_time_zone_change_re_keys_days_and_months(client, make_account, db):
    account = make_account(time_zone="Pacific/Honolulu")
    # 2026-09-30 23:30 UTC: in Honolulu 13:30 on the 30th, in Auckland 12:30 on 1 October.
    send(client, account, [span("2026-09-30T23:30:00Z", "2026-10-01T00:30:00Z", "Code")])
    month = {"perspective": "interval", "resolution_time": "month", "restrict_begin": "2026-09-01"}
    assert data(client, account, restrict_end="2026-10-31", **month)["rows"] == [
        ["2026-09-01T00:00:00", 3600, 1, "code", "Editing & IDEs", 2]
    ]
    with db.write() as conn:
        users.set_time_zone(conn, account.id, "Pacific/Auckland")
    assert data(client, account, restrict_end="2026-10-31", **month)["rows"] == [
        ["2026-10-01T00:00:00", 3600, 1, "code", "Editing & IDEs", 2]
    ]
    rank = data(client, account, restrict_begin="2026-10-01", restrict_end="2026-10-31")["rows"]
    assert rank == [[1, 3600, 1, "code", "Editing & IDEs", 2]]


def _document_days(db, user_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        query = select(rollup_doc_days).where(rollup_doc_days.c.user_id == user_id)
        return sorted(tuple(r) for r in conn.execute(query))


@pytest.mark.parametrize("time_zone", ["America/Sao_Paulo", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"])
def test_document_days_kept_at_ingest_equal_a_rebuild_from_the_spans(client, make_account, db, time_zone):
    """Kept per batch in Python; rebuilt (zone change, migration) in one SQL statement: the same rows,
    also across daylight-saving changes and in zones 45 and 30 minutes off the hour."""
    account = make_account(time_zone=time_zone)
    send(client, account, _spans_across_months())
    send(
        client,
        account,
        [
            span("2026-09-10T10:00:00Z", "2026-09-10T10:20:00Z", "Code", "No Details"),  # stored as no document
            span("2026-09-10T10:20:00Z", "2026-09-10T10:30:00Z", "Code"),
        ],
        device="phone",
        source="mobile",
    )
    before_offline = _document_days(db, account.id)
    offline = {"key": account.key, "start_time": "2026-09-12 09:00", "end_time": "2026-09-12 10:00"}
    for details in ("Planning", None):  # two blocks: one with a document, one without
        params = {**offline, "activity_name": "Meeting", **({"activity_details": details} if details else {})}
        assert client.post("/anapi/offline_time_post", params=params).status_code == 200
        offline["start_time"], offline["end_time"] = "2026-09-13 09:00", "2026-09-13 09:30"
    kept = _document_days(db, account.id)
    assert sum(r[-1] for r in kept) == (60 * 40 + 30 + 60 + 30) * 60_000
    with db.write() as conn:
        tiers.rebuild_document_days(conn, user_id=account.id, zone=time_zone)
    assert _document_days(db, account.id) == kept
    # Deleting the blocks takes back exactly what they added, rows at zero included.
    headers = {"Authorization": f"Bearer {account.key}"}
    for block in client.get("/api/v1/offline", headers=headers).json():
        assert client.delete(f"/api/v1/offline/{block['id']}", headers=headers).status_code == 200
    assert _document_days(db, account.id) == before_offline
    with db.read() as conn:
        assert conn.execute(select(documents.c.id).where(documents.c.name == "No Details")).first() is None


def _report_ms(db, user_id: int, **kw) -> dict[tuple, int]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        user = users.by_id(conn, user_id)
        assert user is not None
        request = analytics.ReportRequest(
            user_id=user_id,
            time_zone=user.time_zone,
            begin=dt.date(2026, 8, 25),
            end=dt.date(2026, 11, 20),
            created_ms=user.created_ms,
            **kw,
        )
        report = analytics.run(conn, request, CatalogCache())
    sums: dict[tuple, int] = {}
    for row in report.rows:
        sums[tuple(row[2:])] = sums.get(tuple(row[2:]), 0) + row[1]
    return sums


@pytest.mark.parametrize("time_zone", ["America/Sao_Paulo", "Asia/Kathmandu"])
def test_document_reports_from_the_day_rollup_agree_with_the_spans(client, make_account, db, time_zone):
    account = make_account(time_zone=time_zone)
    send(client, account, _spans_across_months())
    from_days = _report_ms(db, account.id, perspective="rank", resolution="day", kind="document")
    by_week = _report_ms(db, account.id, perspective="interval", resolution="week", kind="document")
    from_spans = _report_ms(db, account.id, perspective="interval", resolution="hour", kind="document")
    assert from_days == by_week == from_spans
    assert len(from_days) == 12  # 4 applications, 3 documents each
    drill = {"thing": "code", "thingy": "doc 1"}
    assert _report_ms(db, account.id, perspective="rank", resolution="day", kind="document", **drill) == _report_ms(
        db, account.id, perspective="interval", resolution="minute", kind="document", **drill
    )


@pytest.mark.parametrize("resolution", ["week", "month"])
@pytest.mark.parametrize("kind", ["document", "activity"])
def test_weeks_and_months_of_documents_folded_in_sql_equal_those_folded_from_the_spans(
    client, make_account, db, resolution, kind
):
    """The day rollup folds days into weeks (Sunday first) and months in SQL; with a schedule the
    report comes from the spans, folded in Python. A schedule of every minute of every day keeps all."""
    account = make_account(time_zone="America/Sao_Paulo")
    send(client, account, _spans_across_months())
    always = Schedule(0, account.id, "always", (ScheduleRange(weekdays=0b1111111, from_minute=0, to_minute=1440),))
    drill = {"thing": "code"} if kind == "activity" else {}  # an activity's documents, as activity rows
    with db.read() as conn:
        user = users.by_id(conn, account.id)
        assert user is not None

        def rows(schedule: Schedule | None) -> list[tuple]:
            request = analytics.ReportRequest(
                user_id=user.id,
                time_zone=user.time_zone,
                perspective="interval",
                resolution=resolution,
                kind=kind,
                begin=dt.date(2026, 8, 25),
                end=dt.date(2026, 11, 20),
                schedule=schedule,
                **drill,
            )
            return analytics.run(conn, request, CatalogCache()).rows

        folded_in_sql, folded_from_spans = rows(None), rows(always)
    assert folded_in_sql == folded_from_spans
    labels = {row[0] for row in folded_in_sql}
    if resolution == "week":  # every label a Sunday: the first span is on Sunday 30 August, local time
        assert all(dt.date.fromisoformat(label[:10]).weekday() == 6 for label in labels)
        assert min(labels) == "2026-08-30T00:00:00" and len(labels) == 12
    else:
        assert sorted(labels)[0].startswith("2026-08-01") and len(labels) == 4
