"""Settings: one typed registry, read from the environment once, passed explicitly everywhere."""

from __future__ import annotations

import os
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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'selftime.sqlite3'}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


def settings_from_env() -> Settings:
    return Settings(database_url=os.environ.get("SELFTIME_DATABASE_URL", ""))
