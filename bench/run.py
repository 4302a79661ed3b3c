"""Benchmark: load a year of one heavy user through HTTP, then time the query shapes.

Prints ingest throughput (spans/s through POST /api/v1/activity in batches of 1,000) and p50/p95
latency per query shape through HTTP against a real uvicorn server on loopback: computed (report
cache off), repeated (the same request again, cache on) and, for week shapes, the first asking a
two seconds after a sync of new time (cache and refresh-ahead on; there p95 is the worst of
five). Not a test: the
figures go in the notes.

    .venv/bin/python bench/run.py [--days 365] [--database-url URL] [--repeat 30] [--every-week-shape]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade
from selftime.demo_data import generate_spans
from selftime.loader import chunks
from selftime.passwords import hash_password
from selftime.store import keys, users

ZONE = "Europe/Berlin"
LAST_DAY = dt.date(2026, 11, 29)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int, cache_mb: int = 64) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SELFTIME_DATABASE_URL": url, "SELFTIME_REPORT_CACHE_MB": str(cache_mb)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "selftime.asgi:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def cpu_probe() -> float:
    """Seconds for a fixed pure-Python loop: shared machines change speed, so print it beside the figures."""
    t = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return time.perf_counter() - t


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def after_sync(
    client: httpx.Client, key: str, shapes: dict[str, dict[str, str]], figures: dict[str, list[tuple[float, float]]]
) -> None:
    """The first asking after an agent's sync: a dashboard polls its question, a batch of new time
    lands in the week (it moves the account's data version on), and two seconds later the question is
    asked again. Refresh-ahead (report_refresh: it settles for a second, then computes) has answered
    it by then. The agent posts on a connection of its own, as it does in use, so with several
    workers the batch lands on any of them: the dashboard's process sees the versions move."""
    headers = {"Authorization": f"Bearer {key}"}
    minute = 0
    for name, params in shapes.items():
        client.get("/anapi/data", params={**params, "key": key}).raise_for_status()
        timings = []
        for _ in range(5):
            start = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
            minute += 1
            end = start + dt.timedelta(seconds=30)
            span = {"start": start.isoformat(), "end": end.isoformat(), "application": "Code"}
            batch = {"device": {"id": "sync", "name": "sync"}, "batch_id": f"sync-{minute}", "spans": [span]}
            httpx.post(client.base_url.join("/api/v1/activity"), json=batch, headers=headers).raise_for_status()
            time.sleep(2)
            t = time.perf_counter()
            client.get("/anapi/data", params={**params, "key": key}).raise_for_status()
            timings.append((time.perf_counter() - t) * 1000)
        figures[name].append((statistics.median(timings), max(timings)))


def every_week_shape(week: dict[str, str], known: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every (perspective, resolution, kind) over the week that `known` does not already time."""
    asked = {(p.get("by"), p.get("i"), p.get("ty")) for name, p in known.items() if name.startswith("week")}
    out = {}
    for kind in ("overview", "category", "activity", "productivity", "efficiency", "document"):
        for resolution in (None, "month", "week", "day", "hour", "minute"):
            perspective = "rank" if resolution is None else "interval"
            if (kind == "efficiency" and perspective == "rank") or (perspective, resolution, kind) in asked:
                continue
            params = {**week, "by": perspective, "ty": kind, **({"i": resolution} if resolution else {})}
            out[f"week {perspective}/{resolution + '/' if resolution else ''}{kind}"] = params
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--clients", type=int, default=2, help="concurrent ingest connections (agents)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (selftime serve --workers)")
    parser.add_argument(
        "--every-week-shape",
        action="store_true",
        help="also time every perspective, resolution and kind over the week (35 shapes), computed and repeated",
    )
    args = parser.parse_args()

    print(f"cpu probe: {cpu_probe():.3f} s (2M-iteration loop; lower is faster)")
    tmp = Path(tempfile.mkdtemp(prefix="selftime-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    db = Database(build_engine(url))
    upgrade(db.engine)
    with db.write() as conn:
        user = users.create(
            conn,
            email=f"bench-{uuid.uuid4().hex[:6]}@example.com",
            password_hash=hash_password("benchmark-password"),
            time_zone=ZONE,
            plan="premium",
            now_ms=int(time.time() * 1000),
        )
        _k, key = keys.create(conn, user_id=user.id, name="bench", now_ms=int(time.time() * 1000))
    db.dispose()

    first = LAST_DAY - dt.timedelta(days=args.days - 1)
    t0 = time.perf_counter()
    bodies = [
        {"device": {"id": "bench", "name": "bench", "source_type": "computers"}, "batch_id": f"b{n}", "spans": chunk}
        for n, chunk in enumerate(chunks(generate_spans(seed=1, start=first, days=args.days, time_zone=ZONE), 1000))
    ]
    encoded = [httpx.Request("POST", "http://x", json=b).content for b in bodies]
    total_spans = sum(len(b["spans"]) for b in bodies)
    print(f"generated {total_spans:,} spans over {args.days} days in {time.perf_counter() - t0:.1f} s")

    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        with httpx.Client(base_url=base, timeout=60) as client:
            half = len(encoded) // 10
            t0 = time.perf_counter()
            for body in encoded[:half]:
                client.post("/api/v1/activity", content=body, headers=headers).raise_for_status()
            serial = time.perf_counter() - t0
            serial_spans = sum(len(b["spans"]) for b in bodies[:half])
            print(
                f"ingest, one connection: {serial_spans:,} spans in {half} batches of 1,000: {serial:.1f} s"
                f" = {serial_spans / serial:,.0f} spans/s ({serial / half * 1000:.1f} ms per batch)"
            )

            def post_all(part: list[bytes]) -> None:
                with httpx.Client(base_url=base, timeout=60) as own:
                    for body in part:
                        own.post("/api/v1/activity", content=body, headers=headers).raise_for_status()

            rest = encoded[half:]
            rest_spans = total_spans - serial_spans
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(post_all, [rest[i :: args.clients] for i in range(args.clients)]))
            elapsed = time.perf_counter() - t0
            print(
                f"ingest, {args.clients} connections: {rest_spans:,} spans in {len(rest)} batches of 1,000:"
                f" {elapsed:.1f} s = {rest_spans / elapsed:,.0f} spans/s"
            )
            year = {"rb": first.isoformat(), "re": LAST_DAY.isoformat()}
            week = {"rb": (LAST_DAY - dt.timedelta(days=6)).isoformat(), "re": LAST_DAY.isoformat()}
            shapes = {
                "year rank/activity": {**year, "by": "rank", "ty": "activity"},
                "year rank/category": {**year, "by": "rank", "ty": "category"},
                "year rank/overview": {**year, "by": "rank", "ty": "overview"},
                "year rank/productivity": {**year, "by": "rank", "ty": "productivity"},
                "year interval/month/activity": {**year, "by": "interval", "i": "month", "ty": "activity"},
                "year interval/day/productivity": {**year, "by": "interval", "i": "day", "ty": "productivity"},
                "year interval/week/efficiency": {**year, "by": "interval", "i": "week", "ty": "efficiency"},
                "year rank/activity csv": {**year, "by": "rank", "ty": "activity", "format": "csv"},
                "week rank/activity": {**week, "by": "rank", "ty": "activity"},
                "week rank/category": {**week, "by": "rank", "ty": "category"},
                "week rank/document": {**week, "by": "rank", "ty": "document"},
                "week interval/hour/activity": {**week, "by": "interval", "i": "hour", "ty": "activity"},
                "week interval/minute/productivity": {**week, "by": "interval", "i": "minute", "ty": "productivity"},
                "week interval/hour/efficiency": {**week, "by": "interval", "i": "hour", "ty": "efficiency"},
                "week drill-down activity=code": {**week, "ty": "activity", "rt": "code"},
                "week rank/overview": {**week, "by": "rank", "ty": "overview"},
                "week interval/day/category": {**week, "by": "interval", "i": "day", "ty": "category"},
                "week interval/minute/activity": {**week, "by": "interval", "i": "minute", "ty": "activity"},
                "week interval/day/document": {**week, "by": "interval", "i": "day", "ty": "document"},
                "week interval/hour/document": {**week, "by": "interval", "i": "hour", "ty": "document"},
                "week interval/hour/document csv": {
                    **week,
                    "by": "interval",
                    "i": "hour",
                    "ty": "document",
                    "format": "csv",
                },
                "year rank/document": {**year, "by": "rank", "ty": "document"},
            }
            synced = [name for name in shapes if name.startswith("week")]  # the after-a-sync column's
            if args.every_week_shape:
                shapes.update(every_week_shape(week, shapes))
    finally:
        server.terminate()
        server.wait(10)
    # Computed: every request computes its report (as the first request after a sync does);
    # repeated: the same request again, answered from the report cache (see report_cache).
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in shapes}
    counts: dict[str, int] = {}
    for cache_mb in (0, 64):
        server = start_server(url, port, args.workers, cache_mb)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                for name, params in shapes.items():
                    timings = []
                    repeat = max(5, args.repeat // 5) if name == "year rank/document" else args.repeat
                    for _ in range(repeat + 2):
                        t = time.perf_counter()
                        response = client.get("/anapi/data", params={**params, "key": key})
                        timings.append((time.perf_counter() - t) * 1000)
                        response.raise_for_status()
                    timings = timings[2:]  # the first runs warm the page cache (and fill the report cache)
                    figures[name].append((statistics.median(timings), percentile(timings, 95)))
                    counts[name] = response.text.count("\n") - 1 if "csv" in name else len(response.json()["rows"])
                if cache_mb:
                    after_sync(client, key, {n: shapes[n] for n in synced}, figures)
        finally:
            server.terminate()
            server.wait(10)
    print(f"\n{'query (through HTTP)':36} {'computed':>16} {'repeated':>16} {'after a sync':>16} {'rows':>7}")
    print(f"{'':36} {'p50/p95 ms':>16} {'p50/p95 ms':>16} {'p50/p95 ms':>16}")
    for name, cells in figures.items():
        text = "".join(f" {p50:8.1f} {p95:7.1f}" for p50, p95 in cells)
        print(f"{name:36}{text:51} {counts[name]:7}")
    print(f"\ncpu probe: {cpu_probe():.3f} s\ndatabase: {url}")


if __name__ == "__main__":
    main()
