"""Idle sources: how long since the last keyboard or mouse input, and whether the screen is locked.

The recorder applies RescueTime's rule (after 5 minutes without input the span ends at the last input and
those minutes do not count); a locked screen, or a running screen saver, is idle at once.

X11: the MIT-SCREEN-SAVER extension (XScreenSaverQueryInfo) gives the idle time and whether the server's
saver is on. No X11 protocol says "locked", so three signals are read: the server's saver state (lockers
that blank through it), xscreensaver's _SCREENSAVER_STATUS on the root window (LOCK or BLANK), and
systemd-logind's LockedHint of the session, which GNOME, KDE, Xfce and light-locker set (asked through
`loginctl` every 10 seconds, when it exists). Other systems get no idle source yet (the runner says so)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("selftime.agent")


@dataclass(frozen=True)
class IdleState:
    idle_ms: int
    locked: bool


class IdleSource(Protocol):
    def idle_ms(self) -> int:
        """Milliseconds since the last keyboard or pointer input."""
        ...

    def locked(self) -> bool:
        """Whether the screen is locked (or a screen saver runs)."""
        ...


def read_idle(source: IdleSource) -> IdleState:
    return IdleState(max(0, int(source.idle_ms())), bool(source.locked()))


class NoIdleSource:
    """Where idleness cannot be known: every moment counts as active."""

    def idle_ms(self) -> int:
        return 0

    def locked(self) -> bool:
        return False


class IdleUnavailable(Exception):
    pass


class X11Idle:
    LOGIND_EVERY_S = 10.0

    def __init__(self, x11: Any, clock: Callable[[], float] = time.monotonic) -> None:
        if not x11.has_screensaver_extension():
            raise IdleUnavailable("the X server lacks the MIT-SCREEN-SAVER extension")
        self._x = x11
        self._clock = clock
        self._loginctl = shutil.which("loginctl")
        self._session = os.environ.get("XDG_SESSION_ID") or "auto"  # "auto": the caller's (graphical) session
        self._logind_at = float("-inf")
        self._logind_locked = False

    def idle_ms(self) -> int:
        return int(self._x.screensaver_info()[0])

    def locked(self) -> bool:
        if self._x.screensaver_info()[1] or self._x.xscreensaver_locked():
            return True
        return self._session_locked()

    def _session_locked(self) -> bool:
        if self._loginctl is None or self._clock() - self._logind_at < self.LOGIND_EVERY_S:
            return self._logind_locked
        self._logind_at = self._clock()
        try:
            done = subprocess.run(
                [self._loginctl, "show-session", self._session, "--property=LockedHint", "--value"],
                capture_output=True,
                text=True,
                timeout=3,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.debug("loginctl failed: %r", exc)
            done = None
        if done is None or done.returncode != 0:
            # No logind session here (containers, other init systems): stop asking.
            log.debug("logind's LockedHint is not available; a locked screen is seen only through the saver")
            self._loginctl = None
            self._logind_locked = False
        else:
            self._logind_locked = done.stdout.strip() == "yes"
        return self._logind_locked
