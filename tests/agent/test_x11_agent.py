"""The agent against a real X server: Xvfb, real windows (a small Tk program run under application
names), focus switched on a schedule with xdotool, `selftime agent run` as a subprocess, a real Selftime
server on loopback; then the seconds per activity and per document in /anapi/data.

Xvfb has no window manager, so nothing sets _NET_ACTIVE_WINDOW: this exercises the agent's fallback to the
window holding the keyboard focus. The X server's idle time is real too (XScreenSaver extension): a
thread moves the pointer with xdotool while "the user works", and stops for the idle stretch; the agent
runs with a 3-second idle threshold instead of 5 minutes.

Tolerance: the agent samples once a second, so each start and each end of an activity's stretch is seen
up to a second late (plus scheduling jitter), and /anapi/data rounds to whole seconds: each activity may
be off by one second per stretch, plus 0.6 s."""

from __future__ import annotations

import os
import select
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selftime.cli import app
from tests.agent.conftest import DEADLINE_S, AgentProcess, LiveServer, ServerAccount, seconds_by, wait_for

HERE = Path(__file__).parent


def _missing_tools() -> list[str]:
    return [tool for tool in ("Xvfb", "xdotool", "xprop", "xwininfo") if shutil.which(tool) is None]


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (-displayfd), so parallel runs never collide."""
    if _missing_tools():
        pytest.fail(f"missing {', '.join(_missing_tools())}: run scripts/ensure-x11")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], DEADLINE_S)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        os.close(read_end)
        xvfb.terminate()
        xvfb.wait(timeout=DEADLINE_S)


class Windows:
    """Real windows, each in a process named like an application (the name the agent reports)."""

    def __init__(self, display: str, bin_dir: Path) -> None:
        self.display = display
        self.bin_dir = bin_dir
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.ids: dict[str, str] = {}
        interpreter = Path(os.path.realpath(sys.executable))  # the real one: a venv's python is a symlink
        code = subprocess.run([str(interpreter), "-c", "import tkinter"], capture_output=True, check=False)
        if code.returncode != 0:
            pytest.fail(f"{interpreter} has no tkinter: run scripts/ensure-x11 (Debian: python3-tk)")
        self.interpreter = interpreter

    def open(self, app_name: str, title: str) -> None:
        program = self.bin_dir / app_name
        program.symlink_to(self.interpreter)
        proc = subprocess.Popen(
            [str(program), str(HERE / "x_window.py"), title],
            env={**os.environ, "DISPLAY": self.display},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.procs[app_name] = proc
        self.ids[app_name] = self._line(proc, f"the {app_name} window")

    def _line(self, proc: subprocess.Popen[str], what: str) -> str:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], DEADLINE_S)
        line = proc.stdout.readline().strip() if ready else ""
        assert line, f"no answer from {what}"
        return line

    def retitle(self, app_name: str, title: str) -> None:
        proc = self.procs[app_name]
        assert proc.stdin is not None
        proc.stdin.write(f"title {title}\n")
        proc.stdin.flush()
        assert self._line(proc, f"the {app_name} window") == "ok"

    def focus(self, app_name: str) -> float:
        """Gives the window the keyboard focus; returns when that happened (time.time())."""
        xdotool("windowfocus", "--sync", self.ids[app_name], display=self.display)
        return time.time()

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.stdin is not None:
                proc.stdin.close()  # the window exits
        for proc in self.procs.values():
            try:
                proc.wait(timeout=DEADLINE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def xdotool(*args: str, display: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True, timeout=DEADLINE_S)


class Hands:
    """The user's input: moves the pointer every 0.2 s while working, in a corner no window covers."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.last_input = time.time()
        self._working = True
        self._done = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="hands", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        step = 0
        while not self._done:
            with self._lock:
                if self._working:
                    step += 1
                    xdotool("mousemove", str(1200 + step % 2), "700", display=self.display)
                    self.last_input = time.time()
            time.sleep(0.2)

    def rest(self) -> float:
        """Stops the input; returns the time of the last input."""
        with self._lock:  # waits out a move in progress; none follows
            self._working = False
            return self.last_input

    def work(self) -> None:
        with self._lock:
            self._working = True

    def stop(self) -> None:
        self._done = True
        self._thread.join(timeout=DEADLINE_S)


