"""Benchmark: the /dashboard page for a year of one heavy user, on SQLite (or --database-url).

Loads the year straight into the database (selftime.demo_data.generate_spans + selftime.loader.load_spans, no
HTTP), signs in through the real login form, then times whole page renders (request to last byte, through
Starlette's TestClient in this process: routing, session, queries, template) for a day, a week and a month,
plus the drill-downs. Not a test: the figures go in docs/dashboard.md. Target: p95 under 300 ms on SQLite.

    .venv/bin/python bench/dashboard.py [--days 365] [--repeat 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import LAST_DAY, ZONE, cpu_probe, percentile

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade
from selftime.demo_data import generate_spans
from selftime.domain.zone import to_ms
from selftime.loader import load_spans
from selftime.passwords import hash_password
from selftime.store import users
from selftime.store.ingest import DeviceRef

EMAIL = "bench-dashboard@example.com"
PASSWORD = "benchmark-password"
# "Now" is noon UTC the day after the data ends, as if the benchmark user looked the next day.
NOW_MS = to_ms(dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    print(f"cpu probe: {cpu_probe():.3f} s (2M-iteration loop; lower is faster)")
    tmp = Path(tempfile.mkdtemp(prefix="selftime-bench-dashboard-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    db = Database(build_engine(url))
    upgrade(db.engine)
    with db.write() as conn:
        user = users.create(
            conn, email=EMAIL, password_hash=hash_password(PASSWORD), time_zone=ZONE, plan="premium", now_ms=NOW_MS
        )
    first = LAST_DAY - dt.timedelta(days=args.days - 1)
    t0 = time.perf_counter()
    spans = list(generate_spans(seed=1, start=first, days=args.days, time_zone=ZONE))
    device = DeviceRef("bench", "bench", "computers")
    load_spans(db, user_id=user.id, device=device, spans=spans, batch_prefix="bench", now_ms=NOW_MS)
    print(f"loaded {len(spans):,} spans over {args.days} days in {time.perf_counter() - t0:.1f} s")

    settings = Settings(data_dir=tmp / "data", database_url=url, maintenance_interval_seconds=0)
    with TestClient(create_app(settings, db=db, clock_ms=lambda: NOW_MS)) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        signed_in = client.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "csrf_token": token[1], "next": "/"},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        # A Thursday: its Sunday-first week (22 to 28 November) lies wholly in the data, and so does most of
        # its month.
        day = (LAST_DAY - dt.timedelta(days=3)).isoformat()
        pages = {
            "day": {"period": "day", "date": day},
            "week": {"period": "week", "date": day},
            "month": {"period": "month", "date": day},
            "day, category drill-down": {"period": "day", "date": day, "category": "Software Development"},
            "week, activity drill-down": {"period": "week", "date": day, "activity": "code"},
            "month, category drill-down": {"period": "month", "date": day, "category": "Software Development"},
        }
        print(f"\n{'GET /dashboard (whole page)':32} {'p50 ms':>8} {'p95 ms':>8} {'KiB':>6}")
        for name, params in pages.items():
            timings = []
            for _ in range(args.repeat + 2):
                t = time.perf_counter()
                response = client.get("/dashboard", params=params)
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text[:500]
                assert 'id="total" data-seconds="' in response.text, "the benchmark page shows no time"
            timings = timings[2:]  # the first runs warm the caches
            size = len(response.content) / 1024
            print(f"{name:32} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} {size:6.0f}")
    db.dispose()
    print(f"\ncpu probe: {cpu_probe():.3f} s\ndatabase: {url}")
    if not args.database_url:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
