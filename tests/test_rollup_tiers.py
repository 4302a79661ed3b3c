"""Day and month rollups answer exactly what the 15-minute rollups and the raw spans answer."""

from __future__ import annotations

import datetime as dt

from selftime.store import users
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
    """Totals per activity rebuilt from the document rows, which always come from the raw spans."""
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
