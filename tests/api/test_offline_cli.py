"""`selftime offline add`: the command line's way to the same offline time."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from selftime.cli import app
from tests.api.offline_helpers import count, covered, ms
from tests.conftest import data


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


# --- selftime offline add -----------------------------------------------------------------------
# The CLI's clock is the real one, so these use days long past.


def test_cli_add_with_minutes_then_with_end(database_url, client, account, db):
    first = run(
        database_url,
        "offline",
        "add",
        account.email,
        "--start",
        "2026-11-02 09:00",
        "--minutes",
        "90",
        "--activity",
        "Meeting",
        "--details",
        "Planning",
    )
    assert first.exit_code == 0, first.output
    assert "5400 of 5400 seconds recorded" in first.stdout
    second = run(
        database_url,
        "offline",
        "add",
        account.email,
        "--start",
        "2026-11-02 10:00",
        "--end",
        "2026-11-02 11:00",
        "--activity",
        "Meeting",
    )
    assert second.exit_code == 0, second.output
    assert "1800 of 3600 seconds recorded" in second.stdout
    report = data(
        client,
        account,
        perspective="rank",
        restrict_kind="document",
        restrict_begin="2026-11-02",
        restrict_end="2026-11-02",
        restrict_source_type="offline",
    )
    assert report["rows"] == [
        [1, 5400, 1, "meeting", "Planning", "Meetings", 1],
        [2, 1800, 1, "meeting", "No Details", "Meetings", 1],
    ]


def test_cli_reads_the_start_in_the_users_zone(database_url, make_account, db):
    tokyo = make_account(time_zone="Asia/Tokyo")
    result = run(
        database_url, "offline", "add", tokyo.email, "--start", "2026-11-02 09:00", "--minutes", "10", "--activity", "x"
    )
    assert result.exit_code == 0, result.output
    assert covered(db) == (ms("2026-11-02T00:00:00+00:00"), ms("2026-11-02T00:10:00+00:00"), 600_000)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--minutes", "241"], "at most 4 hours (240 minutes); duration is 241"),
        (["--minutes", "0"], "duration must be at least 1 minute"),
        (["--minutes", "10", "--end", "2026-11-02 09:10"], "give either --end or --minutes"),
        ([], "give either --end or --minutes"),
        (["--end", "2026-11-02 08:00"], "end_time must be after start_time"),
        (["--minutes", "10", "--details", "d" * 256], "activity_details must be at most 255 characters"),
    ],
)
def test_cli_refusals(database_url, account, db, args, message):
    result = run(database_url, "offline", "add", account.email, "--start", "2026-11-02 09:00", "--activity", "x", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert count(db) == 0


def test_cli_refuses_the_future_lite_accounts_and_unknown_users(database_url, account, make_account, db):
    future = run(
        database_url,
        "offline",
        "add",
        account.email,
        "--start",
        "2100-01-01 09:00",
        "--minutes",
        "10",
        "--activity",
        "x",
    )
    assert future.exit_code == 2
    assert "may not be in the future" in future.stderr
    lite = make_account(plan="lite")
    refused = run(
        database_url, "offline", "add", lite.email, "--start", "2026-11-02 09:00", "--minutes", "10", "--activity", "x"
    )
    assert refused.exit_code == 2
    assert "premium feature" in refused.stderr
    nobody = run(
        database_url,
        "offline",
        "add",
        "nobody@example.com",
        "--start",
        "2026-11-02 09:00",
        "--minutes",
        "10",
        "--activity",
        "x",
    )
    assert nobody.exit_code == 2
    assert count(db) == 0


@pytest.mark.parametrize("command", [[], ["add"]])
def test_cli_help(command):
    result = CliRunner().invoke(app, ["offline", *command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
