"""Desktop notifications: notify-send on Linux, osascript on macOS, else (and always, too) the agent's log.

Notifications run on one background thread, in order: a notification service that hangs (notify-send waits
on D-Bus for up to 25 s when nothing answers) must not stall the agent's once-a-second loop."""

from __future__ import annotations

import html
import logging
import platform
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

APP_NAME = "Selftime"
TIMEOUT_SECONDS = 10
_STOP = object()


def notifier_command(system: str | None = None, path: str | None = None) -> list[str] | None:
    """The command line that shows a notification (the text is appended), or None: only the log.

    `path` is the search path for the programs (default $PATH)."""
    system = (system or platform.system()).lower()
    if system == "linux":
        program = shutil.which("notify-send", path=path)
        return [program, f"--app-name={APP_NAME}", APP_NAME] if program else None  # the body is escaped, below
    if system in ("darwin", "macos"):
        program = shutil.which("osascript", path=path)
        if not program:
            return None
        # The text is passed as an argument rather than spliced into the script: no AppleScript quoting.
        show = f'display notification (item 1 of argv) with title "{APP_NAME}"'
        return [program, "-e", "on run argv", "-e", show, "-e", "end run"]
    return None


class DesktopNotifier:
    """Callable with one sentence. Every message goes to the log; where a command is given it is also shown
    on the desktop. A failing command is reported once and the log keeps every message."""

    def __init__(self, command: Sequence[str] | None) -> None:
        self.command = list(command) if command else None
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failed = False

    def __call__(self, message: str) -> None:
        log.info("%s", message)
        if self.command is None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="selftime-notify", daemon=True)
                self._thread.start()
        self._queue.put(message)

    def close(self, timeout: float = TIMEOUT_SECONDS + 1) -> None:
        """Show what is queued, then stop the thread (at exit; later calls start a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while (message := self._queue.get()) is not _STOP:
            self._show(str(message))

    def _show(self, message: str) -> None:
        assert self.command is not None
        if Path(self.command[0]).name == "notify-send":
            # Notification servers read the body as markup: a title like "Tom & Jerry" must stay text.
            message = html.escape(message, quote=False)
        try:
            done = subprocess.run(
                [*self.command, message], capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
            problem = f"exit status {done.returncode}: {done.stderr.strip()}" if done.returncode else ""
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = str(exc)
        if problem and not self._failed:
            self._failed = True
            log.warning(
                "desktop notifications do not work (%s): %s; every message is in this log", self.command[0], problem
            )


def desktop_notifier(system: str | None = None, path: str | None = None) -> Callable[[str], None]:
    """The notify callable for this desktop; see `notifier_command` for the arguments."""
    command = notifier_command(system, path)
    if command is None:
        log.info("no desktop notification program found: notifications go to the log")
    return DesktopNotifier(command)
