"""aw-client from PyPI, unmodified, sends heartbeats and AFK events to the agent's aw-server endpoints; what the
agent queues reaches a real Selftime server on loopback, and the seconds per activity in /anapi/data are those of
ActivityWatch's merge and AFK rules: worked out by hand for a small day, and computed by ActivityWatch's own
aw_transform for a realistic one sent to `selftime agent run --aw-port`."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from selftime.agent.aw_api import start
from selftime.agent.queue import LocalQueue
from tests.agent.conftest import (
    DEADLINE_S,
    LiveServer,
    ServerAccount,
    agent_env,
    seconds_by,
    selftime_command,
    wait_for,
)
from tests.agent.test_aw_support import (
    AFK_BUCKET,
    BUCKET_TYPES,
    SCENARIO,
    SEND,
    WEB_BUCKET,
    WINDOW_BUCKET,
    Beat,
    Watchers,
    beats_payload,
    oracle_ms,
    run_aw,
    whole_seconds,
)

S = 1000
CODE = {"app": "Code", "title": "main.py"}
FIREFOX = {"app": "Firefox", "title": "Pull requests — Mozilla Firefox"}
GITHUB = {"url": "https://github.com/selftime/pulls", "title": "Pull requests"}
VIDEO = {"url": "https://www.youtube.com/watch?v=1", "title": "Video"}


def _start_ms(minutes_ago: int) -> int:
    """A whole second that far back: the server takes no span that ends in the future."""
    return (time.time_ns() // 1_000_000_000 - minutes_ago * 60) * S


def _hand_day(t0: int) -> list[Beat]:
    """20 minutes, heartbeats as the watchers send them, written out so the result can be worked by hand."""
    beats = []

    def beat(bucket: str, at_s: float, data: dict[str, Any], pulsetime: float, duration: float = 0, sent_s: int = 0):
        at = t0 + round(at_s * S)
        beats.append(Beat(bucket, t0 + max(sent_s, round(at_s)) * S, at, data, pulsetime, duration))

    # aw-watcher-window, every second, pulsetime 2: Code [0, 299], Firefox [300, 599], Code [600, 1199].
    for t in range(1200):
        beat(WINDOW_BUCKET, t, FIREFOX if 300 <= t < 600 else CODE, 2.0)
    # aw-watcher-web, each minute and on a tab change, pulsetime 80: github [300, 450], the video [450, 1170].
    for t in (300, 360, 420, 450):
        beat(WEB_BUCKET, t, GITHUB, 80.0)
    for t in range(450, 1200, 60):
        beat(WEB_BUCKET, t, VIDEO, 80.0)
    # aw-watcher-afk, every 5 s, pulsetime 185: input until 700, none until 1000. Until its 180 s timeout it
    # repeats the last input's time; then "afk" from that input, extended each poll; input again at 1000.
    for t in range(0, 1200, 5):
        if t <= 700 or t >= 1000:
            beat(AFK_BUCKET, t, {"status": "not-afk"}, 185.0)
        elif t < 880:
            beat(AFK_BUCKET, 700, {"status": "not-afk"}, 185.0, sent_s=t)
        else:
            beat(AFK_BUCKET, 700, {"status": "afk"}, 185.0, duration=t - 700, sent_s=t)
        if t == 1000:  # the AFK event ends at the new input, not-afk starts there
            beats.insert(-1, Beat(AFK_BUCKET, t0 + t * S, t0 + t * S, {"status": "afk"}, 185.0))
    return beats


def _post_queue(queue: LocalQueue, server: LiveServer, account: ServerAccount) -> None:
    """What the agent's syncer does: each sealed batch POSTed as the ingest API expects, acknowledged on 200."""
    queue.seal()
    for batch in queue.sealed():
        body = {
            "device": {"id": "aw-e2e", "name": "aw-e2e"},
            "batch_id": batch.batch_id,
            "spans": batch.spans,
        }
        answer = httpx.post(
            server.url + "/api/v1/activity",
            json=body,
            headers={"Authorization": f"Bearer {account.key}"},
            timeout=DEADLINE_S,
        )
        assert answer.status_code == 200, answer.text
        queue.ack(batch.batch_id)


