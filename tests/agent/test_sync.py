"""Syncing the queue (agent/sync.py) with a real server: acks, duplicates, refusals set aside, and what
keeps a batch queued (server down, bad key, wrong URL, a clock ahead of the server's); the retry rhythm."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.agent.settings import AgentConfig, Tuning, new_config, save_config
from selftime.agent.sync import Syncer, SyncOutcome, SyncWorker
from tests.agent.conftest import LiveServer, ServerAccount, seconds_by, wait_for


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    q = LocalQueue(tmp_path / "agent.sqlite3")
    yield q
    q.close()


def config(live: LiveServer, account: ServerAccount, **changes: str) -> AgentConfig:
    values = {"server": live.url, "key": account.key, "device_id": "dev-1", "device_name": "laptop"}
    return AgentConfig(**{**values, **changes})


def minute_ago(i: int, app: str = "code", title: str | None = None) -> QueuedSpan:
    """Span i of a row of 10-second spans that ended a minute ago."""
    start = time.time_ns() // 1_000_000 - 3_600_000 + i * 10_000
    return QueuedSpan(start, start + 10_000, app, title)


def sync(queue: LocalQueue, cfg: AgentConfig, ahead_ms: int = 0, **tuning: int) -> SyncOutcome:
    """One sync; `ahead_ms`: this machine's clock runs that far ahead of the server's."""
    clock = lambda: time.time_ns() // 1_000_000 + ahead_ms  # noqa: E731
    syncer = Syncer(queue, cfg, Tuning(**tuning), clock_ms=clock)  # type: ignore[arg-type]
    try:
        return syncer.sync_once()
    finally:
        syncer.close()


def test_delivers_in_order_and_acknowledges(server: LiveServer, server_account: ServerAccount, queue: LocalQueue):
    queue.add([minute_ago(i, "code" if i % 2 else "firefox") for i in range(25)])
    outcome = sync(queue, config(server, server_account), batch_spans=10)
    assert (outcome.delivered, outcome.acked_batches, outcome.acked_spans, outcome.error) == (True, 3, 25, None)
    assert outcome.interval_seconds == 180 and outcome.commands == []
    assert queue.pending_count() == 0 and queue.sealed() == []
    assert queue.get("last_sync_ms") is not None
    assert seconds_by(server, server_account) == {"code": 120, "firefox": 130}
    assert server.batch_rows() == 3


def test_a_batch_the_server_already_has_is_acknowledged_and_counted_once(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    cfg = config(server, server_account)
    queue.add([minute_ago(i) for i in range(3)])
    (batch,) = queue.seal()
    # The agent's POST arrived, but it died before it could acknowledge: it will send the batch again.
    body = f'{{"device": {{"id": "dev-1"}}, "batch_id": "{batch.batch_id}", "spans": {batch.body}}}'
    first = httpx.post(server.url + "/api/v1/activity", content=body, headers={"Authorization": f"Bearer {cfg.key}"})
    assert first.status_code == 200 and first.json()["accepted"] == 3
    outcome = sync(queue, cfg)
    assert outcome.acked_batches == 1 and queue.pending_count() == 0
    assert seconds_by(server, server_account) == {"code": 30}
    assert server.batch_rows() == 1


def test_a_refused_span_is_set_aside_and_the_rest_delivered(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    queue.add([minute_ago(0), minute_ago(1, app=""), minute_ago(2), minute_ago(3, app="")])  # "": not a name
    outcome = sync(queue, config(server, server_account))
    assert outcome.delivered and outcome.refused_spans == 2 and outcome.acked_spans == 2
    assert queue.pending_count() == 0 and queue.refused_count() == 2
    assert "refused 1 span(s) (400: spans[" in (queue.get("last_error") or "")
    assert seconds_by(server, server_account) == {"code": 20}


def test_a_nul_in_a_title_does_not_set_the_batch_aside(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    queue.add([minute_ago(0), minute_ago(1, title="bad\x00title"), minute_ago(2, app="\x00code")])
    outcome = sync(queue, config(server, server_account))
    assert (outcome.delivered, outcome.acked_spans, outcome.refused_spans) == (True, 3, 0)
    assert queue.refused_count() == 0
    assert seconds_by(server, server_account) == {"code": 30}


@pytest.mark.parametrize("problem", ["server down", "bad key", "wrong url", "clock ahead"])
def test_what_keeps_batches_queued(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue, problem: str
) -> None:
    cfg = config(server, server_account)
    spans = [minute_ago(i) for i in range(3)]
    if problem == "server down":
        server.stop()
    elif problem == "bad key":
        cfg = config(server, server_account, key="st_revoked")
    elif problem == "wrong url":
        cfg = config(server, server_account, server=server.url + "/selftime")
    else:  # this machine's clock runs 10 minutes ahead: its last span ends "in the future"
        now = time.time_ns() // 1_000_000
        spans = [
            spans[0],
            QueuedSpan(now + 540_000, now + 600_000, "code"),
            QueuedSpan(now + 600_000, now + 660_000, "x"),
        ]
    queue.add(spans)
    outcome = sync(queue, cfg, ahead_ms=660_000 if problem == "clock ahead" else 0, batch_spans=2)
    assert not outcome.delivered and outcome.acked_batches == 0
    assert queue.pending_count() == 3 and queue.refused_count() == 0
    expected = {
        "server down": "cannot reach",
        "bad key": "run `selftime agent login` again",
        "wrong url": "the server answered 404",
        "clock ahead": "in the future",
    }[problem]
    assert expected in (outcome.error or "") and expected in (queue.get("last_error") or "")
    assert len(queue.sealed()) == 2  # the first failed; the second waits behind it, unsent
    if problem == "server down":
        server.start()
        again = sync(queue, cfg)
        assert again.delivered and queue.pending_count() == 0


class _Refusing(BaseHTTPRequestHandler):
    """A server in front of Selftime that answers every request 400 itself, as nginx does for a request
    whose headers are too large, or a captive portal for anything it does not expect."""

    body = b""
    content_type = ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(400)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: object) -> None:
        pass


NGINX_400 = b"<html><head><title>400 Bad Request</title></head><body><h1>400 Bad Request</h1></body></html>"


@pytest.mark.parametrize(
    ("content_type", "body"), [("text/html", NGINX_400), ("application/json", b'{"detail": "Bad Request"}')]
)
def test_a_400_that_is_not_the_servers_keeps_the_batches(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue, content_type: str, body: bytes
) -> None:
    """Only the ingest API's own refusal says a batch is at fault; a page from something in between must
    not set the queue aside (it used to: every batch, in one sync)."""
    handler = type("Handler", (_Refusing,), {"body": body, "content_type": content_type})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        queue.add([minute_ago(i) for i in range(3)])
        cfg = config(server, server_account, server=f"http://127.0.0.1:{proxy.server_port}")
        outcome = sync(queue, cfg, batch_spans=2)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert not outcome.delivered and outcome.refused_spans == 0
    assert queue.pending_count() == 3 and queue.refused_count() == 0 and len(queue.sealed()) == 2
    assert "answered 400 but not as a Selftime server" in (outcome.error or "")
    again = sync(queue, config(server, server_account))  # the way to the server is fixed
    assert again.delivered and again.acked_spans == 3 and queue.pending_count() == 0
    assert seconds_by(server, server_account) == {"code": 30}


def test_a_span_recorded_while_the_clock_was_wrong_does_not_hold_the_queue(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    now = time.time_ns() // 1_000_000
    year_ahead = QueuedSpan(now + 365 * 86_400_000, now + 365 * 86_400_000 + 60_000, "x")
    queue.add([minute_ago(0), year_ahead, minute_ago(1)])  # the clock has been set right since
    outcome = sync(queue, config(server, server_account))
    assert (outcome.delivered, outcome.acked_spans, outcome.refused_spans) == (True, 2, 1)
    assert queue.pending_count() == 0 and queue.refused_count() == 1
    assert seconds_by(server, server_account) == {"code": 20}


def test_retry_rhythm(server: LiveServer, server_account: ServerAccount, queue: LocalQueue) -> None:
    tuning = Tuning(retry_min_seconds=5, retry_max_seconds=60)
    syncer = Syncer(queue, config(server, server_account), tuning)
    worker = SyncWorker(syncer, tuning)
    try:
        waits = []
        for _ in range(6):
            before = time.monotonic()
            worker._after(SyncOutcome(delivered=False, error="down"))
            waits.append(worker.next_due - before)
        # Doubling from 5 s, capped at 60 s, each with ±20 % jitter so that agents do not retry in step.
        for wait, base in zip(waits, [5, 10, 20, 40, 60, 60], strict=True):
            assert base * 0.8 - 0.1 <= wait <= base * 1.2 + 0.1
        before = time.monotonic()
        worker._after(SyncOutcome(interval_seconds=1800))  # success: the server's interval (lite)
        assert 1799 <= worker.next_due - before <= 1801
        worker._after(SyncOutcome(delivered=False, error="down"))  # and the backoff starts over
        assert worker.next_due - time.monotonic() <= 6.1
    finally:
        syncer.close()


def test_between_syncs_the_worker_asks_for_commands(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    """A focus session started on the web reaches the desktop within a poll, not at the next sync."""
    tuning = Tuning(command_poll_override_seconds=0.1)
    syncer = Syncer(queue, config(server, server_account), tuning)
    received: list[list[dict]] = []
    worker = SyncWorker(syncer, tuning, received.append)
    worker.start()  # and never asked to sync: every command below comes from polls
    try:
        wait_for("a first answer", lambda: received or None)
        assert received[-1] == []
        start = httpx.post(server.url + "/anapi/start_focustime", params={"key": server_account.key, "duration": 30})
        assert start.status_code == 200, start.text
        command = wait_for("the session", lambda: received[-1][0] if received[-1] else None)
        assert command["type"] == "focus_session"
        assert "steam" in command["block"]["applications"]
        end = httpx.post(server.url + "/anapi/end_focustime", params={"key": server_account.key})
        assert end.status_code == 200, end.text
        wait_for("the end", lambda: received[-1] == [] or None)
        assert server.batch_rows() == 0  # polls store nothing
    finally:
        assert worker.stop(5)
        syncer.close()


def test_polls_take_the_servers_interval_and_survive_a_server_that_is_down(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue
) -> None:
    syncer = Syncer(queue, config(server, server_account), Tuning())
    try:
        assert syncer.poll_commands() == ([], 15.0)
        server.stop()
        assert syncer.poll_commands() == (None, None)
    finally:
        syncer.close()


def test_a_login_while_the_agent_runs_takes_effect_at_the_next_sync(
    server: LiveServer, server_account: ServerAccount, queue: LocalQueue, tmp_path: Path
) -> None:
    """After a 401 the agent says to log in again; that login must reach the running agent's syncs (it
    used to keep the revoked key until a restart nobody asked for)."""
    data_dir = tmp_path / "agent"
    revoked = config(server, server_account, key="st_revoked")
    save_config(data_dir, revoked)
    syncer = Syncer(queue, revoked, Tuning(), config_dir=data_dir)
    try:
        queue.add([minute_ago(i) for i in range(3)])
        first = syncer.sync_once()
        assert not first.delivered and "401" in (first.error or "")
        (data_dir / "agent.json").write_text("{not json")  # a broken file keeps the login in use
        assert not syncer.sync_once().delivered and syncer.config == revoked
        save_config(data_dir, new_config(server.url, server_account.key, data_dir))  # `selftime agent login`
        again = syncer.sync_once()
        assert again.delivered and again.acked_spans == 3 and queue.pending_count() == 0
        assert syncer.config.key == server_account.key
    finally:
        syncer.close()
    assert seconds_by(server, server_account) == {"code": 30}
