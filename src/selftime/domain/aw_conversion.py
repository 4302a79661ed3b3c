"""ActivityWatch buckets → Selftime spans, as ActivityWatch's own reports count them.

Ported from aw-client 0.5.15 (`queries.canonicalEvents`, `browsersWithBuckets`, `browser_appnames`): window
events intersected with not-afk time, browser windows split by the web buckets' tabs. The event model and
aw-core's transforms are in activitywatch.py; how buckets become spans is in docs/activitywatch.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from selftime.domain.activitywatch import (
    AFK,
    WEB,
    WINDOW,
    AwEvent,
    AwSpan,
    Bucket,
    flood,
    intersect,
    period_union,
)
from selftime.domain.ingest import MAX_SPAN_MS
from selftime.domain.naming import MAX_NAME, site_activity

# aw-client 0.5.15 queries.browser_appnames: a web bucket counts only while one of its browser's windows is active.
BROWSER_APPS: dict[str, tuple[str, ...]] = {
    "chrome": ("Google Chrome", "Google-chrome", "chrome.exe", "google-chrome-stable", "Chromium", "Chromium-browser",
               "Chromium-browser-chromium", "chromium.exe", "Google-chrome-beta", "Google-chrome-unstable",
               "Brave-browser"),
    "firefox": ("Firefox", "Firefox.exe", "firefox", "firefox.exe", "Firefox Developer Edition",
                "firefoxdeveloperedition", "Firefox-esr", "Firefox Beta", "Nightly", "org.mozilla.firefox"),
    "opera": ("opera.exe", "Opera"),
    "brave": ("brave.exe",),
    "edge": ("msedge.exe", "Microsoft Edge"),
    "vivaldi": ("Vivaldi-stable", "Vivaldi-snapshot", "vivaldi.exe"),
}  # fmt: skip


# --- buckets ----------------------------------------------------------------------------------------------------


@dataclass
class Group:
    """The buckets of one machine: converted together, as one Selftime device."""

    hostname: str
    windows: list[Bucket] = field(default_factory=list)
    afk: list[Bucket] = field(default_factory=list)
    web: list[Bucket] = field(default_factory=list)

    @property
    def primaries(self) -> list[Bucket]:
        """The buckets whose time is counted; without a window bucket, the web buckets count on their own."""
        return self.windows or self.web


def group_buckets(buckets: Iterable[Bucket]) -> list[Group]:
    """Buckets by hostname. aw-watcher-web often cannot learn the hostname ("unknown"): a web bucket whose host has
    no window bucket joins the only host that has one, if there is exactly one."""
    groups: dict[str, Group] = {}
    web = []
    for bucket in sorted(buckets, key=lambda b: b.id):
        if bucket.type == WINDOW:
            groups.setdefault(bucket.hostname, Group(bucket.hostname)).windows.append(bucket)
        elif bucket.type == AFK:
            groups.setdefault(bucket.hostname, Group(bucket.hostname)).afk.append(bucket)
        elif bucket.type == WEB:
            web.append(bucket)
    window_hosts = [g for g in groups.values() if g.windows]
    for bucket in web:
        own = groups.get(bucket.hostname)
        if own is not None and own.windows:
            own.web.append(bucket)
        elif len(window_hosts) == 1:
            window_hosts[0].web.append(bucket)
        else:
            groups.setdefault(bucket.hostname, Group(bucket.hostname)).web.append(bucket)
    return [g for g in groups.values() if g.primaries]


def browsers_with_buckets(bucket_ids: Iterable[str]) -> list[tuple[str, str]]:
    """aw-client's browsersWithBuckets: (browser, bucket id) for each browser whose name is in a bucket's id (the
    first such bucket). A web bucket that names no known browser is not counted beside a window bucket."""
    ids = sorted(bucket_ids)
    found = []
    for browser in BROWSER_APPS:
        match = next((bucket_id for bucket_id in ids if browser in bucket_id), None)
        if match is not None:
            found.append((browser, match))
    return found


# --- to Selftime spans -----------------------------------------------------------------------------------------


def not_afk_periods(afk: Iterable[AwEvent], audible: Iterable[AwEvent] = ()) -> list[AwEvent]:
    """canonicalEvents: flooded "not-afk" events, plus the time a browser tab played sound while active."""
    periods = [e for e in flood(afk) if e.data.get("status") == "not-afk"]
    sounding = [e for e in audible if e.data.get("audible") in (True,)]
    return period_union(periods, sounding) if sounding else periods


def _name(value: Any, fallback: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return fallback
    return value.strip()[:MAX_NAME]


def _url(value: Any) -> str | None:
    """A URL the ingest API can name a site by; None for about:, file: and other host-less pages."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        site = site_activity(value)
    except ValueError:
        return None
    return value.strip() if site is not None and len(site) <= MAX_NAME else None


