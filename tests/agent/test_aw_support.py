"""What the ActivityWatch tests share (no tests here): ActivityWatch's own code run from .venv-aw (aw-client,
aw-core and aw-server from PyPI, unmodified; scripts/setup test makes it), watchers simulated the way
aw-watcher-window, aw-watcher-afk and aw-watcher-web send heartbeats, and an oracle that computes what
ActivityWatch's reports count with aw_transform itself."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from selftime.domain.activitywatch import iso

ROOT = Path(__file__).resolve().parents[2]
AW_PYTHON = ROOT / ".venv-aw" / "bin" / "python"
HOST = "testhost"
WINDOW_BUCKET = f"aw-watcher-window_{HOST}"
AFK_BUCKET = f"aw-watcher-afk_{HOST}"
WEB_BUCKET = "aw-watcher-web-firefox"  # aw-watcher-web's id, hostname "unknown"
BUCKET_TYPES = {WINDOW_BUCKET: "currentwindow", AFK_BUCKET: "afkstatus", WEB_BUCKET: "web.tab.current"}
BUCKET_HOSTS = {WINDOW_BUCKET: HOST, AFK_BUCKET: HOST, WEB_BUCKET: "unknown"}


def aw_env(home: Path) -> dict[str, str]:
    """ActivityWatch's programs keep config, queues and locks under the user's dirs: a home of the test's own."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "AW_"))}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    env |= {"XDG_CACHE_HOME": str(home / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
    return env


def run_aw(script: str, payload: Any, home: Path, *args: str, timeout: float = 300) -> Any:
    """Runs `script` with .venv-aw's Python, `payload` as JSON on stdin; returns the JSON it prints last."""
    if not AW_PYTHON.exists():
        pytest.fail(f"no {AW_PYTHON}: run scripts/setup test (it creates .venv-aw with aw-client from PyPI)")
    done = subprocess.run(
        [str(AW_PYTHON), "-c", script, *args],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=aw_env(home),
        timeout=timeout,
    )
    assert done.returncode == 0, f"ActivityWatch script failed:\n{done.stderr[-5000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- watchers ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Beat:
    """One heartbeat as a watcher sends it: at `sent_ms`, about `timestamp_ms` (AFK's are backdated)."""

    bucket: str
    sent_ms: int
    timestamp_ms: int
    data: dict[str, Any]
    pulsetime: float
    duration: float = 0.0

    def wire(self) -> dict[str, Any]:
        out = asdict(self)
        out["timestamp"] = iso(self.timestamp_ms)
        return out


@dataclass(frozen=True)
class Segment:
    """`seconds` of one focused window; `page` (url, title) when it is Firefox; `idle`: no input meanwhile."""

    seconds: int
    app: str
    title: str
    page: tuple[str, str] | None = None
    idle: bool = False
    audible: bool = False


@dataclass
class Watchers:
    """aw-watcher-window (poll 1 s, pulsetime 2), aw-watcher-afk (poll 5 s, timeout 180 s, pulsetime 185, the
    +1 ms pings of its current version) and aw-watcher-web (a heartbeat a minute and on each tab change, pulsetime
    80, the previous tab's data 1 ms before a change)."""

    start_ms: int
    beats: list[Beat] = field(default_factory=list)

    def run(self, segments: list[Segment]) -> list[Beat]:
        t0 = self.start_ms
        timeline: list[Segment] = [s for s in segments for _ in range(s.seconds)]
        last_input = t0
        afk, afk_start = False, 0
        tab: dict[str, Any] | None = None
        for second, seg in enumerate(timeline):
            now = t0 + second * 1000
            last = second == len(timeline) - 1  # every watcher reports at the end, so the end is known
            if not seg.idle:
                last_input = now
            self._beat(WINDOW_BUCKET, now, now, {"app": seg.app, "title": seg.title}, 2.0)
            if seg.page is not None:
                data = {"url": seg.page[0], "title": seg.page[1], "audible": seg.audible, "incognito": False}
                data["tabCount"] = 3
                if tab is not None and data != tab:
                    self._beat(WEB_BUCKET, now, now - 1, tab, 80.0)
                if data != tab or second % 60 == 0 or last:
                    self._beat(WEB_BUCKET, now, now, data, 80.0)
                tab = data
            elif tab is not None and (second % 60 == 0 or last):
                self._beat(WEB_BUCKET, now, now, tab, 80.0)
            if second % 5 == 0 or last:
                since = now - last_input
                if afk and since < 180_000:
                    self._afk(now, True, last_input)
                    afk = False
                    self._afk(now, False, last_input + 1)
                elif not afk and since >= 180_000:
                    self._afk(now, False, last_input)
                    afk, afk_start = True, last_input
                    self._afk(now, True, last_input + 1, since / 1000)
                elif afk:
                    self._afk(now, True, afk_start + 1, (now - afk_start) / 1000)
                else:
                    self._afk(now, False, last_input)
        return self.beats

    def _beat(self, bucket: str, sent: int, at: int, data: dict[str, Any], pulsetime: float, dur: float = 0) -> None:
        self.beats.append(Beat(bucket, sent, at, dict(data), pulsetime, dur))

    def _afk(self, sent: int, afk: bool, at: int, duration: float = 0) -> None:
        self._beat(AFK_BUCKET, sent, at, {"status": "afk" if afk else "not-afk"}, 185.0, duration)


GITHUB = ("https://github.com/selftime/selftime/pulls", "Pull requests")
VIDEO = ("https://www.youtube.com/watch?v=talk", "A talk - YouTube")
DOCS = ("https://docs.python.org/3/library/sqlite3.html", "sqlite3")

