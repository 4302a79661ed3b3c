"""One running agent per data dir.

Two agents on one data dir (the autostart unit, and one started by hand) both sample the same windows,
minimize the same windows and notify twice, and the second's start-up recovery queues the first's open
span while the first still records it. So `run` holds an exclusive lock on `agent.lock` in the data dir
for as long as it runs, and a second `run` stops at once, saying which process runs.

The lock is the operating system's (flock on POSIX, a byte-range lock on Windows) and goes with the
process, so an agent killed with kill -9 or a power cut leaves no stale lock behind; the file itself
stays and only carries the holder's pid for the message."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selftime.agent.settings import ConfigError

LOCK_NAME = "agent.lock"


class AlreadyRunning(ConfigError):
    """Another agent holds the data dir."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def single_agent(data_dir: Path) -> Iterator[None]:
    """Holds the data dir's agent lock while the block runs; AlreadyRunning if another process has it."""
    path = data_dir / LOCK_NAME
    # Not O_TRUNC: the holder's pid must survive a second agent's failed attempt.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            who = _holder(fd)
            raise AlreadyRunning(
                f"an agent is already running with {data_dir}{who}: stop it first, or see `selftime agent status`"
            )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """ " (process PID)" from the lock file, or "" (Windows keeps a locked byte from other readers)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""
