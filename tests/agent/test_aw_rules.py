"""ActivityWatch's rules in selftime.domain.activitywatch: heartbeat merge, flood, AFK subtraction, the web split,
bucket grouping and parsing; and the ports compared with aw_transform itself (aw-core 0.5.18 from .venv-aw) on
generated cases."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from selftime.domain.activitywatch import (
    AwEvent,
    AwSpan,
    Bucket,
    EventError,
    flood,
    heartbeat_merge,
    intersect,
    iso,
    parse_event,
    parse_export,
    period_union,
)
from selftime.domain.aw_conversion import group_buckets, web_spans, window_spans
from selftime.domain.zone import DAY_MS
from tests.agent.test_aw_support import run_aw

S = 1000
CODE = {"app": "Code", "title": "main.py"}
FIREFOX = {"app": "Firefox", "title": "Pages — Mozilla Firefox"}
NOT_AFK, AFK = {"status": "not-afk"}, {"status": "afk"}


def ev(start_s: float, end_s: float, data: dict[str, Any]) -> AwEvent:
    return AwEvent(round(start_s * S), round((end_s - start_s) * S), data)


def spans_as_tuples(spans: list[AwSpan]) -> list[tuple[float, float, str, str | None, str | None]]:
    return [(s.start_ms / S, s.end_ms / S, s.application, s.title, s.url) for s in spans]


# --- heartbeats ------------------------------------------------------------------------------------------------


def test_a_heartbeat_with_the_same_data_within_pulsetime_extends_the_last_event() -> None:
    last = ev(0, 10, CODE)
    assert heartbeat_merge(last, ev(11, 11, CODE), pulsetime_s=2) == ev(0, 11, CODE)
    assert heartbeat_merge(last, ev(12, 12, CODE), pulsetime_s=2) == ev(0, 12, CODE)  # the window's edge counts
    assert last == ev(0, 10, CODE), "the stored event is not changed in place"


def test_a_heartbeat_past_pulsetime_or_with_other_data_or_before_the_event_starts_a_new_event() -> None:
    last = ev(100, 110, CODE)
    assert heartbeat_merge(last, ev(112.001, 112.001, CODE), pulsetime_s=2) is None
    assert heartbeat_merge(last, ev(111, 111, FIREFOX), pulsetime_s=2) is None
    assert heartbeat_merge(last, ev(99, 99, CODE), pulsetime_s=60) is None


def test_a_heartbeat_never_shortens_and_its_duration_counts() -> None:
    last = ev(0, 100, AFK)
    assert heartbeat_merge(last, ev(50, 50, AFK), pulsetime_s=185) == ev(0, 100, AFK)
    # aw-watcher-afk while AFK: the AFK start again, with the time since the last input as duration
    assert heartbeat_merge(last, AwEvent(0, 150 * S, AFK), pulsetime_s=185) == ev(0, 150, AFK)


# --- flood and intersections --------------------------------------------------------------------------------------


def test_flood_splits_a_short_gap_between_different_windows_and_joins_equal_ones() -> None:
    flooded = flood([ev(0, 299, CODE), ev(300, 599, FIREFOX), ev(603, 700, FIREFOX), ev(800, 900, CODE)])
    assert flooded == [ev(0, 299.5, CODE), ev(299.5, 700, FIREFOX), ev(800, 900, CODE)]


def test_flood_lets_the_later_of_two_overlapping_events_win() -> None:
    assert flood([ev(0, 100, CODE), ev(50, 150, FIREFOX)]) == [ev(0, 50, CODE), ev(50, 150, FIREFOX)]


def test_window_time_counts_only_while_not_afk() -> None:
    window = [ev(0, 1000, CODE)]
    afk = [ev(0, 300, NOT_AFK), ev(300, 700, AFK), ev(700, 900, NOT_AFK)]
    spans = window_spans(window, afk, [], 0, 10_000 * S)
    assert spans_as_tuples(spans) == [(0, 300, "Code", "main.py", None), (700, 900, "Code", "main.py", None)]


def test_without_an_afk_bucket_nothing_is_removed_and_without_afk_events_everything_is() -> None:
    window = [ev(0, 1000, CODE)]
    assert sum(s.end_ms - s.start_ms for s in window_spans(window, None, [], 0, 10**9)) == 1000 * S
    assert window_spans(window, [], [], 0, 10**9) == []  # an AFK bucket that says nothing: not known active


def test_the_converted_stretch_is_clipped_to_lo_hi() -> None:
    spans = window_spans([ev(0, 1000, CODE)], [ev(0, 1000, NOT_AFK)], [], 100 * S, 250 * S)
    assert spans_as_tuples(spans) == [(100, 250, "Code", "main.py", None)]


def test_a_browser_window_is_split_by_its_web_bucket_and_the_rest_stays_the_browsers() -> None:
    window = [ev(0, 100, CODE), ev(100, 400, FIREFOX)]
    pages = [
        ev(0, 150, {"url": "https://news.example.org/a", "title": "News"}),  # partly before Firefox was focused
        ev(200, 300, {"url": "https://www.github.com/x", "title": "Repo"}),
        ev(300, 320, {"url": "about:blank", "title": "New tab"}),  # no host: the browser with the page's title
    ]
    spans = window_spans(window, [ev(0, 400, NOT_AFK)], [("aw-watcher-web-firefox", pages)], 0, 10**9)
    assert spans_as_tuples(spans) == [
        (0, 100, "Code", "main.py", None),
        (100, 150, "Firefox", "News", "https://news.example.org/a"),
        (150, 200, "Firefox", "Pages — Mozilla Firefox", None),
        (200, 300, "Firefox", "Repo", "https://www.github.com/x"),
        (300, 320, "Firefox", "New tab", None),
        (320, 400, "Firefox", "Pages — Mozilla Firefox", None),
    ]


def test_a_web_bucket_of_another_browser_or_an_unknown_one_does_not_split_firefox() -> None:
    window = [ev(0, 100, FIREFOX)]
    page = [ev(0, 100, {"url": "https://example.com/", "title": "Example"})]
    for bucket_id in ("aw-watcher-web-chrome", "aw-watcher-web-arc"):
        spans = window_spans(window, None, [(bucket_id, page)], 0, 10**9)
        assert spans_as_tuples(spans) == [(0, 100, "Firefox", "Pages — Mozilla Firefox", None)], bucket_id


def test_an_audible_tab_in_the_focused_browser_counts_as_active() -> None:
    """canonicalEvents: audible browser time joins the not-afk periods (someone watching a video)."""
    window = [ev(0, 600, FIREFOX)]
    video = {"url": "https://www.youtube.com/watch?v=1", "title": "Talk", "audible": True}
    afk = [ev(0, 100, NOT_AFK), ev(100, 600, AFK)]
    spans = window_spans(window, afk, [("aw-watcher-web-firefox", [ev(50, 500, video)])], 0, 10**9)
    assert spans_as_tuples(spans) == [
        (0, 50, "Firefox", "Pages — Mozilla Firefox", None),
        (50, 500, "Firefox", "Talk", "https://www.youtube.com/watch?v=1"),
    ]


def test_a_web_bucket_on_its_own_counts_its_pages_while_not_afk() -> None:
    pages = [ev(0, 100, {"url": "https://example.com/", "title": "Example"}), ev(100, 200, {"title": "x"})]
    spans = web_spans("aw-watcher-web-chrome", pages, [ev(0, 150, NOT_AFK)], 0, 10**9)
    assert spans_as_tuples(spans) == [
        (0, 100, "chrome", "Example", "https://example.com/"),
        (100, 150, "chrome", "x", None),
    ]
    assert web_spans("my-browser-watcher", pages, None, 0, 10**9)[0].application == "browser"


def test_spans_are_joined_cut_to_24_hours_and_names_fit_the_ingest_api() -> None:
    long_title = "x" * 300
    window = [ev(0, 10, {"app": "Code", "title": long_title}), ev(10, 20, {"app": "Code", "title": long_title})]
    window.append(ev(20, 20 + 30 * 3600, {"app": "", "title": ""}))
    spans = window_spans(window, None, [], 0, 10**12)
    assert [(s.start_ms, s.end_ms, s.application, s.title) for s in spans] == [
        (0, 20 * S, "Code", "x" * 255),
        (20 * S, 20 * S + DAY_MS, "unknown", None),
        (20 * S + DAY_MS, 20 * S + 30 * 3600 * S, "unknown", None),
    ]


# --- buckets and parsing ------------------------------------------------------------------------------------------


def test_buckets_group_by_host_and_an_unknown_host_web_bucket_joins_the_only_window_host() -> None:
    one = [
        Bucket("aw-watcher-window_laptop", "currentwindow", "laptop"),
        Bucket("aw-watcher-afk_laptop", "afkstatus", "laptop"),
        Bucket("aw-watcher-web-firefox", "web.tab.current", "unknown"),
        Bucket("aw-watcher-input_laptop", "os.hid.input", "laptop"),
    ]
    [group] = group_buckets(one)
    assert (group.hostname, [b.id for b in group.primaries], [b.id for b in group.web]) == (
        "laptop",
        ["aw-watcher-window_laptop"],
        ["aw-watcher-web-firefox"],
    )
    two = [*one, Bucket("aw-watcher-window_desk", "currentwindow", "desk"), Bucket("aw-afk_desk", "afkstatus", "desk")]
    groups = {g.hostname: g for g in group_buckets(two)}
    assert sorted(groups) == ["desk", "laptop", "unknown"]
    assert [b.id for b in groups["unknown"].primaries] == ["aw-watcher-web-firefox"]  # counted on its own
    assert [b.id for b in groups["desk"].afk] == ["aw-afk_desk"] and groups["laptop"].web == []


def test_events_parse_as_aw_server_reads_them() -> None:
    event = parse_event({"timestamp": "2026-11-30T08:00:00.123456+01:00", "duration": 1.5, "data": {"app": "x"}})
    assert (iso(event.start_ms), event.duration_ms, event.data) == (
        "2026-11-30T07:00:00.123000+00:00",
        1500,
        {"app": "x"},
    )
    assert (
        parse_event({"timestamp": "2026-11-30T08:00:00"}).start_ms
        == parse_event({"timestamp": "2026-11-30T08:00:00Z"}).start_ms
    )
    for bad, message in [
        ({"duration": 1}, "needs a timestamp"),
        ({"timestamp": "yesterday"}, "not ISO 8601"),
        ({"timestamp": "2026-11-30T08:00:00Z", "duration": "1"}, "duration"),
        ({"timestamp": "2026-11-30T08:00:00Z", "data": []}, "data"),
        ([], "JSON object"),
    ]:
        with pytest.raises(EventError, match=message):
            parse_event(bad)


def test_an_export_that_is_not_one_is_refused_with_where() -> None:
    with pytest.raises(EventError, match="not an ActivityWatch export"):
        parse_export({"buckets": []})
    with pytest.raises(EventError, match=r"bucket 'w', events\[1\]: an event needs a timestamp"):
        parse_export({"buckets": {"w": {"type": "currentwindow", "events": [{"timestamp": "2026-11-30"}, {}]}}})
    [(bucket, events)] = parse_export({"buckets": {"w": {"type": "currentwindow", "events": []}}})
    assert (bucket, events) == (Bucket("w", "currentwindow", "unknown", ""), [])


# --- the ports against aw_transform ---------------------------------------------------------------------------------

_COMPARE = r"""
import json, sys
from aw_core.models import Event
from aw_transform import filter_period_intersect, flood, heartbeat_merge, period_union

