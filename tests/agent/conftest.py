"""What the agent tests share: a real Selftime server on loopback that can be taken down and brought back,
an account on it, the agent as a subprocess (`selftime agent …` with its own data dir), and polling."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.db.tables import batches
from selftime.passwords import hash_password
from selftime.store import keys, users

T = TypeVar("T")
# Only a failure waits this long: two cores shared with other test runs.
DEADLINE_S = 30.0


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = DEADLINE_S, every: float = 0.05) -> T:
    """Polls `probe` until it returns something truthy; fails the test naming `what` after `timeout` s."""
    end = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class LiveServer:
    """The app on a SQLite database, served by uvicorn from a thread on a fixed loopback port. Down until
    start(); stop() and start() again model a server that goes away and comes back."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        # Bound (not listening) from the start: the port stays ours, and connecting is refused while down.
        self._sock = self._bind(0)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def _bind(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        return sock

    def start(self) -> None:
        assert self._server is None, "already running"
        if self._sock.fileno() == -1:  # uvicorn closed it when it stopped
            self._sock = self._bind(self.port)
        app = create_app(self.settings, db=self.db)
        config = uvicorn.Config(app, lifespan="on", ws="none", log_config=None, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=f"agent-test-server-{self.port}"
        )
        self._thread.start()
        server, thread = self._server, self._thread
        wait_for("the server to start", lambda: server.started or not thread.is_alive())
        assert server.started, "the live server did not start (its error is in the captured log)"

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=DEADLINE_S)
        assert not self._thread.is_alive(), "the live server did not stop"
        self._server = self._thread = None
        self._sock.close()

    def batch_rows(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(batches)).scalar_one())

    def batch_span_total(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(batches.c.span_count), 0))).scalar_one())


@dataclass(frozen=True)
class ServerAccount:
    email: str
    key: str


@pytest.fixture
def server_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "server" / "selftime.sqlite3"
    target.parent.mkdir()
    shutil.copy(sqlite_template, target)
    database = Database(build_engine(f"sqlite:///{target}"))
    yield database
    database.dispose()


@pytest.fixture
def server(server_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    """A running server with the real clock (agents send what happens now)."""
    settings = Settings(
        data_dir=tmp_path / "server", database_url=str(server_db.engine.url), maintenance_interval_seconds=0
    )
    live = LiveServer(server_db, settings)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def server_account(server_db: Database) -> ServerAccount:
    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    now = time.time_ns() // 1_000_000
    with server_db.write() as conn:
        user = users.create(
            conn, email=email, password_hash=hash_password("agent test pw"), time_zone="UTC", plan="premium", now_ms=now
        )
        _k, key = keys.create(conn, user_id=user.id, name="agent", now_ms=now)
    return ServerAccount(email, key)


def seconds_by(server: LiveServer, account: ServerAccount, kind: str = "activity") -> dict[str, int]:
    """Seconds per activity (or per document) over yesterday..tomorrow (UTC): a test may cross midnight."""
    today = dt.datetime.now(dt.UTC).date()
    params = {
        "key": account.key,
        "format": "json",
        "perspective": "rank",
        "restrict_kind": kind,
        "restrict_begin": str(today - dt.timedelta(days=1)),
        "restrict_end": str(today + dt.timedelta(days=1)),
    }
    response = httpx.get(server.url + "/anapi/data", params=params, timeout=DEADLINE_S)
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    if kind == "document":  # [rank, seconds, people, activity, document, category, productivity]
        return {f"{r[3]}: {r[4]}": r[1] for r in rows}
    return {r[3]: r[1] for r in rows}


def selftime_command() -> list[str]:
    script = Path(sys.executable).with_name("selftime")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from selftime.cli import main; main()"]


class AgentProcess:
    """`selftime agent run` in a subprocess of its own, logging to a file."""

    def __init__(self, data_dir: Path, log_path: Path, args: list[str], env: dict[str, str]) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [*selftime_command(), "agent", "run", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=DEADLINE_S)
        self._log.close()

    def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=DEADLINE_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
        return code


def agent_env(data_dir: Path, display: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["SELFTIME_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    if display is not None:
        env["DISPLAY"] = display
    return env


@pytest.fixture
def start_agent(tmp_path: Path) -> Iterator[Callable[..., AgentProcess]]:
    """Starts agent subprocesses; any still running at the end of the test are killed."""
    started: list[AgentProcess] = []

    def start(data_dir: Path, *args: str, display: str | None = None, name: str = "agent") -> AgentProcess:
        agent = AgentProcess(
            data_dir, tmp_path / f"{name}-{len(started)}.log", list(args), agent_env(data_dir, display)
        )
        started.append(agent)
        return agent

    yield start
    for agent in started:
        if agent.proc.poll() is None:
            agent.proc.kill()
            agent.proc.wait()
        if not agent._log.closed:
            agent._log.close()
