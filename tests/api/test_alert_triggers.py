"""Alerts triggering: through ingest as time arrives, at day end for "less than" alerts, and the CLI."""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from selftime.api.alerts import catch_up
from selftime.api.context import Services
from selftime.cli import app
from selftime.db.tables import alert_triggers, alerts
from selftime.store import users
from tests.api.alert_helpers import (
    NOV_29,
    NOV_30,
    at,
    bearer,
    defined,
    feed,
    listed,
    productive,
    status,
    trigger_rows,
)
from tests.conftest import batch, data, send, span

# --- triggering through ingest -------------------------------------------------------------------


def test_more_than_triggers_when_a_second_batch_crosses_and_only_once_a_day(client, account):
    created = productive(client, account, hours=1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:50:00Z")])
    assert status(client, account) == []
    send(client, account, [span("2026-11-30T09:50:00Z", "2026-11-30T10:10:00Z", "Slack")])
    first = status(client, account)
    assert first == [
        {
            "id": first[0]["id"],
            "alert_id": created["id"],
            "description": "You spent 1.2 hours on All Productive Time.",
            "created_at": "2026-11-30T12:00:00.000+00:00",
        }
    ]
    send(client, account, [span("2026-11-30T10:10:00Z", "2026-11-30T11:40:00Z")])
    assert status(client, account) == first


def test_an_activity_first_seen_in_the_batch_counts(client, account):
    productive(client, account, hours=0.5)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:20:00Z")])
    data(client, account)  # reports cache the categorization as it was before Slack existed
    send(client, account, [span("2026-11-30T09:20:00Z", "2026-11-30T09:40:00Z", "Slack")])
    assert [t["description"] for t in status(client, account)] == ["You spent 0.7 hours on All Productive Time."]


def test_exactly_the_threshold_is_not_more(client, account):
    productive(client, account, hours=1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")])
    assert status(client, account) == []
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:00:01Z")])
    assert [t["description"] for t in status(client, account)] == [
        "You spent 1.01 hours on All Productive Time."
    ]  # 1.0 would read as the threshold


def test_a_new_day_triggers_again(client, account, clock):
    created = productive(client, account, hours=0.5)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")])
    clock.set(at("2026-12-01T09:00:00+00:00"))
    send(client, account, [span("2026-12-01T08:00:00Z", "2026-12-01T08:20:00Z")])
    assert len(status(client, account)) == 1  # 20 minutes is not more than half an hour
    send(client, account, [span("2026-12-01T08:20:00Z", "2026-12-01T08:45:00Z")])
    assert [(t["alert_id"], t["description"], t["created_at"]) for t in status(client, account)] == [
        (created["id"], "You spent 0.8 hours on All Productive Time.", "2026-12-01T09:00:00.000+00:00"),
        (created["id"], "You spent 1.0 hours on All Productive Time.", "2026-11-30T12:00:00.000+00:00"),
    ]


def test_every_kind_of_target_through_ingest(client, account):
    def make(hours: float, kind: str, target: Any = None) -> int:
        return defined(client, account, comparison="more", hours=hours, target_kind=kind, target=target)["id"]

    expected = {
        make(0.5, "all_productive"): "You spent 1.5 hours on All Productive Time.",
        make(0.2, "all_distracting"): "You spent 0.3 hours on All Distracting Time.",
        make(0.5, "productivity", 2): "You spent 1.0 hours on Very Productive Time.",
        make(0.2, "productivity", 0): "You spent 0.3 hours on Neutral Time.",
        make(0.5, "category", "Software Development"): "You spent 1.0 hours on Software Development.",
        make(0.5, "sub_category", "Editing & IDEs"): "You spent 0.7 hours on Editing & IDEs.",
        make(0.25, "activity", "github.com"): "You spent 0.3 hours on github.com.",
    }
    make(0.5, "activity", "slack")  # exactly 30 minutes: not more
    make(0.2, "productivity", -1)  # nothing at level -1
    send(
        client,
        account,
        [
            span("2026-11-30T09:00:00Z", "2026-11-30T09:40:00Z", "Code"),  # 2, Editing & IDEs
            span("2026-11-30T09:40:00Z", "2026-11-30T10:00:00Z", "Firefox", url="https://www.github.com/x"),  # 2
            span("2026-11-30T10:00:00Z", "2026-11-30T10:30:00Z", "Slack"),  # 1
            span("2026-11-30T10:30:00Z", "2026-11-30T10:45:00Z", "Firefox", url="https://youtube.com/w"),  # -2
            span("2026-11-30T10:45:00Z", "2026-11-30T11:00:00Z", "Mystery Tool"),  # 0, Uncategorized
        ],
    )
    assert {t["alert_id"]: t["description"] for t in status(client, account)} == expected


def test_time_on_days_before_the_alert_existed_does_not_trigger(client, account):
    productive(client, account, hours=1)
    send(client, account, [span("2026-11-28T09:00:00Z", "2026-11-28T12:00:00Z")])
    assert status(client, account) == []
    # Today's earlier time counts once new time arrives, even though it came before the alert.
    send(client, account, [span("2026-11-30T08:00:00Z", "2026-11-30T11:59:00Z")])
    assert [t["description"] for t in status(client, account)] == ["You spent 4.0 hours on All Productive Time."]


def test_late_time_for_yesterday_triggers_for_yesterday(client, account, clock, db):
    clock.set(at("2026-11-29T12:00:00+00:00"))
    created = productive(client, account, hours=1)
    clock.set(at("2026-11-30T12:00:00+00:00"))
    send(client, account, [span("2026-11-29T20:00:00Z", "2026-11-29T21:30:00Z")])
    assert trigger_rows(db) == [(created["id"], NOV_29, "You spent 1.5 hours on All Productive Time.")]
    assert status(client, account)[0]["created_at"] == "2026-11-30T12:00:00.000+00:00"


def test_offline_time_triggers_too(client, account):
    created = defined(client, account, comparison="more", hours=0.5, target_kind="activity", target="Meeting")
    response = client.post(
        "/anapi/offline_time_post",
        params={"key": account.key},
        json={"start_time": "2026-11-30 09:00:00", "duration": 45, "activity_name": "Meeting"},
    )
    assert response.status_code == 200, response.text
    assert [(t["alert_id"], t["description"]) for t in status(client, account)] == [
        (created["id"], "You spent 0.8 hours on meeting.")
    ]


@pytest.mark.parametrize(
    ("hours", "description"),
    [
        (1.25, "You spent 1.3 hours on All Productive Time."),  # only the judge that sees all 80 minutes
        (0.1, None),  # every judge sees enough: they race to record it
    ],
)
def test_concurrent_ingests_record_one_trigger(client, account, db, caplog, hours, description):
    created = productive(client, account, hours=hours)
    nine = at("2026-11-30T09:00:00+00:00")
    pieces = [(nine + dt.timedelta(minutes=10 * n), nine + dt.timedelta(minutes=10 * n + 10)) for n in range(8)]
    bodies = [batch([span(a.isoformat(), b.isoformat())], device=f"d{n}") for n, (a, b) in enumerate(pieces)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda body: client.post("/api/v1/activity", json=body, headers=bearer(account)), bodies)
        )
    assert [r.status_code for r in responses] == [200] * 8
    assert sum(r.json()["recorded_seconds"] for r in responses) == 80 * 60
    rows = trigger_rows(db)
    assert len(rows) == 1 and rows[0][0] == created["id"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # no judge failed
    if description is not None:
        assert rows[0][2] == description


# --- judging at day end --------------------------------------------------------------------------


def test_less_than_is_judged_once_the_day_is_over(client, account, clock):
    clock.set(at("2026-11-30T08:00:00+00:00"))
    created = defined(
        client, account, comparison="less", hours=2, target_kind="category", target="Software Development"
    )
    send(client, account, [span("2026-11-30T07:00:00Z", "2026-11-30T07:30:00Z")])
    assert status(client, account) == []  # the day is not over
    clock.set(at("2026-12-01T00:04:59+00:00"))
    assert status(client, account) == []  # late syncs still have time to arrive
    clock.set(at("2026-12-01T00:05:00+00:00"))
    expected = [
        {
            "id": status(client, account)[0]["id"],
            "alert_id": created["id"],
            "description": "You spent 0.5 hours on Software Development.",
            "created_at": "2026-12-01T00:00:00.000+00:00",
        }
    ]
    assert status(client, account) == expected
    clock.set(at("2026-12-03T09:00:00+00:00"))
    assert status(client, account) == expected  # 12-01 and 12-02 had no time at all: not judged


def test_concurrent_day_end_judges_record_once(client, account, clock, db, caplog):
    created = defined(client, account, comparison="less", hours=3, target_kind="all_productive")
    send(client, account, [span("2026-11-30T07:00:00Z", "2026-11-30T08:00:00Z")])
    clock.set(at("2026-12-01T07:00:00+00:00"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: feed(client, account), range(8)))
    assert [r.status_code for r in answers] == [200] * 8
    assert all(r.json() == answers[0].json() for r in answers)
    assert trigger_rows(db) == [(created["id"], NOV_30, "You spent 1.0 hours on All Productive Time.")]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_less_than_is_not_triggered_by_a_day_that_met_it(client, account, clock):
    defined(client, account, comparison="less", hours=1, target_kind="all_productive")
    send(client, account, [span("2026-11-30T07:00:00Z", "2026-11-30T08:30:00Z")])
    clock.set(at("2026-12-01T09:00:00+00:00"))
    assert status(client, account) == []


def test_day_end_catches_up_a_more_than_trigger_that_was_missed(client, account, clock, db):
    created = productive(client, account, hours=0.5)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")])
    with db.write() as conn:  # as if the judge after ingest had failed
        conn.execute(delete(alert_triggers))
    clock.set(at("2026-12-01T06:00:00+00:00"))
    found = status(client, account)
    assert [(t["alert_id"], t["description"], t["created_at"]) for t in found] == [
        (created["id"], "You spent 1.0 hours on All Productive Time.", "2026-12-01T00:00:00.000+00:00")
    ]


def test_catch_up_looks_back_at_most_14_days(client, account, clock, db):
    clock.set(at("2026-11-01T12:00:00+00:00"))
    created = defined(client, account, comparison="less", hours=10, target_kind="all_productive")
    clock.set(at("2026-11-30T12:00:00+00:00"))
    spans = [span(f"2026-11-{d:02d}T09:00:00Z", f"2026-11-{d:02d}T10:00:00Z") for d in range(1, 30)]
    send(client, account, spans)
    days = [t["created_at"][:10] for t in status(client, account)]
    assert days == [f"2026-11-{d:02d}" for d in range(30, 16, -1)]  # days 16..29 end on 17..30
    with db.read() as conn:
        assert conn.execute(select(alerts.c.judged_through_day)).scalar_one() == NOV_29  # 2026-11-29
    assert all(t["alert_id"] == created["id"] for t in status(client, account))


def test_days_that_pass_on_lite_are_not_judged_later(client, make_account, settings, db, clock):
    lite = make_account(plan="lite", time_zone="Europe/Berlin")
    defined(client, lite, comparison="less", hours=5, target_kind="all_productive")
    send(client, lite, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z")])
    clock.set(at("2026-12-01T09:00:00+00:00"))
    svc = Services(settings=settings, db=db, clock_ms=clock)
    with db.read() as conn:
        user = users.by_id(conn, lite.id)
    assert user is not None
    catch_up(svc, user)
    with db.write() as conn:
        users.set_plan(conn, lite.id, "premium")
    assert status(client, lite) == []
    assert trigger_rows(db) == []


def test_created_at_carries_the_users_offset(client, make_account, clock):
    new_york = make_account(time_zone="America/New_York")
    productive(client, new_york, hours=0.5)
    clock.set(at("2026-11-30T16:00:00+00:00"))
    send(client, new_york, [span("2026-11-30T14:00:00Z", "2026-11-30T15:00:00Z")])
    assert [t["created_at"] for t in status(client, new_york)] == ["2026-11-30T11:00:00.000-05:00"]
    kolkata = make_account(time_zone="Asia/Kolkata")
    defined(client, kolkata, comparison="less", hours=2, target_kind="productivity", target=1)
    send(client, kolkata, [span("2026-11-30T14:00:00Z", "2026-11-30T15:00:00Z")])
    clock.set(at("2026-11-30T18:35:00+00:00"))  # 00:05 on 12-01 in Kolkata
    assert [(t["created_at"], t["description"]) for t in status(client, kolkata)] == [
        ("2026-12-01T00:00:00.000+05:30", "You spent 0.0 hours on Productive Time.")
    ]


# --- the CLI -------------------------------------------------------------------------------------


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


def test_cli_create_list_delete(database_url, client, account):
    on = "sub-category:editing & ides"
    made = run(database_url, "alerts", "create", account.email, "--more-than", "2", "--on", on)
    assert made.exit_code == 0, made.output
    alert_id = int(made.stdout.strip().splitlines()[-1])
    assert "More than 2 hours a day on Editing & IDEs" in made.stderr
    api = listed(client, account)
    assert [(a["id"], a["comparison"], a["hours"], a["target_kind"], a["target"]) for a in api] == [
        (alert_id, "more", 2.0, "sub_category", "Editing & IDEs")
    ]
    other = run(database_url, "alerts", "create", account.email, "--less-than", "0.5", "--on", 'activity:"GitHub.com"')
    assert other.exit_code == 0, other.output
    shown = run(database_url, "alerts", "list", account.email)
    assert shown.exit_code == 0
    assert "activity:github.com" in shown.stdout and str(alert_id) in shown.stdout
    gone = run(database_url, "alerts", "delete", account.email, str(alert_id))
    assert gone.exit_code == 0 and f"deleted alert {alert_id}" in gone.stdout
    assert [a["target"] for a in listed(client, account)] == ["github.com"]


def test_cli_create_on_lite_warns(database_url, make_account):
    lite = make_account(plan="lite")
    made = run(database_url, "alerts", "create", lite.email, "--more-than", "1", "--on", "productive")
    assert made.exit_code == 0 and "lite plan" in made.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "productive"], "give exactly one of --more-than H or --less-than H"),
        (["--more-than", "1", "--less-than", "2", "--on", "productive"], "give exactly one of"),
        (["--more-than", "0", "--on", "productive"], "hours must be more than 0 (got 0)"),
        (["--more-than", "30", "--on", "productive"], "hours may be at most 24"),
        (["--more-than", "nan", "--on", "productive"], "hours must be a number"),
        (["--more-than", "1", "--on", "everything"], "unknown target 'everything'"),
        (["--more-than", "1", "--on", "level:7"], "a productivity level is one of -2, -1, 0, 1, 2 (got 7)"),
        (["--more-than", "1", "--on", "category:Games"], "no top-level category named 'Games'"),
        (["--more-than", "1", "--on", "sub-category:Gaming"], "no sub-category named 'Gaming'"),
        (["--more-than", "1", "--on", "activity:"], "target_kind activity needs a target"),
    ],
)
def test_cli_create_refusals(database_url, client, account, args, message):
    result = run(database_url, "alerts", "create", account.email, *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""
    assert listed(client, account) == []


def test_cli_usage_errors_and_unknown_things(database_url, account):
    assert run(database_url, "alerts", "create", account.email, "--more-than", "1").exit_code == 2  # no --on
    assert run(database_url, "alerts", "create", account.email, "--more-than", "x", "--on", "productive").exit_code == 2
    nobody = run(database_url, "alerts", "list", "nobody@example.com")
    assert nobody.exit_code == 2 and "nobody@example.com" in nobody.stderr
    missing = run(database_url, "alerts", "delete", account.email, "4242")
    assert missing.exit_code == 2 and "has no alert 4242" in missing.stderr
    assert "has no alerts" in run(database_url, "alerts", "list", account.email).stdout
    # A mistyped id is named as such, not answered with "nothing triggered".
    unknown = run(database_url, "alerts", "triggered", account.email, "--alert", "4242")
    assert unknown.exit_code == 2 and "has no alert 4242" in unknown.stderr and unknown.stdout == ""


def test_cli_triggered(database_url, client, account):
    code = defined(client, account, comparison="more", hours=0.1, target_kind="activity", target="code")
    slack = defined(client, account, comparison="more", hours=0.1, target_kind="activity", target="slack")
    assert "nothing triggered" in run(database_url, "alerts", "triggered", account.email).stdout
    send(
        client,
        account,
        [
            span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code"),
            span("2026-11-30T09:10:00Z", "2026-11-30T09:30:00Z", "Slack"),
        ],
    )
    every = run(database_url, "alerts", "triggered", account.email)
    assert every.exit_code == 0, every.output
    assert "You spent 0.2 hours on code." in every.stdout and "You spent 0.3 hours on slack." in every.stdout
    assert "2026-11-30 12:00" in every.stdout
    one = run(database_url, "alerts", "triggered", account.email, "--alert", str(slack["id"]))
    assert "slack" in one.stdout and "on code." not in one.stdout
    assert code["id"] != slack["id"]


@pytest.mark.parametrize("command", [[], ["create"], ["list"], ["delete"], ["triggered"]])
def test_cli_help(command):
    result = CliRunner().invoke(app, ["alerts", *command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_read_one_and_replace_its_definition(client, account, make_account):
    created = productive(client, account, hours=0.1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    path = f"/api/v1/alerts/{created['id']}"
    read = client.get(path, headers=bearer(account))
    assert (read.status_code, read.json()) == (200, created)

    new = {"comparison": "less", "hours": 2, "target_kind": "sub_category", "target": "editing & ides"}
    replaced = client.put(path, json=new, headers=bearer(account))
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert (body["id"], body["comparison"], body["hours"], body["target_kind"], body["target"]) == (
        created["id"],
        "less",
        2.0,
        "sub_category",
        "Editing & IDEs",
    )
    assert client.get(path, headers=bearer(account)).json() == body
    # What already triggered under the old definition stands.
    assert [t["alert_id"] for t in status(client, account)] == [created["id"]]

    bad = client.put(path, json={**new, "hours": 25}, headers=bearer(account))
    assert bad.status_code == 400 and bad.json()["error"] == "# invalid alert"
    unknown = client.put(path, json={**new, "target": "No Such Thing"}, headers=bearer(account))
    assert unknown.status_code == 400
    assert client.get(path, headers=bearer(account)).json() == body

    eve = make_account("eve@example.com")
    assert client.get(path, headers=bearer(eve)).status_code == 404
    assert client.put(path, json=new, headers=bearer(eve)).status_code == 404
    assert client.get("/api/v1/alerts/99999999999999999999", headers=bearer(account)).status_code == 404
    assert client.get(path).status_code == 401
