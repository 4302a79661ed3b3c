"""Focus sessions without storage: the duration rule, when a session ends, what a device blocks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from selftime.domain.rules import default_rules
from selftime.domain.taxonomy import seed_rows
from selftime.domain.zone import MINUTE_MS, from_ms, local_midnight_ms, zone

UNTIL_END_OF_DAY = -1
STEP_MINUTES = 5
# RescueTime names no ceiling; a day keeps a forgotten session from blocking a device for weeks.
MAX_MINUTES = 24 * 60

_INTEGER = re.compile(r"[+-]?[0-9]+")


class DurationError(ValueError):
    """A `duration` that breaks one rule; the message says which."""


def parse_duration(text: str | None) -> int:
    """The `duration` parameter → minutes (or -1), or DurationError naming the broken rule."""
    rule = f"a positive multiple of {STEP_MINUTES} minutes up to {MAX_MINUTES}, or -1 for the rest of the day"
    if text is None or not text.strip():
        raise DurationError(f"duration is required: {rule}.")
    value = text.strip()
    # int() would also take "1_0" and non-ASCII digits; the wire takes plain decimal integers only.
    if not _INTEGER.fullmatch(value):
        raise DurationError(f"duration must be a whole number of minutes, not {value!r}.")
    return check_minutes(int(value))


def check_minutes(minutes: int) -> int:
    if minutes == UNTIL_END_OF_DAY:
        return minutes
    if minutes == 0:
        raise DurationError("duration must not be 0: give at least 5 minutes, or -1 for the rest of the day.")
    if minutes < 0:
        raise DurationError(f"duration must be positive (or -1 for the rest of the day), not {minutes}.")
    if minutes % STEP_MINUTES:
        raise DurationError(f"duration must be a multiple of {STEP_MINUTES} minutes (5, 10, 15…), not {minutes}.")
    if minutes > MAX_MINUTES:
        raise DurationError(f"duration must be at most {MAX_MINUTES} minutes (24 hours), not {minutes}.")
    return minutes


def end_of_local_day_ms(ms: int, time_zone: str) -> int:
    """The next local midnight after the instant `ms` (a 23- or 25-hour day where clocks change)."""
    tz = zone(time_zone)
    today = from_ms(ms).astimezone(tz).date()
    return local_midnight_ms(today + dt.timedelta(days=1), tz)


def ends_ms(started_ms: int, minutes: int, time_zone: str) -> int:
    if minutes == UNTIL_END_OF_DAY:
        return end_of_local_day_ms(started_ms, time_zone)
    return started_ms + minutes * MINUTE_MS


def planned_minutes(started_ms: int, ends_at_ms: int) -> int:
    """Whole minutes from start to planned end, rounded up: what a -1 session shows as its duration."""
    return -(-(ends_at_ms - started_ms) // MINUTE_MS)


# --- what a device blocks --------------------------------------------------------------------------

_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")
_IPV4 = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")
# Reverse-DNS application ids (org.gnome.Nautilus, com.discordapp.Discord) look like host names.
_REVERSE_DNS_FIRST = frozenset({"com", "org", "net"})


def is_site(name: str) -> bool:
    """Whether an activity name is a web site (a host name, as ingest stores it) or an application.

    Activities do not record where they came from, so this goes by shape: two or more dot-separated
    labels ending in a letter-led top-level label, or an IPv4 address; not a reverse-DNS app id."""
    if _IPV4.fullmatch(name):
        return True
    if not _HOST.fullmatch(name):
        return False
    labels = name.split(".")
    return not (len(labels) >= 3 and labels[0] in _REVERSE_DNS_FIRST)


@dataclass(frozen=True)
class BlockLists:
    applications: tuple[str, ...]
    sites: tuple[str, ...]


class Categorized(Protocol):
    """An activity's name and its effective productivity (override, else its sub-category's)."""

    @property
    def name(self) -> str: ...

    @property
    def productivity(self) -> int: ...


@lru_cache(maxsize=1)
def default_distracting() -> frozenset[str]:
    """Shipped rule names whose default sub-category is distracting (-1) or very distracting (-2)."""
    level = {row.id: row.productivity for row in seed_rows() if row.parent_id is not None}
    return frozenset(name for name, sub_id in default_rules().items() if level[sub_id] < 0)


def block_lists(activities: Iterable[Categorized], defaults: frozenset[str] | None = None) -> BlockLists:
    """The user's distracting activities plus the distracting defaults, minus what the user lifted.

    A user's activity with a non-negative level removes a default of the same name, so
    re-categorizing youtube.com as productive unblocks it."""
    blocked = set(default_distracting() if defaults is None else defaults)
    for activity in activities:
        if activity.productivity < 0:
            blocked.add(activity.name)
        else:
            blocked.discard(activity.name)
    sites = {n for n in blocked if is_site(n)}
    return BlockLists(tuple(sorted(blocked - sites)), tuple(sorted(sites)))
