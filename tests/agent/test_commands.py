"""`selftime agent login | status | pause | resume | install-autostart`, in-process, against a real server."""

from __future__ import annotations

import json
import socket
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from selftime.agent.queue import LocalQueue, QueuedSpan
from selftime.agent.settings import load_config, queue_path
from selftime.cli import app
from tests.agent.conftest import DEADLINE_S, AgentProcess, LiveServer, ServerAccount, wait_for


def agent(data_dir: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner(env={"SELFTIME_DATA_DIR": str(data_dir)}).invoke(app, ["agent", *args], input=input)


def test_login_checks_the_key_and_keeps_it_private(server: LiveServer, server_account: ServerAccount, tmp_path: Path):
    data_dir = tmp_path / "agent"
    result = agent(data_dir, "login", "--server", server.url + "/", "--key", server_account.key)
    assert result.exit_code == 0, result.output
    path = data_dir / "agent.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["server"] == server.url and saved["key"] == server_account.key
    assert saved["device_name"] == socket.gethostname() and len(saved["device_id"]) == 32
    assert [p.name for p in data_dir.iterdir()] == ["agent.json"]  # no draft left behind
    assert server.batch_rows() == 0  # the check stored nothing on the server

    # Logging in again (a new key) keeps the device: batch ids are unique per device.
    again = agent(data_dir, "login", "--server", server.url, input=server_account.key + "\n")  # key asked for
    assert again.exit_code == 0, again.output
    assert load_config(data_dir).device_id == saved["device_id"]


def test_login_refuses_a_bad_key_and_keeps_the_old_login(
    server: LiveServer, server_account: ServerAccount, tmp_path: Path
) -> None:
    data_dir = tmp_path / "agent"
    assert agent(data_dir, "login", "--server", server.url, "--key", server_account.key).exit_code == 0
    result = agent(data_dir, "login", "--server", server.url, "--key", "st_not-a-key")
    assert result.exit_code == 2
    assert "does not accept this key (401)" in result.stderr
    assert load_config(data_dir).key == server_account.key


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("{server}/not-here", "does not answer like a Selftime server (404"),
        ("http://127.0.0.1:{closed}", "cannot reach"),
        ("ftp://example.com", "must be an http:// or https:// URL"),
        ("http://[::1", "cannot be read: Invalid IPv6 URL"),
        ("http://127.0.0.1:99999", "cannot be read: Port out of range 0-65535"),
    ],
)
def test_login_explains_what_is_wrong_with_the_server(
    server: LiveServer, server_account: ServerAccount, tmp_path: Path, url: str, message: str
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        target = url.format(server=server.url, closed=closed.getsockname()[1])
        result = agent(tmp_path / "agent", "login", "--server", target, "--key", server_account.key)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "agent" / "agent.json").exists()


def test_status_before_login(tmp_path: Path) -> None:
    result = agent(tmp_path / "agent", "status")
    assert result.exit_code == 0, result.output
    assert "not logged in" in result.stdout
    assert "agent:      not running" in result.stdout
    assert "recording:  on" in result.stdout
    assert "queue:      0 span(s) waiting to be sent" in result.stdout
    assert "last sync:  never" in result.stdout


def test_status_pause_and_resume(server: LiveServer, server_account: ServerAccount, tmp_path: Path) -> None:
    data_dir = tmp_path / "agent"
    assert agent(data_dir, "login", "--server", server.url, "--key", server_account.key).exit_code == 0
    queue = LocalQueue(queue_path(data_dir))
    try:
        now = time.time_ns() // 1_000_000
        queue.add([QueuedSpan(now - 60_000, now - 30_000, "code"), QueuedSpan(now - 30_000, now, "firefox")])
        queue.set("last_sync_ms", str(now - 600_000))
        queue.set("last_error", "cannot reach http://example.invalid: boom")
        queue.set("last_error_ms", str(now - 5_000))
        queue.set("agent_alive_ms", str(now))  # what a running agent writes every few seconds

        status = agent(data_dir, "status").stdout
        assert f"server:     {server.url} (device" in status
        assert "agent:      running" in status
        assert "queue:      2 span(s) waiting to be sent" in status
        assert "(10 min ago)" in status
        assert "last error: cannot reach http://example.invalid: boom at " in status

        paused = agent(data_dir, "pause", "--minutes", "30")
        assert paused.exit_code == 0 and "recording paused until" in paused.stdout
        until = int(queue.get("paused_until_ms") or 0)
        assert 29 * 60_000 < until - now < 31 * 60_000
        assert "recording:  paused until " in agent(data_dir, "status").stdout

        assert agent(data_dir, "pause").exit_code == 0
        assert "recording:  paused until `selftime agent resume`" in agent(data_dir, "status").stdout
        assert agent(data_dir, "pause", "--minutes", "0").exit_code == 2

        resumed = agent(data_dir, "resume")
        assert resumed.exit_code == 0 and "recording resumed" in resumed.stdout
        assert queue.get("paused_until_ms") is None
        assert "recording:  on" in agent(data_dir, "status").stdout
        assert "was not paused" in agent(data_dir, "resume").stdout
    finally:
        queue.close()


