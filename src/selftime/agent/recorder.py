"""Turns once-a-second window samples into spans, applying the idle rule, pauses and sleep gaps.

A span is the time one (application, title, site) kept the focus. Unchanged samples extend it to the
latest sample; a changed one ends it at that sample and starts the next one there, so spans of a working
stretch are contiguous. Every span passes the privacy filter and goes into the durable queue the moment it
ends; the open one is checkpointed every few seconds (and when it starts), so a crash loses at most the
time since the last checkpoint.

Not recorded: time while paused, while nothing has the focus, while idle (RescueTime's rule: once input
has been absent for the idle threshold, the span ends at the last input and the idle minutes do not
count; a locked screen is idle at once), and the time between two samples much further apart than the
sampling period (the machine slept, or the clock jumped): there the span ends at the last sample before
the gap."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from selftime.agent.idle import IdleState
from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.agent.settings import Tuning
from selftime.agent.window import WindowSample

log = logging.getLogger("selftime.agent")
SpanFilter = Callable[[QueuedSpan], QueuedSpan | None]


@dataclass
class _Open:
    start_ms: int
    end_ms: int
    sample: WindowSample


class Recorder:
    def __init__(
        self,
        queue: LocalQueue,
        tuning: Tuning = Tuning(),
        span_filter: SpanFilter | None = None,
        source: str = "window",
    ) -> None:
        self.queue = queue
        self.tuning = tuning
        self.source = source
        self._filter = span_filter
        self._open: _Open | None = None
        self._last_ms: int | None = None
        self._last_input_ms: int | None = None
        self._checkpointed_ms = 0

    @property
    def open_span(self) -> QueuedSpan | None:
        return None if self._open is None else self._span(self._open, self._open.end_ms)

    def observe(self, now_ms: int, sample: WindowSample | None, idle: IdleState, paused: bool = False) -> None:
        last, self._last_ms = self._last_ms, now_ms
        if last is not None and (now_ms < last or now_ms - last > self.tuning.sleep_gap_ms):
            if self._open is not None:
                log.info(
                    "%d s between two samples (sleep, or the clock moved): the span ends before it",
                    (now_ms - last) // 1000,
                )
            self._close(last)
        if paused or sample is None:
            self._close(now_ms)
            return
        if idle.locked or idle.idle_ms >= self.tuning.idle_threshold_ms:
            # Ends at the last input: the idle minutes that led here do not count.
            self._close(now_ms - idle.idle_ms)
            return
        self._last_input_ms = now_ms - idle.idle_ms
        current = self._open
        if current is not None and current.sample == sample:
            current.end_ms = now_ms
            if now_ms - self._checkpointed_ms >= self.tuning.checkpoint_seconds * 1000:
                self._checkpoint(now_ms)
            return
        self._close(now_ms)
        self._open = _Open(now_ms, now_ms, sample)
        self._checkpoint(now_ms)

    def cut(self) -> None:
        """Before a sync: queue the open span up to its last sample and go on recording from there, so the
        server sees the time so far even when one window keeps the focus for hours."""
        current = self._open
        if current is None:
            return
        # Time since the last input is not yet known to count: if it reaches the idle threshold it is
        # taken back, which a span already queued (and sent) cannot be. It stays in the open span.
        at = self._settled_end(current)
        if at <= current.start_ms:
            return
        self._close(at)
        self._open = _Open(at, current.end_ms, current.sample)
        self._checkpoint(current.end_ms)

    def close(self) -> None:
        """At exit: the open span ends at its last sample."""
        if self._open is not None:
            self._close(self._open.end_ms)

    def _settled_end(self, current: _Open) -> int:
        """The open span's end up to the last input: the part that counts whatever happens next."""
        if self._last_input_ms is None:
            return current.end_ms
        return max(current.start_ms, min(current.end_ms, self._last_input_ms))

    def _span(self, current: _Open, end_ms: int) -> QueuedSpan:
        s = current.sample
        return QueuedSpan(current.start_ms, end_ms, s.application, s.title, s.url, self.source)

    def _filtered(self, span: QueuedSpan) -> QueuedSpan | None:
        if self._filter is None:
            return span
        try:
            return self._filter(span)
        except Exception:  # fail closed: a broken privacy rule must not let a title through
            log.exception("the privacy filter failed; the span is not recorded")
            return None

    def _checkpoint(self, now_ms: int) -> None:
        self._checkpointed_ms = now_ms
        assert self._open is not None
        # Up to the last input, like a cut: a crash during a break must not bring the break back as work.
        span = self._span(self._open, self._settled_end(self._open))
        self.queue.checkpoint(self.source, self._filtered(span))

    def _close(self, at_ms: int) -> None:
        current, self._open = self._open, None
        if current is None:
            return
        end = max(at_ms, current.start_ms)
        span = self._span(current, end) if end > current.start_ms else None
        self.queue.close_span(self.source, None if span is None else self._filtered(span))
