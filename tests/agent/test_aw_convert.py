"""From stored ActivityWatch events to the durable queue: only final time is converted, each stretch once, and
converting as the heartbeats arrive gives what converting everything at the end gives."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path

import pytest

from selftime.agent.aw_store import LATE_MS, RETAIN_MS, AwStore
from selftime.agent.queue import LocalQueue
from selftime.domain.activitywatch import AwEvent, parse_event
from selftime.domain.aw_conversion import window_spans
from selftime.domain.zone import to_ms
from tests.agent.test_aw_support import (
    AFK_BUCKET,
    BUCKET_TYPES,
    SCENARIO,
    WEB_BUCKET,
    WINDOW_BUCKET,
    Beat,
    Watchers,
)

T0 = to_ms(dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC))
S = 1000


class Clock:
    """The agent's wall clock, moved by the test: when events arrive and when conversion runs."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make_store(tmp_path: Path, clock: Clock) -> tuple[AwStore, LocalQueue]:
    queue = LocalQueue(tmp_path / "agent.sqlite3")
    store = AwStore(queue.path, clock)
    for bucket, kind in BUCKET_TYPES.items():
        store.create_bucket(bucket, kind, "test", "testhost")
    return store, queue


def send(store: AwStore, clock: Clock, beat: Beat) -> None:
    clock.now = beat.sent_ms
    store.heartbeat(beat.bucket, AwEvent(beat.timestamp_ms, round(beat.duration * S), beat.data), beat.pulsetime)


def queued(queue: LocalQueue) -> list[tuple[int, int, str, str | None, str | None]]:
    """What the queue holds, in time order, adjacent equal pieces joined (a stretch may be cut where a pass ended)."""
    out: list[tuple[int, int, str, str | None, str | None]] = []
    rows = [s for batch in queue.seal(max_spans=1_000_000) for s in batch.spans]
    ms = lambda text: to_ms(dt.datetime.fromisoformat(str(text)))  # noqa: E731
    for s in sorted(rows, key=lambda r: ms(r["start"])):
        piece = (ms(s["start"]), ms(s["end"]), str(s["application"]), s["title"], s["url"])
        if out and out[-1][1] == piece[0] and out[-1][2:] == piece[2:]:
            out[-1] = (out[-1][0], piece[1], *piece[2:])
        else:
            out.append(piece)  # type: ignore[arg-type]
    return out


def events_of(store: AwStore, bucket: str) -> list[AwEvent]:
    return [parse_event(e) for e in store.events(bucket)]


def test_converting_as_heartbeats_arrive_gives_what_converting_at_the_end_gives(tmp_path: Path) -> None:
    beats = sorted(Watchers(T0).run(SCENARIO), key=lambda b: b.sent_ms)
    clock = Clock()
    store, queue = make_store(tmp_path / "live", clock)
    passes = 0
    for n, beat in enumerate(beats):
        send(store, clock, beat)
        if n % 37 == 0:  # a pass every few seconds of the scenario, at the moment the watchers send
            passes += store.convert(queue) > 0
    end = beats[-1].sent_ms
    clock.now = end + 3600 * S
    store.convert(queue)
    live = queued(queue)

    window, afk = events_of(store, WINDOW_BUCKET), events_of(store, AFK_BUCKET)
    web = [(WEB_BUCKET, events_of(store, WEB_BUCKET))]
    at_once = window_spans(window, afk, web, T0, end + 3600 * S)
    assert passes > 20, "the passes along the way converted something"
    assert live == [(s.start_ms, s.end_ms, s.application, s.title, s.url) for s in at_once]
    seconds = Counter[str]()
    for start, stop, _app, title, _url in live:
        seconds[str(title)] += stop - start
    # The short pause in store.py counts, the long ones in api.py do not; the video playing on does.
    assert seconds["store.py — selftime"] == pytest.approx(420 * S, abs=3 * S)
    assert seconds["api.py — selftime"] == pytest.approx(210 * S, abs=3 * S)
    assert seconds["A talk - YouTube"] == pytest.approx(300 * S, abs=3 * S)
    store.close()
    queue.close()


def test_time_is_held_back_until_aw_watcher_afk_has_said_whether_it_was_afk(tmp_path: Path) -> None:
    clock = Clock()
    store, queue = make_store(tmp_path, clock)
    # Active for 5 minutes, then nobody touches anything: aw-watcher-afk keeps reporting "not-afk" until the
    # last input (t=300) and says "afk" only when its 180 s timeout has passed, backdated to that input.
    for t in range(0, 601):
        clock.now = T0 + t * S
        store.heartbeat(WINDOW_BUCKET, AwEvent(T0 + t * S, 0, {"app": "Code", "title": "x"}), 2.0)
        if t % 5 == 0 and t < 480:
            store.heartbeat(AFK_BUCKET, AwEvent(T0 + min(t, 300) * S, 0, {"status": "not-afk"}), 185.0)
        if t == 479:
            store.convert(queue)
            assert store.converted_through(WINDOW_BUCKET) == T0 + 295 * S  # AFK is known to t=300, less 5 s
            assert queued(queue) == [(T0, T0 + 295 * S, "Code", "x", None)]
        if t % 5 == 0 and t >= 480:
            store.heartbeat(AFK_BUCKET, AwEvent(T0 + 300 * S + 1, (t - 300) * S, {"status": "afk"}), 185.0)
    store.convert(queue)
    assert store.converted_through(WINDOW_BUCKET) == T0 + 535 * S  # the web bucket, empty: now less LATE_MS
    assert queued(queue) == [(T0 + 295 * S, T0 + 300 * S, "Code", "x", None)]  # and nothing of the AFK time
    store.close()
    queue.close()


