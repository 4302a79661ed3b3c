"""Parsing schedule definitions as people type them: `mon-fri`, `sat,sun`, `09:00`, `24:00`."""

from __future__ import annotations

from collections.abc import Callable

from selftime.store.totals import ScheduleRange

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleError(ValueError):
    """A range refused; the message says what to change."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param  # "days", "from" or "to" for parse_range: a form ties the message to its field


def parse_days(spec: str) -> int:
    """`mon-fri`, `sat,sun`, `mon,wed-fri`, `all` → bitmask (bit 0 = Sunday)."""
    spec = spec.strip().lower()
    if spec in ("all", "every", "daily"):
        return 0b1111111
    mask = 0
    for part in spec.split(","):
        part = part.strip()[:7]
        if "-" in part:
            first, last = (p.strip()[:3] for p in part.split("-", 1))
            if first not in DAY_NAMES or last not in DAY_NAMES:
                raise ScheduleError(f"unknown day in {part!r}: use sun, mon, tue, wed, thu, fri, sat")
            i = DAY_NAMES.index(first)
            while True:
                mask |= 1 << i
                if DAY_NAMES[i] == last:
                    break
                i = (i + 1) % 7
        else:
            if part[:3] not in DAY_NAMES:
                raise ScheduleError(f"unknown day {part!r}: use sun, mon, tue, wed, thu, fri, sat")
            mask |= 1 << DAY_NAMES.index(part[:3])
    return mask


def parse_clock(value: str) -> int:
    """`HH:MM` → minutes since local midnight; 24:00 allowed as an end. Multiples of 15 minutes."""
    try:
        hours, minutes = (int(p) for p in value.strip().split(":"))
    except ValueError as exc:
        raise ScheduleError(f"time {value!r} must look like 09:00") from exc
    total = hours * 60 + minutes
    if not (0 <= minutes < 60 and 0 <= total <= 24 * 60):
        raise ScheduleError(f"time {value!r} is not between 00:00 and 24:00")
    if total % 15:
        # Reports are kept in 15-minute buckets, so finer edges could not be honoured exactly.
        raise ScheduleError(f"time {value!r} must fall on a quarter hour (:00, :15, :30, :45)")
    return total


def parse_range(days: str, start: str, end: str) -> ScheduleRange:
    from_minute, to_minute = _part("from", parse_clock, start), _part("to", parse_clock, end)
    if to_minute <= from_minute:
        raise ScheduleError("the end time must be after the start time (use 24:00 for midnight)", "to")
    return ScheduleRange(_part("days", parse_days, days), from_minute, to_minute)


def _part(param: str, parse: Callable[[str], int], text: str) -> int:
    try:
        return parse(text)
    except ScheduleError as exc:
        raise ScheduleError(str(exc), param) from None
