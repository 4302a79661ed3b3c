"""What an offline-time post may say, checked and turned into one span before anything is stored.

Shared by `/anapi/offline_time_post` and `selftime offline add`, so both refuse the same input with
the same sentence. Local wall-clock times are read in the user's zone:

- a time that does not exist there (skipped when clocks go forward) is refused: it names no
  instant, and guessing one could put time where the user was not;
- a time that happens twice (when clocks go back) means its first occurrence, except that an
  `end_time` means the first occurrence after `start_time`, so a block across the repeated hour
  keeps its real length.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from selftime.domain.ingest import Span
from selftime.domain.naming import MAX_NAME, application_activity
from selftime.domain.zone import MINUTE_MS, to_ms

MAX_MINUTES = 4 * 60

_LOCAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$")
_TIMESTAMP = re.compile(r"^\d{1,12}(?:\.\d+)?$")
_MINUTES = re.compile(r"^[+-]?\d{1,9}$")
_TIME_FORMS = "a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp in seconds"


class OfflineError(ValueError):
    """Input refused; the message names the parameter and the rule it broke."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param  # the parameter at fault, when one is: a form ties the message to its field


@dataclass(frozen=True)
class OfflineEntry:
    start_ms: int
    end_ms: int
    activity: str  # as stored: lower case, like an application's name
    details: str | None

    @property
    def span(self) -> Span:
        return Span(self.start_ms, self.end_ms, self.activity, self.details)


def _instants(wall: dt.datetime, tz: ZoneInfo) -> list[int]:
    """The UTC instants at which the zone's clocks show `wall`: none, one, or two (earlier first)."""
    found = []
    for fold in (0, 1):
        aware = wall.replace(tzinfo=tz, fold=fold)
        # A skipped time does not survive the round trip through UTC.
        if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == wall:
            found.append(to_ms(aware))
    return sorted(set(found))


def parse_time(name: str, text: str | None, tz: ZoneInfo, *, after_ms: int | None = None) -> int:
    """`start_time` or `end_time` as UTC ms. With `after_ms`, a repeated local time means its first
    occurrence after that instant."""
    value = (text or "").strip()
    if not value:
        raise OfflineError(f"{name} is required: {_TIME_FORMS}", name)
    if _TIMESTAMP.match(value):
        try:
            return to_ms(dt.datetime.fromtimestamp(float(value), dt.UTC))
        except (OverflowError, OSError, ValueError):
            raise OfflineError(f"{name} {value!r} is out of range for a Unix timestamp", name) from None
    match = _LOCAL.match(value)
    if not match:
        raise OfflineError(f"{name} must be {_TIME_FORMS} (got {value!r})", name)
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        wall = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise OfflineError(f"{name} {value!r} is not a valid date and time", name) from None
    try:
        instants = _instants(wall, tz)
    except OverflowError:
        raise OfflineError(f"{name} {value!r} is out of range", name) from None
    if not instants:
        raise OfflineError(
            f"{name} {value!r} does not exist in {tz.key}: the clocks skip it when they go forward", name
        )
    if after_ms is not None:
        later = [ms for ms in instants if ms > after_ms]
        if later:
            return later[0]
    return instants[0]


def parse_duration(text: str) -> int:
    """`duration`: whole minutes, positive."""
    value = text.strip()
    if not _MINUTES.match(value):
        raise OfflineError(f"duration must be a whole number of minutes (got {value!r})", "duration")
    minutes = int(value)
    if minutes <= 0:
        raise OfflineError(f"duration must be at least 1 minute (got {minutes})", "duration")
    return minutes


def parse_activity_name(text: str | None) -> str:
    """`activity_name` as the activity is named: lower case, like an application."""
    value = application_activity(text or "")
    if not value:
        raise OfflineError(f"activity_name is required: 1 to {MAX_NAME} characters of text", "activity_name")
    if len(value) > MAX_NAME:
        raise OfflineError(f"activity_name must be at most {MAX_NAME} characters (got {len(value)})", "activity_name")
    return value


def parse_activity_details(text: str | None) -> str | None:
    """`activity_details`, the document; blank means none (reports show `No Details`)."""
    value = (text or "").strip()
    if len(value) > MAX_NAME:
        raise OfflineError(
            f"activity_details must be at most {MAX_NAME} characters (got {len(value)})", "activity_details"
        )
    return value or None


def parse_offline(params: Mapping[str, str], tz: ZoneInfo, *, now_ms: int, future_tolerance_ms: int) -> OfflineEntry:
    """The request's parameters as one block of offline time.

    `end_time` wins over `duration` when both are sent: some clients re-send earlier calls'
    parameters (a focus session's `duration`, say) to every later call."""
    start_ms = parse_time("start_time", params.get("start_time"), tz)
    end_text = (params.get("end_time") or "").strip()
    duration_text = (params.get("duration") or "").strip()
    if end_text:
        end_ms = parse_time("end_time", end_text, tz, after_ms=start_ms)
        if end_ms <= start_ms:
            raise OfflineError("end_time must be after start_time", "end_time")
        if end_ms - start_ms > MAX_MINUTES * MINUTE_MS:
            length = (end_ms - start_ms) / MINUTE_MS
            raise OfflineError(
                f"offline time may be at most 4 hours ({MAX_MINUTES} minutes); end_time is {length:g} minutes"
                " after start_time",
                "end_time",
            )
    elif duration_text:
        minutes = parse_duration(duration_text)
        if minutes > MAX_MINUTES:
            raise OfflineError(
                f"offline time may be at most 4 hours ({MAX_MINUTES} minutes); duration is {minutes}", "duration"
            )
        end_ms = start_ms + minutes * MINUTE_MS
    else:
        raise OfflineError("give end_time (same forms as start_time) or duration (whole minutes)", "duration")
    if end_ms > now_ms + future_tolerance_ms:
        ahead = -(-(end_ms - now_ms) // MINUTE_MS)
        # The field at fault: the start when it is itself ahead, else whichever gave the end.
        param = "start_time" if start_ms > now_ms + future_tolerance_ms else ("end_time" if end_text else "duration")
        raise OfflineError(f"offline time may not be in the future: it would end {ahead} minutes from now", param)
    return OfflineEntry(
        start_ms=start_ms,
        end_ms=end_ms,
        activity=parse_activity_name(params.get("activity_name")),
        details=parse_activity_details(params.get("activity_details")),
    )
