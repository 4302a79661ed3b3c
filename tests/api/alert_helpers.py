"""What the alert tests share: request helpers and the expected bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from selftime.db.tables import alert_triggers
from selftime.domain.zone import local_day_number

UNAUTHORIZED = {
    "error": "# key not found",
    "messages": "a valid API key is required (key parameter or Authorization: Bearer)",
}
NOV_29 = local_day_number(dt.date(2026, 11, 29))
NOV_30 = NOV_29 + 1
KEY_NOT_FOUND = b'{"error":"# key not found","messages":"key not found"}'
QUERY_ERROR = b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}'


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def bearer(account: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.key}"}


def define(client, account, **body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/alerts", json=body, headers=bearer(account))


def defined(client, account, **body) -> dict:  # type: ignore[no-untyped-def]
    response = define(client, account, **body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def listed(client, account) -> list:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/alerts", headers=bearer(account))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def feed(client, account, **params):  # type: ignore[no-untyped-def]
    return client.get("/anapi/alerts_feed", params={"key": account.key, **params})


def status(client, account, **params) -> list:  # type: ignore[no-untyped-def]
    response = feed(client, account, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()  # type: ignore[no-any-return]


def trigger_rows(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        query = select(alert_triggers.c.alert_id, alert_triggers.c.day, alert_triggers.c.description)
        return [tuple(r) for r in conn.execute(query.order_by(alert_triggers.c.id))]


def productive(client, account, hours: float = 1) -> dict:  # type: ignore[no-untyped-def]
    return defined(client, account, comparison="more", hours=hours, target_kind="all_productive")
