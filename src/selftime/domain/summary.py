"""A day's summary as exact numbers: ms per field, Productivity Pulse, and which days the feed covers.

Everything here works on integer milliseconds and Fractions; rounding and text belong to
compat/summary.py, so the wire format can change without touching the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from selftime.domain.taxonomy import TOP_LEVEL, UNCATEGORIZED
from selftime.domain.zone import HOUR_MS, MINUTE_MS, from_ms, local_day_number, local_midnight_ms, today_in, zone

# The docs' order of the level fields, with the productivity level each one counts.
LEVELS: tuple[tuple[str, int], ...] = (
    ("very_productive", 2),
    ("productive", 1),
    ("neutral", 0),
    ("distracting", -1),
    ("very_distracting", -2),
)
AGGREGATES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("all_productive", (2, 1)),
    ("all_distracting", (-1, -2)),
)
# The docs list uncategorized before the ten named top-level categories.
_STEM_OF = dict(TOP_LEVEL)
CATEGORIES: tuple[tuple[str, str], ...] = (
    (_STEM_OF[UNCATEGORIZED], UNCATEGORIZED),
    *((stem, name) for name, stem in TOP_LEVEL if name != UNCATEGORIZED),
)
# Every field stem after `total`, in the order of each group on the wire.
FIELDS: tuple[str, ...] = (
    *(stem for stem, _ in LEVELS),
    *(stem for stem, _ in AGGREGATES),
    *(stem for stem, _ in CATEGORIES),
)

FEED_DAYS = 14
# A day's summary exists from 00:01 local on the next day: late syncs get a minute to land.
READY_AFTER_MS = MINUTE_MS


@dataclass(frozen=True)
class DayTotals:
    """One local day: the total and each field's ms (keys in FIELDS order), and the pulse."""

    total_ms: int
    parts: dict[str, int]
    pulse: int


def productivity_pulse(level_ms: Mapping[int, int]) -> int:
    """round(((vd*0 + d*1 + n*2 + p*3 + vp*4) / (total*4)) * 100), half up, exact; 0 for no time."""
    total = sum(level_ms.values())
    if total == 0:
        return 0
    weighted = sum((level + 2) * ms for level, ms in level_ms.items())
    # floor(x + 1/2) with x = 100 * weighted / (4 * total), all in integers.
    return (2 * 100 * weighted + 4 * total) // (2 * 4 * total)


def tally(pieces: Iterable[tuple[int, str, int]]) -> DayTotals:
    """(productivity level, top-level category name, ms) pieces of one day → its totals.

    Each piece lands in exactly one level and one category, so both groups sum to the total."""
    level_ms = {level: 0 for _, level in LEVELS}
    category_ms = {name: 0 for _, name in CATEGORIES}
    for level, top, ms in pieces:
        if level not in level_ms:
            raise ValueError(f"productivity level {level} is not one of -2..2")
        if top not in category_ms:
            raise ValueError(f"{top!r} is not a top-level category")
        if ms < 0:
            raise ValueError("time cannot be negative")
        level_ms[level] += ms
        category_ms[top] += ms
    parts = {stem: level_ms[level] for stem, level in LEVELS}
    parts.update({stem: sum(level_ms[lv] for lv in levels) for stem, levels in AGGREGATES})
    parts.update({stem: category_ms[name] for stem, name in CATEGORIES})
    return DayTotals(sum(level_ms.values()), parts, productivity_pulse(level_ms))


def hours(ms: int) -> Fraction:
    return Fraction(ms, HOUR_MS)


def percentage(part_ms: int, total_ms: int) -> Fraction:
    return Fraction(100 * part_ms, total_ms) if total_ms else Fraction(0)


@dataclass(frozen=True)
class Window:
    """Local day numbers [first, last] whose summaries the feed shows: over, and at most 14 days back."""

    first: int
    last: int


def feed_window(now_ms: int, time_zone: str) -> Window:
    """The 14 local days before today; yesterday only from 00:01 today, when it counts as over."""
    tz = zone(time_zone)
    today = today_in(tz, from_ms(now_ms))
    today_number = local_day_number(today)
    yesterday_ready = now_ms - local_midnight_ms(today, tz) >= READY_AFTER_MS
    return Window(today_number - FEED_DAYS, today_number - 1 if yesterday_ready else today_number - 2)
