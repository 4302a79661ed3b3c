"""The demo account: a premium user with six weeks of generated activity, ready to query."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sqlalchemy import func, select

from selftime.db.engine import Database
from selftime.db.tables import devices, spans
from selftime.demo_data import generate_spans
from selftime.demo_feeds import add_demo_feeds
from selftime.domain.zone import from_ms, to_ms, today_in, zone
from selftime.loader import load_spans
from selftime.passwords import hash_password
from selftime.store import keys, schedules, users
from selftime.store.ingest import DeviceRef
from selftime.store.totals import ScheduleRange

DEMO_EMAIL = "demo@selftime.local"
DEMO_PASSWORD = "selftime-demo"
DEMO_ZONE = "Europe/Berlin"
DEMO_DAYS = 42


def ensure_demo(db: Database, now_ms: int) -> tuple[str, str]:
    """Create the account if needed, top up its data to now, and return a fresh API key.

    The previous demo key is revoked so that restarts do not pile up keys. Batch ids are
    deterministic per day, so re-running adds only what is new.
    """
    created = False
    with db.write() as conn:
        user = users.by_email(conn, DEMO_EMAIL)
        if user is None:
            created = True
            user = users.create(
                conn,
                email=DEMO_EMAIL,
                password_hash=hash_password(DEMO_PASSWORD),
                time_zone=DEMO_ZONE,
                plan="premium",
                now_ms=now_ms,
            )
            schedules.create(
                conn,
                user_id=user.id,
                name="Work hours",
                ranges=[ScheduleRange(0b0111110, 9 * 60, 17 * 60)],
                now_ms=now_ms,
            )
    today = today_in(zone(DEMO_ZONE), from_ms(now_ms))
    first = today - dt.timedelta(days=DEMO_DAYS)
    spans = generate_spans(seed=7, start=first, days=DEMO_DAYS + 1, time_zone=DEMO_ZONE)
    today_utc = from_ms(now_ms).date().isoformat()
    device = DeviceRef("demo-laptop", "Demo laptop", "computers")
    # A later run generates other spans for the same days (the generator's sequence starts at `first`):
    # only what comes after the time already recorded is added, or its gaps would be filled too.
    loaded_until = _recorded_until(db, user.id, device.external_id)
    # Batches per UTC day keep their ids across runs, so a restart re-sends nothing it already has;
    # the current day's slice is named by the time, and overlap trimming keeps it from counting twice.
    for day, group in groupby(spans, key=lambda s: str(s["start"])[:10]):
        past = [
            s
            for s in group
            if to_ms(dt.datetime.fromisoformat(str(s["start"]))) >= loaded_until
            and to_ms(dt.datetime.fromisoformat(str(s["end"]))) <= now_ms
        ]
        prefix = f"demo-{day}" if day < today_utc else f"demo-{day}-{now_ms // 60_000}"
        load_spans(db, user_id=user.id, device=device, spans=past, batch_prefix=prefix, now_ms=now_ms)
    if created:
        add_demo_feeds(db, user_id=user.id, time_zone=DEMO_ZONE, today=today)
    with db.write() as conn:
        for old in keys.list_for_user(conn, user.id):
            if old.name == "demo" and old.revoked_ms is None:
                keys.revoke(conn, user_id=user.id, key_id=old.id, now_ms=now_ms)
        _key, text = keys.create(conn, user_id=user.id, name="demo", now_ms=now_ms)
    return DEMO_EMAIL, text


def _recorded_until(db: Database, user_id: int, device_external_id: str) -> int:
    """The end of the demo device's last span (0: none yet)."""
    query = (
        select(func.max(spans.c.end_ms))
        .join(devices, devices.c.id == spans.c.device_id)
        .where(devices.c.user_id == user_id, devices.c.external_id == device_external_id)
    )
    with db.read() as conn:
        return int(conn.execute(query).scalar_one() or 0)