def load(items):
    return [Event(timestamp=t, duration=d, data=data) for t, d, data in items]

def dump(events):
    return [[e.timestamp.isoformat(), round(e.duration.total_seconds() * 1000), e.data] for e in events]

out = []
for case in json.load(sys.stdin):
    merged = []
    for beat in load(case["beats"]):
        m = heartbeat_merge(merged[-1], beat, case["pulsetime"]) if merged else None
        if m is None:
            merged.append(beat)
    out.append({
        "flood": dump(flood(load(case["a"]))),
        "intersect": dump(filter_period_intersect(flood(load(case["a"])), flood(load(case["b"])))),
        "union": dump(period_union(load(case["a"]), load(case["b"]))),
        "heartbeats": dump(merged),
    })
print(json.dumps(out))
"""


def _random_events(rng: random.Random, n: int, labels: list[str]) -> list[AwEvent]:
    """Whole-even-millisecond times, so flood()'s midpoints are whole milliseconds for both implementations."""
    out, t = [], rng.randrange(0, 10_000, 2)
    for _ in range(n):
        t += rng.choice([-4000, -50, 0, 0, 2, 1000, 4000, 5000, 6000, 20_000, rng.randrange(0, 40_000, 2)])
        duration = rng.choice([0, 2, 1000, rng.randrange(0, 90_000, 2)])
        out.append(AwEvent(t, duration, {"label": rng.choice(labels)}))
        t += duration
    return out


