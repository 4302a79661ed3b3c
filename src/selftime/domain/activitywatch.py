"""ActivityWatch's events and rules as pure functions, shared by the agent's aw-server endpoints and `selftime
import activitywatch`: the event model, the wire format, exports, and aw-core's transforms.

Ported from ActivityWatch's own code, the version the tests run against: aw-core 0.5.18 (`heartbeat_merge`,
`flood`, `filter_period_intersect`, `period_union` in aw_transform). Times are integer UTC milliseconds; aw-core
itself truncates timestamps to the millisecond. How buckets become Selftime spans (aw-client's canonicalEvents)
is in aw_conversion.py and docs/activitywatch.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from selftime.domain.zone import to_ms

WINDOW, AFK, WEB = "currentwindow", "afkstatus", "web.tab.current"
CONVERTED_TYPES = (WINDOW, AFK, WEB)
# canonicalEvents calls flood() with its default pulsetime.
FLOOD_PULSETIME_S = 5.0
_NEGATIVE_GAP_TRIM_MS = 100  # flood(): overlaps shorter than this count as touching
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class EventError(ValueError):
    """An event or export that does not have ActivityWatch's shape; the message says where and why."""


@dataclass(slots=True)
class AwEvent:
    start_ms: int
    duration_ms: int
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    def copy(self) -> AwEvent:
        return AwEvent(self.start_ms, self.duration_ms, self.data)


@dataclass(frozen=True)
class Bucket:
    id: str
    type: str
    hostname: str
    client: str = ""


@dataclass(frozen=True)
class AwSpan:
    """What a stretch of ActivityWatch time becomes: the fields of an ingest span."""

    start_ms: int
    end_ms: int
    application: str
    title: str | None
    url: str | None


# --- the wire format -------------------------------------------------------------------------------------------


def parse_timestamp(value: Any) -> int:
    if not isinstance(value, str):
        raise EventError("timestamp must be an ISO 8601 string")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventError(f"timestamp {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:  # aw-core's rule: a timestamp without an offset is UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return to_ms(moment)


def parse_event(obj: Any) -> AwEvent:
    """An event as aw-server accepts it: `timestamp` required, `duration` seconds (default 0), `data` an object."""
    if not isinstance(obj, dict):
        raise EventError("an event must be a JSON object")
    if "timestamp" not in obj:
        raise EventError("an event needs a timestamp")
    duration = obj.get("duration", 0)
    if duration is None:
        duration = 0
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration):
        raise EventError("duration must be a number of seconds")
    data = obj.get("data")
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise EventError("data must be a JSON object")
    return AwEvent(parse_timestamp(obj["timestamp"]), round(duration * 1000), data)


def iso(ms: int) -> str:
    """A timestamp the way aw-server writes one (Python's isoformat of a UTC datetime)."""
    return (_EPOCH + dt.timedelta(milliseconds=ms)).isoformat()


def event_json(event: AwEvent, event_id: int | None = None) -> dict[str, Any]:
    return {"id": event_id, "timestamp": iso(event.start_ms), "duration": event.duration_ms / 1000, "data": event.data}


# --- aw_transform ----------------------------------------------------------------------------------------------


def heartbeat_merge(last: AwEvent, heartbeat: AwEvent, pulsetime_s: float) -> AwEvent | None:
    """The extended last event when `heartbeat` has the same data and its timestamp lies between the last event's
    start and pulsetime seconds after its end; None when the heartbeat must become a new event."""
    if last.data != heartbeat.data:
        return None
    if not last.start_ms <= heartbeat.start_ms <= last.end_ms + pulsetime_s * 1000:
        return None
    if last.duration_ms < 0:  # aw-core refuses to merge into a negative duration
        return None
    reach = heartbeat.start_ms - last.start_ms + heartbeat.duration_ms
    # The max: a heartbeat that ends before the last event's end never shortens it.
    return AwEvent(last.start_ms, max(last.duration_ms, reach), last.data)