def test_heartbeats_from_aw_client_arrive_as_activitywatch_counts_them(
    server: LiveServer, server_account: ServerAccount, tmp_path: Path
) -> None:
    queue = LocalQueue(tmp_path / "agent" / "agent.sqlite3")
    ahead = {"ms": 0}
    aw = start(queue, 0, clock_ms=lambda: time.time_ns() // 1_000_000 + ahead["ms"], convert_interval_s=0.2)
    try:
        t0 = _start_ms(minutes_ago=40)
        sent = run_aw(SEND, beats_payload(_hand_day(t0)), tmp_path / "aw-home", str(aw.port))
        assert sent["buckets"] == sorted(BUCKET_TYPES)
        # While heartbeats keep coming, conversion follows them; once the watchers have been quiet for their
        # pulsetime and LATE_MS (the agent's clock is moved on rather than waited for), all of it is final.
        ahead["ms"] = 10 * 60 * S
        wait_for(
            "the window bucket converted", lambda: (aw.store.converted_through(WINDOW_BUCKET) or 0) > t0 + 1200 * S
        )
    finally:
        aw.stop()
    _post_queue(queue, server, server_account)
    queue.close()
    # By hand: flood() splits each 1 s gap between windows at its middle: Code [0, 299.5], Firefox [299.5, 599.5],
    # Code [599.5, 1199]. Not AFK: [0, 700] and [1000, 1195]. Firefox's time is split by the web bucket: github
    # [300, 450], the video [450, 599.5], Firefox's own title [299.5, 300]. Half seconds round up.
    assert seconds_by(server, server_account) == {"code": 595, "github.com": 150, "youtube.com": 150, "firefox": 1}
    assert seconds_by(server, server_account, kind="document") == {
        "code: main.py": 595,
        "github.com: Pull requests": 150,
        "youtube.com: Video": 150,
        "firefox: Pull requests — Mozilla Firefox": 1,
    }
    assert oracle_ms(beats_payload(_hand_day(t0)), tmp_path / "aw-home") == {
        "code": 595_000,
        "github.com": 150_000,
        "youtube.com": 149_500,
        "firefox": 500,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_selftime_agent_run_takes_the_watchers_and_reports_what_activitywatch_would(
    server: LiveServer, server_account: ServerAccount, start_agent: Any, tmp_path: Path
) -> None:
    data_dir = tmp_path / "agent-data"
    login = subprocess.run(
        [*selftime_command(), "agent", "login", "--server", server.url, "--key", server_account.key],
        env=agent_env(data_dir),
        capture_output=True,
        text=True,
        timeout=DEADLINE_S * 2,
    )
    assert login.returncode == 0, login.stderr
    port = _free_port()
    agent = start_agent(data_dir, "--aw-port", str(port), "--sync-interval", "1")

    def answering() -> bool:
        assert agent.proc.poll() is None, agent.log()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/0/info", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    wait_for("the agent's ActivityWatch endpoints", answering, timeout=60)
    beats = Watchers(_start_ms(minutes_ago=45)).run(SCENARIO)
    payload = beats_payload(beats)
    run_aw(SEND, payload, tmp_path / "aw-home", str(port))
    expected = oracle_ms(payload, tmp_path / "aw-home")
    assert {"code", "firefox", "terminal", "slack", "github.com", "docs.python.org", "youtube.com"} <= set(expected)

    def reported() -> dict[str, int] | None:
        got = seconds_by(server, server_account)
        matches = set(got) == set(expected) and all(got[k] in whole_seconds(ms) for k, ms in expected.items())
        return got if matches else None

    # The agent converts final time every 10 s and syncs every second.
    got = wait_for(f"/anapi/data to show {expected}", reported, timeout=120, every=1)
    assert sum(got.values()) < sum(s.seconds for s in SCENARIO)  # the long pause is not counted
    assert agent.terminate() == 0, agent.log()
