"""Analytic Data API parameters: every principal name, short name and alias, and their values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from selftime.analytics import KINDS, PERSPECTIVES, RESOLUTIONS, SOURCE_TYPES

# principal → accepted spellings, principal first. Earlier spellings win when several are sent.
ALIASES: dict[str, tuple[str, ...]] = {
    "perspective": ("perspective", "pv", "by"),
    "resolution_time": ("resolution_time", "rs", "interval", "i"),
    "restrict_begin": ("restrict_begin", "rb"),
    "restrict_end": ("restrict_end", "re"),
    "restrict_kind": ("restrict_kind", "rk", "taxonomy", "ty"),
    "restrict_thing": ("restrict_thing", "rt", "taxon", "tx"),
    "restrict_thingy": ("restrict_thingy", "ry", "sub_taxon", "tn"),
    "restrict_source_type": ("restrict_source_type",),
    "restrict_schedule_id": ("restrict_schedule_id", "rsi", "schedule_id", "s"),
    "format": ("format",),
}

# ASCII digits only: \d would also take other scripts' digits, which int() reads.
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.+\-Z]*)?$")
_ID = re.compile(r"^[0-9]{1,18}$")


class ParamError(ValueError):
    """A badly formatted or missing parameter; the message is for the server log and `messages`."""


@dataclass(frozen=True)
class DataParams:
    perspective: str
    resolution: str
    kind: str
    begin: dt.date
    end: dt.date
    thing: str | None
    thingy: str | None
    source_type: str | None
    schedule_id: int | None
    format: str


def _pick(params: Mapping[str, str], principal: str) -> str | None:
    for name in ALIASES[principal]:
        value = params.get(name)
        if value is not None and value.strip() != "":
            return value.strip()
    return None


def _choice(params: Mapping[str, str], principal: str, allowed: tuple[str, ...], default: str) -> str:
    value = _pick(params, principal)
    if value is None:
        return default
    value = value.lower()
    if principal == "perspective" and value == "member":
        return "rank"  # the legacy name of the ranked view
    if value not in allowed:
        raise ParamError(f"{principal}={value!r} is not one of {', '.join(allowed)}")
    return value


def parse_date(value: str, principal: str) -> dt.date:
    match = _DATE.match(value)
    if not match:
        raise ParamError(f"{principal}={value!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ParamError(f"{principal}={value!r} is not a valid date ({exc})") from None


def response_format(params: Mapping[str, str]) -> str:
    """The requested format, defaulting to JSON, also for requests that fail to parse otherwise."""
    value = (_pick(params, "format") or "json").lower()
    return value if value in ("json", "csv") else "json"


def principal_values(params: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The question as sent, each parameter under its principal name, and nothing else (no key):
    `parse(dict(it), today)` equals `parse(params, today)` on any day, so a question remembered this
    way still means "today" tomorrow."""
    return tuple((principal, value) for principal in ALIASES if (value := _pick(params, principal)) is not None)


def parse(params: Mapping[str, str], today: dt.date) -> DataParams:
    fmt = _pick(params, "format")
    if fmt is not None and fmt.lower() not in ("json", "csv"):
        raise ParamError(f"format={fmt!r} is not one of json, csv")
    begin_text, end_text = _pick(params, "restrict_begin"), _pick(params, "restrict_end")
    begin = parse_date(begin_text, "restrict_begin") if begin_text else None
    end = parse_date(end_text, "restrict_end") if end_text else None
    if begin is None and end is None:
        begin = end = today
    elif end is None:
        end = today
    elif begin is None:
        begin = end  # an end alone asks for that day
    assert begin is not None and end is not None
    if begin > end:
        raise ParamError(f"restrict_begin {begin} is after restrict_end {end}")
    schedule_text = _pick(params, "restrict_schedule_id")
    schedule_id = None
    if schedule_text is not None:
        if not _ID.match(schedule_text):
            raise ParamError(f"restrict_schedule_id={schedule_text!r} is not an integer id")
        schedule_id = int(schedule_text)
    source = _pick(params, "restrict_source_type")
    if source is not None:
        source = source.lower()
        if source == "all":  # the contract's name for the default: every source type
            source = None
        elif source not in SOURCE_TYPES:
            raise ParamError(f"restrict_source_type={source!r} is not one of {', '.join(SOURCE_TYPES)}")
    return DataParams(
        perspective=_choice(params, "perspective", PERSPECTIVES, "rank"),
        resolution=_choice(params, "resolution_time", RESOLUTIONS, "hour"),
        kind=_choice(params, "restrict_kind", KINDS, "activity"),
        begin=begin,
        end=end,
        thing=_pick(params, "restrict_thing"),
        thingy=_pick(params, "restrict_thingy"),
        source_type=source,
        schedule_id=schedule_id,
        format=(fmt or "json").lower(),
    )
