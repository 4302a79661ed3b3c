"""What the report cache and refresh tests share: an account's history, the questions it asks,
how to ask them, and the writes that change the answers (in this server process or elsewhere)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from selftime.cli import app as cli
from selftime.config import Settings
from selftime.db.engine import Database
from selftime.db.tables import users
from selftime.report_cache import ReportCache
from selftime.report_refresh import Refresher
from tests.conftest import Account, send, span

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


def refresher(client: TestClient) -> Refresher:
    found = client.app.state.services.refresher  # type: ignore[attr-defined]
    assert isinstance(found, Refresher)
    return found


def reports(client: TestClient) -> ReportCache:
    return client.app.state.services.reports  # type: ignore[attr-defined, no-any-return]


def body(client: TestClient, account: Account, params: dict[str, str]) -> bytes:
    response = client.get("/anapi/data", params={"key": account.key, "format": "json", **params})
    assert response.status_code == 200, response.text
    return response.content


def ask_all(client: TestClient, account: Account) -> None:
    for params in QUERIES:
        body(client, account, params)


def assert_ready_and_right(client: TestClient, plain: TestClient, account: Account) -> None:
    """Every question is a cache hit now, and its body is what a server without the cache computes."""
    hits = reports(client).hits
    for params in QUERIES:
        assert body(client, account, params) == body(plain, account, params), params
    assert reports(client).hits == hits + len(QUERIES)


def catalog_version(db: Database, user_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(users.c.catalog_version).where(users.c.id == user_id)).scalar_one())


def offline_meeting(client: TestClient, account: Account, start: str) -> None:
    meeting = {"start_time": start, "duration": 30, "activity_name": "Meeting"}
    assert client.post("/anapi/offline_time_post", params={"key": account.key}, json=meeting).status_code == 200


def cli_run(settings: Settings, *args: str) -> None:
    result = CliRunner().invoke(cli, ["--database-url", settings.database_url, *args])
    assert result.exit_code == 0, result.output


def _ingest(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:07:00Z", "Code", "new.py")])


def _ingest_elsewhere(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    send(plain, account, [span("2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z", "Slack")], device="desk")


def _offline_post(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    offline_meeting(client, account, "2026-11-30 11:00:00")


def _offline_delete(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    headers = {"Authorization": f"Bearer {account.key}"}
    block = plain.get("/api/v1/offline", headers=headers).json()[0]
    assert plain.delete(f"/api/v1/offline/{block['id']}", headers=headers).status_code == 200


def _categorize(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    change = {"activity": "slack", "category": "Editing & IDEs", "productivity": 2}
    headers = {"Authorization": f"Bearer {account.key}"}
    assert client.post("/api/v1/categorizations", json=change, headers=headers).status_code == 200


def _categorize_from_cli(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    cli_run(settings, "categorize", account.email, "code", "--productivity", "-2")


def _zone_from_cli(client: TestClient, plain: TestClient, account: Account, settings: Settings) -> None:
    cli_run(settings, "users", "set-time-zone", account.email, "Pacific/Kiritimati")


WRITES: dict[str, Callable[[TestClient, TestClient, Account, Settings], None]] = {
    "ingest": _ingest,
    "ingest in another process": _ingest_elsewhere,
    "offline time posted": _offline_post,
    "offline block deleted in another process": _offline_delete,
    "re-categorized": _categorize,
    "re-categorized from the CLI": _categorize_from_cli,
    "time zone changed from the CLI": _zone_from_cli,
}