def open_application(data_dir: Path) -> Callable[[], str | None]:
    """Reads the application of the span the agent has open (its checkpoint), or None."""

    def probe() -> str | None:
        path = data_dir / "agent.sqlite3"
        if not path.exists():
            return None
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                row = db.execute("SELECT application FROM open_spans WHERE source = 'window'").fetchone()
        except sqlite3.OperationalError:  # the agent is creating its tables
            return None
        finally:
            db.close()
        return None if row is None else str(row[0])

    return probe


def cli(data_dir: Path, *args: str) -> None:
    result = CliRunner(env={"SELFTIME_DATA_DIR": str(data_dir)}).invoke(app, ["agent", *args])
    assert result.exit_code == 0, result.output


def test_agent_records_real_windows(
    display: str,
    server: LiveServer,
    server_account: ServerAccount,
    start_agent: Callable[..., AgentProcess],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "agent"
    cli(data_dir, "login", "--server", server.url, "--key", server_account.key)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    windows = Windows(display, bin_dir)
    hands = Hands(display)
    try:
        windows.open("stidle", "Nothing to see")
        windows.open("stwriter", "notes.txt - stwriter")
        windows.open("chromium", "Pull requests - github.com - Chromium")
        windows.open("stsheet", "budget.ods - stsheet")
        windows.focus("stidle")
        agent = start_agent(data_dir, "--aw-port", "0", "--idle-seconds", "3", display=display)
        wait_for("the agent to record the focused window", lambda: open_application(data_dir)() == "stidle")

        t1 = windows.focus("stwriter")
        time.sleep(3)
        t2 = windows.focus("chromium")
        time.sleep(3)
        t3 = windows.focus("stsheet")
        time.sleep(2)
        t4 = windows.focus("stwriter")
        time.sleep(1.5)
        windows.retitle("stwriter", "todo.txt - stwriter")  # same application, another document
        t5 = time.time()
        time.sleep(1.5)
        cli(data_dir, "pause")  # a running agent sees it within a second
        t6 = time.time()
        time.sleep(4)
        cli(data_dir, "resume")
        t7 = time.time()
        time.sleep(2)
        t8 = windows.focus("stsheet")
        time.sleep(2)
        last_input = hands.rest()  # away from the keyboard: idle after 3 s, ended at the last input
        time.sleep(4.5)
        windows.focus("stidle")
        hands.work()
        time.sleep(1)
        code = agent.terminate()  # SIGTERM: queue the open span, sync, exit
    finally:
        hands.stop()
        windows.close()

    log = agent.log()
    assert code == 0, log
    assert "final sync" in log and "0 left in the queue" in log, log
    assert "WARNING" not in log, log  # the window and idle sources worked throughout

    got = seconds_by(server, server_account)
    expected = {  # activity: (seconds, stretches)
        "stwriter": ((t2 - t1) + (t6 - t4) + (t8 - t7), 3),
        "github.com": (t3 - t2, 1),
        "stsheet": ((t4 - t3) + (last_input - t8), 2),
    }
    print("recorded:", got, documents := seconds_by(server, server_account, kind="document"))
    print("expected:", {k: round(v[0], 2) for k, v in expected.items()})
    for activity, (seconds, stretches) in expected.items():
        assert abs(got.get(activity, 0) - seconds) <= stretches + 0.6, (activity, got, expected)
    expected_documents = {
        "stwriter: notes.txt - stwriter": ((t2 - t1) + (t5 - t4), 2),
        "stwriter: todo.txt - stwriter": ((t6 - t5) + (t8 - t7), 2),
        "github.com: Pull requests": (t3 - t2, 1),  # the page title, without the host and the browser's name
    }
    for document, (seconds, stretches) in expected_documents.items():
        assert abs(documents.get(document, 0) - seconds) <= stretches + 0.6, (document, documents)
