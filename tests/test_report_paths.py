"""Reports over the day and month rollups join the categorization in SQL; finer buckets join it in
Python from the cached categorization. Both must tell the same milliseconds per key, also after
re-categorizations, on both databases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

import pytest

from selftime import analytics
from selftime.catalog_cache import CatalogCache
from selftime.store import users
from tests.conftest import send, span

SPANS = [
    span("2026-10-05T09:00:00Z", "2026-10-05T10:30:00Z", "Code", "a.py"),
    span("2026-10-05T10:30:00Z", "2026-10-05T11:00:00Z", "Slack"),
    span("2026-10-20T14:00:00Z", "2026-10-20T14:45:00Z", "Firefox", "r/all", "https://www.reddit.com/r/all"),
    span("2026-10-31T23:30:00Z", "2026-11-01T00:40:00Z", "Steam"),
    span("2026-11-02T08:00:00Z", "2026-11-02T09:10:00Z", "Code", "b.py"),
    span("2026-11-03T12:00:00Z", "2026-11-03T12:20:00Z", "Mail"),
    span("2026-11-03T12:20:00Z", "2026-11-03T12:25:00Z", "unknown-tool"),
]


def run(db, account_id, **kw):  # type: ignore[no-untyped-def]
    with db.read() as conn:
        user = users.by_id(conn, account_id)
        assert user is not None
        request = analytics.ReportRequest(
            user_id=user.id,
            time_zone=user.time_zone,
            begin=dt.date(2026, 10, 1),  # October whole (month rollup), November's first days (day rollups)
            end=dt.date(2026, 11, 5),
            catalog_version=user.catalog_version,
            created_ms=user.created_ms,
            **kw,
        )
        return analytics.run(conn, request, CatalogCache())


def per_key(report: analytics.Report) -> dict[tuple, int]:
    sums: defaultdict[tuple, int] = defaultdict(int)
    for row in report.rows:
        sums[tuple(row[2:])] += row[1]
    return dict(sums)


@pytest.fixture
def paths(monkeypatch) -> list[bool]:  # type: ignore[no-untyped-def]
    """Whether each report's rows came keyed from SQL: the test must see both paths."""
    seen: list[bool] = []
    real = analytics.fetch

    def spy(conn, query):  # type: ignore[no-untyped-def]
        totals = real(conn, query)
        seen.append(totals.keyed)
        return totals

    monkeypatch.setattr(analytics, "fetch", spy)
    return seen


@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_keyed_in_sql_and_in_python_agree(client, make_account, db, time_zone, paths):
    account = make_account(time_zone=time_zone)
    send(client, account, SPANS)
    headers = {"Authorization": f"Bearer {account.key}"}
    for change in (
        {"activity": "code", "category": "Games", "productivity": -2},
        {"activity": "slack", "productivity": 2},
        {"activity": "reddit.com", "category": "General Reference & Learning"},
    ):
        assert client.post("/api/v1/categorizations", json=change, headers=headers).status_code == 200
    for kind in ("overview", "category", "productivity"):
        coarse = run(db, account.id, perspective="rank", resolution="day", kind=kind)  # rollups + SQL keys
        fine = run(db, account.id, perspective="interval", resolution="hour", kind=kind)  # Python keys
        by_day = run(db, account.id, perspective="interval", resolution="day", kind=kind)
        assert paths[-3:] == [True, False, True]
        assert per_key(coarse) == per_key(fine) == per_key(by_day), kind
        assert sum(per_key(coarse).values()) == sum(
            (dt.datetime.fromisoformat(s["end"]) - dt.datetime.fromisoformat(s["start"])).total_seconds() * 1000
            for s in SPANS
        )
    if time_zone == "UTC":
        games = dict(
            (r[2], r[1]) for r in run(db, account.id, perspective="rank", resolution="day", kind="overview").rows
        )
        assert games["Entertainment"] == (90 + 70 + 70) * 60_000  # code moved to Games (Entertainment), and steam


def test_efficiency_by_day_agrees_with_its_hours(client, account, db, paths):
    send(client, account, SPANS)
    assert (
        client.post(
            "/api/v1/categorizations",
            json={"activity": "mail", "productivity": -1},
            headers={"Authorization": f"Bearer {account.key}"},
        ).status_code
        == 200
    )
    days = run(db, account.id, perspective="interval", resolution="day", kind="efficiency")  # SQL
    hours = run(db, account.id, perspective="interval", resolution="hour", kind="efficiency")  # Python
    assert paths == [True, False]
    from_hours: defaultdict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for label, ms, mean in hours.rows:
        acc = from_hours[label[:10] + "T00:00:00"]
        acc[0] += ms
        acc[1] += ms * mean
    assert [(label, ms, mean) for label, ms, mean in days.rows] == [
        (label, int(total), weighted / total) for label, (total, weighted) in sorted(from_hours.items())
    ]
