"""The window source: the active application, its window title and, for browsers, the site.

pywinctl does the work on every platform (X11 on Linux, Quartz/AppleScript on macOS, Win32 on Windows).
On X11 it reads _NET_ACTIVE_WINDOW, which a window manager maintains; without one (a bare Xvfb, kiosks)
the agent falls back to the window holding the keyboard focus (XGetInputFocus). Wayland does not let one
program see another's windows: in a Wayland session only X11 programs (XWayland) can be seen, and without a
DISPLAY nothing can; the runner then says so once and keeps its other sources running."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, Protocol

from selftime.agent.sites import is_browser, split_browser_title

log = logging.getLogger("selftime.agent")
MAX_TEXT = 255  # the ingest API's limit for application names and titles


@dataclass(frozen=True)
class WindowSample:
    application: str
    title: str | None
    url: str | None


class WindowSource(Protocol):
    def sample(self) -> WindowSample | None:
        """What has the focus now; None when nothing does. Raises WindowUnavailable when it never will."""
        ...


class WindowUnavailable(Exception):
    """No window information can be had here; the message says why, for the user."""


def describe(application: str, title: str | None) -> WindowSample:
    """A sample as the ingest API accepts it: names of 1..255 characters, browsers' sites split off."""
    app = " ".join(application.split())[:MAX_TEXT] or "unknown"
    text = " ".join((title or "").split()) or None
    url = None
    if text and is_browser(app):
        text, url = split_browser_title(text)
    return WindowSample(app, text[:MAX_TEXT] if text else None, url)


def _wayland() -> bool:
    return os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(os.environ.get("WAYLAND_DISPLAY"))


def open_window_source() -> WindowSource:
    """The source for this machine, or WindowUnavailable with a message for the user."""
    if sys.platform in ("darwin", "win32"):
        try:
            import pywinctl
        except Exception as exc:  # pywinctl's platform layer failed to load
            raise WindowUnavailable(f"window information is not available: {exc}") from exc
        if sys.platform == "darwin" and not pywinctl.checkPermissions(activate=False):
            log.warning("macOS has not granted this program Accessibility access: window titles may be empty")
        return PyWinCtlSource(pywinctl, None)
    display = os.environ.get("DISPLAY", "")
    if not display:
        if _wayland():
            raise WindowUnavailable(
                "this is a Wayland session without X (no DISPLAY): Wayland does not let a program see other "
                "programs' windows, so no window activity is recorded (the ActivityWatch endpoints and syncing "
                "keep working)"
            )
        raise WindowUnavailable(
            "no X display (DISPLAY is not set), so no window activity is recorded (the ActivityWatch endpoints "
            "and syncing keep working)"
        )
    try:
        from selftime.agent.x11 import X11Display

        x = X11Display(display)
        import pywinctl
    except Exception as exc:
        raise WindowUnavailable(
            f"cannot use the X display {display!r} ({exc}); no window activity is recorded"
        ) from exc
    _only_this_display()
    if _wayland():
        log.warning(
            "Wayland session: only X11 (XWayland) windows can be seen; time in native Wayland programs is not recorded"
        )
    return PyWinCtlSource(pywinctl, x)


def _only_this_display() -> None:
    """ewmhlib (under pywinctl) connects at import to every X server with a socket in /tmp/.X11-unix and asks
    all of them about every window; the agent records the session it runs in, $DISPLAY, and must not fail
    when another X server (another seat, a test's Xvfb) goes away. So keep only the default connection."""
    try:
        from ewmhlib import _ewmhlib as ewmh
    except ImportError:
        return
    default = getattr(ewmh, "defaultDisplay", None)
    others = [d for d in getattr(ewmh, "_displays", []) if d is not default]
    if default is None or not hasattr(ewmh, "displaysCount"):
        return
    ewmh._displays = [default]
    ewmh.displaysCount = 1
    for connection in others:
        with contextlib.suppress(Exception):  # already broken: nothing to release
            connection.close()


class PyWinCtlSource:
    def __init__(self, pywinctl: Any, x11: Any | None) -> None:
        self._pwc = pywinctl
        self._x = x11  # X11Display on Linux: focus fallback, _NET_WM_PID and WM_CLASS
        self._names: dict[int, str] = {}  # window handle → application; getAppName runs `ps` on Linux
        self._failures: set[str] = set()

    @property
    def x11(self) -> Any | None:
        return self._x

    def sample(self) -> WindowSample | None:
        try:
            return self._sample()
        except Exception as exc:
            if self._x is not None and _connection_lost(exc):
                raise WindowUnavailable(f"the connection to the X display was lost ({exc})") from exc
            # An X error is the window closing between two questions about it: nothing has the focus now.
            # Anything else is logged once per kind as a warning (a steady one would stop recording unseen).
            kind = type(exc).__name__
            quiet = kind in self._failures or (self._x is not None and _window_gone(exc))
            log.log(logging.DEBUG if quiet else logging.WARNING, "no window sample: %r", exc)
            self._failures.add(kind)
            return None

    def _sample(self) -> WindowSample | None:
        window = None
        if self._x is None:
            window = self._pwc.getActiveWindow()
        else:
            # pywinctl asks GNOME Shell over D-Bus first in a Wayland session (which needs its "unsafe mode"
            # and fails otherwise): there, read the X side directly.
            handle = self._x.active_window() if _wayland() else None
            if handle is None and not _wayland():
                window = self._pwc.getActiveWindow()
            if window is None:
                handle = handle or self._x.focused_window()
                window = self._pwc.Window(handle) if handle else None
        if window is None:
            return None
        handle = int(window.getHandle())
        title = window.title
        name = self._names.get(handle)
        if name is None:
            name = self._app_name(window, handle)
            if len(self._names) > 512:  # handles of closed windows are not reported; forget them all now and then
                self._names.clear()
            self._names[handle] = name
        return describe(name, title)

    def _app_name(self, window: Any, handle: int) -> str:
        """The process name (as RescueTime names applications); on X11 the window's class when the window
        does not say which process it belongs to (_NET_WM_PID), as pywinctl would run `ps -q None`."""
        if self._x is not None and self._x.pid(handle) is None:
            return self._x.wm_class(handle) or "unknown"
        name = str(window.getAppName() or "").strip()
        if not name and self._x is not None:
            name = self._x.wm_class(handle) or ""
        if sys.platform == "win32":
            name = name.removesuffix(".exe")
        return name or "unknown"


def _window_gone(exc: BaseException) -> bool:
    import Xlib.error

    return isinstance(exc, Xlib.error.XError)


def _connection_lost(exc: BaseException) -> bool:
    import Xlib.error

    return isinstance(exc, Xlib.error.ConnectionClosedError | Xlib.error.DisplayError | BrokenPipeError)
