"""What the report cache and refresh tests share: an account's history, the questions it asks,
and how to ask them."""

from __future__ import annotations

from starlette.testclient import TestClient

from selftime.report_cache import ReportCache
from tests.conftest import Account, span

WEEK = {"restrict_begin": "2026-11-23", "restrict_end": "2026-11-30"}
QUERIES: list[dict[str, str]] = [
    {**WEEK, "perspective": "rank", "restrict_kind": "activity"},
    {**WEEK, "perspective": "rank", "restrict_kind": "category", "format": "csv"},
    {**WEEK, "perspective": "interval", "resolution_time": "hour", "restrict_kind": "document"},
    {**WEEK, "perspective": "interval", "resolution_time": "day", "restrict_kind": "efficiency"},
    {**WEEK, "perspective": "interval", "resolution_time": "minute", "restrict_kind": "productivity"},
    {**WEEK, "restrict_kind": "document", "restrict_thing": "code"},
    {"perspective": "rank", "restrict_kind": "overview"},  # today, from the clock
]
HISTORY = [
    span("2026-11-29T22:30:00Z", "2026-11-29T23:40:00Z", "Code", "main.py"),
    span("2026-11-30T08:00:00Z", "2026-11-30T08:45:00Z", "Slack"),
    span("2026-11-30T09:00:00Z", "2026-11-30T09:20:00Z", "Firefox", "Issues", "https://github.com/x"),
]


def reports(client: TestClient) -> ReportCache:
    return client.app.state.services.reports  # type: ignore[attr-defined, no-any-return]


def body(client: TestClient, account: Account, params: dict[str, str]) -> bytes:
    response = client.get("/anapi/data", params={"key": account.key, "format": "json", **params})
    assert response.status_code == 200, response.text
    return response.content


def offline_meeting(client: TestClient, account: Account, start: str) -> None:
    meeting = {"start_time": start, "duration": 30, "activity_name": "Meeting"}
    assert client.post("/anapi/offline_time_post", params={"key": account.key}, json=meeting).status_code == 200
