"""GET /api/v1/commands: what a device should do now, asked between syncs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from selftime.db.tables import batches, devices
from selftime.store import users
from tests.conftest import send, span

COMMANDS = "/api/v1/commands"


def ask(client, account):  # type: ignore[no-untyped-def]
    response = client.get(COMMANDS, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_key_is_needed(client):
    for headers in ({}, {"Authorization": "Bearer st_not_a_key"}):
        response = client.get(COMMANDS, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "# key not found"


def test_the_same_state_as_a_syncs_answer_from_start_to_end(client, account, clock):
    assert ask(client, account) == {"commands": [], "poll_seconds": 15}
    send(client, account, [span("2026-11-30T11:00:00Z", "2026-11-30T11:10:00Z", "Steam")])
    assert client.post("/anapi/start_focustime", params={"key": account.key, "duration": 30}).status_code == 200
    answer = ask(client, account)
    assert answer["poll_seconds"] == 15
    [command] = answer["commands"]
    assert (command["type"], command["id"], command["ends_at"]) == ("focus_session", 1, "2026-11-30T12:30:00.000Z")
    assert "steam" in command["block"]["applications"]
    synced = send(client, account, [span("2026-11-30T11:10:00Z", "2026-11-30T11:11:00Z", "Code")])["commands"]
    assert synced == answer["commands"]
    clock.set(clock.now + dt.timedelta(minutes=5))
    assert client.post("/anapi/end_focustime", params={"key": account.key}).status_code == 200
    assert ask(client, account)["commands"] == []


def test_lite_accounts_get_none_and_are_asked_less_often(client, account, db):
    assert client.post("/anapi/start_focustime", params={"key": account.key, "duration": 30}).status_code == 200
    with db.write() as conn:
        users.set_plan(conn, account.id, "lite")
    assert ask(client, account) == {"commands": [], "poll_seconds": 300}


def test_asking_changes_nothing(client, account, db):
    ask(client, account)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(devices)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(batches)).scalar_one() == 0
