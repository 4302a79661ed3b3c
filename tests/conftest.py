"""Every test gets the app on a fresh database: SQLite always, PostgreSQL too when
SELFTIME_TEST_DATABASE_URL is set (and then it must be reachable: the run fails, never skips)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade
from selftime.domain.zone import to_ms
from selftime.passwords import hash_password
from selftime.store import keys, users

# CI replays the same generated examples on every run, so a landing is never decided by chance;
# local runs keep exploring new ones (and Hypothesis keeps any failure it finds in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_URL = os.environ.get("SELFTIME_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
# Tables that tests fill; the taxonomy seed and the migration marker stay.
USER_TABLES = (
    "users",
    "api_keys",
    "activities",
    "documents",
    "devices",
    "batches",
    "spans",
    "rollups",
    "rollups_5m",
    "rollup_days",
    "rollup_doc_days",
    "rollup_months",
    "schedules",
    "schedule_ranges",
    "daily_summaries",
    "alerts",
    "alert_triggers",
    "highlights",
    "focus_sessions",
    "oauth_apps",
    "oauth_codes",
    "oauth_tokens",
    "login_failures",
    "web_sessions",
)
DEFAULT_NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"  # every make_account user's password
_PASSWORD_HASH = hash_password(PASSWORD)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of our own on the test server, migrated once, dropped at the end."""
    base = make_url(PG_URL)
    name = f"selftime_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        base.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:  # fails loudly when the server is unreachable
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "selftime.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("pg_url")
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(USER_TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(build_engine(database_url))
    yield database
    database.dispose()


class Clock:
    """The app's notion of now, set by the test."""

    def __init__(self, now: dt.datetime = DEFAULT_NOW) -> None:
        self.now = now

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> int:
        return to_ms(self.now)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The background pass is off: tests drive due work through the endpoints (or maintenance.run_once).
    return Settings(data_dir=tmp_path / "data", database_url=database_url, maintenance_interval_seconds=0)


@pytest.fixture
def client(settings: Settings, db: Database, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db=db, clock_ms=clock)) as test_client:
        yield test_client


@dataclass
class Account:
    id: int
    email: str
    key: str
    time_zone: str


@pytest.fixture
def make_account(db: Database, clock: Clock) -> Any:
    def make(email: str | None = None, *, time_zone: str = "UTC", plan: str = "premium") -> Account:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        with db.write() as conn:
            user = users.create(
                conn, email=email, password_hash=_PASSWORD_HASH, time_zone=time_zone, plan=plan, now_ms=clock()
            )
            _k, key_text = keys.create(conn, user_id=user.id, name="test", now_ms=clock())
        return Account(user.id, user.email, key_text, time_zone)

    return make


@pytest.fixture
def account(make_account: Any) -> Account:
    return make_account("ada@example.com")


def span(start: str, end: str, app: str | None = "Code", title: str | None = None, url: str | None = None) -> dict:
    return {"start": start, "end": end, "application": app, "title": title, "url": url}


def batch(spans: list[dict], batch_id: str | None = None, device: str = "laptop", source: str = "computers") -> dict:
    return {
        "device": {"id": device, "name": device, "source_type": source},
        "batch_id": batch_id or uuid.uuid4().hex,
        "spans": spans,
    }


def send(client: TestClient, account: Account, spans: list[dict], **kwargs: Any) -> dict:
    response = client.post(
        "/api/v1/activity", json=batch(spans, **kwargs), headers={"Authorization": f"Bearer {account.key}"}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def data(client: TestClient, account: Account, **params: str) -> Any:
    response = client.get("/anapi/data", params={"key": account.key, "format": "json", **params})
    assert response.status_code == 200, response.text
    return response.json()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found[1]


def web_login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign the test client in through the real login form (its cookie jar then holds the session)."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
