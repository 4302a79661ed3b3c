"""The background pass: due work is done for every user without anyone asking."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from selftime import maintenance
from selftime.app import create_app
from selftime.config import Settings
from selftime.db.tables import daily_summaries, focus_sessions
from tests.conftest import send, span


def _summaries(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(daily_summaries)).scalar_one())


def _open_sessions(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        query = select(func.count()).select_from(focus_sessions).where(focus_sessions.c.ended_ms.is_(None))
        return int(conn.execute(query).scalar_one())


def test_one_pass_expires_sessions_and_stores_summaries_for_every_user(client, make_account, clock, db):
    ada, bob = make_account(), make_account(plan="lite")
    for who in (ada, bob):
        send(client, who, [span("2026-11-29T09:00:00Z", "2026-11-29T10:00:00Z")])
    assert client.post("/anapi/start_focustime", params={"key": ada.key, "duration": 30}).status_code == 200
    clock.set(dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC))
    assert (_summaries(db), _open_sessions(db)) == (0, 1)

    assert maintenance.run_once(client.app.state.services) == 0

    assert (_summaries(db), _open_sessions(db)) == (2, 0)
    ended = client.get("/anapi/focustime_ended_feed", params={"key": ada.key}).json()
    assert [e["created_at"] for e in ended] == ["2026-11-30T12:30:00.000+00:00"]


def test_a_failing_job_is_logged_and_the_others_still_run(client, make_account, db, monkeypatch, caplog):
    ada = make_account()
    send(client, ada, [span("2026-11-29T09:00:00Z", "2026-11-29T10:00:00Z")])

    def broken(_svc, _user):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(maintenance, "JOBS", (("broken", broken), *maintenance.JOBS))
    assert maintenance.run_once(client.app.state.services) == 1
    assert _summaries(db) == 1
    assert "maintenance: broken failed for user" in caplog.text


def test_the_server_runs_the_pass_on_start(database_url: str, db, make_account, clock, tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "bg", database_url=database_url, maintenance_interval_seconds=3600)
    quiet = Settings(data_dir=tmp_path / "quiet", database_url=database_url, maintenance_interval_seconds=0)
    ada = make_account()
    with TestClient(create_app(quiet, db=db, clock_ms=clock)) as plain:
        send(plain, ada, [span("2026-11-29T09:00:00Z", "2026-11-29T10:00:00Z")])
    assert _summaries(db) == 0
    with TestClient(create_app(settings, db=db, clock_ms=clock)):
        # The first pass starts with the server; wait for it rather than for a fixed time.
        deadline = time.monotonic() + 30
        while _summaries(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _summaries(db) == 1


@pytest.mark.parametrize("interval", [0, -1])
def test_no_pass_when_turned_off(database_url: str, db, make_account, clock, tmp_path: Path, interval: int):
    settings = Settings(data_dir=tmp_path / "off", database_url=database_url, maintenance_interval_seconds=interval)
    ada = make_account()
    with TestClient(create_app(settings, db=db, clock_ms=clock)) as plain:
        send(plain, ada, [span("2026-11-29T09:00:00Z", "2026-11-29T10:00:00Z")])
        time.sleep(0.2)
    assert _summaries(db) == 0
