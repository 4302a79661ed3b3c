"""Alerts without storage: targets, their names, descriptions, and judging a local day's totals.

An alert is "more than" or "less than" a number of hours per local day on a target. A target is
all productive time, all distracting time, one productivity level, a top-level category, a
sub-category or one activity. Judging needs the day's milliseconds per activity and each
activity's categorization; both come from the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from selftime.domain.naming import MAX_NAME, named_activity, thing_key
from selftime.domain.zone import (
    HOUR_MS,
    MINUTE_MS,
    date_of_day_number,
    from_ms,
    local_day_number,
    local_midnight_ms,
    zone,
)

COMPARISONS = ("more", "less")
TARGET_KINDS = ("all_productive", "all_distracting", "productivity", "category", "sub_category", "activity")
LEVEL_NAMES = {
    2: "Very Productive Time",
    1: "Productive Time",
    0: "Neutral Time",
    -1: "Distracting Time",
    -2: "Very Distracting Time",
}
MAX_HOURS = 24
# Day-end judging looks back at most this many ended days, and ingest judges at most this many
# days up to today: old uploads do not flood the feed with triggers about distant days.
LOOKBACK_DAYS = 14
# A day is judged this long after its local midnight: a premium agent syncs every 3 minutes, so
# the day's last minutes have arrived by then and a "less than" verdict does not miss them.
DAY_END_GRACE_MS = 5 * MINUTE_MS
MAX_DESCRIPTION = 255

# The CLI's target syntax: `productive`, `level:2`, `category:NAME`… → stored kind.
_SPEC_WORDS = {
    "productive": "all_productive",
    "all-productive": "all_productive",
    "distracting": "all_distracting",
    "all-distracting": "all_distracting",
}
_SPEC_PREFIXES = {
    "level": "productivity",
    "productivity": "productivity",
    "category": "category",
    "sub-category": "sub_category",
    "subcategory": "sub_category",
    "activity": "activity",
}
_SPEC_OF_KIND = {
    "productivity": "level",
    "category": "category",
    "sub_category": "sub-category",
    "activity": "activity",
}


class AlertError(ValueError):
    """An alert that cannot be defined; the message says what to change."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param  # the parameter at fault, when one is: a form ties the message to its field


class Categorized(Protocol):
    """What judging needs to know of an activity (store.catalog.ActivityInfo fits)."""

    @property
    def name(self) -> str: ...
    @property
    def sub(self) -> str: ...
    @property
    def top(self) -> str: ...
    @property
    def productivity(self) -> int: ...


@dataclass(frozen=True)
class Target:
    """kind is one of TARGET_KINDS; value is the level ("-2".."2"), the canonical category or
    sub-category name, the activity name, or None for all productive / all distracting time."""

    kind: str
    value: str | None = None

    @property
    def name(self) -> str:
        """As a trigger description names it."""
        if self.kind == "all_productive":
            return "All Productive Time"
        if self.kind == "all_distracting":
            return "All Distracting Time"
        if self.kind == "productivity":
            return LEVEL_NAMES[int(self.value or 0)]
        return self.value or ""

    @property
    def spec(self) -> str:
        """In the CLI's syntax, e.g. `sub-category:Editing & IDEs`."""
        if self.kind == "all_productive":
            return "productive"
        if self.kind == "all_distracting":
            return "distracting"
        return f"{_SPEC_OF_KIND[self.kind]}:{self.value}"

    def covers(self, info: Categorized) -> bool:
        if self.kind == "all_productive":
            return info.productivity > 0
        if self.kind == "all_distracting":
            return info.productivity < 0
        if self.kind == "productivity":
            return info.productivity == int(self.value or 0)
        if self.kind == "category":
            return info.top == self.value
        if self.kind == "sub_category":
            return info.sub == self.value
        return info.name == self.value


@dataclass(frozen=True)
class Alert:
    id: int
    user_id: int
    comparison: str
    threshold_ms: int
    target: Target
    created_ms: int
    judged_through_day: int | None

    @property
    def hours(self) -> float:
        return self.threshold_ms / HOUR_MS

    @property
    def description(self) -> str:
        return describe_alert(self.comparison, self.threshold_ms, self.target)


@dataclass(frozen=True)
class Verdict:
    """An alert whose condition held on a local day, with the day's total on its target."""

    alert_id: int
    day: int
    total_ms: int
    description: str


# --- defining --------------------------------------------------------------------------------


def check_comparison(comparison: str) -> str:
    value = comparison.strip().lower()
    if value not in COMPARISONS:
        raise AlertError(f"comparison must be 'more' or 'less' (got {comparison!r})", "comparison")
    return value