def test_a_bucket_that_goes_quiet_holds_conversion_back_only_for_its_pulsetime_and_the_lateness_allowed(
    tmp_path: Path,
) -> None:
    clock = Clock()
    store, queue = make_store(tmp_path, clock)
    page = {"url": "https://example.com/", "title": "Example"}
    store.heartbeat(WEB_BUCKET, AwEvent(T0, 0, page), 80.0)  # then the browser is closed: no more web heartbeats
    for t in range(0, 1200):
        clock.now = T0 + t * S
        store.heartbeat(WINDOW_BUCKET, AwEvent(T0 + t * S, 0, {"app": "Code", "title": "x"}), 2.0)
        if t % 5 == 0:
            store.heartbeat(AFK_BUCKET, AwEvent(T0 + t * S, 0, {"status": "not-afk"}), 185.0)
    now = T0 + 1199 * S
    assert store.horizon(now) == now - 80 * S - LATE_MS - 5 * S
    store.convert(queue)
    assert store.converted_through(WINDOW_BUCKET) == now - 145 * S
    store.close()
    queue.close()


def test_heartbeats_re_sent_late_are_waited_for_while_they_keep_coming(tmp_path: Path) -> None:
    """aw-client queues heartbeats while the agent is down and re-sends them, hours old, once it is back."""
    clock = Clock(T0 + 5 * 3600 * S)
    store, queue = make_store(tmp_path, clock)
    for t in range(0, 600):
        clock.now += 10  # re-sent quickly, one after another
        store.heartbeat(WINDOW_BUCKET, AwEvent(T0 + t * S, 0, {"app": "Code", "title": "x"}), 2.0)
        store.heartbeat(AFK_BUCKET, AwEvent(T0 + t * S, 0, {"status": "not-afk"}), 185.0)
        if t % 50 == 0:
            store.convert(queue)
    clock.now += LATE_MS + 185 * S  # both have gone quiet: all of it is final
    store.convert(queue)
    assert queued(queue) == [(T0, T0 + 599 * S, "Code", "x", None)]
    store.close()
    queue.close()


def test_an_event_for_time_already_converted_is_kept_but_not_sent_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    store, queue = make_store(tmp_path, clock)
    store.insert(WINDOW_BUCKET, [AwEvent(T0, 600 * S, {"app": "Code", "title": "x"})])
    store.insert(AFK_BUCKET, [AwEvent(T0, 600 * S, {"status": "not-afk"})])
    clock.now = T0 + 3600 * S
    store.convert(queue)
    assert queued(queue) == [(T0, T0 + 600 * S, "Code", "x", None)]
    with caplog.at_level(logging.WARNING, logger="selftime.agent.aw"):
        store.insert(WINDOW_BUCKET, [AwEvent(T0 + 100 * S, 10 * S, {"app": "Late", "title": "y"})])
    assert "time already converted" in caplog.text
    clock.now = T0 + 7200 * S
    store.convert(queue)
    assert queued(queue) == []
    assert store.count(WINDOW_BUCKET) == 2
    store.close()
    queue.close()


def test_the_cursor_survives_a_restart_and_converted_events_are_pruned_after_a_week(tmp_path: Path) -> None:
    clock = Clock()
    store, queue = make_store(tmp_path, clock)
    store.insert(WINDOW_BUCKET, [AwEvent(T0, 600 * S, {"app": "Code", "title": "x"})])
    store.insert(AFK_BUCKET, [AwEvent(T0, 600 * S, {"status": "not-afk"})])
    clock.now = T0 + 3600 * S
    store.convert(queue)
    store.close()
    clock.now = T0 + 7200 * S
    again = AwStore(queue.path, clock)
    assert again.converted_through(WINDOW_BUCKET) == T0 + 3600 * S - LATE_MS - 5 * S
    again.convert(queue)
    assert len(queued(queue)) == 1, "nothing converted twice"
    assert again.count(WINDOW_BUCKET) == 1
    clock.now = T0 + RETAIN_MS + 2 * 3600 * S  # a week after the events, which the cursor passed
    again.convert(queue)
    assert again.count(WINDOW_BUCKET) == 0 and again.count(AFK_BUCKET) == 0
    again.close()
    queue.close()