# 44 minutes: short and long switches, a page change, a pause shorter than the AFK timeout (counted), a long one
# (removed), and a video playing while nobody touches anything (counted: an audible tab).
SCENARIO = [
    Segment(300, "Code", "store.py — selftime"),
    Segment(45, "Firefox", "Pull requests — Mozilla Firefox", GITHUB),
    Segment(75, "Firefox", "sqlite3 — Mozilla Firefox", DOCS),
    Segment(20, "Terminal", "pytest"),
    Segment(120, "Code", "store.py — selftime", idle=True),
    Segment(200, "Code", "api.py — selftime"),
    Segment(400, "Code", "api.py — selftime", idle=True),
    Segment(30, "Terminal", "git log"),
    Segment(300, "Firefox", "A talk - YouTube — Mozilla Firefox", VIDEO, idle=True, audible=True),
    Segment(300, "Slack", "general"),
    Segment(10, "Code", "api.py — selftime"),
    Segment(240, "Code", "api.py — selftime", idle=True),  # the user has left: AFK at the end
]


# Sends what the watchers would, through aw-client (unmodified), to an aw-server API on port argv[1].
SEND = r"""
import json, sys
from aw_core.models import Event
from aw_client import ActivityWatchClient

payload = json.load(sys.stdin)
client = ActivityWatchClient("aw-test-watchers", testing=False, host="127.0.0.1", port=int(sys.argv[1]))
for bucket, kind in payload["types"].items():
    client.create_bucket(bucket, kind)
for beat in payload["beats"]:
    event = Event(timestamp=beat["timestamp"], duration=beat["duration"], data=beat["data"])
    client.heartbeat(beat["bucket"], event, pulsetime=beat["pulsetime"], queued=False)
print(json.dumps({"sent": len(payload["beats"]), "buckets": sorted(client.get_buckets())}))
"""


# --- ActivityWatch's own computation -----------------------------------------------------------------------------

# Reads {"beats": [...]} (replayed through aw-server 0.12's heartbeat rule: merge into the bucket's last event) or
# {"buckets": {id: {"type", "events"}}} (an export), then counts as aw-client's canonicalEvents does: window events
# flooded and intersected with flooded not-afk periods (plus audible browser time), each browser's flooded web
# events within its windows. Prints {activity: ms} named the way Selftime names them: application lower case,
# a web page's site (host without www.) for the browser time its web bucket covers.
ORACLE = r"""
import json, sys
from collections import defaultdict
from urllib.parse import urlsplit
from aw_core.models import Event
from aw_client.queries import browser_appnames, browsersWithBuckets
from aw_transform import (filter_keyvals, filter_period_intersect, flood, heartbeat_merge, period_union)

payload = json.load(sys.stdin)
types = {}
events = defaultdict(list)
if "beats" in payload:
    last = {}
    for beat in payload["beats"]:
        bucket = beat["bucket"]
        types[bucket] = payload["types"][bucket]
        heartbeat = Event(timestamp=beat["timestamp"], duration=beat["duration"], data=beat["data"])
        previous = last.get(bucket)
        if previous is not None and previous.data == heartbeat.data:
            merged = heartbeat_merge(previous, heartbeat, beat["pulsetime"])
            if merged is not None:
                last[bucket] = merged
                continue
        events[bucket].append(heartbeat)
        last[bucket] = heartbeat
else:
    for bucket_id, bucket in payload["buckets"].items():
        types[bucket_id] = bucket["type"]
        events[bucket_id] = [Event(**e) for e in bucket["events"]]

def of(kind):
    return [b for b, t in sorted(types.items()) if t == kind]

window = flood([e for b in of("currentwindow") for e in events[b]])
not_afk = filter_keyvals(flood([e for b in of("afkstatus") for e in events[b]]), "status", ["not-afk"])
browsers = []
browser_events = []
for name, bucket in browsersWithBuckets(of("web.tab.current")):
    pages = flood(events[bucket])
    browsers.append((browser_appnames[name], pages))
    browser_events += filter_period_intersect(pages, filter_keyvals(window, "app", browser_appnames[name]))
not_afk = period_union(not_afk, filter_keyvals(browser_events, "audible", [True]))
counted = filter_period_intersect(window, not_afk)

def site(url):
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host

ms = defaultdict(float)
for e in counted:
    ms[e.data["app"].lower()] += e.duration.total_seconds() * 1000
for apps, pages in browsers:
    for app in apps:
        for piece in filter_period_intersect(pages, filter_keyvals(counted, "app", [app])):
            if not site(piece.data["url"]):  # about:newtab and the like: the browser's time, as in Selftime
                continue
            took = piece.duration.total_seconds() * 1000
            ms[app.lower()] -= took
            ms[site(piece.data["url"])] += took
print(json.dumps({k: v for k, v in ms.items() if abs(v) > 0.0001}))
"""


def oracle_ms(payload: dict[str, Any], home: Path) -> dict[str, float]:
    return {k: float(v) for k, v in run_aw(ORACLE, payload, home).items()}


def beats_payload(beats: list[Beat]) -> dict[str, Any]:
    ordered = sorted(beats, key=lambda b: b.sent_ms)  # stable: a watcher's own order within a moment stays
    return {"beats": [b.wire() for b in ordered], "types": BUCKET_TYPES}


def whole_seconds(ms: float, slack_ms: float = 5.0) -> set[int]:
    """The report's whole seconds (half up) for `ms`, ActivityWatch's exact value: Selftime keeps milliseconds and
    aw-core microseconds (flood() splits a 1 ms gap at 0.5 ms), so within `slack_ms` of a half second either
    rounding is the same count."""
    return {int(v + 500) // 1000 for v in (ms - slack_ms, ms, ms + slack_ms)}