def threshold_ms(hours: float) -> int:
    """Hours per day → milliseconds; more than 0 and at most 24 hours."""
    if not math.isfinite(hours):
        raise AlertError(f"hours must be a number (got {hours})", "hours")
    if hours <= 0:
        raise AlertError(f"hours must be more than 0 (got {hours:g})", "hours")
    if hours > MAX_HOURS:
        raise AlertError(f"hours may be at most {MAX_HOURS}, the length of a day (got {hours:g})", "hours")
    ms = round(hours * HOUR_MS)
    if ms < 1:
        raise AlertError(f"hours must be more than 0 (got {hours:g})", "hours")
    return ms


def _level(value: str | int | None) -> str:
    text = str(value).strip() if value is not None else ""
    try:
        level = int(text)
    except ValueError:
        raise AlertError(f"a productivity level is one of -2, -1, 0, 1, 2 (got {text!r})", "target") from None
    if level not in LEVEL_NAMES:
        raise AlertError(f"a productivity level is one of -2, -1, 0, 1, 2 (got {level})", "target")
    return str(level)


def _category(value: str, taxonomy: Sequence[tuple[str, str]]) -> str:
    wanted = value.casefold()
    for _sub, top in taxonomy:
        if top.casefold() == wanted:
            return top
    hint = " (that is a sub-category)" if any(sub.casefold() == wanted for sub, _top in taxonomy) else ""
    raise AlertError(f"no top-level category named {value!r}{hint}", "target")


def _sub_category(value: str, taxonomy: Sequence[tuple[str, str]]) -> str:
    wanted = value.casefold()
    found = sorted({sub for sub, _top in taxonomy if sub.casefold() == wanted})
    if len(found) == 1:
        return found[0]
    if found:  # the shipped taxonomy has unique sub-category names; a changed one might not
        raise AlertError(f"{value!r} names several sub-categories", "target")
    hint = " (that is a top-level category)" if any(top.casefold() == wanted for _sub, top in taxonomy) else ""
    raise AlertError(f"no sub-category named {value!r}{hint}", "target")


def _activity(value: str) -> str:
    try:
        name = thing_key(named_activity(value))
    except ValueError as exc:
        raise AlertError(f"activity URL {exc}", "target") from None
    if not 1 <= len(name) <= MAX_NAME:
        raise AlertError(f"an activity name is 1 to {MAX_NAME} characters (got {len(name)})", "target")
    return name


def make_target(kind: str, value: str | int | None, taxonomy: Sequence[tuple[str, str]]) -> Target:
    """A validated target. taxonomy: (sub-category, top-level category) pairs of every sub-category."""
    if kind not in TARGET_KINDS:
        raise AlertError(f"target_kind must be one of {', '.join(TARGET_KINDS)} (got {kind!r})", "target_kind")
    if kind in ("all_productive", "all_distracting"):
        if value is not None and str(value).strip():
            raise AlertError(f"target_kind {kind} takes no target (got {value!r})", "target")
        return Target(kind)
    if kind == "productivity":
        return Target(kind, _level(value))
    text = str(value).strip() if value is not None else ""
    if not text:
        raise AlertError(f"target_kind {kind} needs a target: the {kind.replace('_', '-')} name", "target")
    if kind == "category":
        return Target(kind, _category(text, taxonomy))
    if kind == "sub_category":
        return Target(kind, _sub_category(text, taxonomy))
    return Target(kind, _activity(text))


def parse_spec(text: str, taxonomy: Sequence[tuple[str, str]]) -> Target:
    """The CLI's syntax: productive, distracting, level:N, category:NAME, sub-category:NAME, activity:NAME."""
    spec = text.strip()
    word = spec.lower()
    if word in _SPEC_WORDS:
        return Target(_SPEC_WORDS[word])
    prefix, colon, value = spec.partition(":")
    kind = _SPEC_PREFIXES.get(prefix.strip().lower())
    if not colon or kind is None:
        raise AlertError(
            f"unknown target {text!r}: use productive, distracting, level:N (-2..2), category:NAME, "
            "sub-category:NAME or activity:NAME"
        )
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return make_target(kind, value, taxonomy)


# --- describing ------------------------------------------------------------------------------


def _hours_text(ms: int) -> str:
    hours = f"{ms / HOUR_MS:.2f}".rstrip("0").rstrip(".")
    return f"{hours} hour" if hours == "1" else f"{hours} hours"


def describe_alert(comparison: str, threshold_ms: int, target: Target) -> str:
    """As op=list shows it: `More than 2 hours a day on All Distracting Time`."""
    word = "More" if comparison == "more" else "Less"
    return f"{word} than {_hours_text(threshold_ms)} a day on {target.name}"


