"""Property tests: random spans in random zones, checked against an independent computation in plain Python.

Every example creates a fresh account, so examples are isolated without resetting the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from selftime.store import users
from tests.conftest import data, send, span

UTC = dt.UTC
MS_5MIN = 300_000
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Apia",
]
# Offset changes (UTC) of the zones above in 2026, and one quiet day.
ANCHORS = [
    dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # New York springs forward
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # Berlin springs forward
    dt.datetime(2026, 4, 4, 14, 0, tzinfo=UTC),  # Chatham falls back
    dt.datetime(2026, 9, 26, 14, 0, tzinfo=UTC),  # Chatham springs forward
    dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # Berlin falls back
    dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # New York falls back
    dt.datetime(2026, 6, 15, 12, 0, tzinfo=UTC),  # nothing happens
]
# (application, title, url)
APPS = [
    ("Code", "main.py", None),
    ("Code", "util.py", None),
    ("Code", None, None),
    ("Slack", None, None),
    ("Terminal", "zsh", None),
    ("Figma", None, None),
    ("Firefox", "Pull requests", "https://www.github.com/org/repo/pulls"),
    ("Firefox", "3.13 docs", "https://docs.python.org/3/"),
    (None, None, "https://youtube.com/watch?v=1"),
]
DEVICES = [("laptop", "computers"), ("desktop", "computers"), ("phone", "mobile")]
KINDS = ["overview", "category", "activity", "productivity", "document"]
RESOLUTIONS = ["month", "week", "day", "hour", "minute"]

span_strategy = st.tuples(
    st.integers(0, len(DEVICES) - 1),
    st.integers(0, len(APPS) - 1),
    st.one_of(st.integers(-2 * 86_400, 2 * 86_400), st.integers(-3 * 3_600, 3_600)),  # start, s from anchor
    st.sampled_from([0, 0, 0, 1, 499, 500, 999]),  # extra milliseconds on the start
    st.one_of(st.integers(1, 10_800), st.integers(1, 600)),  # duration, s
)
scenario = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "anchor": st.sampled_from(ANCHORS),
        "spans": st.lists(span_strategy, min_size=1, max_size=12),
        "split": st.booleans(),  # each device's spans in one batch or two
        # Local days around the anchor: a few, or enough to hold whole months.
        "window": st.one_of(
            st.tuples(st.integers(-3, 0), st.integers(0, 3)), st.tuples(st.integers(-45, -20), st.integers(20, 45))
        ),
        # Optionally the user moves to another zone after the first batches (the rest arrive after).
        "rezone": st.one_of(st.none(), st.sampled_from(ZONES)),
    }
)


def iso(ms: int) -> str:
    return (dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)).isoformat()


def local_midnight(day: dt.date, tz: ZoneInfo) -> int:
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    return int(moment.timestamp() * 1000)


def merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def label(ms: int, tz: ZoneInfo, resolution: str) -> str:
    local = (dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)).astimezone(tz).replace(tzinfo=None)
    if resolution == "minute":
        local = local.replace(minute=local.minute // 5 * 5, second=0, microsecond=0)
    elif resolution == "hour":
        local = local.replace(minute=0, second=0, microsecond=0)
    else:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if resolution == "week":
            local -= dt.timedelta(days=(local.weekday() + 1) % 7)  # back to Sunday
        elif resolution == "month":
            local = local.replace(day=1)
    return local.strftime("%Y-%m-%dT%H:%M:%S")


def expected_buckets(per_device: dict[int, list[tuple[int, int]]], lo: int, hi: int, tz: ZoneInfo) -> dict[str, Any]:
    """Milliseconds per local bucket of every resolution, from the union of each device's intervals."""
    buckets: dict[str, defaultdict[str, int]] = {r: defaultdict(int) for r in RESOLUTIONS}
    total = 0
    for intervals in per_device.values():
        for start, end in merged(intervals):
            start, end = max(start, lo), min(end, hi)
            while start < end:  # every local bucket edge of these zones is a 5-minute UTC edge
                piece_end = min(end, (start // MS_5MIN + 1) * MS_5MIN)
                for resolution in RESOLUTIONS:
                    buckets[resolution][label(start, tz, resolution)] += piece_end - start
                total += piece_end - start
                start = piece_end
    return {"total": total, **buckets}


def seconds_total(rows: list[list[Any]]) -> int:
    return sum(row[1] for row in rows)


def assert_close(seconds: int, rows: int, expected_ms: int, exact: bool, what: str) -> None:
    """Each row is its own sum rounded to whole seconds: off by at most half a second per row."""
    slack = 0 if exact else 500 * rows
    assert abs(seconds * 1000 - expected_ms) <= slack, (what, seconds, rows, expected_ms)


def snapshot(db: Any, user_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with db.read() as conn:
        spans = conn.execute(
            text(
                "SELECT device_id, source_type, start_ms, end_ms, activity_id, document_id FROM spans"
                " WHERE user_id = :u ORDER BY device_id, start_ms"
            ),
            {"u": user_id},
        )
        rollups = conn.execute(
            text(
                "SELECT bucket_ms, source_type, activity_id, duration_ms FROM rollups"
                " WHERE user_id = :u ORDER BY bucket_ms, source_type, activity_id"
            ),
            {"u": user_id},
        )
        return [tuple(r) for r in spans], [tuple(r) for r in rollups]


PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def utc_buckets_behind(label: str, tz: ZoneInfo) -> int:
    """How many UTC 5-minute buckets a local label stands for: 2 in a repeated (fall-back) hour."""
    local = dt.datetime.fromisoformat(label)
    first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    return 2 if first.utcoffset() != second.utcoffset() else 1


@PROPERTY_SETTINGS
@given(case=scenario)
def test_reports_agree_with_independent_computation(client, make_account, db, case):
    account = make_account(time_zone=case["zone"])
    final_zone = case["rezone"] or case["zone"]
    tz = ZoneInfo(final_zone)
    anchor_ms = int(case["anchor"].timestamp() * 1000)

    per_device: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    payloads: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    exact = True
    for device, app, offset_s, extra_ms, duration_s in case["spans"]:
        start = anchor_ms + offset_s * 1000 + extra_ms
        end = start + duration_s * 1000
        exact = exact and extra_ms == 0
        application, title, url = APPS[app]
        per_device[device].append((start, end))
        payloads[device].append(span(iso(start), iso(end), application, title, url))

    sent: list[tuple[list[dict[str, Any]], str, tuple[str, str]]] = []
    parts = []
    for device, items in payloads.items():
        cut = len(items) // 2 if case["split"] and len(items) > 1 else len(items)
        parts += [(device, items[:cut]), (device, items[cut:])]
    for index, (device, part) in enumerate(parts):
        if case["rezone"] and index == len(parts) // 2:
            with db.write() as conn:
                users.set_time_zone(conn, account.id, case["rezone"])
        if part:
            batch_id = uuid.uuid4().hex
            result = send(
                client, account, part, batch_id=batch_id, device=DEVICES[device][0], source=DEVICES[device][1]
            )
            assert result["accepted"] == len(part) and result["duplicate"] is False
            sent.append((part, batch_id, DEVICES[device]))

    anchor_day = case["anchor"].astimezone(tz).date()
    begin = anchor_day + dt.timedelta(days=case["window"][0])
    end = anchor_day + dt.timedelta(days=case["window"][1])
    lo, hi = local_midnight(begin, tz), local_midnight(end + dt.timedelta(days=1), tz)
    expected = expected_buckets(per_device, lo, hi, tz)
    everything = expected_buckets(per_device, 0, 2**62, tz)["total"]
    window = {"restrict_begin": begin.isoformat(), "restrict_end": end.isoformat()}

    # The stored truth: exact milliseconds, no device counting an instant twice, 5-minute pieces.
    with db.read() as conn:
        stored = conn.execute(
            text("SELECT COALESCE(SUM(end_ms - start_ms), 0) FROM spans WHERE user_id = :u"), {"u": account.id}
        ).scalar_one()
        in_window = conn.execute(
            text(
                "SELECT COALESCE(SUM(end_ms - start_ms), 0) FROM spans"
                " WHERE user_id = :u AND start_ms >= :lo AND start_ms < :hi"
            ),
            {"u": account.id, "lo": lo, "hi": hi},
        ).scalar_one()
        crowded = conn.execute(
            text(
                "SELECT device_id, start_ms / 300000, SUM(end_ms - start_ms) FROM spans WHERE user_id = :u"
                " GROUP BY device_id, start_ms / 300000 HAVING SUM(end_ms - start_ms) > 300000"
            ),
            {"u": account.id},
        ).all()
        pieces = conn.execute(
            text("SELECT device_id, start_ms, end_ms FROM spans WHERE user_id = :u ORDER BY device_id, start_ms"),
            {"u": account.id},
        ).all()
    assert int(stored) == everything
    assert int(in_window) == expected["total"]
    assert crowded == []
    for (dev_a, _s, end_a), (dev_b, start_b, _e) in itertools.pairwise(pieces):
        assert dev_a != dev_b or start_b >= end_a, "one device recorded the same instant twice"
    assert all(s < e and s // MS_5MIN == (e - 1) // MS_5MIN for _d, s, e in pieces)

    def report(**params: str) -> list[list[Any]]:
        body = data(client, account, **window, **params)
        assert "rows" in body, (params, body)
        return body["rows"]  # type: ignore[no-any-return]

    def all_reports() -> dict[tuple[str, str, str], list[list[Any]]]:
        out = {}
        for kind in KINDS:
            out[("rank", kind, "-")] = report(perspective="rank", restrict_kind=kind)
            for resolution in RESOLUTIONS:
                out[("interval", kind, resolution)] = report(
                    perspective="interval", restrict_kind=kind, resolution_time=resolution
                )
        for resolution in RESOLUTIONS:
            out[("interval", "efficiency", resolution)] = report(
                perspective="interval", restrict_kind="efficiency", resolution_time=resolution
            )
        return out

    reports = all_reports()
    for (perspective, kind, resolution), rows in reports.items():
        what = f"{perspective}/{kind}/{resolution}"
        assert_close(seconds_total(rows), len(rows), expected["total"], exact, what)
        if perspective == "interval":
            by_label: defaultdict[str, list[int]] = defaultdict(list)
            for row in rows:
                by_label[row[0]].append(row[1])
            assert sorted(by_label) == sorted(expected[resolution]), what
            assert [row[0] for row in rows] == sorted(row[0] for row in rows), what
            for name, secs in by_label.items():
                assert_close(sum(secs), len(secs), expected[resolution][name], exact, f"{what} {name}")
        else:
            assert [row[0] for row in rows] == list(range(1, len(rows) + 1)), what
    # Rank and interval, and every kind, tell the same total.
    for kind in KINDS:
        rank = reports[("rank", kind, "-")]
        for resolution in RESOLUTIONS:
            interval = reports[("interval", kind, resolution)]
            slack = 0 if exact else (len(rank) + len(interval) + 1) // 2
            assert abs(seconds_total(rank) - seconds_total(interval)) <= slack, (kind, resolution)
    for resolution in RESOLUTIONS:
        totals = [reports[("interval", k, resolution)] for k in [*KINDS, "efficiency"]]
        for rows in totals[1:]:
            slack = 0 if exact else (len(rows) + len(totals[0]) + 1) // 2
            assert abs(seconds_total(rows) - seconds_total(totals[0])) <= slack, resolution

    # Every 5-minute bucket holds at most 5 minutes per activity per device, except where clocks went
    # back: the repeated local hour has one label, so its 5-minute labels cover two UTC buckets each.
    for source, devices in (("mobile", 1), ("computers", 2)):
        rows = report(
            perspective="interval", restrict_kind="activity", resolution_time="minute", restrict_source_type=source
        )
        assert all(row[1] <= 300 * devices * utc_buckets_behind(row[0], tz) for row in rows), (source, rows)
    phone_ms = expected_buckets({2: per_device.get(2, [])}, lo, hi, tz)["total"]
    phone = report(perspective="rank", restrict_kind="overview", restrict_source_type="mobile")
    assert_close(seconds_total(phone), len(phone), phone_ms, exact, "mobile")

    # The same batch again (same id, then a new id) changes nothing.
    before = snapshot(db, account.id)
    part, batch_id, (device, source) = sent[0]
    again = send(client, account, part, batch_id=batch_id, device=device, source=source)
    assert again["duplicate"] is True and again["accepted"] == 0
    replay = send(client, account, part, device=device, source=source)
    assert replay["duplicate"] is False and replay["recorded_seconds"] == 0
    assert snapshot(db, account.id) == before
    for key in [
        ("rank", "activity", "-"),
        ("interval", "overview", "day"),
        ("interval", "category", "month"),
        ("interval", "document", "minute"),
        ("interval", "efficiency", "hour"),
    ]:
        perspective, kind, resolution = key
        params = {"perspective": perspective, "restrict_kind": kind}
        if resolution != "-":
            params["resolution_time"] = resolution
        assert report(**params) == reports[key], key
