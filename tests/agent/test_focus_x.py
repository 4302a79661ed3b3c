"""Focus sessions on a real X desktop: Xvfb with the openbox window manager, real Tk windows, the real
pywinctl window control, and real desktop notifications (notify-send → dunst on a private D-Bus).

Findings that shape these tests (see docs/agent-focus-privacy.md):
- pywinctl lists windows from _NET_CLIENT_LIST_STACKING and minimizes through WM_CHANGE_STATE, both the
  window manager's work: on a bare Xvfb it lists no window at all. So a window manager runs here, as on
  every real desktop; openbox is small and implements EWMH fully.
- pywinctl's getAppName on X11 is `ps -q <_NET_WM_PID> -o comm=`, the process name, not WM_CLASS. Tk sets no
  _NET_WM_PID, so the test program sets it (as GTK, Qt, Electron and browsers do) and names its process
  with prctl; one window deliberately has none, to show WM_CLASS being used then.
- ewmhlib binds to $DISPLAY when imported, once per process, so the enforcer runs in a child process with
  this test's display: other tests in the same pytest process may have imported pywinctl for another one.

Nothing here waits a fixed time for a result: every check polls with a deadline."""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from selftime.agent import notify
from selftime.api.focus import utc_rfc3339

DEADLINE_SECONDS = 30
PAUSE = 0.1  # between two polls; not a wait for anything in particular

# A window as programs make them: WM_CLASS from the class name, _NET_WM_PID and a process name (unless
# --no-pid), the title; "title NEW" on stdin retitles it (a browser moving to another page); with
# --come-back it deiconifies itself whenever it is minimized. Prints "ready <X window id>" once mapped.
TK_WINDOW = r"""
import ctypes, os, socket, sys, tkinter
import Xlib.display, Xlib.Xatom
name, title, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
if "--no-pid" not in flags:
    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME: what `ps -o comm=` shows
root = tkinter.Tk(className=name)
root.withdraw()
root.title(title)
root.geometry("320x120")
tkinter.Label(root, text=title).pack()
root.update_idletasks()
x = Xlib.display.Display()
wrapper = x.create_resource_object("window", root.winfo_id()).query_tree().parent  # the window the WM manages
if "--no-pid" not in flags:
    wrapper.change_property(x.intern_atom("_NET_WM_PID"), Xlib.Xatom.CARDINAL, 32, [os.getpid()])
    wrapper.change_property(Xlib.Xatom.WM_CLIENT_MACHINE, Xlib.Xatom.STRING, 8, socket.gethostname().encode())
x.flush()
if "--come-back" in flags:
    root.bind("<Unmap>", lambda event: root.after(10, root.deiconify))
def command(*_):
    line = sys.stdin.readline()
    if not line:
        root.destroy()
    elif line.startswith("title "):
        root.title(line[6:].rstrip("\n"))
root.tk.createfilehandler(sys.stdin, tkinter.READABLE, command)
root.deiconify()
root.after(100, lambda: print("ready", wrapper.id, flush=True))
root.mainloop()
"""

# The enforcer with the platform's real window control, driven over stdin/stdout one JSON line at a time.
# The control is wrapped only to report which windows the enforcer asked to minimize.
DRIVER = r"""
import json, sys
from selftime.agent.focus import FocusEnforcer
from selftime.agent.window_control import PywinctlWindows, default_window_control

class Reporting:
    def __init__(self, real):
        self.real, self.asked = real, []
    def windows(self):
        return self.real.windows()
    def minimize(self, key):
        self.asked.append(key)
        self.real.minimize(key)

real = default_window_control()
assert isinstance(real, PywinctlWindows), getattr(real, "reason", real)
control, told = Reporting(real), []
enforcer = FocusEnforcer(told.append, control)
for line in sys.stdin:
    op = json.loads(line)
    if op["do"] == "update":
        enforcer.update(op["commands"])
    else:
        enforcer.tick()
    print(json.dumps({"told": told, "asked": control.asked, "active": enforcer.session is not None}), flush=True)
    told.clear()
    control.asked.clear()
"""