def tenths_of_hours(ms: int) -> str:
    """Hours with one decimal, half up, computed on whole milliseconds: 18_360_000 → `5.1`."""
    tenths = (ms * 20 + HOUR_MS) // (2 * HOUR_MS)
    return f"{tenths // 10}.{tenths % 10}"


def spent_hours(total_ms: int, comparison: str | None = None, threshold_ms: int | None = None) -> str:
    """One decimal, unless that would read as the threshold itself or past it (1 h 57 min "less than 2
    hours" is not "2.0"): then two decimals, rounded toward the side the alert is about."""
    text = tenths_of_hours(total_ms)
    if comparison is None or threshold_ms is None:
        return text
    shown_ms = int(text.replace(".", "")) * HOUR_MS // 10
    if (shown_ms > threshold_ms) if comparison == "more" else (shown_ms < threshold_ms):
        return text
    hundredths = -(-total_ms * 100 // HOUR_MS) if comparison == "more" else total_ms * 100 // HOUR_MS
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def describe_trigger(
    total_ms: int, target: Target, comparison: str | None = None, threshold_ms: int | None = None
) -> str:
    """`You spent 5.1 hours on All Productive Time.`, cut to fit the stored 255 characters."""
    head = f"You spent {spent_hours(total_ms, comparison, threshold_ms)} hours on "
    name = target.name
    room = MAX_DESCRIPTION - len(head) - 1
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"{head}{name}."


# --- judging ---------------------------------------------------------------------------------


def is_met(comparison: str, threshold_ms: int, total_ms: int) -> bool:
    """Strictly more, or strictly less, than the threshold."""
    return total_ms > threshold_ms if comparison == "more" else total_ms < threshold_ms


def covered_activities(target: Target, catalog: Mapping[int, Categorized]) -> frozenset[int]:
    return frozenset(activity_id for activity_id, info in catalog.items() if target.covers(info))


def judge(
    plan: Iterable[tuple[Alert, Iterable[int]]],
    amounts: Mapping[tuple[int, int], int],
    catalog: Mapping[int, Categorized],
) -> list[Verdict]:
    """The (alert, day) pairs of `plan` whose condition held. amounts: (day, activity id) → ms.

    A day without any logged time is not judged: the tracker was off (a weekend, a holiday), and a
    "less than" alert would otherwise fire for every such day."""
    per_day: dict[int, dict[int, int]] = {}
    for (day, activity_id), ms in amounts.items():
        if ms > 0:
            per_day.setdefault(day, {})[activity_id] = ms
    verdicts = []
    for alert, days in plan:
        covered = covered_activities(alert.target, catalog)
        for day in days:
            logged = per_day.get(day)
            if not logged:
                continue
            total = sum(ms for activity_id, ms in logged.items() if activity_id in covered)
            if is_met(alert.comparison, alert.threshold_ms, total):
                verdicts.append(
                    Verdict(
                        alert.id,
                        day,
                        total,
                        describe_trigger(total, alert.target, alert.comparison, alert.threshold_ms),
                    )
                )
    return verdicts


# --- which days ------------------------------------------------------------------------------


def local_day(ms: int, time_zone: str) -> int:
    """The local day number (days since 1970-01-01 on the user's calendar) holding instant `ms`."""
    return local_day_number(from_ms(ms).astimezone(zone(time_zone)).date())


def day_end_ms(day: int, time_zone: str) -> int:
    """The instant a local day ends: the next day's local midnight."""
    return local_midnight_ms(date_of_day_number(day + 1), zone(time_zone))


def last_ended_day(now_ms: int, time_zone: str) -> int:
    """The latest local day that is over, counting the grace for late syncs."""
    return local_day(now_ms - DAY_END_GRACE_MS, time_zone) - 1


def days_touched(start_ms: int, end_ms: int, now_ms: int, time_zone: str) -> range:
    """Local days that [start_ms, end_ms) touches, up to today, at most LOOKBACK_DAYS of them."""
    today = local_day(now_ms, time_zone)
    first = max(local_day(start_ms, time_zone), today - LOOKBACK_DAYS + 1)
    last = min(local_day(max(start_ms, end_ms - 1), time_zone), today)
    return range(first, last + 1)


def days_since_created(alert: Alert, days: range, time_zone: str) -> range:
    """The part of `days` from the alert's creation day on: an alert says nothing of earlier days."""
    first = max(days.start, local_day(alert.created_ms, time_zone))
    return range(first, max(first, days.stop))


def days_to_judge(alert: Alert, through_day: int, time_zone: str) -> range:
    """Ended days not judged yet: after judged_through_day, from the creation day, at most LOOKBACK_DAYS."""
    first = through_day - LOOKBACK_DAYS + 1
    if alert.judged_through_day is not None:
        first = max(first, alert.judged_through_day + 1)
    return days_since_created(alert, range(first, through_day + 1), time_zone)
