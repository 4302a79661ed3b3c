"""Window control for focus sessions: list the desktop's windows and minimize them, through pywinctl.

Behind a small protocol so that focus.py's rules do not depend on a display, and tests drive the real X
implementation."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Linux reports a process name (/proc/PID/comm) cut to 15 characters.
COMM_LENGTH = 15


# --- windows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowInfo:
    key: Hashable  # stable while the window exists (the X window id, a handle)
    application: str  # process or application name; "" when unknown
    title: str
    minimized: bool
    aliases: tuple[str, ...] = ()  # other names of the application (X11: the two halves of WM_CLASS)


class WindowControl(Protocol):
    def windows(self) -> list[WindowInfo]: ...

    def minimize(self, key: Hashable) -> None: ...


class WindowControlUnavailable(RuntimeError):
    """This desktop offers no window control (no display, Wayland); the text says why."""


class NoWindows:
    """Window control where there is none: focus sessions are announced, nothing is minimized."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def windows(self) -> list[WindowInfo]:
        return []

    def minimize(self, key: Hashable) -> None:
        pass


class PywinctlWindows:
    """The real windows, through pywinctl: X11 with an EWMH window manager (every desktop has one; a bare X
    server lists no windows and minimizes nothing), macOS, Windows."""

    def __init__(self) -> None:
        linux = sys.platform.startswith("linux")
        if linux and os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland":
            raise WindowControlUnavailable("a Wayland session does not let programs list or minimize windows")
        if linux and not os.environ.get("DISPLAY"):
            raise WindowControlUnavailable("there is no X display (DISPLAY is not set)")
        try:
            if linux:
                # Thread-safe Xlib connections, in case the recorder and the enforcer run on different
                # threads; this only works when imported before the first connection is made.
                importlib.import_module("Xlib.threaded")
            import pywinctl
        except ImportError as exc:
            raise WindowControlUnavailable(f"pywinctl is not available ({exc})") from exc
        except Exception as exc:  # pywinctl connects to the display when imported
            raise WindowControlUnavailable(f"the display cannot be used ({type(exc).__name__}: {exc})") from exc
        if linux:
            _only_default_display()
        self._pywinctl: Any = pywinctl
        self._last: dict[Hashable, Any] = {}
        # Names cost a process (ps) and a round trip per window on X11: looked up once per window and pid.
        self._names: dict[Hashable, tuple[int | None, str, tuple[str, ...]]] = {}

    def windows(self) -> list[WindowInfo]:
        found: dict[Hashable, Any] = {}
        out = []
        for win in self._pywinctl.getAllWindows():
            try:
                key = win.getHandle()
                app, aliases = self._application(key, win)
                out.append(WindowInfo(key, app, win.title or "", bool(win.isMinimized), aliases))
            except Exception as exc:  # a window can vanish between listing and reading (BadWindow)
                log.debug("skipping a window that could not be read: %s", exc)
                continue
            found[key] = win
        self._last = found
        self._names = {k: v for k, v in self._names.items() if k in found}
        return out

    def _application(self, key: Hashable, win: Any) -> tuple[str, tuple[str, ...]]:
        pid = win.getPID()
        known = self._names.get(key)
        if known is not None and known[0] == pid:
            return known[1], known[2]
        # On X11 pywinctl names the process of _NET_WM_PID (`ps -q PID -o comm=`); for a window without
        # one it would run `ps -q None`, so only WM_CLASS names it then.
        name = str(win.getAppName() or "") if pid else ""
        aliases: tuple[str, ...] = ()
        x_window = getattr(win, "_xWin", None)  # X11 only; pywinctl has no public WM_CLASS
        if x_window is not None:
            aliases = tuple(str(part) for part in (x_window.get_wm_class() or ()) if part)
        if not name and aliases:
            name = aliases[-1]
        self._names[key] = (pid, name, aliases)
        return name, aliases

    def minimize(self, key: Hashable) -> None:
        win = self._last.get(key)
        if win is not None:
            try:
                win.minimize()
            except Exception as exc:  # closed since it was listed
                log.debug("could not minimize window %s: %s", key, exc)


def _only_default_display() -> None:
    """ewmhlib (under pywinctl) connects at import to every X server with a socket in /tmp/.X11-unix and
    then looks for each window id on all of them: with a second X server about (another seat, a test's
    Xvfb) it may act on a window of the wrong server, and fails once that server is gone. Keep only $DISPLAY."""
    try:
        from ewmhlib import _ewmhlib as ewmh
    except ImportError:
        return
    default = getattr(ewmh, "defaultDisplay", None)
    displays = getattr(ewmh, "_displays", None)
    if default is None or not isinstance(displays, list) or not hasattr(ewmh, "displaysCount"):
        return
    others = [d for d in displays if d is not default]
    ewmh._displays = [default]
    ewmh.displaysCount = 1
    if hasattr(ewmh, "_roots"):
        ewmh._roots = [(default, ewmh.defaultScreen, ewmh.defaultRoot)]
    for connection in others:
        with contextlib.suppress(Exception):  # already broken: nothing to release
            connection.close()


def default_window_control() -> WindowControl:
    try:
        return PywinctlWindows()
    except WindowControlUnavailable as exc:
        log.warning("focus sessions cannot minimize windows here: %s", exc)
        return NoWindows(str(exc))
