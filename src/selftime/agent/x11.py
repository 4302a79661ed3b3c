"""A small X11 connection of the agent's own (python-xlib): the focused window where no window manager
publishes the active one, a window's process id and class, and the XScreenSaver idle and saver state.

Only the runner's sampling thread uses it (python-xlib connections are not meant to be shared across
threads)."""

from __future__ import annotations

from typing import Any

import Xlib.display
import Xlib.X
from Xlib.ext import screensaver


class X11Display:
    def __init__(self, name: str | None = None) -> None:
        self.display: Any = Xlib.display.Display(name)
        self.root: Any = self.display.screen().root
        self._atoms: dict[str, int] = {}

    def close(self) -> None:
        self.display.close()

    def atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self.display.intern_atom(name)
        return self._atoms[name]

    def _window(self, window_id: int) -> Any:
        return self.display.create_resource_object("window", window_id)

    def _cardinal(self, window: Any, prop: str) -> int | None:
        got = window.get_full_property(self.atom(prop), Xlib.X.AnyPropertyType)
        if got is None or not len(got.value):
            return None
        return int(got.value[0])

    def active_window(self) -> int | None:
        """_NET_ACTIVE_WINDOW, which a window manager keeps up to date (None without one)."""
        return self._cardinal(self.root, "_NET_ACTIVE_WINDOW") or None

    def focused_window(self) -> int | None:
        """The top-level window holding the keyboard focus (XGetInputFocus), for X servers without a window
        manager (a bare Xvfb, some kiosk set-ups): the focus may sit on a child of the application's window,
        so walk up to the first window that has a title."""
        focus = self.display.get_input_focus().focus
        if isinstance(focus, int):  # None (0) or PointerRoot (1): no window has the focus
            return None
        window = focus
        for _ in range(16):
            if window.id == self.root.id:
                return None
            if self._has_name(window):
                return int(window.id)
            parent = window.query_tree().parent
            if isinstance(parent, int) or parent is None:
                return None
            window = parent
        return None

    def _has_name(self, window: Any) -> bool:
        for prop in ("_NET_WM_NAME", "WM_NAME"):
            got = window.get_full_property(self.atom(prop), Xlib.X.AnyPropertyType)
            if got is not None and len(got.value):
                return True
        return False

    def pid(self, window_id: int) -> int | None:
        return self._cardinal(self._window(window_id), "_NET_WM_PID")

    def wm_class(self, window_id: int) -> str | None:
        """The class half of WM_CLASS ("Firefox", "Chromium"), the ICCCM's application name."""
        found = self._window(window_id).get_wm_class()
        return str(found[1]) if found and len(found) > 1 and found[1] else None

    def has_screensaver_extension(self) -> bool:
        return bool(self.display.has_extension("MIT-SCREEN-SAVER"))

    def screensaver_info(self) -> tuple[int, bool]:
        """(milliseconds since the last keyboard or pointer input, whether the screen saver is on)."""
        info = screensaver.query_info(self.root)
        return int(info.idle), info.state in (screensaver.StateOn, screensaver.StateCycle)

    def xscreensaver_locked(self) -> bool:
        """xscreensaver publishes its state on the root window: _SCREENSAVER_STATUS = [BLANK|LOCK|0, …]."""
        got = self.root.get_full_property(self.atom("_SCREENSAVER_STATUS"), Xlib.X.AnyPropertyType)
        if got is None or not len(got.value):
            return False
        return int(got.value[0]) in (self.atom("LOCK"), self.atom("BLANK"))
