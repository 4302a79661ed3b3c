"""The Daily Summary Feed's bytes: key order, rounding, duration strings, the JSON array."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.responses import Response

from selftime.compat.render import JSON_TYPE
from selftime.compat.rounding import round_half_away
from selftime.domain.summary import FIELDS, DayTotals, hours, percentage
from selftime.domain.zone import HOUR_MS, MINUTE_MS, MS


def whole_seconds(ms: int) -> int:
    """Half up, as the data API rounds its seconds: the same total reads the same in both."""
    return (ms + MS // 2) // MS


def duration_text(ms: int) -> str:
    """`12h 12m`, `3h`, `43m 30s`, `47m`, `41s`, `no time`.

    From one hour on, the seconds are dropped and the minutes truncated, as in RescueTime's own
    samples (1.58 hours reads `1h 34m`); below one hour the seconds show, rounded half up."""
    seconds = whole_seconds(ms)
    if seconds == 0:
        return "no time"
    h, rest = divmod(seconds, HOUR_MS // MS)
    m, s = divmod(rest, MINUTE_MS // MS)
    if h:
        return f"{h}h {m}m" if m else f"{h}h"
    if m:
        return f"{m}m {s}s" if s else f"{m}m"
    return f"{s}s"


def summary_object(day: dt.date, midnight_ms: int, totals: DayTotals) -> dict[str, Any]:
    """One day's feed object, every key in the docs' order."""
    obj: dict[str, Any] = {
        "id": midnight_ms // MS,
        "date": day.isoformat(),
        "productivity_pulse": totals.pulse,
    }
    for stem in FIELDS:
        obj[f"{stem}_percentage"] = round_half_away(percentage(totals.parts[stem], totals.total_ms), 1)
    obj["total_hours"] = round_half_away(hours(totals.total_ms), 2)
    for stem in FIELDS:
        obj[f"{stem}_hours"] = round_half_away(hours(totals.parts[stem]), 2)
    obj["total_duration_formatted"] = duration_text(totals.total_ms)
    for stem in FIELDS:
        obj[f"{stem}_duration_formatted"] = duration_text(totals.parts[stem])
    return obj


def encode(obj: dict[str, Any]) -> str:
    """The stored form of one object: compact JSON, exactly the bytes the feed sends."""
    return orjson.dumps(obj).decode("utf-8")


def feed_body(payloads: Iterable[str]) -> bytes:
    """Stored objects are spliced as they were kept, so a summary reads the same on every request."""
    return ("[" + ",".join(payloads) + "]").encode("utf-8")


def feed_response(payloads: Iterable[str]) -> Response:
    return Response(feed_body(payloads), status_code=200, headers={"content-type": JSON_TYPE})
