"""What a posted highlight may say: its date, its text and its source label, checked before storage.

Shared by `/anapi/highlights_post` and `selftime highlights add`, so both refuse the same input with
the same sentence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MAX_DESCRIPTION = 255
# The docs only say "short": it is a label that groups highlights in a list, so a line's worth.
MAX_SOURCE = 64
# The newest this many highlights make the feed: enough for any poller that dedupes by id.
FEED_LIMIT = 100

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIMESTAMP = re.compile(r"^\d{1,12}(?:\.\d+)?$")
_DATE_FORMS = "a date as YYYY-MM-DD or a Unix timestamp in seconds"


class HighlightError(ValueError):
    """Input refused; the message names the parameter and the rule it broke."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param  # the parameter at fault, when one is: a form ties the message to its field


@dataclass(frozen=True)
class NewHighlight:
    date: dt.date
    description: str
    source: str | None


def parse_date(text: str | None, tz: ZoneInfo) -> dt.date:
    """`highlight_date`: a calendar date, or a Unix timestamp read as a date in the user's zone."""
    value = (text or "").strip()
    if not value:
        raise HighlightError(f"highlight_date is required: {_DATE_FORMS}", "highlight_date")
    match = _DATE.match(value)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise HighlightError(f"highlight_date {value!r} is not a calendar date", "highlight_date") from None
    if _TIMESTAMP.match(value):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC).astimezone(tz).date()
        except (OverflowError, OSError, ValueError):
            raise HighlightError(
                f"highlight_date {value!r} is out of range for a Unix timestamp", "highlight_date"
            ) from None
    raise HighlightError(f"highlight_date must be {_DATE_FORMS} (got {value!r})", "highlight_date")


def parse_description(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise HighlightError(f"description is required: 1 to {MAX_DESCRIPTION} characters of text", "description")
    if len(value) > MAX_DESCRIPTION:
        raise HighlightError(
            f"description must be at most {MAX_DESCRIPTION} characters (got {len(value)})", "description"
        )
    return value


def parse_source(text: str | None) -> str | None:
    """Optional; blank means none."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > MAX_SOURCE:
        raise HighlightError(f"source must be at most {MAX_SOURCE} characters (got {len(value)})", "source")
    return value


def parse_highlight(params: Mapping[str, str], tz: ZoneInfo) -> NewHighlight:
    """The request's parameters as a highlight, checked in the order the docs list them."""
    return NewHighlight(
        date=parse_date(params.get("highlight_date"), tz),
        description=parse_description(params.get("description")),
        source=parse_source(params.get("source")),
    )