def flood(events: Iterable[AwEvent], pulsetime_s: float = FLOOD_PULSETIME_S) -> list[AwEvent]:
    """aw_transform.flood: gaps of at most pulsetime are filled (equal data merges across them, differing data
    splits them at the midpoint) and overlaps are resolved, the later event winning. A line-by-line port."""
    ordered = sorted((e.copy() for e in events), key=lambda e: (e.start_ms, e.duration_ms))
    warned_unsafe = False
    for e1, e2 in pairwise(ordered):
        gap = e2.start_ms - e1.end_ms
        if gap == 0:
            continue
        if gap < 0 and e1.data == e2.data:
            start, end = min(e1.start_ms, e2.start_ms), max(e1.end_ms, e2.end_ms)
            e1.start_ms, e1.duration_ms = start, end - start
            e2.start_ms, e2.duration_ms = end, 0
        elif gap < -_NEGATIVE_GAP_TRIM_MS and not warned_unsafe:
            # aw-core only logs this (once per call); the overlap is resolved below.
            warned_unsafe = True
        elif -_NEGATIVE_GAP_TRIM_MS < gap <= pulsetime_s * 1000:
            e2_end = e2.end_ms
            if e1.data == e2.data:
                if e1.duration_ms >= e2.duration_ms:
                    e1.duration_ms = e2_end - e1.start_ms
                    e2.start_ms, e2.duration_ms = e2_end, 0
                else:
                    e2.start_ms = e1.start_ms
                    e2.duration_ms = e2_end - e2.start_ms
                    e1.duration_ms = 0
            else:
                midpoint = e1.end_ms + gap // 2
                e1.duration_ms = midpoint - e1.start_ms
                e2.start_ms, e2.duration_ms = midpoint, e2_end - midpoint
    normalized: list[AwEvent] = []
    for event in (e for e in ordered if e.duration_ms > 0):
        while normalized and normalized[-1].end_ms > event.start_ms:
            previous = normalized[-1]
            if previous.data == event.data:
                previous.duration_ms = max(previous.end_ms, event.end_ms) - previous.start_ms
                break
            previous.duration_ms = event.start_ms - previous.start_ms
            if previous.duration_ms <= 0:
                normalized.pop()
                continue
            normalized.append(event)
            break
        else:
            normalized.append(event)
    return normalized


def _intersection(a: AwEvent, b: AwEvent) -> tuple[int, int] | None:
    """timeslot.Timeslot.intersection, case by case."""
    if a.start_ms <= b.start_ms and b.end_ms <= a.end_ms:
        return b.start_ms, b.end_ms
    if a.start_ms <= b.start_ms < a.end_ms:
        return b.start_ms, a.end_ms
    if a.start_ms < b.end_ms <= a.end_ms:
        return a.start_ms, b.end_ms
    if b.start_ms <= a.start_ms and a.end_ms <= b.end_ms:
        return a.start_ms, a.end_ms
    return None


def intersect(events: Iterable[AwEvent], filters: Iterable[AwEvent]) -> list[AwEvent]:
    """aw_transform.filter_period_intersect: the parts of `events` during which some filter event runs."""
    first = sorted(events, key=lambda e: e.start_ms)
    second = sorted(filters, key=lambda e: e.start_ms)
    out = []
    i = j = 0
    while i < len(first) and j < len(second):
        e1, e2 = first[i], second[j]
        piece = _intersection(e1, e2)
        if piece is not None:
            out.append(AwEvent(piece[0], piece[1] - piece[0], e1.data))
            if e1.end_ms <= e2.end_ms:
                i += 1
            else:
                j += 1
        elif e1.end_ms <= e2.start_ms:
            i += 1
        elif e2.end_ms <= e1.start_ms:
            j += 1
        else:
            i += 1
            j += 1
    return out


def period_union(first: Iterable[AwEvent], second: Iterable[AwEvent]) -> list[AwEvent]:
    """aw_transform.period_union: the time covered by either list, as data-less events."""
    merged: list[AwEvent] = []
    for event in sorted([*first, *second], key=lambda e: e.start_ms):
        last = merged[-1] if merged else None
        if last is not None and not (last.end_ms < event.start_ms or event.end_ms < last.start_ms):
            start, end = min(last.start_ms, event.start_ms), max(last.end_ms, event.end_ms)
            merged[-1] = AwEvent(start, end - start, {})
        else:
            merged.append(AwEvent(event.start_ms, event.duration_ms, {}))
    return merged


def parse_export(obj: Any) -> list[tuple[Bucket, list[AwEvent]]]:
    """The buckets and events of an ActivityWatch export (`GET /api/0/export`: {"buckets": {id: bucket}})."""
    if not isinstance(obj, dict) or not isinstance(obj.get("buckets"), dict):
        raise EventError('not an ActivityWatch export: expected {"buckets": {"<bucket id>": {...}, ...}}')
    out = []
    for key, raw in obj["buckets"].items():
        if not isinstance(raw, dict):
            raise EventError(f"bucket {key!r}: must be a JSON object")
        kind, events_raw = raw.get("type"), raw.get("events", [])
        if not isinstance(kind, str):
            raise EventError(f"bucket {key!r}: has no type")
        if not isinstance(events_raw, list):
            raise EventError(f"bucket {key!r}: events must be a list")
        events = []
        for index, item in enumerate(events_raw):
            try:
                events.append(parse_event(item))
            except EventError as exc:
                raise EventError(f"bucket {key!r}, events[{index}]: {exc}") from None
        hostname = raw.get("hostname")
        bucket = Bucket(
            str(raw.get("id") or key),
            kind,
            hostname if isinstance(hostname, str) and hostname else "unknown",
            str(raw.get("client") or ""),
        )
        # Both name rows (a device, its batches): text no database driver can store is refused here.
        for what, text in (("id", bucket.id), ("hostname", bucket.hostname)):
            if not _storable(text):
                raise EventError(f"bucket {key!r}: its {what} holds a NUL character or a lone surrogate")
        out.append((bucket, events))
    return out


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
