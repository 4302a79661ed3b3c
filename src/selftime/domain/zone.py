"""Local time arithmetic on UTC milliseconds: ranges, offset segments and bucket labels.

Every zone offset in use is a multiple of 15 minutes, so a local hour/day/week/month boundary is a
15-minute UTC boundary. Within a stretch of constant offset, "local milliseconds" = UTC + offset,
and integer division of that by a unit numbers the local buckets; a fall-back hour maps both UTC
hours to the same local number, which is the one-label rule for the repeated hour.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MS = 1000
MINUTE_MS = 60 * MS
FIVE_MINUTES_MS = 5 * MINUTE_MS
FIFTEEN_MINUTES_MS = 15 * MINUTE_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_MS = dt.timedelta(milliseconds=1)


# Files of the zone directory that are not zones: "localtime" is whatever zone the server runs in,
# "posixrules" a template, and "Factory" the placeholder of a zone not yet set.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return _known_zones()


def validate_zone(name: str) -> ZoneInfo:
    """An IANA zone name, or ValueError naming the problem."""
    if name not in _known_zones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - list and db disagree
        raise ValueError(f"unknown time zone {name!r}") from exc


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_ms(moment: dt.datetime) -> int:
    """Aware datetime → integer UTC milliseconds (sub-millisecond parts are dropped, toward the past)."""
    # On the timedelta's fields: twice as fast as `// timedelta(milliseconds=1)`, and ingest does it
    # twice per span. The days and seconds make whole milliseconds, so flooring the microseconds floors all.
    d = moment - _EPOCH_UTC
    return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000


def from_ms(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)


def local_midnight_ms(day: dt.date, tz: ZoneInfo) -> int:
    # fold=0 picks the earlier instant where midnight repeats; zoneinfo shifts a skipped midnight.
    return to_ms(dt.datetime(day.year, day.month, day.day, tzinfo=tz))


def local_range_ms(begin: dt.date, end: dt.date, tz: ZoneInfo) -> tuple[int, int]:
    """[local midnight of begin, local midnight of the day after end) in UTC ms."""
    return local_midnight_ms(begin, tz), local_midnight_ms(end + dt.timedelta(days=1), tz)


def today_in(tz: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()


def _offset_ms(tz: ZoneInfo, ms: int) -> int:
    offset = from_ms(ms).astimezone(tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() * MS)


@dataclass(frozen=True)
class Segment:
    """From `start_ms` (inclusive) on, until the next segment, local = UTC + offset_ms."""

    start_ms: int
    offset_ms: int


@lru_cache(maxsize=512)
def offset_segments(zone_name: str, start_ms: int, end_ms: int) -> tuple[Segment, ...]:
    """Constant-offset stretches covering [start_ms, end_ms), found by daily steps and bisection."""
    tz = ZoneInfo(zone_name)
    segments = [Segment(start_ms, _offset_ms(tz, start_ms))]
    probe = start_ms
    while probe < end_ms:
        nxt = min(probe + DAY_MS, end_ms)
        off = _offset_ms(tz, nxt) if nxt < end_ms else _offset_ms(tz, end_ms - 1)
        if off != segments[-1].offset_ms:
            lo, hi = probe, nxt if nxt < end_ms else end_ms - 1
            while hi - lo > MINUTE_MS:
                mid = (lo + hi) // 2 // MINUTE_MS * MINUTE_MS
                if mid <= lo:
                    break
                if _offset_ms(tz, mid) == segments[-1].offset_ms:
                    lo = mid
                else:
                    hi = mid
            segments.append(Segment(hi, _offset_ms(tz, hi)))
        probe = nxt
    return tuple(segments)


# Reports label thousands of buckets, always on whole minutes: a date's text plus a clock's.
_CLOCKS = [f"T{h:02d}:{m:02d}:00" for h in range(24) for m in range(60)]


@lru_cache(maxsize=8192)
def _date_text(day_number: int) -> str:
    return (_EPOCH_DATE + dt.timedelta(days=day_number)).isoformat()


def local_label(local_ms: int) -> str:
    """Local milliseconds → `YYYY-MM-DDTHH:MM:SS`, the wall clock with no offset."""
    day, rest = divmod(local_ms, DAY_MS)
    if rest % MINUTE_MS == 0:
        return _date_text(day) + _CLOCKS[rest // MINUTE_MS]
    return (_EPOCH + dt.timedelta(milliseconds=local_ms)).isoformat(timespec="seconds")


def local_day_number(day: dt.date) -> int:
    return (day - _EPOCH_DATE).days


def date_of_day_number(n: int) -> dt.date:
    return _EPOCH_DATE + dt.timedelta(days=n)


def weekday_sunday_first(day_number: int) -> int:
    """0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday."""
    return (day_number + 4) % 7


def week_start_day(day_number: int) -> int:
    return day_number - weekday_sunday_first(day_number)


def month_start_day(day_number: int) -> int:
    d = date_of_day_number(day_number)
    return local_day_number(d.replace(day=1))
