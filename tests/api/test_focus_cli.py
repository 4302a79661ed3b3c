"""Focus sessions from the command line: selftime focus start, status and end."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from selftime.cli import app as cli_app
from tests.api.focus_helpers import count, stored

# --- CLI -----------------------------------------------------------------------------------------


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli_app, ["--database-url", database_url, *args])


def test_cli_start_status_end(database_url, account, db):
    started = run(database_url, "focus", "start", account.email, "--minutes", "25")
    assert started.exit_code == 0, started.output
    assert started.stdout.rstrip("\n").splitlines()[-1] == "1"
    rows = stored(db)
    assert [(r[1], r[3] - r[2], r[4]) for r in rows] == [(25, 25 * 60_000, None)]

    status = run(database_url, "focus", "status", account.email)
    assert status.exit_code == 0, status.output
    assert "active: focus session 1 until" in status.stdout

    ended = run(database_url, "focus", "end", account.email)
    assert ended.exit_code == 0, ended.output
    assert "ended focus session 1 of ada@example.com" in ended.stdout
    assert stored(db)[0][5] == "api"

    status = run(database_url, "focus", "status", account.email)
    assert "ada@example.com has no active focus session" in status.stdout
    assert "api" in status.stdout


def test_cli_start_replaces_and_until_end_of_day(database_url, account, db):
    assert run(database_url, "focus", "start", account.email, "--minutes", "30").exit_code == 0
    second = run(database_url, "focus", "start", account.email, "--minutes", "-1")
    assert second.exit_code == 0, second.output
    assert "ended focus session 1 (replaced)" in second.stdout
    rows = stored(db)
    assert [(r[1], r[5]) for r in rows] == [(30, "replaced"), (-1, None)]
    assert rows[1][3] > rows[1][2]


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "must not be 0"),
        ("-5", "must be positive"),
        ("7", "multiple of 5"),
        ("1445", "at most 1440"),
    ],
)
def test_cli_start_refuses_bad_minutes(database_url, account, db, minutes, message):
    result = run(database_url, "focus", "start", account.email, "--minutes", minutes)
    assert result.exit_code == 2
    assert message in result.stderr
    assert count(db) == 0


def test_cli_start_needs_minutes_and_a_known_premium_user(database_url, make_account, db):
    assert run(database_url, "focus", "start", "ada@example.com").exit_code == 2
    unknown = run(database_url, "focus", "start", "nobody@example.com", "--minutes", "30")
    assert unknown.exit_code == 2 and "no user 'nobody@example.com'" in unknown.stderr
    lite = make_account(plan="lite")
    refused = run(database_url, "focus", "start", lite.email, "--minutes", "30")
    assert refused.exit_code == 2 and "premium feature" in refused.stderr
    assert count(db) == 0


def test_cli_end_without_an_active_session(database_url, account):
    result = run(database_url, "focus", "end", account.email)
    assert result.exit_code == 2
    assert "ada@example.com has no active focus session" in result.stderr


@pytest.mark.parametrize("command", ["start", "end", "status"])
def test_cli_help(database_url, command):
    result = run(database_url, "focus", command, "--help")
    assert result.exit_code == 0
    assert "email" in result.stdout.lower()
