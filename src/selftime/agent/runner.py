"""`selftime agent run`: the sampling loop, and what runs beside it.

Once a second (on the main thread, which alone talks to the X server): read the pause state, sample the
window and idle sources, feed the recorder, tick the focus enforcer; when a sync is due, cut the open span
and wake the sync thread. Beside it: the sync thread and, on --aw-port, the ActivityWatch endpoints. On
SIGTERM or Ctrl-C: the open span is queued, one last sync runs (bounded in time), and the agent exits; what
could not be sent stays queued for the next start. At start, spans a crash left open are recovered from
their last checkpoint.

The privacy filter, the focus enforcer, desktop notifications and the ActivityWatch endpoints are other
modules of this package, imported when a run starts."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selftime.agent.idle import IdleSource, IdleState, IdleUnavailable, NoIdleSource, X11Idle, read_idle
from selftime.agent.instance import single_agent
from selftime.agent.queue import LocalQueue
from selftime.agent.recorder import Recorder, SpanFilter
from selftime.agent.settings import ConfigError, Tuning, load_config, queue_path
from selftime.agent.sync import Syncer, SyncWorker, http_client, wall_ms
from selftime.agent.window import PyWinCtlSource, WindowSource, WindowUnavailable, open_window_source

log = logging.getLogger("selftime.agent")
PAUSED_KEY = "paused_until_ms"
FOREVER = "forever"
STATUS_EVERY_MS = 5_000


@dataclass
class RunOptions:
    aw_port: int = 5600
    tuning: Tuning = field(default_factory=Tuning)


def paused_until(queue: LocalQueue, now_ms: int) -> int | None:
    """Until when recording is paused (ms; a huge value for "until resumed"), or None."""
    value = queue.get(PAUSED_KEY)
    if value is None:
        return None
    if value == FOREVER:
        return 2**62
    try:
        until = int(value)
    except ValueError:
        return None
    return until if until > now_ms else None


def run(data_dir: Path, options: RunOptions, stop: threading.Event | None = None) -> int:
    """Runs until `stop` is set (or SIGTERM/SIGINT when called on the main thread); returns the exit code."""
    config = load_config(data_dir)
    stop = stop or threading.Event()
    tuning = options.tuning
    # Before recover(): in a second agent it would queue the first one's open span while that one runs.
    with single_agent(data_dir):
        queue = LocalQueue(queue_path(data_dir))
        try:
            recovered = queue.recover()
            if recovered:
                log.info("recovered %d span(s) that were open when the agent last stopped", recovered)
            with _signals(stop):
                syncer = Syncer(queue, config, tuning, config_dir=data_dir)
                _Run(queue, config.server, tuning, stop).main(syncer, options.aw_port, data_dir)
        finally:
            queue.close()
    return 0


@contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler: Callable[[int, Any], None] = lambda _signum, _frame: stop.set()  # noqa: E731
    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _Run:
    def __init__(self, queue: LocalQueue, server: str, tuning: Tuning, stop: threading.Event) -> None:
        self.queue = queue
        self.server = server
        self.tuning = tuning
        self.stop = stop
        self.commands: list[list[dict[str, Any]]] = []  # handed from the sync thread to this one
        self.commands_lock = threading.Lock()

    def main(self, syncer: Syncer, aw_port: int, data_dir: Path) -> None:
        recorder = Recorder(self.queue, self.tuning, _privacy_filter(data_dir))
        window, idle = _sources()
        enforcer, notify = _focus_enforcer()
        worker = SyncWorker(syncer, self.tuning, self._on_commands)
        aw = _start_aw(self.queue, aw_port)
        log.info("recording to %s; syncing with %s", self.queue.path, self.server)
        worker.start()
        try:
            self._loop(recorder, window, idle, enforcer, worker)
        finally:
            recorder.close()
            if aw is not None:
                aw.stop()
            if hasattr(notify, "close"):
                notify.close()
            self.queue.set("agent_alive_ms", None)
            # Bounded, so that a service manager's stop timeout (30 s in the autostart units) is not hit:
            # what cannot go now stays queued for the next start.
            budget = self.tuning.exit_sync_seconds
            if worker.stop(budget / 3):
                final = Syncer(self.queue, syncer.config, self.tuning, http_client(timeout=budget / 3))
                try:
                    outcome = final.sync_once(deadline=time.monotonic() + budget / 3)
                finally:
                    final.close()
                left = self.queue.pending_count()
                log.info("final sync: %d span(s) sent, %d left in the queue", outcome.acked_spans, left)
            else:
                log.warning("a sync was still running at exit; what is queued is sent at the next start")
            syncer.close()

    def _on_commands(self, commands: list[dict[str, Any]]) -> None:
        with self.commands_lock:
            self.commands.append(commands)

    def _loop(
        self, recorder: Recorder, window: WindowSource | None, idle: IdleSource, enforcer: Any, worker: SyncWorker
    ) -> None:
        period = self.tuning.sample_seconds
        next_tick = time.monotonic()
        alive_at = 0
        while not self.stop.is_set():
            now = wall_ms()
            sample = None
            if window is not None:
                try:
                    sample = window.sample()
                except WindowUnavailable as exc:
                    log.warning("%s; window activity is no longer recorded", exc)
                    window, idle = None, NoIdleSource()
            try:
                state = read_idle(idle)
            except Exception as exc:  # the X server went away under the idle source
                log.warning("idle detection failed (%r); time counts as active from now on", exc)
                idle, state = NoIdleSource(), IdleState(0, False)
            recorder.observe(now, sample, state, paused=paused_until(self.queue, now) is not None)
            self._focus(enforcer)
            if worker.due():
                recorder.cut()
                worker.request()
            if now - alive_at >= STATUS_EVERY_MS:  # for `selftime agent status`
                alive_at = now
                self.queue.set("agent_alive_ms", str(now))
            next_tick += period
            delay = next_tick - time.monotonic()
            if delay < 0:  # fell behind (a stall, or the machine slept): keep the rhythm from now
                next_tick, delay = time.monotonic(), 0
            self.stop.wait(delay)

    def _focus(self, enforcer: Any) -> None:
        if enforcer is None:
            return
        with self.commands_lock:
            pending, self.commands = self.commands, []
        try:
            for commands in pending:
                enforcer.update(commands)
            enforcer.tick()
        except Exception:
            log.exception("focus blocking failed")


def _sources() -> tuple[WindowSource | None, IdleSource]:
    try:
        window = open_window_source()
    except WindowUnavailable as exc:
        log.warning("%s", exc)
        return None, NoIdleSource()
    x11 = window.x11 if isinstance(window, PyWinCtlSource) else None
    if x11 is None:
        log.warning("no idle detection on this system: all time with a focused window counts as active")
        return window, NoIdleSource()
    try:
        return window, X11Idle(x11)
    except IdleUnavailable as exc:
        log.warning("no idle detection (%s): all time with a focused window counts as active", exc)
        return window, NoIdleSource()


def _module(name: str) -> Any:
    """selftime.agent.<name>, or None where this build lacks it (an error inside it is raised)."""
    if importlib.util.find_spec(f"selftime.agent.{name}") is None:
        return None
    return importlib.import_module(f"selftime.agent.{name}")


def _privacy_filter(data_dir: Path) -> SpanFilter | None:
    privacy = _module("privacy")
    if privacy is None:
        log.warning("this build has no privacy rules: everything is recorded")
        return None
    try:
        rules = privacy.load(data_dir)
    except ValueError as exc:  # a broken rules file: refuse to start rather than record what it would hide
        raise ConfigError(f"privacy rules: {exc}") from None
    if hasattr(rules, "describe"):
        log.info("%s", rules.describe())
    return rules.filter  # type: ignore[no-any-return]


def _focus_enforcer() -> tuple[Any, Any]:
    """(the focus enforcer or None, the notifier to close at exit or None)."""
    focus = _module("focus")
    if focus is None:
        log.warning("this build has no focus blocking")
        return None, None
    notify_module = _module("notify")
    notify = notify_module.desktop_notifier() if notify_module is not None else log.warning
    return focus.FocusEnforcer(notify), notify


def _start_aw(queue: LocalQueue, port: int) -> Any:
    if not port:
        return None
    aw_api = _module("aw_api")
    if aw_api is None:
        log.warning("this build has no ActivityWatch endpoints; --aw-port is ignored")
        return None
    try:
        handle = aw_api.start(queue, port)
    except Exception as exc:  # typically: the port is taken (by ActivityWatch's own server?)
        log.error("the ActivityWatch endpoints cannot listen on 127.0.0.1:%d (%s); running without them", port, exc)
        return None
    log.info("ActivityWatch endpoints on http://127.0.0.1:%d/api/0/", port)
    return handle
