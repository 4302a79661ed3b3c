"""Settings: one typed registry, read from the environment once, passed explicitly everywhere."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs


def default_data_dir() -> Path:
    env = os.environ.get("SELFTIME_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("selftime", appauthor=False))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""
    # Clients may clock-skew; anything later than this past "now" is refused.
    future_tolerance_seconds: int = 300
    max_spans_per_batch: int = 50_000
    # Writes of "last used" are throttled so that read traffic does not serialize on SQLite's writer.
    key_touch_interval_seconds: int = 60
    # Seconds between background passes over due work (summaries, alerts, focus expiry); 0 turns it off.
    maintenance_interval_seconds: float = 60
    # Signs the web session cookies; empty: a random one kept in the data dir (file mode 0600).
    secret_key: str = ""
    # Whether anyone who reaches the server may create an account at /signup.
    open_signup: bool = True
    signup_plan: str = "premium"  # it is the user's own server: every feature on unless the operator says
    # Cookies only over HTTPS: turn on behind a TLS-terminating proxy.
    secure_cookies: bool = False
    # Failed logins allowed per e-mail address (and 4x that per client address) in the window.
    login_failures_allowed: int = 5
    login_failure_window_seconds: int = 900
    # Memory per server process for finished Analytic Data API bodies (see report_cache); 0 turns it off.
    report_cache_mb: int = 64
    # After new time arrives, questions asked within this many minutes are answered again ahead of
    # their next asking (see report_refresh); 0 turns it off.
    report_refresh_minutes: int = 15

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'selftime.sqlite3'}"

    def session_secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under a private name (0600 from the start), then linked into place: server
            # processes starting together all end up reading the one key that won.
            draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


def settings_from_env() -> Settings:
    return Settings(
        database_url=os.environ.get("SELFTIME_DATABASE_URL", ""),
        secret_key=os.environ.get("SELFTIME_SECRET_KEY", ""),
        open_signup=os.environ.get("SELFTIME_OPEN_SIGNUP", "1").strip().lower() not in ("0", "false", "no", "off"),
        secure_cookies=os.environ.get("SELFTIME_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes", "on"),
        report_cache_mb=_whole_number("SELFTIME_REPORT_CACHE_MB", 64),
        report_refresh_minutes=_whole_number("SELFTIME_REPORT_REFRESH_MINUTES", 15),
    )


def _whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number (0 or more), not {text!r}")
    return int(text)