def _wire(events: list[AwEvent]) -> list[list[Any]]:
    return [[iso(e.start_ms), e.duration_ms / S, e.data] for e in events]


def _dump(events: list[AwEvent]) -> list[list[Any]]:
    return [[iso(e.start_ms), e.duration_ms, e.data] for e in events]


def test_the_ports_give_what_aw_transform_gives(tmp_path: Path) -> None:
    rng = random.Random(20261130)
    cases, expected = [], []
    for _ in range(300):
        a = _random_events(rng, rng.randrange(0, 25), ["x", "y", "z"])
        b = _random_events(rng, rng.randrange(0, 25), ["not-afk"])
        beats = sorted(_random_events(rng, rng.randrange(0, 40), ["x", "y"]), key=lambda e: e.start_ms)
        beats = [AwEvent(e.start_ms, rng.choice([0, 0, 2000]), e.data) for e in beats]
        pulsetime = rng.choice([0.0, 1.0, 2.0, 5.0, 60.0])
        cases.append({"a": _wire(a), "b": _wire(b), "beats": _wire(beats), "pulsetime": pulsetime})
        merged: list[AwEvent] = []
        for beat in beats:
            m = heartbeat_merge(merged[-1], beat, pulsetime) if merged else None
            if m is None:
                merged.append(beat)
            else:
                merged[-1] = m
        expected.append(
            {
                "flood": _dump(flood(a)),
                "intersect": _dump(intersect(flood(a), flood(b))),
                "union": _dump(period_union(a, b)),
                "heartbeats": _dump(merged),
            }
        )
    assert run_aw(_COMPARE, cases, tmp_path / "aw-home") == expected