def poll(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE_SECONDS} s: {what}")
        time.sleep(PAUSE)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


# --- the desktop ------------------------------------------------------------------------------------


@dataclass
class Desktop:
    display: str
    env: dict[str, str]
    tmp: Path
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def x(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=30, check=False)
        return done.stdout

    def state(self, wid: int) -> str | None:
        """ICCCM WM_STATE as the window manager set it: 'Normal', 'Iconic', or None (not managed)."""
        for line in self.x("xprop", "-id", str(wid), "WM_STATE").splitlines():
            if "window state:" in line:
                return line.split(":", 1)[1].strip()
        return None

    def managed(self) -> set[int]:
        text = self.x("xprop", "-root", "_NET_CLIENT_LIST")
        return {int(w, 16) for w in text.split("#", 1)[1].split(",")} if "#" in text else set()

    def open(self, name: str, title: str, *flags: str) -> Window:
        with (self.tmp / f"window-{name}.log").open("a") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", TK_WINDOW, name, title, *flags],
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the window program failed: {line!r}"
        window = Window(int(line.split()[1]), process)
        poll(
            f"{title!r} managed and shown", lambda: window.wid in self.managed() and self.state(window.wid) == "Normal"
        )
        return window

    def restore(self, window: Window) -> None:
        """What a user's click on the task bar does: ask the window manager to activate the window."""
        self.x("xdotool", "windowactivate", "--sync", str(window.wid))
        poll("the window restored", lambda: self.state(window.wid) == "Normal")


@dataclass
class Window:
    wid: int
    process: subprocess.Popen[Any]

    def retitle(self, title: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"title {title}\n")
        self.process.stdin.flush()


def start(args: list[str], env: dict[str, str], log: Path, **kwargs: Any) -> subprocess.Popen[Any]:
    """A background program writing to `log` (the child keeps the file open, this process need not)."""
    with log.open("a") as output:
        return subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT, **kwargs)


