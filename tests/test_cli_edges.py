"""The `selftime` command given wrong input: one line saying what is wrong (exit 2), never a traceback,
and nothing changed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from selftime.db.tables import activities, api_keys, schedules, users
from tests.conftest import send, span
from tests.test_cli import create_key, run

PASSWORD = "hopper-1906\n"


def rows(db, table) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("a b@example.com", "holds a space"),
        ("@example.com", "expected name@example.com"),
        ("a@b@c.com", "expected name@example.com"),
        ("ada@-example.com", "not a domain"),
        ("ada@example..com", "not a domain"),
        ("", "is required"),
    ],
)
def test_users_create_refuses_what_is_not_an_email_address(database_url, db, email, problem):
    result = run(database_url, "users", "create", email, "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert problem in result.stderr and "Traceback" not in result.output
    assert rows(db, users) == 0


def test_users_create_trims_and_lowers_the_address_and_the_plan(database_url, db):
    result = run(
        database_url, "users", "create", " Eve@Example.COM ", "--plan", "Premium", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "created user eve@example.com" in result.stdout and "premium" in result.stdout
    assert create_key(database_url, "eve@example.com ").startswith("st_")
    single_label = run(database_url, "users", "create", "ops@intranet", "--password-stdin", input=PASSWORD)
    assert single_label.exit_code == 0, single_label.output


@pytest.mark.parametrize("key_id", ["99999999999999999999999", "0", "-1"])
def test_ids_out_of_range_are_refused_before_the_database(database_url, account, key_id):
    for command in (("keys", "revoke"), ("schedules", "delete"), ("alerts", "delete"), ("highlights", "delete")):
        args = (*command, account.email, key_id)
        result = run(database_url, *args)
        assert result.exit_code == 2
        # A negative id too is named as a wrong id, not taken for an unknown option.
        assert "Invalid value for '" in result.output and "No such option" not in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [("highlights", "list"), ("focus", "status"), ("alerts", "triggered")])
def test_list_limits_out_of_range_are_refused_before_the_database(database_url, account, command):
    result = run(database_url, *command, account.email, "--limit", "99999999999999999999")
    assert result.exit_code == 2
    assert "Invalid value" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "problem", "table"),
    [
        (("keys", "create", "{email}", "--name", "  "), "a key's name is 1 to 255 characters (got 0)", api_keys),
        (("keys", "create", "{email}", "--name", "k" * 256), "a key's name is 1 to 255 characters (got 256)", api_keys),
        (("schedules", "create", "{email}", " "), "a schedule's name is 1 to 255 characters (got 0)", schedules),
    ],
)
def test_blank_or_long_names_are_refused(database_url, db, account, args, problem, table):
    before = rows(db, table)
    result = run(database_url, *(a.format(email=account.email) for a in args))
    assert result.exit_code == 2
    assert problem in result.stderr
    assert rows(db, table) == before


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("code", "--reset", "--category", "Video"), "reset goes alone"),
        (("code", "--reset", "--productivity", "1"), "reset goes alone"),
        (("code", "--category", "Business", "--top", "Nope"), "no top-level category named 'Nope'"),
        (("chrome://settings", "--productivity", "1"), "is not a web page"),
        (("https:///x", "--productivity", "1"), "has no host name"),
    ],
)
def test_categorize_refuses_what_cannot_be_meant(database_url, db, account, args, problem):
    result = run(database_url, "categorize", account.email, *args)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert rows(db, activities) == 0


def test_categorize_takes_a_url_for_its_site(database_url, account):
    result = run(database_url, "categorize", account.email, "https://www.GitHub.com/x", "--category", "Video")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("github.com: Entertainment / Video")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("garbage", "cannot use the database URL 'garbage'"),
        ("mysql://x/y", "cannot use the database URL 'mysql://x/y'"),
        (
            "postgresql://nobody:secret@127.0.0.1:{port}/x",
            "cannot reach the database at postgresql://nobody:***@127.0.0.1",
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(url, problem):
    result = run(url.format(port=_closed_port()), "migrate")
    assert result.exit_code == 2
    assert problem in result.stderr and "Traceback" not in result.output
    assert "secret" not in result.output
    # psycopg's refusal runs over two lines ("… Is the server running on that host …").
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_migrate_takes_its_own_database_url(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    from typer.testing import CliRunner

    from selftime.cli import app

    result = CliRunner().invoke(app, ["migrate", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.stdout
    assert (tmp_path / "own.sqlite3").exists()


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_serve_refuses_a_port_that_does_not_exist(database_url, port):
    result = run(database_url, "serve", "--port", port)
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output


@pytest.mark.parametrize("where", ["missing/export.json", "."])
def test_export_to_a_path_that_cannot_be_written_is_one_line(database_url, account, tmp_path: Path, where):
    result = run(database_url, "export", account.email, "--out", str(tmp_path / where))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and f"cannot write {tmp_path / where}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("form", ["json", "csv"])
def test_export_writes_what_the_download_gives(database_url, client, account, db, tmp_path: Path, form):
    import io
    import json
    import zipfile

    from selftime import export

    send(client, account, [span("2026-11-29T09:00:00Z", "2026-11-29T09:30:00Z", "Code", "main.py")])
    target = tmp_path / "export"
    result = run(database_url, "export", account.email, "--format", form, "--out", str(target))
    assert result.exit_code == 0, result.output
    assert f"wrote {target.stat().st_size:,} bytes" in " ".join(result.stdout.split())
    with db.read() as conn:
        built = (export.as_json if form == "json" else export.as_zip)(conn, account.id, 0)
    if form == "json":  # only the moment of export differs
        written, expected = json.loads(target.read_bytes()), json.loads(built)
        assert (written["user"], written["tables"]) == (expected["user"], expected["tables"])
        assert len(written["tables"]["spans"]) == 6
    else:
        written_zip, expected_zip = zipfile.ZipFile(target), zipfile.ZipFile(io.BytesIO(built))
        names = [n for n in expected_zip.namelist() if n != "README.txt"]
        assert names == [n for n in written_zip.namelist() if n != "README.txt"]
        assert all(written_zip.read(n) == expected_zip.read(n) for n in names)


def test_set_password_from_stdin_drops_a_windows_line_end_as_create_does(database_url, client, account):
    """users create read the password without its "\r\n"; set-password kept the "\r" in the new password, so
    the password as typed no longer logged in. In a process of its own: CliRunner's stdin turns "\r\n" into "\n"."""
    import subprocess
    import sys

    from tests.conftest import web_login

    command = [sys.executable, "-m", "selftime.cli", "--database-url", database_url, "users", "set-password"]
    done = subprocess.run([*command, account.email, "--password-stdin"], input=b"a new secret\r\n", capture_output=True)
    assert done.returncode == 0, done.stderr
    web_login(client, account.email, "a new secret")


def _commands(command, path=()):  # type: ignore[no-untyped-def]
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_command_argument_and_option_says_what_it_is():
    """`--help` is the manual a user has at hand: no command, argument or option goes without a line."""
    import typer

    from selftime.cli import app

    missing = []
    for path, command in _commands(typer.main.get_command(app)):
        if not (command.help or command.short_help):
            missing.append(" ".join(path) or "selftime")
        for param in command.params:
            if param.name not in ("help", "install_completion", "show_completion") and not getattr(param, "help", ""):
                missing.append(f"{' '.join(path)} {param.name}")
    assert missing == []


@pytest.mark.parametrize(
    ("variable", "value"), [("SELFTIME_REPORT_CACHE_MB", "abc"), ("SELFTIME_REPORT_REFRESH_MINUTES", "-1")]
)
def test_a_malformed_setting_in_the_environment_is_one_line(database_url, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    result = run(database_url, "users", "list")
    assert result.exit_code == 2
    assert f"{variable} must be a whole number" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