def _clip(events: Iterable[AwEvent], lo_ms: int, hi_ms: int) -> list[AwEvent]:
    out = []
    for e in events:
        start, end = max(e.start_ms, lo_ms), min(e.end_ms, hi_ms)
        if end > start:
            out.append(AwEvent(start, end - start, e.data))
    return out


@dataclass(frozen=True)
class _Pages:
    """A browser's flooded web events (sorted, not overlapping) and the window apps that are that browser."""

    apps: tuple[str, ...]
    events: list[AwEvent]
    ends: list[int]


def _split_by_web(piece: AwEvent, pages: _Pages, application: str) -> Iterable[AwSpan]:
    """A browser window's stretch, cut into the pages the web bucket saw; the rest stays the window's."""
    position = piece.start_ms
    for page in pages.events[bisect_right(pages.ends, piece.start_ms) :]:
        if page.start_ms >= piece.end_ms:
            break
        start, end = max(page.start_ms, position), min(page.end_ms, piece.end_ms)
        if end <= start:
            continue
        if start > position:
            yield AwSpan(position, start, application, _name(piece.data.get("title"), None), None)
        yield AwSpan(start, end, application, _name(page.data.get("title"), None), _url(page.data.get("url")))
        position = end
    if position < piece.end_ms:
        yield AwSpan(position, piece.end_ms, application, _name(piece.data.get("title"), None), None)


def _what(span: AwSpan) -> tuple[str, str | None, str | None]:
    return span.application, span.title, span.url


def _finish(spans: Iterable[AwSpan]) -> list[AwSpan]:
    """Adjacent equal spans joined; none longer than the ingest API's 24 hours."""
    joined: list[AwSpan] = []
    for span in sorted(spans, key=lambda s: (s.start_ms, s.end_ms)):
        last = joined[-1] if joined else None
        if last is not None and last.end_ms == span.start_ms and _what(last) == _what(span):
            joined[-1] = AwSpan(last.start_ms, span.end_ms, span.application, span.title, span.url)
        else:
            joined.append(span)
    out = []
    for span in joined:
        start = span.start_ms
        while start < span.end_ms:
            end = min(span.end_ms, start + MAX_SPAN_MS)
            out.append(AwSpan(start, end, span.application, span.title, span.url))
            start = end
    return out


def window_spans(
    window: Iterable[AwEvent],
    afk: Iterable[AwEvent] | None,
    web: Sequence[tuple[str, Sequence[AwEvent]]],
    lo_ms: int,
    hi_ms: int,
) -> list[AwSpan]:
    """The spans a window bucket's time in [lo, hi) becomes: canonicalEvents (window events flooded, intersected
    with the flooded not-afk periods; no AFK bucket, nothing removed), each browser window's stretch split by its
    web bucket's pages (url and title from the page, the browser as the application)."""
    events = flood(window)
    by_id = dict(web)
    browsers = []
    browser_events: list[AwEvent] = []
    for browser, bucket_id in browsers_with_buckets(by_id):
        apps = BROWSER_APPS[browser]
        pages = flood(by_id[bucket_id])
        browsers.append(_Pages(apps, pages, [p.end_ms for p in pages]))
        browser_events += intersect(pages, [e for e in events if e.data.get("app") in apps])
    if afk is not None:
        events = intersect(events, not_afk_periods(afk, browser_events))
    spans: list[AwSpan] = []
    for piece in _clip(events, lo_ms, hi_ms):
        app = piece.data.get("app")
        application = _name(app, "unknown") or "unknown"
        pages_of = next((b for b in browsers if app in b.apps), None)
        if pages_of is None:
            spans.append(AwSpan(piece.start_ms, piece.end_ms, application, _name(piece.data.get("title"), None), None))
        else:
            spans.extend(_split_by_web(piece, pages_of, application))
    return _finish(spans)


def web_spans(
    bucket_id: str, pages: Iterable[AwEvent], afk: Iterable[AwEvent] | None, lo_ms: int, hi_ms: int
) -> list[AwSpan]:
    """A web bucket counted on its own (its machine has no window bucket): the flooded pages during not-afk time,
    with the browser named by the bucket id ("browser" when none is) as the application."""
    events = flood(pages)
    if afk is not None:
        events = intersect(events, not_afk_periods(afk, events))
    named = browsers_with_buckets([bucket_id])
    application = named[0][0] if named else "browser"
    return _finish(
        AwSpan(p.start_ms, p.end_ms, application, _name(p.data.get("title"), None), _url(p.data.get("url")))
        for p in _clip(events, lo_ms, hi_ms)
    )
