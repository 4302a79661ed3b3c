"""The `selftime` command, run in-process through Typer's CliRunner against the test database.

This Typer/Click CliRunner keeps stderr apart: result.stdout is stdout only, result.stderr is
stderr only (result.output interleaves both). Errors go to stderr with exit code 2.
"""

from __future__ import annotations

import gc
import warnings

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from selftime.cli import app
from selftime.db.tables import api_keys, schedule_ranges, schedules, users
from selftime.passwords import verify_password
from tests.conftest import Account, data, send, span

DAY = "2026-11-30"  # a Monday


def run(database_url: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--database-url", database_url, *args], input=input)


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def create_key(database_url: str, email: str, name: str = "cli") -> str:
    result = run(database_url, "keys", "create", email, "--name", name)
    assert result.exit_code == 0, result.output
    return last_line(result.stdout)


def as_account(account: Account, key: str) -> Account:
    return Account(account.id, account.email, key, account.time_zone)


def activity_rows(client, account, **params):  # type: ignore[no-untyped-def]
    return data(client, account, perspective="rank", restrict_kind="activity", restrict_begin=DAY, **params)["rows"]


# --- users ---------------------------------------------------------------------------------------


def test_users_create_then_list(database_url, db):
    result = run(
        database_url,
        "users",
        "create",
        "Grace@Example.com",
        "--time-zone",
        "Europe/Berlin",
        "--plan",
        "lite",
        "--password-stdin",
        input="hopper-1906\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "grace@example.com" in result.stdout
    with db.read() as conn:
        row = conn.execute(select(users)).one()._mapping
    assert (row["email"], row["time_zone"], row["plan"]) == ("grace@example.com", "Europe/Berlin", "lite")
    assert verify_password(row["password_hash"], "hopper-1906") is True
    listed = run(database_url, "users", "list")
    assert listed.exit_code == 0, listed.output
    assert "grace@example.com" in listed.stdout
    assert "lite" in listed.stdout and "Europe/Berlin" in listed.stdout


@pytest.mark.parametrize(
    "args,password,message",
    [
        (["--time-zone", "Mars/Olympus_Mons"], "long enough", "time zone"),
        (["--plan", "gold"], "long enough", "plan"),
        ([], "short", "8"),
    ],
    ids=["unknown-zone", "bad-plan", "short-password"],
)
def test_users_create_refusals(database_url, db, args, password, message):
    result = run(database_url, "users", "create", "bob@example.com", *args, "--password-stdin", input=password + "\n")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "error" in result.stderr
    assert result.stdout == ""
    with db.read() as conn:
        assert conn.execute(select(users.c.email)).scalars().all() == []


def test_users_create_duplicate_email(database_url, account, db):
    result = run(database_url, "users", "create", "ADA@example.com", "--password-stdin", input="another-password\n")
    assert result.exit_code == 2, result.output
    assert "already exists" in result.stderr
    with db.read() as conn:
        assert conn.execute(select(users.c.email)).scalars().all() == ["ada@example.com"]


def test_users_set_plan_changes_the_sync_interval(database_url, client, account):
    assert send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])["sync_interval_seconds"] == 180
    result = run(database_url, "users", "set-plan", "ada@example.com", "lite")
    assert result.exit_code == 0, result.output
    assert (
        send(client, account, [span("2026-11-30T09:01:00Z", "2026-11-30T09:02:00Z")])["sync_interval_seconds"] == 1800
    )
    assert run(database_url, "users", "set-plan", "ada@example.com", "gold").exit_code == 2
    assert run(database_url, "users", "set-plan", "nobody@example.com", "lite").exit_code == 2
    assert "lite" in run(database_url, "users", "list").stdout


def test_users_set_password_ends_web_sessions(database_url, client, account):
    from tests.conftest import web_login

    web_login(client, account.email)
    assert client.get("/account", follow_redirects=False).status_code == 200
    result = run(database_url, "users", "set-password", account.email, "--password-stdin", input="a new secret\n")
    assert result.exit_code == 0, result.output
    assert client.get("/account", follow_redirects=False).status_code == 303
    web_login(client, account.email, "a new secret")
    assert run(database_url, "users", "set-password", account.email, "--password-stdin", input="short\n").exit_code == 2
    assert (
        run(database_url, "users", "set-password", "nobody@x.org", "--password-stdin", input="long enough\n").exit_code
        == 2
    )


