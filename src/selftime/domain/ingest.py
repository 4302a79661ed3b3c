"""Validation and naming of an agent's batch, before anything touches storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from selftime.domain.naming import MAX_NAME, application_activity, site_activity
from selftime.domain.zone import DAY_MS, to_ms

SOURCE_TYPES = ("computers", "mobile")
MAX_SPAN_MS = DAY_MS


class BatchError(ValueError):
    """A batch refused whole; the message names the span and the problem."""


class SpanLike(Protocol):
    """What an agent said of one span; the API's parsed model and loaders' records both fit."""

    @property
    def start(self) -> dt.datetime | str: ...
    @property
    def end(self) -> dt.datetime | str: ...
    @property
    def application(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...


@dataclass(frozen=True)
class RawSpan:
    start: dt.datetime
    end: dt.datetime
    application: str | None
    title: str | None
    url: str | None


class Span(NamedTuple):
    """A span as stored: made a thousand at a time per batch, where a frozen dataclass's __init__
    showed in ingest's profile."""

    start_ms: int
    end_ms: int
    activity: str
    document: str | None


def _check_name(value: str, what: str) -> str:
    value = value.strip()
    if "\x00" in value:  # PostgreSQL cannot keep it; imports reach here without the HTTP guard
        raise ValueError(f"{what} contains a NUL character")
    if not value.isascii():
        try:  # JSON's \ud800 escapes read by json.loads (an import) give lone surrogates: no driver can store them
            value.encode()
        except UnicodeEncodeError:
            raise ValueError(f"{what} contains a lone surrogate (U+D800 to U+DFFF), which is not text") from None
    if not 1 <= len(value) <= MAX_NAME:
        raise ValueError(f"{what} must be 1 to {MAX_NAME} characters (got {len(value)})")
    return value


def _instant(value: dt.datetime | str, what: str) -> int:
    """A time of a span → UTC ms; it must carry an offset. Text is RFC 3339 (the API's schema holds
    it to the form); ISO 8601's other forms are read too, for loaders."""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                value = dt.datetime.fromisoformat(text.upper())  # 3.11 reads neither "t" nor "z"
            except ValueError as exc:
                raise ValueError(f"{what} {text[:40]!r} is not a valid time ({exc})") from None
    if value.tzinfo is None:
        raise ValueError(f"{what} must carry an offset or Z (RFC 3339)")
    return to_ms(value)


def normalize_span(raw: SpanLike, *, now_ms: int, future_tolerance_ms: int) -> Span:
    start_ms, end_ms = _instant(raw.start, "start"), _instant(raw.end, "end")
    if start_ms < 0:
        raise ValueError("start is before 1970-01-01T00:00:00Z")
    if end_ms <= start_ms:
        raise ValueError("end must be after start")
    if end_ms - start_ms > MAX_SPAN_MS:
        raise ValueError("a span may not be longer than 24 hours")
    if end_ms > now_ms + future_tolerance_ms:
        raise ValueError("end is more than 5 minutes in the future")
    site = None
    if raw.url is not None and raw.url.strip():
        try:
            site = site_activity(raw.url)
        except ValueError as exc:
            raise ValueError(f"url {exc}") from None
    if site is not None:
        activity = _check_name(site, "the url's host")
    elif raw.application is None:
        raise ValueError(
            "application is required when there is no url"
            if raw.url is None or not raw.url.strip()
            else f"url {raw.url.strip()[:80]!r} is not a web page, so an application must name the span"
        )
    else:
        activity = _check_name(application_activity(_check_name(raw.application, "application")), "application")
    document = None
    if raw.title is not None and raw.title.strip():
        document = _check_name(raw.title, "title")
    return Span(start_ms, end_ms, activity, document)


def normalize_batch(raws: Sequence[SpanLike], *, now_ms: int, future_tolerance_ms: int) -> list[Span]:
    out = []
    for index, raw in enumerate(raws):
        try:
            out.append(normalize_span(raw, now_ms=now_ms, future_tolerance_ms=future_tolerance_ms))
        except ValueError as exc:
            raise BatchError(f"spans[{index}]: {exc}") from exc
    return out
