"""The agent's configuration: where its files live, the login (agent.json) and the tuning of a run."""

from __future__ import annotations

import json
import os
import secrets
import socket
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

CONFIG_NAME = "agent.json"
QUEUE_NAME = "agent.sqlite3"


class ConfigError(ValueError):
    """agent.json is missing or unusable; the message says what to do."""


@dataclass(frozen=True)
class AgentConfig:
    server: str  # base URL without a trailing slash, e.g. http://127.0.0.1:8080
    key: str
    device_id: str  # generated once per data dir; the server de-duplicates batches per (device, batch_id)
    device_name: str

    def device(self) -> dict[str, str]:
        return {"id": self.device_id, "name": self.device_name, "source_type": "computers"}


@dataclass(frozen=True)
class Tuning:
    """How a run samples, decides idleness and syncs. The defaults are RescueTime's; tests shorten some."""

    sample_seconds: float = 1.0
    idle_threshold_ms: int = 5 * 60_000  # RescueTime: 5 minutes without input is idle, and not counted
    # A gap between two samples this much larger than the period means the machine slept (or the clock
    # jumped): the span ends at the last sample before the gap.
    sleep_gap_ms: int = 15_000
    checkpoint_seconds: float = 5.0
    batch_spans: int = 1000
    default_sync_seconds: float = 180.0  # until the server's first answer says otherwise
    sync_override_seconds: float | None = None  # --sync-interval: wins over the server's interval
    # Between syncs the agent asks for commands (a focus session started on the web), this often until
    # the server's first answer says otherwise; the override wins (tests).
    default_command_poll_seconds: float = 15.0
    command_poll_override_seconds: float | None = None
    retry_min_seconds: float = 5.0
    retry_max_seconds: float = 300.0
    # At exit: the longest wait for a sync in progress, plus the final sync (a third each, and a third per
    # request), so that a service manager's stop timeout is not reached.
    exit_sync_seconds: float = 15.0


def config_path(data_dir: Path) -> Path:
    return data_dir / CONFIG_NAME


def queue_path(data_dir: Path) -> Path:
    return data_dir / QUEUE_NAME


def normalize_server(url: str) -> str:
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise ConfigError(f"the server URL {url!r} cannot be read: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the server must be an http:// or https:// URL, not {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"the server URL must not have a query or fragment: {url!r}")
    return url


def load_config(data_dir: Path) -> AgentConfig:
    path = config_path(data_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"not logged in (no {path}): run `selftime agent login --server URL --key KEY`") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc}): run `selftime agent login` again") from None
    try:
        return AgentConfig(
            server=normalize_server(str(raw["server"])),
            key=str(raw["key"]),
            device_id=str(raw["device_id"]),
            device_name=str(raw.get("device_name") or raw["device_id"]),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path} lacks {exc}: run `selftime agent login` again") from None


def new_config(server: str, key: str, data_dir: Path) -> AgentConfig:
    """The config for a (re-)login. The device id survives re-logins: it is what makes a re-sent batch a
    duplicate on the server, and what keeps one machine one device in reports."""
    try:
        device_id = load_config(data_dir).device_id
    except ConfigError:
        device_id = uuid.uuid4().hex
    return AgentConfig(normalize_server(server), key.strip(), device_id, socket.gethostname() or device_id)


def save_config(data_dir: Path, config: AgentConfig) -> Path:
    """Written whole under a private name (0600 from the first byte: it holds the key), flushed, then
    renamed over agent.json, so a crash leaves either the old file or the new one, never half of one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = config_path(data_dir)
    draft = path.with_name(f".{CONFIG_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(config), f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(draft, path)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # the rename itself survives power loss once the directory is synced
        dir_fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path