# Program → the Debian package that has it (docs/agent-focus-privacy.md#tests).
PROGRAMS = {
    "Xvfb": "xvfb",
    "openbox": "openbox",
    "xprop": "x11-utils",
    "xdotool": "xdotool",
    "notify-send": "libnotify-bin",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "dbus-daemon": "dbus-daemon",
}


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    missing = sorted({package for program, package in PROGRAMS.items() if shutil.which(program) is None})
    if missing:
        pytest.fail(f"the desktop tests need the Debian packages {', '.join(missing)} (apt-get install …)")
    tmp = tmp_path_factory.mktemp("desktop")
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display itself and says which, so parallel runs never collide.
    xvfb = start(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        dict(os.environ),
        tmp / "xvfb.log",
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    assert number.isdigit(), f"Xvfb did not start: {(tmp / 'xvfb.log').read_text()}"
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    env.update(
        DISPLAY=f":{number}",
        XDG_SESSION_TYPE="x11",
        HOME=str(tmp),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
    )
    desktop = Desktop(f":{number}", env, tmp, [xvfb])
    try:
        desktop.processes.append(start(["openbox", "--sm-disable"], env, tmp / "openbox.log"))
        poll("openbox running", lambda: "window id" in desktop.x("xprop", "-root", "_NET_SUPPORTING_WM_CHECK"))
        yield desktop
    finally:
        for process in reversed(desktop.processes):
            stop(process)


@pytest.fixture
def windows(desktop: Desktop) -> Iterator[Desktop]:
    """The desktop, with the windows a test opens closed after it."""
    before = len(desktop.processes)
    yield desktop
    opened = desktop.processes[before:]
    del desktop.processes[before:]
    for process in opened:
        stop(process)


class Driver:
    def __init__(self, desktop: Desktop) -> None:
        self.stderr = desktop.tmp / "driver.log"
        with self.stderr.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", DRIVER],
                env=desktop.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.told: list[str] = []

    def _send(self, op: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(op) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"the enforcer died: {self.stderr.read_text()}"
        answer: dict[str, Any] = json.loads(line)
        self.told += answer["told"]
        return answer

    def update(self, commands: list[dict[str, Any]]) -> dict[str, Any]:
        return self._send({"do": "update", "commands": commands})

    def tick(self) -> dict[str, Any]:
        return self._send({"do": "tick"})


@pytest.fixture
def driver(desktop: Desktop) -> Iterator[Driver]:
    driver = Driver(desktop)
    yield driver
    stop(driver.process)
    assert "Traceback" not in driver.stderr.read_text(), driver.stderr.read_text()


def session(ends_in_seconds: float, applications: list[str], sites: list[str], session_id: int = 1) -> dict[str, Any]:
    now = time.time_ns() // 1_000_000
    return {
        "type": "focus_session",
        "id": session_id,
        "started_at": utc_rfc3339(now),
        "ends_at": utc_rfc3339(now + round(ends_in_seconds * 1000)),
        "block": {"applications": applications, "sites": sites},
    }


def tick_until(driver: Driver, what: str, check: Callable[[], Any]) -> list[int]:
    """Tick about as the runner does, until `check` holds; returns the windows the enforcer asked to minimize."""
    asked: list[int] = []

    def once() -> Any:
        asked.extend(driver.tick()["asked"])
        return check()

    poll(what, once)
    return asked


# --- the tests --------------------------------------------------------------------------------------


def test_blocked_windows_are_minimized_until_the_session_ends(windows: Desktop, driver: Driver) -> None:
    steam = windows.open("steam", "Steam")
    spotify = windows.open("spotify", "Spotify Premium", "--no-pid")  # known by WM_CLASS only
    editor = windows.open("gedit", "notes.txt - gedit")
    reddit = windows.open("firefox", "Reddit - Dive into anything — Mozilla Firefox")
    docs = windows.open("firefox", "Python documentation — Mozilla Firefox")
    blocked = {steam.wid, spotify.wid, reddit.wid}

    answer = driver.update([session(1800, ["steam", "spotify", "vlc"], ["reddit.com", "youtube.com"])])
    assert answer["active"]
    assert len(driver.told) == 1
    assert driver.told[0].startswith("Focus session until ")
    assert driver.told[0].endswith(": blocking 3 distracting apps and 2 sites")

    asked = tick_until(
        driver, "the blocked windows minimized", lambda: all(windows.state(w) == "Iconic" for w in blocked)
    )
    assert set(asked) == blocked
    assert windows.state(editor.wid) == windows.state(docs.wid) == "Normal"
    minimized = sorted(driver.told[1:])
    assert len(minimized) == 3, minimized
    assert any("minimized steam (steam is a distracting app)" in m for m in minimized), minimized
    assert any("minimized Spotify (spotify is a distracting app)" in m for m in minimized), minimized
    assert any(
        "“Reddit - Dive into anything — Mozilla Firefox” (reddit.com is a distracting site)" in m for m in minimized
    )
    assert all(m.startswith("Focus session: minimized ") and ", blocked until " in m for m in minimized)

    # The user brings Steam back: it goes again, without a second message.
    told = len(driver.told)
    windows.restore(steam)
    tick_until(driver, "Steam minimized again", lambda: windows.state(steam.wid) == "Iconic")
    # A browser window moving to a blocked site goes too, and says why.
    docs.retitle("Lofi beats - YouTube — Mozilla Firefox")
    tick_until(driver, "the YouTube window minimized", lambda: windows.state(docs.wid) == "Iconic")
    assert len(driver.told) == told + 1
    assert "(youtube.com is a distracting site)" in driver.told[-1]
    assert windows.state(editor.wid) == "Normal"

    # The session ends (the next sync has no command): said once, and nothing is touched any more.
    driver.update([])
    assert driver.told[-1] == "Focus session ended: distracting apps and sites are no longer blocked"
    windows.restore(steam)
    for _ in range(5):
        assert driver.tick() == {"told": [], "asked": [], "active": False}
    assert windows.state(steam.wid) == "Normal"
    assert windows.state(reddit.wid) == "Iconic"  # what was minimized stays so: the user picks it up


def test_the_session_ends_on_the_local_clock(windows: Desktop, driver: Driver) -> None:
    steam = windows.open("steam", "Steam")
    driver.update([session(3, ["steam"], [])])
    tick_until(driver, "Steam minimized", lambda: windows.state(steam.wid) == "Iconic")
    ended = "Focus session ended: distracting apps and sites are no longer blocked"
    tick_until(driver, "the session over by ends_at, without a sync", lambda: ended in driver.told)
    windows.restore(steam)
    for _ in range(5):
        assert driver.tick()["asked"] == []
    assert windows.state(steam.wid) == "Normal"
    assert driver.told.count(ended) == 1


def test_a_window_that_keeps_coming_back_is_reported_once(windows: Desktop, driver: Driver) -> None:
    game = windows.open("steam", "Some game", "--come-back")
    driver.update([session(1800, ["steam"], [])])
    tick_until(driver, "the user told it cannot be minimized", lambda: any("could not" in t for t in driver.told))
    for _ in range(10):
        driver.tick()
    assert [t for t in driver.told if "could not" in t] == [
        "Focus session: could not minimize steam (steam is a distracting app): it keeps coming back"
    ]
    assert len([t for t in driver.told if "minimized steam" in t]) == 1
    assert game.process.poll() is None


# --- desktop notifications ----------------------------------------------------------------------------

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
"""  # no <servicedir>: nothing is started on demand, only what the test starts answers


@pytest.fixture
def session_bus(desktop: Desktop, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private session bus, so nothing of the machine's (or another test's) answers."""
    socket = tmp_path / "bus"
    (tmp_path / "bus.conf").write_text(BUS_CONFIG.format(socket=socket))
    bus = start(
        ["dbus-daemon", f"--config-file={tmp_path / 'bus.conf'}", "--nofork"], desktop.env, tmp_path / "bus.log"
    )
    try:
        poll("the session bus listening", socket.exists)
        yield {**desktop.env, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={socket}"}
    finally:
        stop(bus)


def dunst_history(env: dict[str, str]) -> list[str]:
    done = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode:
        return []
    return [n["body"]["data"] for n in json.loads(done.stdout)["data"][0] if n["appname"]["data"] == "Selftime"]


def dunst_up(env: dict[str, str]) -> bool:
    done = subprocess.run(["dunstctl", "count"], env=env, capture_output=True, text=True, timeout=30, check=False)
    return done.returncode == 0


def test_notifications_reach_the_desktop(
    session_bus: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "dunstrc").write_text("")
    dunst = start(["dunst", "-config", str(tmp_path / "dunstrc")], session_bus, tmp_path / "dunst.log")
    try:
        poll("dunst on the bus", lambda: dunst_up(session_bus))
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus["DBUS_SESSION_BUS_ADDRESS"])
        messages = [
            "Focus session until 15:30: blocking 82 distracting apps and 249 sites",
            "Focus session: minimized “Tom & Jerry <3 - YouTube” (youtube.com is a distracting site)",
        ]
        with caplog.at_level(logging.INFO, logger="selftime.agent.notify"):
            show = notify.desktop_notifier("Linux")
            assert isinstance(show, notify.DesktopNotifier) and show.command is not None
            assert Path(show.command[0]).name == "notify-send"
            for message in messages:
                show(message)
            show.close()  # shows what is queued
        for message in messages:
            assert message in caplog.messages  # the log has every message too
        subprocess.run(["dunstctl", "close-all"], env=session_bus, timeout=30, check=True)
        shown = poll("both notifications in dunst's history", lambda: len(dunst_history(session_bus)) == 2)
        assert shown
        # Newest first; the body is markup to the server, so the notifier escapes it.
        assert dunst_history(session_bus) == [html.escape(m, quote=False) for m in reversed(messages)]
        assert "do not work" not in caplog.text
    finally:
        stop(dunst)

    # No notification server any more: every message still goes to the log, and the failure is said once.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="selftime.agent.notify"):
        show = notify.desktop_notifier("Linux")
        show("first")
        show("second")
        assert isinstance(show, notify.DesktopNotifier)
        show.close()
    assert caplog.messages.count("first") == caplog.messages.count("second") == 1
    failures = [r for r in caplog.records if "desktop notifications do not work" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.WARNING
