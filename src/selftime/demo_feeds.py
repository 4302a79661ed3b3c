"""The demo account's alerts, highlights, focus sessions and offline time, made once when it is created.

Deterministic (fixed texts, placed relative to the day the account is made), so a new user sees every
feed filled: alerts defined two weeks back are judged over those days, so the alerts feed has triggers."""

from __future__ import annotations

import datetime as dt

from selftime.db.engine import Database
from selftime.domain.alerts import Target
from selftime.domain.ingest import Span
from selftime.domain.zone import HOUR_MS, MINUTE_MS, local_midnight_ms, zone
from selftime.store import alerts, focus, highlights
from selftime.store.ingest import OFFLINE_DEVICE, record_batch

ALERTS = (
    ("more", 4 * HOUR_MS, Target("all_productive")),
    ("more", 1 * HOUR_MS, Target("all_distracting")),
    ("less", 2 * HOUR_MS, Target("category", "Software Development")),
)
HIGHLIGHTS = (
    ("Shipped the CSV export", "git"),
    ("Reviewed the storage design with the team", None),
    ("Fixed the time-zone bug in weekly reports", "git"),
    ("Wrote the ingest documentation", None),
    ("Closed 12 issues", "tracker"),
)


def _weekdays_back(today: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = today - dt.timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def add_demo_feeds(db: Database, *, user_id: int, time_zone: str, today: dt.date) -> None:
    tz = zone(time_zone)
    two_weeks_ago = local_midnight_ms(today - dt.timedelta(days=14), tz)
    weekdays = _weekdays_back(today, 10)
    with db.write() as conn:
        for comparison, threshold, target in ALERTS:
            alerts.create(
                conn,
                user_id=user_id,
                comparison=comparison,
                threshold_ms=threshold,
                target=target,
                now_ms=two_weeks_ago,
            )
        for (text, source), day in zip(HIGHLIGHTS, weekdays, strict=False):
            evening = local_midnight_ms(day, tz) + 18 * HOUR_MS
            highlights.add(conn, user_id=user_id, date=day.isoformat(), description=text, source=source, now_ms=evening)
    # Oldest first: a focus session started in the past must not replace a later one.
    for n, day in enumerate(reversed(weekdays[:6])):
        morning = local_midnight_ms(day, tz) + 10 * HOUR_MS
        with db.write() as conn:
            focus.start(conn, user_id, minutes=(25, 50, 90)[n % 3], time_zone=time_zone, now_ms=morning)
            if n % 2:  # some are ended by hand, the others run out
                focus.end(conn, user_id, now_ms=morning + 20 * MINUTE_MS)
    for day in weekdays[1:8:3]:
        start = local_midnight_ms(day, tz) + 14 * HOUR_MS
        meeting = Span(start, start + 45 * MINUTE_MS, "meeting", "Weekly planning")
        with db.write() as conn:
            record_batch(
                conn,
                user_id=user_id,
                device=OFFLINE_DEVICE,
                batch_id=f"demo-offline-{day.isoformat()}",
                items=[meeting],
                source_type="offline",
                now_ms=start,
            )
