"""Delivering the queue: seal, then POST each sealed batch in order; acknowledge what the server took.

- 200 (a duplicate too: the server had it already) → the batch is acknowledged and deleted.
- No answer, a 5xx, a 429, a 401/403 (key revoked: log in again) or another 4xx such as a 404 (a wrong
  server URL) → the batch stays, and the rest waits behind it; the runner retries with backoff. These are
  problems of the connection or the set-up, not of the batch, and nothing is thrown away for them.
- A 400/422 that is not the ingest API's own answer (a proxy's or a captive portal's page) → the same: it
  says nothing about the batch.
- 400/422 (the server refused the batch: nothing of it was stored) → the span it names is set aside in
  the queue's `refused` table (or the whole batch, when no span is named) and the rest goes on as a new
  batch, so one bad span cannot block the queue forever; `selftime agent status` shows what was set
  aside. Exception: "end is more than 5 minutes in the future" means this machine's clock is ahead of the
  server's, which time fixes: that batch waits (unless the span ends in this clock's future too: it was
  recorded while the clock was wrong, and is set aside).

Between syncs the worker asks `GET /api/v1/commands` for the commands alone, every `poll_seconds` the
server names (15 on premium), so that a focus session started on the web reaches the desktop within
seconds; a failed ask is skipped quietly (the next sync says what is wrong).

The key is checked the same way at login: a POST of `{}` with the key answers 401 for a bad key and 400
("invalid batch", nothing stored) for a good one."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from selftime.agent.queue import LocalQueue, SealedBatch
from selftime.agent.settings import AgentConfig, ConfigError, Tuning, config_path, load_config

log = logging.getLogger("selftime.agent")
INGEST_PATH = "/api/v1/activity"
COMMANDS_PATH = "/api/v1/commands"
_SPAN_INDEX = re.compile(r"^spans\[(\d+)\]")
# The server's own allowance for clocks ahead of it (future_tolerance_seconds).
CLOCK_SLACK_MS = 5 * 60_000
# The kinds of error with which the ingest API refuses a body (src/selftime/api/ingest.py, and the request
# guard's answer to a NUL character). Only these say the batch itself is at fault.
REFUSALS = ("# invalid batch", "# invalid request")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def http_client(timeout: float = 30.0) -> httpx.Client:
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    return httpx.Client(timeout=limits, headers={"User-Agent": "selftime-agent"})


class KeyCheckError(Exception):
    pass


def check_key(server: str, key: str, client: httpx.Client | None = None) -> None:
    """Raises KeyCheckError unless `server` is a Selftime server that accepts `key` (see the module doc)."""
    own = client is None
    http = client or http_client()
    try:
        response = http.post(server + INGEST_PATH, content=b"{}", headers=_headers(key))
    except httpx.HTTPError as exc:
        raise KeyCheckError(f"cannot reach {server}: {exc}") from None
    finally:
        if own:
            http.close()
    if response.status_code == 401:
        raise KeyCheckError(f"{server} does not accept this key (401): check it at {server}/anapi/manage")
    if response.status_code != 400 or _error_kind(response) != "# invalid batch":
        raise KeyCheckError(
            f"{server} does not answer like a Selftime server ({response.status_code} on POST {INGEST_PATH});"
            " is the URL right?"
        )


@dataclass
class SyncOutcome:
    acked_batches: int = 0
    acked_spans: int = 0
    refused_spans: int = 0
    delivered: bool = True  # every sealed batch went (or was set aside); False: some wait for a retry
    error: str | None = None
    interval_seconds: float | None = None
    commands: list[dict[str, Any]] | None = field(default=None)  # those of the last answer, if any


class Syncer:
    def __init__(
        self,
        queue: LocalQueue,
        config: AgentConfig,
        tuning: Tuning = Tuning(),
        client: httpx.Client | None = None,
        clock_ms: Callable[[], int] = wall_ms,
        config_dir: Path | None = None,
    ) -> None:
        self.queue = queue
        self.config = config
        self.tuning = tuning
        self.client = client or http_client()
        self.clock_ms = clock_ms
        self.config_dir = config_dir  # where agent.json is re-read from when it changes; None: never
        self._config_stamp = self._stamp()

    def _stamp(self) -> tuple[int, int, int] | None:
        # The inode too: a login renames a new file into place, which changes it even within one tick.
        if self.config_dir is None:
            return None
        try:
            info = os.stat(config_path(self.config_dir))
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def refresh_config(self) -> None:
        """Takes up a login made while the agent runs: after a 401 the agent says to log in again, and the
        new key (or server) must be used from the next sync on, not after a restart the user is not told
        about. A file that cannot be read keeps the login in use."""
        stamp = self._stamp()
        if stamp is None or stamp == self._config_stamp or self.config_dir is None:
            return
        self._config_stamp = stamp
        try:
            fresh = load_config(self.config_dir)
        except ConfigError as exc:
            log.warning("%s; syncing with the login read before", exc)
            return
        if fresh != self.config:
            log.info("agent.json changed: syncing with %s from now on", fresh.server)
            self.config = fresh

    def close(self) -> None:
        self.client.close()

    def sync_once(self, deadline: float | None = None) -> SyncOutcome:
        """Seal what is pending and send every sealed batch, oldest first, until one cannot go."""
        self.refresh_config()
        self.queue.seal(self.tuning.batch_spans)
        outcome = SyncOutcome()
        batches = self.queue.sealed()
        while batches:
            if deadline is not None and time.monotonic() > deadline:
                outcome.delivered = False
                break
            batch = batches.pop(0)
            replacement = self._send(batch, outcome)
            if replacement is not None:
                batches.insert(0, replacement)
            if not outcome.delivered:
                break
        now = self.clock_ms()
        self.queue.set("last_attempt_ms", str(now))
        if outcome.acked_batches:
            self.queue.set("last_sync_ms", str(now))
        if outcome.error is not None:
            self.queue.set("last_error", outcome.error)
            self.queue.set("last_error_ms", str(now))
        return outcome

    def poll_commands(self) -> tuple[list[dict[str, Any]] | None, float | None]:
        """The server's commands now and when to ask next; None for what it did not say."""
        self.refresh_config()
        try:
            url = self.config.server + COMMANDS_PATH
            response = self.client.get(url, headers=_headers(self.config.key), timeout=10.0)
            answer = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None, None
        if not isinstance(answer, dict) or not isinstance(answer.get("commands"), list):
            return None, None
        poll = answer.get("poll_seconds")
        return answer["commands"], float(poll) if isinstance(poll, int | float) and poll > 0 else None

    def _send(self, batch: SealedBatch, outcome: SyncOutcome) -> SealedBatch | None:
        """Posts one batch; updates `outcome`; returns the batch that replaces it after a refusal."""
        body = ('{"device":' + json.dumps(self.config.device()) + ',"batch_id":' + json.dumps(batch.batch_id)) + (
            ',"spans":' + batch.body + "}"
        )
        url = self.config.server + INGEST_PATH
        try:
            response = self.client.post(url, content=body.encode(), headers=_headers(self.config.key))
        except httpx.HTTPError as exc:
            return self._wait(outcome, f"cannot reach {self.config.server}: {exc or type(exc).__name__}")
        status = response.status_code
        if status == 200:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if not isinstance(answer, dict) or answer.get("batch_id") != batch.batch_id:
                return self._wait(outcome, f"{url} answered 200 but not with an ingest answer: is the URL right?")
            self.queue.ack(batch.batch_id)
            outcome.acked_batches += 1
            outcome.acked_spans += batch.span_count
            if isinstance(answer.get("sync_interval_seconds"), int | float):
                outcome.interval_seconds = float(answer["sync_interval_seconds"])
            if isinstance(answer.get("commands"), list):
                outcome.commands = answer["commands"]
            return None
        message = _error_message(response)
        if status in (400, 422) and _error_kind(response) not in REFUSALS:
            # Not the ingest API's refusal of this body (a proxy's or captive portal's page, say):
            # nothing says the batch is at fault, so it must not be set aside.
            return self._wait(outcome, f"{url} answered {status} but not as a Selftime server: {message!r}")
        if status in (400, 422) and not self._clock_ahead(message, batch):
            found = _SPAN_INDEX.match(message)
            index = int(found[1]) if found else None
            refused = 1 if index is not None and index < batch.span_count else batch.span_count
            outcome.refused_spans += refused
            outcome.error = f"the server refused {refused} span(s) ({status}: {message}); they are set aside"
            log.warning("%s", outcome.error)
            return self.queue.refuse(batch.batch_id, message, self.clock_ms(), index)
        if status == 401:
            return self._wait(outcome, "the server does not accept the key (401): run `selftime agent login` again")
        return self._wait(outcome, f"the server answered {status}: {message or response.reason_phrase}")

    def _clock_ahead(self, message: str, batch: SealedBatch) -> bool:
        """Whether a refusal says this machine's clock runs ahead of the server's, which time fixes.

        Not when the span ends in this clock's future too: it was recorded while the clock was wrong (set
        right since), and waiting for that moment would hold every later batch behind it until then."""
        if "in the future" not in message:
            return False
        found = _SPAN_INDEX.match(message)
        try:
            end = dt.datetime.fromisoformat(str(batch.spans[int(found[1])]["end"])) if found else None
        except (IndexError, KeyError, ValueError):
            end = None
        return end is None or end.timestamp() * 1000 <= self.clock_ms() + CLOCK_SLACK_MS

    def _wait(self, outcome: SyncOutcome, error: str) -> SealedBatch | None:
        """The batch stays queued and the rest waits behind it (nothing replaces it)."""
        outcome.delivered = False
        outcome.error = error
        log.warning("sync: %s; will retry", error)
        return None


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _error_kind(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and isinstance(body.get("messages"), str):
        return str(body["messages"])
    return json.dumps(body)[:200]


class SyncWorker:
    """Runs syncs in a thread of their own (a slow server must not stop the sampling), when the runner
    asks; after each one, sets when the next is due: the server's interval after success, else backoff."""

    def __init__(
        self, syncer: Syncer, tuning: Tuning, on_commands: Callable[[list[dict[str, Any]]], None] | None = None
    ) -> None:
        self.syncer = syncer
        self.tuning = tuning
        self.on_commands = on_commands
        self.next_due = time.monotonic()  # sync at start
        self.interval = tuning.default_sync_seconds
        self.poll_interval = tuning.command_poll_override_seconds or tuning.default_command_poll_seconds
        self._failures = 0
        self._wake = threading.Event()
        self._stop = False
        self._busy = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="selftime-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def due(self) -> bool:
        with self._lock:
            return not self._busy and time.monotonic() >= self.next_due

    def request(self) -> None:
        with self._lock:
            self._busy = True
        self._wake.set()

    def stop(self, timeout: float) -> bool:
        """Stops after the sync in progress; False if it did not finish within `timeout` seconds."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            asked = self._wake.wait(timeout=self.poll_interval)
            if self._stop:
                return
            if not asked:  # no sync for a while: ask for commands alone
                self._poll()
                continue
            self._wake.clear()
            try:
                outcome = self.syncer.sync_once()
            except Exception as exc:  # a bug or a broken queue file: keep the agent alive, retry later
                log.exception("sync failed")
                outcome = SyncOutcome(delivered=False, error=f"sync failed: {exc!r}")
            self._after(outcome)

    def _poll(self) -> None:
        try:
            commands, poll = self.syncer.poll_commands()
        except Exception:  # a bug: keep the agent alive; the syncs go on
            log.exception("asking for commands failed")
            return
        if poll and not self.tuning.command_poll_override_seconds:
            self.poll_interval = poll
        if commands is not None and self.on_commands is not None:
            self.on_commands(commands)

    def _after(self, outcome: SyncOutcome) -> None:
        if outcome.interval_seconds:
            self.interval = outcome.interval_seconds
        if self.tuning.sync_override_seconds:
            self.interval = self.tuning.sync_override_seconds
        if outcome.delivered:
            self._failures = 0
            wait = self.interval
            if outcome.acked_batches:
                log.info("synced %d span(s) in %d batch(es)", outcome.acked_spans, outcome.acked_batches)
        else:
            self._failures += 1
            backoff = self.tuning.retry_min_seconds * 2 ** min(self._failures - 1, 16)
            wait = min(self.tuning.retry_max_seconds, self.interval, backoff) * random.uniform(0.8, 1.2)
        if outcome.commands is not None and self.on_commands is not None:
            self.on_commands(outcome.commands)
        with self._lock:
            self.next_due = time.monotonic() + wait
            self._busy = False
