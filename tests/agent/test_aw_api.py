"""The agent's aw-server endpoints answer aw-client as ActivityWatch's own aw-server does: the same aw-client script
runs against a real aw-server 0.12 (from .venv-aw) and against the agent, and what it gets back is compared. Then
what only HTTP shows: errors, the loopback guard, events kept across a restart."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from selftime.agent.aw_api import AwServer, start
from selftime.agent.queue import LocalQueue
from tests.agent.conftest import wait_for
from tests.agent.test_aw_support import AW_PYTHON, aw_env, run_aw

# Every call aw-client 0.5.15 makes to a bucket, with the answers it gets (ids, datetimes and errors as text).
_CLIENT_CALLS = r"""
import json, sys
from datetime import datetime, timedelta, timezone
import requests
from aw_core.models import Event
from aw_client import ActivityWatchClient

client = ActivityWatchClient("aw-api-test", testing=False, host="127.0.0.1", port=int(sys.argv[1]))
t0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
out = {}

def at(seconds):
    return t0 + timedelta(seconds=seconds)

def show(events):
    return [[e.id, e.timestamp.isoformat(), e.duration.total_seconds(), e.data] for e in events]

def attempt(name, call):
    try:
        out[name] = call()
    except requests.HTTPError as exc:
        out[name] = f"HTTP {exc.response.status_code}"

info = client.get_info()
out["info_keys"] = sorted(info)
client.create_bucket("window", "currentwindow")
client.create_bucket("window", "currentwindow")  # exists: 304, no error
client.create_bucket("afk", "afkstatus")
code, firefox = {"app": "Code", "title": "a.py"}, {"app": "Firefox", "title": "Docs"}
beats = [(0, code, 2), (1, code, 2), (2.5, code, 2), (3, firefox, 2), (4, firefox, 2), (9, firefox, 2),
         (9.5, firefox, 2), (8, firefox, 2), (12, code, 2), (12, code, 2), (20, code, 30), (10, code, 30)]
for seconds, data, pulsetime in beats:
    client.heartbeat("window", Event(timestamp=at(seconds), data=data), pulsetime=pulsetime, queued=False)
afk_beats = [(0, "not-afk", 0), (5, "not-afk", 0), (10, "not-afk", 0), (10.001, "afk", 180), (10.001, "afk", 200),
             (210, "afk", 0), (210.001, "not-afk", 0)]
for seconds, status, duration in afk_beats:
    client.heartbeat("afk", Event(timestamp=at(seconds), duration=duration, data={"status": status}), pulsetime=185,
                     queued=False)
client.insert_event("window", Event(timestamp=at(100), duration=5.25, data={"app": "Inserted"}))
client.insert_events("window", [Event(timestamp=at(200), duration=1, data={"n": 1}),
                                Event(timestamp=at(210), duration=2, data={"n": 2})])
out["events"] = show(client.get_events("window"))
out["limit_2"] = show(client.get_events("window", limit=2))
out["range"] = show(client.get_events("window", start=at(4), end=at(101)))
out["count"] = client.get_eventcount("window")
out["count_range"] = client.get_eventcount("window", start=at(4), end=at(101))
out["afk_events"] = show(client.get_events("afk"))
newest = client.get_events("window", limit=1)[0]
got = client.get_event("window", newest.id)
out["get_event"] = [got.timestamp.isoformat(), got.duration.total_seconds(), got.data]
client.delete_event("window", newest.id)
out["after_delete"] = client.get_eventcount("window")
buckets = client.get_buckets()
fields = ("id", "name", "type", "client", "last_updated")
out["buckets"] = {k: {f: v.get(f) for f in fields} for k, v in buckets.items()}
exported = client.export_bucket("afk")["buckets"]["afk"]
out["export"] = [sorted(exported), exported["events"]]
attempt("delete_unforced", lambda: client.delete_bucket("afk"))
attempt("delete_forced", lambda: client.delete_bucket("afk", force=True) or "deleted")
attempt("deleted_events", lambda: client.get_events("afk"))
attempt("no_bucket_heartbeat",
        lambda: client.heartbeat("nope", Event(timestamp=at(0), data={}), pulsetime=1, queued=False))
out["left"] = sorted(client.get_buckets())
print(json.dumps(out))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def aw(tmp_path: Path) -> Iterator[AwServer]:
    queue = LocalQueue(tmp_path / "agent" / "agent.sqlite3")
    handle = start(queue, 0, convert_interval_s=3600)
    yield handle
    handle.stop()
    queue.close()


