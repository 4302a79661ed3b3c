"""Durability: kill -9 the agent (`selftime agent run`, a subprocess with its own data dir) with a full
queue while the server is down, bring the server back, kill -9 it again mid-sync, restart it: every span
arrives exactly once. "Exactly once" is checked on the server's batches (how many, and how many spans
they carried) as well as on the seconds in /anapi/data (which alone could not tell: the server counts a
device's overlapping time once).

The agent runs without a display here: it must say so once, clearly, and keep running its other work."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.agent.settings import load_config, new_config, queue_path, save_config
from tests.agent.conftest import AgentProcess, LiveServer, ServerAccount, seconds_by, wait_for

SPANS = 3000
BATCH = 100
APPS = ["code", "firefox", "slack", "xterm", "zoom"]


def test_kill_9_server_down_and_back_every_span_exactly_once(
    server: LiveServer,
    server_account: ServerAccount,
    start_agent: Callable[..., AgentProcess],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "agent"
    save_config(data_dir, new_config(server.url, server_account.key, data_dir))
    server.stop()

    # A full queue: three thousand spans of the last hours (what a long stretch offline leaves), and the
    # span that was open when an earlier agent died (its last checkpoint).
    rng = random.Random(5)
    start = (time.time_ns() // 1_000_000 // 1000 - 10 * 3600) * 1000
    expected: dict[str, int] = dict.fromkeys(APPS, 0)
    spans = []
    for i in range(SPANS):
        app, length = rng.choice(APPS), rng.randint(1, 9) * 1000
        spans.append(QueuedSpan(start + i * 10_000, start + i * 10_000 + length, app, f"doc {i % 7}"))
        expected[app] += length
    queue = LocalQueue(queue_path(data_dir))
    try:
        queue.add(spans)
        open_start = start + SPANS * 10_000
        queue.checkpoint("window", QueuedSpan(open_start, open_start + 42_000, "code", "main.py"))
        expected["code"] += 42_000

        # 1. The server is down: the agent seals, fails to send, retries. kill -9 it meanwhile.
        first = start_agent(data_dir, "--aw-port", "0", "--batch-size", str(BATCH), "--retry-seconds", "0.2")
        wait_for("a failed sync", lambda: "cannot reach" in (queue.get("last_error") or ""))
        first.kill9()
        batches = math.ceil((SPANS + 1) / BATCH)
        assert queue.pending_count() == SPANS + 1
        assert len(queue.sealed()) == batches
        log = first.log()
        assert log.count("no X display (DISPLAY is not set)") == 1, log  # said once, and it kept running
        assert "recovered 1 span(s)" in log

        # 2. The server comes back just long enough to take one batch whose answer never arrives: the
        # agent's POST got through and the agent died before it could acknowledge it.
        server.start()
        sent = queue.sealed()[0]
        device = load_config(data_dir).device()
        body = json.dumps({"device": device, "batch_id": sent.batch_id, "spans": sent.spans})
        response = httpx.post(
            server.url + "/api/v1/activity", content=body, headers={"Authorization": f"Bearer {server_account.key}"}
        )
        assert response.status_code == 200 and response.json()["accepted"] == BATCH
        server.stop()

        # 3. A new agent starts while the server is still down, retries, and gets through once it is
        # back; kill -9 it while it is delivering.
        second = start_agent(data_dir, "--aw-port", "0", "--batch-size", str(BATCH), "--retry-seconds", "0.2")
        attempt = queue.get("last_attempt_ms")
        wait_for("the new agent's failed sync", lambda: queue.get("last_attempt_ms") != attempt)
        server.start()
        wait_for("the agent to deliver some batches", lambda: server.batch_rows() >= 5, every=0.01)
        second.kill9()

        # 4. Restart once more: the rest goes, and SIGTERM ends the agent cleanly.
        third = start_agent(data_dir, "--aw-port", "0", "--batch-size", str(BATCH))
        wait_for("an empty queue", lambda: queue.pending_count() == 0)
        assert third.terminate() == 0, third.log()
        assert queue.refused_count() == 0
    finally:
        queue.close()

    assert server.batch_rows() == batches  # the re-sent batch was a duplicate, nothing was re-sealed
    assert server.batch_span_total() == SPANS + 1  # every span in exactly one stored batch
    got = seconds_by(server, server_account)
    assert got == {app: ms // 1000 for app, ms in expected.items()}