def test_users_set_time_zone_moves_the_local_day(database_url, client, account, db):
    send(client, account, [span("2026-11-29T23:30:00Z", "2026-11-29T23:40:00Z")])
    assert activity_rows(client, account, restrict_end=DAY) == []
    result = run(database_url, "users", "set-time-zone", "ada@example.com", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    assert activity_rows(client, account, restrict_end=DAY) == [[1, 600, 1, "code", "Editing & IDEs", 2]]
    bad = run(database_url, "users", "set-time-zone", "ada@example.com", "Nowhere/Special")
    assert bad.exit_code == 2 and "time zone" in bad.stderr
    with db.read() as conn:
        assert conn.execute(select(users.c.time_zone)).scalar_one() == "Europe/Berlin"


# --- keys ----------------------------------------------------------------------------------------


def test_keys_create_prints_a_working_key_last(database_url, client, account, db):
    result = run(database_url, "keys", "create", "ada@example.com", "--name", "laptop agent")
    assert result.exit_code == 0, result.output
    key = last_line(result.stdout)
    assert key.startswith("st_") and key != account.key and " " not in key
    assert key not in result.stderr
    with db.read() as conn:
        names = conn.execute(select(api_keys.c.name).order_by(api_keys.c.id)).scalars().all()
    assert names == ["test", "laptop agent"]
    fresh = as_account(account, key)
    assert send(client, fresh, [span("2026-11-30T09:00:00Z", "2026-11-30T09:02:00Z")])["accepted"] == 1
    assert activity_rows(client, fresh) == [[1, 120, 1, "code", "Editing & IDEs", 2]]


def test_keys_create_for_unknown_user(database_url, db):
    result = run(database_url, "keys", "create", "nobody@example.com")
    assert result.exit_code == 2 and "nobody@example.com" in result.stderr
    with db.read() as conn:
        assert conn.execute(select(api_keys.c.id)).scalars().all() == []


def test_keys_list_shows_the_prefix_only(database_url, account):
    key = create_key(database_url, "ada@example.com", name="phone")
    result = run(database_url, "keys", "list", "ada@example.com")
    assert result.exit_code == 0, result.output
    assert "phone" in result.stdout and "test" in result.stdout
    assert key[:8] in result.stdout and account.key[:8] in result.stdout
    assert key not in result.stdout and key[:12] not in result.stdout
    assert account.key not in result.stdout


def test_keys_revoke_stops_the_key_at_once(database_url, client, account, make_account, db):
    key = create_key(database_url, "ada@example.com")
    with db.read() as conn:
        key_id = conn.execute(select(api_keys.c.id).where(api_keys.c.name == "cli")).scalar_one()
    fresh = as_account(account, key)
    assert activity_rows(client, fresh) == []
    other = make_account("eve@example.com")
    assert run(database_url, "keys", "revoke", "eve@example.com", str(key_id)).exit_code == 2  # not Eve's key
    result = run(database_url, "keys", "revoke", "ada@example.com", str(key_id))
    assert result.exit_code == 0, result.output
    body = client.get("/anapi/data", params={"key": key, "format": "json"}).json()
    assert body == {"error": "# key not found", "messages": "key not found"}
    posted = client.post(
        "/api/v1/activity",
        json={"device": {"id": "d"}, "batch_id": "x", "spans": []},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert posted.status_code == 401
    assert activity_rows(client, account) == []  # the other key of Ada still works
    assert activity_rows(client, other) == []
    again = run(database_url, "keys", "revoke", "ada@example.com", str(key_id))
    assert again.exit_code == 2
    unknown = run(database_url, "keys", "revoke", "ada@example.com", "9999")
    assert unknown.exit_code == 2 and "9999" in unknown.stderr
    with db.read() as conn:
        revoked = dict(conn.execute(select(api_keys.c.name, api_keys.c.revoked_ms)).all())
    assert revoked["test"] is None and revoked["cli"] is not None


# --- categorize ----------------------------------------------------------------------------------


def test_categorize_applies_to_existing_history(database_url, client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Slack")])
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Instant Message", 1]]
    moved = run(database_url, "categorize", "ada@example.com", "Slack", "--category", "Editing & IDEs")
    assert moved.exit_code == 0, moved.output
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Editing & IDEs", 2]]
    level = run(database_url, "categorize", "ada@example.com", "slack", "--productivity", "-2")
    assert level.exit_code == 0, level.output
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Editing & IDEs", -2]]
    reset = run(database_url, "categorize", "ada@example.com", "slack", "--reset")
    assert reset.exit_code == 0, reset.output
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Instant Message", 1]]


def test_categorize_refusals(database_url, client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Slack")])
    for args in (
        ["--category", "No Such Category"],
        ["--productivity", "3"],
        [],
        ["--category", "Editing & IDEs", "--top", "Entertainment"],
    ):
        result = run(database_url, "categorize", "ada@example.com", "slack", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error" in result.stderr
    assert run(database_url, "categorize", "nobody@example.com", "slack", "--reset").exit_code == 2
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Instant Message", 1]]


def test_categorize_ambiguous_name_needs_top(database_url, client, account):
    # "Business" names a top-level category and the News & Opinion sub-category.
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Slack")])
    vague = run(database_url, "categorize", "ada@example.com", "slack", "--category", "Business")
    assert vague.exit_code == 2, vague.output
    assert "Business" in vague.stderr
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Instant Message", 1]]
    exact = run(
        database_url, "categorize", "ada@example.com", "slack", "--category", "Business", "--top", "News & Opinion"
    )
    assert exact.exit_code == 0, exact.output
    assert activity_rows(client, account) == [[1, 600, 1, "slack", "Business", -1]]


# --- schedules -----------------------------------------------------------------------------------


def test_schedules_create_list_filter_delete(database_url, client, account, db):
    send(
        client,
        account,
        [span("2026-11-30T08:00:00Z", "2026-11-30T08:30:00Z"), span("2026-11-30T10:00:00Z", "2026-11-30T10:20:00Z")],
    )
    created = run(
        database_url,
        "schedules",
        "create",
        "ada@example.com",
        "work",
        "--days",
        "mon-fri",
        "--from",
        "09:00",
        "--to",
        "17:00",
    )
    assert created.exit_code == 0, created.output
    schedule_id = last_line(created.stdout)
    assert schedule_id.isdigit()
    with db.read() as conn:
        ranges = conn.execute(
            select(schedule_ranges.c.weekdays, schedule_ranges.c.from_minute, schedule_ranges.c.to_minute)
        ).all()
    assert [tuple(r) for r in ranges] == [(0b0111110, 540, 1020)]
    listed = run(database_url, "schedules", "list", "ada@example.com")
    assert listed.exit_code == 0 and "work" in listed.stdout and "09:00-17:00" in listed.stdout
    filtered = activity_rows(client, account, restrict_schedule_id=schedule_id)
    assert filtered == [[1, 1200, 1, "code", "Editing & IDEs", 2]]
    deleted = run(database_url, "schedules", "delete", "ada@example.com", schedule_id)
    assert deleted.exit_code == 0, deleted.output
    with db.read() as conn:
        assert conn.execute(select(schedules.c.id)).all() == []
    assert "work" not in run(database_url, "schedules", "list", "ada@example.com").stdout
    assert run(database_url, "schedules", "delete", "ada@example.com", schedule_id).exit_code == 2


@pytest.mark.parametrize(
    "days,start,end",
    [
        ("funday", "09:00", "17:00"),
        ("mon-xyz", "09:00", "17:00"),
        ("mon-fri", "9am", "17:00"),
        ("mon-fri", "09:10", "17:00"),
        ("mon-fri", "17:00", "09:00"),
        ("mon-fri", "09:00", "24:15"),
    ],
)
def test_schedules_create_refusals(database_url, account, db, days, start, end):
    result = run(
        database_url, "schedules", "create", "ada@example.com", "w", "--days", days, "--from", start, "--to", end
    )
    assert result.exit_code == 2, result.output
    assert "error" in result.stderr and result.stdout == ""
    with db.read() as conn:
        assert conn.execute(select(schedules.c.id)).all() == []


# --- help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["migrate"],
        ["serve"],
        ["demo"],
        ["users"],
        ["users", "create"],
        ["users", "list"],
        ["users", "set-plan"],
        ["users", "set-password"],
        ["users", "set-time-zone"],
        ["keys"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke"],
        ["categorize"],
        ["schedules"],
        ["schedules", "create"],
        ["schedules", "list"],
        ["schedules", "delete"],
    ],
    ids=lambda c: "-".join(c) or "root",
)
def test_help_on_every_command(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout


def test_cli_closes_its_database_connections(database_url):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()  # whatever earlier code left behind is not this test's business
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run(database_url, "users", "list")
        gc.collect()
    assert result.exit_code == 0, result.output
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