@pytest.fixture
def reference_server(tmp_path: Path) -> Iterator[int]:
    """ActivityWatch's aw-server 0.12 (Python, peewee storage) in a home of its own."""
    server = AW_PYTHON.with_name("aw-server")
    if not server.exists():
        pytest.fail(f"no {server}: run scripts/setup test")
    port = _free_port()
    log = (tmp_path / "aw-server.log").open("wb")
    proc = subprocess.Popen(
        [str(server), "--port", str(port)], env=aw_env(tmp_path / "aw-server-home"), stdout=log, stderr=log
    )
    try:

        def answering() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/0/info", timeout=5).status_code == 200
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "aw-server.log").read_text()
                return False

        wait_for("aw-server to answer", answering, timeout=60, every=0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_aw_client_gets_from_the_agent_what_it_gets_from_aw_server(
    aw: AwServer, reference_server: int, tmp_path: Path
) -> None:
    ours = run_aw(_CLIENT_CALLS, None, tmp_path / "client-home", str(aw.port))
    theirs = run_aw(_CLIENT_CALLS, None, tmp_path / "client-home", str(reference_server))
    assert ours == theirs
    # And the answers are the interesting ones: merges, a new event per change, the AFK pattern, errors.
    assert ours["info_keys"] == ["device_id", "hostname", "testing", "version"]
    assert ours["count"] == 9 and ours["after_delete"] == 8
    code, firefox = {"app": "Code", "title": "a.py"}, {"app": "Firefox", "title": "Docs"}
    assert ours["events"][-4:] == [
        [3, "2026-11-30T08:00:09+00:00", 0.5, firefox],  # 9 is past 4 + pulsetime: a new event, then merged
        [4, "2026-11-30T08:00:08+00:00", 0.0, firefox],  # older than the last event: stored on its own
        [2, "2026-11-30T08:00:03+00:00", 1.0, firefox],
        [1, "2026-11-30T08:00:00+00:00", 2.5, code],  # 0, 1 and 2.5 merged (each within 2 s of the end)
    ]
    assert ours["afk_events"] == [
        [9, "2026-11-30T08:03:30.001000+00:00", 0.0, {"status": "not-afk"}],
        [8, "2026-11-30T08:00:10.001000+00:00", 200.0, {"status": "afk"}],  # the longer duration wins
        [7, "2026-11-30T08:00:00+00:00", 10.0, {"status": "not-afk"}],
    ]
    assert (ours["delete_unforced"], ours["deleted_events"], ours["no_bucket_heartbeat"]) == (
        "HTTP 401",
        "HTTP 404",
        "HTTP 404",
    )


def _url(aw: AwServer, path: str) -> str:
    return f"http://127.0.0.1:{aw.port}/api/0/{path}"


def test_bad_requests_are_refused_as_aw_server_refuses_them(aw: AwServer) -> None:
    body = {"client": "c", "type": "currentwindow", "hostname": "h"}
    assert httpx.post(_url(aw, "buckets/w"), json=body).status_code == 200
    beat = {"timestamp": "2026-11-30T08:00:00Z", "data": {"app": "x"}}
    cases: list[tuple[httpx.Response, int, str]] = [
        (httpx.post(_url(aw, "buckets/w/heartbeat"), json=beat), 400, "Missing required parameter pulsetime"),
        (httpx.post(_url(aw, "buckets/w/heartbeat?pulsetime=x"), json=beat), 400, "pulsetime"),
        (httpx.post(_url(aw, "buckets/w/heartbeat?pulsetime=1"), content=b"{"), 400, "JSON"),
        (httpx.post(_url(aw, "buckets/w/heartbeat?pulsetime=1"), json={"data": {}}), 400, "timestamp"),
        (httpx.post(_url(aw, "buckets/w/events"), json="x"), 400, "Invalid POST data"),
        (httpx.post(_url(aw, "buckets/v"), json={"type": "x"}), 400, "type, client and hostname"),
        (httpx.get(_url(aw, "buckets/w/events?limit=many")), 400, "limit"),
        (httpx.get(_url(aw, "buckets/nope")), 404, "There's no bucket named nope"),
        (httpx.get(_url(aw, "buckets/w/events/999")), 404, ""),
    ]
    for response, status, message in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert message in response.text


def test_only_local_programs_and_browser_extensions_may_call(aw: AwServer) -> None:
    url = _url(aw, "buckets/")
    assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 403  # DNS rebinding
    assert httpx.get(url, headers={"Origin": "https://evil.example"}).status_code == 403
    assert httpx.get(url, headers={"Origin": f"http://127.0.0.1:{aw.port}"}).status_code == 200
    extension = "moz-extension://6b2f0e3c-0000-4000-8000-000000000000"
    allowed = httpx.get(url, headers={"Origin": extension})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == extension
    preflight = httpx.options(
        _url(aw, "buckets/w/heartbeat"),
        headers={"Origin": extension, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200


def test_events_are_kept_across_a_restart_and_the_port_can_be_taken(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "agent.sqlite3")
    first = start(queue, 0, convert_interval_s=3600)
    port = first.port
    httpx.post(f"http://127.0.0.1:{port}/api/0/buckets/w", json={"client": "c", "type": "x", "hostname": "h"})
    beat = {"timestamp": "2026-11-30T08:00:00Z", "duration": 3, "data": {"k": 1}}
    assert httpx.post(f"http://127.0.0.1:{port}/api/0/buckets/w/heartbeat?pulsetime=5", json=beat).status_code == 200
    with pytest.raises(OSError):
        start(queue, port)  # the port is ours: a second server cannot take it
    first.stop()
    second = start(queue, port, convert_interval_s=3600)
    try:
        events: Any = httpx.get(f"http://127.0.0.1:{port}/api/0/buckets/w/events").json()
        assert events == [{"id": 1, "timestamp": "2026-11-30T08:00:00+00:00", "duration": 3.0, "data": {"k": 1}}]
    finally:
        second.stop()
        queue.close()
