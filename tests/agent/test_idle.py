"""The idle rule through a test double of the idle source: after 5 minutes without input the span ends at
the last input and those minutes are not counted (RescueTime's rule); a locked screen is idle at once.
The recorded spans go to a real server, and /anapi/data has the seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from selftime.agent.idle import IdleSource, read_idle
from selftime.agent.queue import LocalQueue
from selftime.agent.recorder import Recorder
from selftime.agent.settings import AgentConfig, Tuning
from selftime.agent.sync import Syncer
from selftime.agent.window import WindowSample
from tests.agent.conftest import LiveServer, ServerAccount, seconds_by

EDITOR = WindowSample("editor", "chapter-1.md", None)


class ScriptedIdle:
    """The test double: input happens when the test says so; idle time is measured on the test's clock."""

    def __init__(self) -> None:
        self.now_ms = 0
        self.last_input_ms = 0
        self.is_locked = False

    def idle_ms(self) -> int:
        return self.now_ms - self.last_input_ms

    def locked(self) -> bool:
        return self.is_locked


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    q = LocalQueue(tmp_path / "agent.sqlite3")
    yield q
    q.close()


def drive(rec: Recorder, idle: ScriptedIdle, t0: int, seconds: range, *, typing: bool) -> None:
    """One sample a second, as the runner takes them; with `typing`, input arrives every second."""
    source: IdleSource = idle
    for s in seconds:
        idle.now_ms = t0 + s * 1000
        if typing:
            idle.last_input_ms = idle.now_ms - 300  # a key pressed a moment before the sample
        rec.observe(idle.now_ms, EDITOR, read_idle(source))


def test_five_idle_minutes_end_the_span_and_are_not_counted(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    t0 = (time.time_ns() // 1_000_000 // 1000 - 2 * 3600) * 1000  # two hours ago, on a whole second
    idle = ScriptedIdle()
    rec = Recorder(queue, Tuning())
    drive(rec, idle, t0, range(0, 121), typing=True)  # 2 minutes of work; the last input at 120 s - 0.3 s
    drive(rec, idle, t0, range(121, 540), typing=False)  # then 7 minutes away from the keyboard
    (closed,) = queue.seal()  # at 5 minutes of idleness the span ended, at the last input
    assert [(s["start"], s["end"]) for s in closed.spans] == [(_at(t0, 0), _at(t0, 119.7))]
    assert rec.open_span is None
    drive(rec, idle, t0, range(540, 601), typing=True)  # back: recording resumes with the first input
    rec.close()

    syncer = Syncer(queue, AgentConfig(server.url, server_account.key, "dev-idle", "laptop"))
    try:
        assert syncer.sync_once().delivered
    finally:
        syncer.close()
    # 119.7 s before the break and 60 s after it; none of the 7 minutes away (the first 5 were
    # extending the span while they lasted, and were taken back when they reached 5).
    assert seconds_by(server, server_account) == {"editor": 180}


def test_a_locked_screen_is_idle_at_once(queue: LocalQueue) -> None:
    t0 = 1_800_000_000_000
    idle = ScriptedIdle()
    rec = Recorder(queue, Tuning())
    drive(rec, idle, t0, range(0, 30), typing=True)
    idle.is_locked = True  # locked right after the last key press (Super+L)
    drive(rec, idle, t0, range(30, 40), typing=False)
    assert rec.open_span is None
    idle.is_locked = False
    drive(rec, idle, t0, range(40, 50), typing=True)
    rec.close()
    spans = [(s["start"], s["end"]) for b in queue.seal() for s in b.spans]
    assert spans == [(_at(t0, 0), _at(t0, 28.7)), (_at(t0, 40), _at(t0, 49))]  # ends at the last input


def test_idle_shorter_than_the_threshold_counts(queue: LocalQueue) -> None:
    """Reading without touching anything for 4 minutes is work (RescueTime counts it too)."""
    t0 = 1_800_000_000_000
    idle = ScriptedIdle()
    rec = Recorder(queue, Tuning())
    drive(rec, idle, t0, range(0, 10), typing=True)
    drive(rec, idle, t0, range(10, 250), typing=False)
    drive(rec, idle, t0, range(250, 260), typing=True)
    rec.close()
    spans = [(s["start"], s["end"]) for b in queue.seal() for s in b.spans]
    assert spans == [(_at(t0, 0), _at(t0, 259))]


def test_a_sync_during_a_break_does_not_send_the_break_as_work(queue: LocalQueue) -> None:
    """A cut (before each sync) while idle must not queue the idle minutes: if they reach the threshold
    they are not counted, and a span already sent cannot be taken back."""
    t0 = 1_800_000_000_000
    idle = ScriptedIdle()
    rec = Recorder(queue, Tuning())
    drive(rec, idle, t0, range(0, 121), typing=True)  # the last input at 119.7 s
    drive(rec, idle, t0, range(121, 240), typing=False)
    rec.cut()  # a sync falls 2 minutes into the break
    drive(rec, idle, t0, range(240, 540), typing=False)  # the break reaches 5 minutes
    rec.close()
    spans = [(s["start"], s["end"]) for b in queue.seal() for s in b.spans]
    assert spans == [(_at(t0, 0), _at(t0, 119.7))]


def test_a_sync_during_a_short_pause_loses_nothing(queue: LocalQueue) -> None:
    t0 = 1_800_000_000_000
    idle = ScriptedIdle()
    rec = Recorder(queue, Tuning())
    drive(rec, idle, t0, range(0, 10), typing=True)
    drive(rec, idle, t0, range(10, 100), typing=False)
    rec.cut()  # reading, not idle: what follows the last input is sent once the reader is back
    drive(rec, idle, t0, range(100, 110), typing=True)
    rec.close()
    spans = [(s["start"], s["end"]) for b in queue.seal() for s in b.spans]
    assert spans == [(_at(t0, 0), _at(t0, 8.7)), (_at(t0, 8.7), _at(t0, 109))]


def test_a_crash_during_a_break_does_not_recover_the_break(tmp_path: Path) -> None:
    path = tmp_path / "agent.sqlite3"
    queue = LocalQueue(path)
    idle = ScriptedIdle()
    t0 = 1_800_000_000_000
    rec = Recorder(queue, Tuning(checkpoint_seconds=5))
    drive(rec, idle, t0, range(0, 60), typing=True)
    drive(rec, idle, t0, range(60, 280), typing=False)  # killed 4 minutes into a break
    queue.close()
    again = LocalQueue(path)
    try:
        again.recover()
        spans = [(s["start"], s["end"]) for b in again.seal() for s in b.spans]
        assert spans == [(_at(t0, 0), _at(t0, 58.7))]
    finally:
        again.close()


def _at(t0: int, seconds: float) -> str:
    from selftime.agent.queue import rfc3339

    return rfc3339(t0 + round(seconds * 1000))