@pytest.mark.parametrize("minutes", ["1e12", "nan", "inf", "-inf", "527041"])
def test_pause_refuses_lengths_it_cannot_keep(tmp_path: Path, minutes: str) -> None:
    data_dir = tmp_path / "agent"
    result = agent(data_dir, "pause", "--minutes", minutes)
    assert result.exit_code == 2 and "--minutes must be more than 0 and at most 527040" in result.stderr
    assert "recording:  on" in agent(data_dir, "status").stdout


def test_status_survives_a_pause_past_the_calendar(tmp_path: Path) -> None:
    data_dir = tmp_path / "agent"
    queue = LocalQueue(queue_path(data_dir))
    try:
        queue.set("paused_until_ms", str(10**17))  # what `pause --minutes 1e12` used to keep
    finally:
        queue.close()
    result = agent(data_dir, "status")
    assert result.exit_code == 0 and "recording:  paused until further than the calendar goes" in result.stdout
    assert agent(data_dir, "resume").exit_code == 0


def test_run_without_login_says_what_to_do(tmp_path: Path) -> None:
    result = agent(tmp_path / "agent", "run", "--aw-port", "0")
    assert result.exit_code == 2
    assert "not logged in" in result.stderr and "selftime agent login" in result.stderr


def test_install_and_uninstall_autostart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from selftime.agent import autostart  # a colleague's module; these commands only call it

    # It writes under the home directory: a temporary one here.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    expected = autostart.autostart_path()
    assert str(expected).startswith(str(tmp_path))
    result = agent(tmp_path / "agent", "install-autostart")
    assert result.exit_code == 0, result.output
    assert str(expected) in result.stdout
    assert "agent run" in expected.read_text()
    removed = agent(tmp_path / "agent", "uninstall-autostart")
    assert removed.exit_code == 0, removed.output
    assert not expected.exists()
    assert "no autostart entry" in agent(tmp_path / "agent", "uninstall-autostart").stdout


def test_run_refuses_to_start_with_broken_privacy_rules(
    server: LiveServer, server_account: ServerAccount, tmp_path: Path
) -> None:
    data_dir = tmp_path / "agent"
    assert agent(data_dir, "login", "--server", server.url, "--key", server_account.key).exit_code == 0
    (data_dir / "privacy.toml").write_text("[never]\ntitles = ['(unclosed']\n")
    result = agent(data_dir, "run", "--aw-port", "0")
    assert result.exit_code == 2
    assert "privacy rules:" in result.stderr and "privacy.toml" in result.stderr


def test_a_second_agent_on_one_data_dir_refuses_to_start(
    server: LiveServer, server_account: ServerAccount, tmp_path: Path, start_agent: Callable[..., AgentProcess]
) -> None:
    """Autostart plus one started by hand: the second would sample, block and notify twice, and its
    start-up recovery would queue the first one's open span while that one still records it."""
    data_dir = tmp_path / "agent"
    assert agent(data_dir, "login", "--server", server.url, "--key", server_account.key).exit_code == 0
    first = start_agent(data_dir, "--aw-port", "0")
    wait_for("the first agent", lambda: "recording to" in first.log())
    # An open span of the first agent, as its recorder checkpoints it: the second must not touch it.
    queue = LocalQueue(queue_path(data_dir))
    try:
        now = int(time.time() * 1000)
        queue.checkpoint("window", QueuedSpan(now - 10_000, now, "code", "main.py"))
        second = start_agent(data_dir, "--aw-port", "0")
        assert second.proc.wait(timeout=DEADLINE_S) == 2
        assert f"an agent is already running with {data_dir} (process {first.proc.pid})" in second.log()
        assert queue.pending_count() == 0  # the checkpoint was not recovered into the queue
        assert first.proc.poll() is None
    finally:
        queue.close()
    first.kill9()  # the lock goes with the process: no stale lock after a crash
    third = start_agent(data_dir, "--aw-port", "0")
    wait_for("the third agent", lambda: "recovered 1 span(s)" in third.log())
    assert third.terminate() == 0
