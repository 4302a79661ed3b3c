"""What the focus-session tests share: the endpoint paths, request helpers and the stored rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from selftime.db.tables import focus_sessions
from selftime.domain.zone import to_ms
from tests.conftest import Account

START = "/anapi/start_focustime"
END = "/anapi/end_focustime"
STARTED = "/anapi/focustime_started_feed"
ENDED = "/anapi/focustime_ended_feed"

NONE_ACTIVE = {"error": "# no active focus session", "messages": "There is no active focus session to end."}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def unix(text: str) -> float:
    return to_ms(at(text)) / 1000


def start(client: TestClient, account: Account, duration: Any = 30):  # type: ignore[no-untyped-def]
    return client.post(START, params={"key": account.key, "duration": duration})


def end(client: TestClient, account: Account):  # type: ignore[no-untyped-def]
    return client.post(END, params={"key": account.key})


def feed(client: TestClient, account: Account, path: str) -> Any:
    response = client.get(path, params={"key": account.key})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def stored(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    query = select(
        focus_sessions.c.id,
        focus_sessions.c.duration_minutes,
        focus_sessions.c.started_ms,
        focus_sessions.c.ends_ms,
        focus_sessions.c.ended_ms,
        focus_sessions.c.end_reason,
    ).order_by(focus_sessions.c.id)
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(query)]


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(focus_sessions)).scalar_one())


def ms(text: str) -> int:
    return to_ms(at(text))
