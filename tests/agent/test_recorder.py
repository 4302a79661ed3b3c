"""The recorder (agent/recorder.py): samples merged into spans, window changes, pauses, sleep gaps, cuts
before a sync, checkpoints, and the privacy filter. Samples are plain values fed on a made-up timeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from selftime.agent.idle import IdleState
from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.agent.recorder import Recorder
from selftime.agent.settings import Tuning
from selftime.agent.window import WindowSample

T0 = 1_800_000_000_000
ACTIVE = IdleState(0, False)
CODE = WindowSample("code", "main.py", None)
WEB = WindowSample("firefox", "Pull requests", "https://github.com/")


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    q = LocalQueue(tmp_path / "agent.sqlite3")
    yield q
    q.close()


def recorded(queue: LocalQueue) -> list[tuple[int, int, str | None, str | None]]:
    """What went into the queue, as (start s, end s, application, title) relative to T0."""
    out = []
    for batch in queue.seal():
        for s in batch.spans:
            out.append((_s(str(s["start"])), _s(str(s["end"])), s["application"], s["title"]))
    return out  # type: ignore[return-value]


def _s(text: str) -> int:
    import datetime as dt

    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (round(moment.timestamp() * 1000) - T0) // 1000


def feed(rec: Recorder, start_s: int, end_s: int, sample: WindowSample | None, **kw: object) -> None:
    for second in range(start_s, end_s):
        rec.observe(T0 + second * 1000, sample, **kw)  # type: ignore[arg-type]


def test_unchanged_samples_merge_and_a_change_ends_the_span_there(queue: LocalQueue) -> None:
    rec = Recorder(queue)
    feed(rec, 0, 10, CODE, idle=ACTIVE)
    feed(rec, 10, 15, WEB, idle=ACTIVE)
    feed(rec, 15, 20, WindowSample("code", "other.py", None), idle=ACTIVE)  # same app, new title: a new span
    rec.close()
    assert recorded(queue) == [
        (0, 10, "code", "main.py"),
        (10, 15, "firefox", "Pull requests"),
        (15, 19, "code", "other.py"),
    ]


def test_nothing_focused_is_not_recorded(queue: LocalQueue) -> None:
    rec = Recorder(queue)
    feed(rec, 0, 5, CODE, idle=ACTIVE)
    feed(rec, 5, 8, None, idle=ACTIVE)
    feed(rec, 8, 11, CODE, idle=ACTIVE)
    rec.close()
    assert recorded(queue) == [(0, 5, "code", "main.py"), (8, 10, "code", "main.py")]


def test_a_sleep_gap_ends_the_span_at_the_last_sample(queue: LocalQueue) -> None:
    rec = Recorder(queue, Tuning(sleep_gap_ms=15_000))
    feed(rec, 0, 30, CODE, idle=ACTIVE)  # last sample at 29
    feed(rec, 3600, 3610, CODE, idle=ACTIVE)  # the lid opened an hour later: the hour is not activity
    feed(rec, 3624, 3630, CODE, idle=ACTIVE)  # 14 s: a slow machine, not a sleep
    rec.close()
    assert recorded(queue) == [(0, 29, "code", "main.py"), (3600, 3629, "code", "main.py")]


def test_the_clock_going_back_ends_the_span(queue: LocalQueue) -> None:
    rec = Recorder(queue)
    feed(rec, 100, 110, CODE, idle=ACTIVE)
    feed(rec, 50, 55, CODE, idle=ACTIVE)  # NTP or the user set the clock back
    rec.close()
    assert recorded(queue) == [(50, 54, "code", "main.py"), (100, 109, "code", "main.py")]


def test_pause_ends_the_span_and_records_nothing(queue: LocalQueue) -> None:
    rec = Recorder(queue)
    feed(rec, 0, 10, CODE, idle=ACTIVE)
    feed(rec, 10, 20, CODE, idle=ACTIVE, paused=True)
    feed(rec, 20, 25, CODE, idle=ACTIVE)
    rec.close()
    assert recorded(queue) == [(0, 10, "code", "main.py"), (20, 24, "code", "main.py")]


def test_cut_sends_time_so_far_and_recording_goes_on(queue: LocalQueue) -> None:
    rec = Recorder(queue)
    feed(rec, 0, 10, CODE, idle=ACTIVE)
    rec.cut()  # a sync is due while the same window keeps the focus
    assert recorded(queue) == [(0, 9, "code", "main.py")]
    feed(rec, 10, 20, CODE, idle=ACTIVE)
    rec.close()
    assert recorded(queue) == [(9, 19, "code", "main.py")]  # contiguous: no second lost or counted twice


def test_checkpoints_let_a_crash_lose_only_seconds(tmp_path: Path) -> None:
    path = tmp_path / "agent.sqlite3"
    queue = LocalQueue(path)
    rec = Recorder(queue, Tuning(checkpoint_seconds=5))
    feed(rec, 0, 13, CODE, idle=ACTIVE)  # checkpoints at 0, 5, 10; then the process is killed
    queue.close()
    again = LocalQueue(path)
    try:
        assert again.recover() == 1
        assert recorded(again) == [(0, 10, "code", "main.py")]
    finally:
        again.close()


def test_the_privacy_filter_sees_every_span_and_checkpoint(queue: LocalQueue) -> None:
    seen: list[QueuedSpan] = []

    def no_titles_for_firefox(span: QueuedSpan) -> QueuedSpan | None:
        seen.append(span)
        if span.application == "secret":
            return None
        if span.application == "firefox":
            return QueuedSpan(span.start_ms, span.end_ms, span.application, None, None, span.source)
        return span

    rec = Recorder(queue, span_filter=no_titles_for_firefox)
    feed(rec, 0, 3, WindowSample("secret", "diary", None), idle=ACTIVE)
    feed(rec, 3, 6, WEB, idle=ACTIVE)
    feed(rec, 6, 8, CODE, idle=ACTIVE)
    rec.close()
    assert recorded(queue) == [(3, 6, "firefox", None), (6, 7, "code", "main.py")]
    assert len(seen) >= 6  # three checkpoints (span starts) and three closed spans
    # And a checkpoint never holds what the filter removed.
    feed(rec, 10, 12, WindowSample("secret", "diary", None), idle=ACTIVE)
    assert queue.recover() == 0


def test_a_failing_privacy_filter_records_nothing(queue: LocalQueue) -> None:
    def broken(span: QueuedSpan) -> QueuedSpan | None:
        raise RuntimeError("bad rule")

    rec = Recorder(queue, span_filter=broken)
    feed(rec, 0, 5, CODE, idle=ACTIVE)
    rec.close()
    assert recorded(queue) == []
