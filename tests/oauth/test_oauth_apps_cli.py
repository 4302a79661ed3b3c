"""`selftime oauth-apps create | list | delete`, through Typer's CliRunner against the test database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from selftime.cli import app
from selftime.db.tables import oauth_apps
from selftime.store.keys import digest
from tests.conftest import web_login
from tests.oauth.conftest import RegisteredApp, token_for


def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--database-url", database_url, "oauth-apps", *args])


def create(database_url: str, name: str, *uris: str) -> dict[str, str]:
    args = ["create", "--name", name]
    for uri in uris:
        args += ["--redirect-uri", uri]
    result = run(database_url, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_create_prints_the_credentials_once_and_stores_the_secret_hashed(database_url, db):
    created = create(database_url, "Time Graphs", "https://graphs.example/cb", "http://localhost:8000/cb")
    assert set(created) == {"client_id", "client_secret"}
    with db.read() as conn:
        row = conn.execute(select(oauth_apps)).one()._mapping
    assert row["client_id"] == created["client_id"]
    assert row["name"] == "Time Graphs"
    assert row["redirect_uris"].splitlines() == ["https://graphs.example/cb", "http://localhost:8000/cb"]
    assert row["secret_hash"] == digest(created["client_secret"])
    assert created["client_secret"] not in json.dumps(dict(row))


def test_list_shows_every_app_and_how_many_users_connected_it(database_url, client, account, db):
    first = create(database_url, "Time Graphs", "https://graphs.example/cb")
    create(database_url, "Focus Coach", "https://coach.example/cb", "https://coach.example/cb2")
    with db.read() as conn:
        app_id = conn.execute(select(oauth_apps.c.id).where(oauth_apps.c.client_id == first["client_id"])).scalar_one()
    web_login(client, account.email)
    registered = RegisteredApp(
        app_id, first["client_id"], first["client_secret"], "Time Graphs", "https://graphs.example/cb"
    )
    token_for(client, registered, "time_data")
    result = run(database_url, "list")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(a["name"], a["connected_users"]) for a in listed] == [("Time Graphs", 1), ("Focus Coach", 0)]
    assert listed[1]["redirect_uris"] == ["https://coach.example/cb", "https://coach.example/cb2"]
    assert listed[0]["client_id"] == first["client_id"]
    assert first["client_secret"] not in result.stdout


def test_delete_removes_the_app_and_ends_its_tokens(database_url, client, account, db):
    created = create(database_url, "Time Graphs", "https://graphs.example/cb")
    with db.read() as conn:
        app_id = conn.execute(select(oauth_apps.c.id)).scalar_one()
    web_login(client, account.email)
    token = token_for(
        client,
        RegisteredApp(
            app_id, created["client_id"], created["client_secret"], "Time Graphs", "https://graphs.example/cb"
        ),
        "time_data",
    )
    assert client.get("/api/oauth/data", params={"access_token": token["access_token"]}).status_code == 200
    result = run(database_url, "delete", created["client_id"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/oauth/data", params={"access_token": token["access_token"]}).status_code == 401
    assert json.loads(run(database_url, "list").stdout) == []
    again = run(database_url, "delete", created["client_id"])
    assert again.exit_code == 2
    assert "no app with client id" in again.stderr


@pytest.mark.parametrize(
    "uri,message",
    [
        ("http://graphs.example/cb", "must use https"),
        ("/callback", "absolute http(s) URI"),
        ("graphs.example/cb", "absolute http(s) URI"),
        ("ftp://graphs.example/cb", "absolute http(s) URI"),
        ("myapp://callback", "absolute http(s) URI"),
        ("https://graphs.example/cb#frag", "fragment"),
        ("https://graphs.example/c b", "spaces"),
        ("https://graphs.example:99999/cb", "not a valid URI"),
        ("https:///cb", "absolute http(s) URI"),
        ("https://user:pw@graphs.example/cb", "user name or password"),
        ("https://evil.example@graphs.example/cb", "user name or password"),
    ],
)
def test_create_refuses_unsafe_or_malformed_redirect_uris(database_url, db, uri, message):
    result = run(
        database_url, "create", "--name", "X", "--redirect-uri", "https://ok.example/cb", "--redirect-uri", uri
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    with db.read() as conn:
        assert conn.execute(select(oauth_apps)).all() == []


@pytest.mark.parametrize("uri", ["http://localhost/cb", "http://127.0.0.1:9000/cb", "http://[::1]:9000/cb"])
def test_plain_http_is_allowed_for_the_users_own_machine(database_url, uri):
    assert create(database_url, "Dev", uri)["client_id"]


def test_create_needs_a_name_and_a_redirect_uri(database_url):
    assert run(database_url, "create", "--redirect-uri", "https://ok.example/cb").exit_code == 2
    assert run(database_url, "create", "--name", "X").exit_code == 2
    blank = run(database_url, "create", "--name", "  ", "--redirect-uri", "https://ok.example/cb")
    assert blank.exit_code == 2
    assert "--name" in blank.stderr


@pytest.mark.parametrize("command", [[], ["create"], ["list"], ["delete"]])
def test_every_command_has_help(database_url, command):
    result = run(database_url, *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout


def test_client_ids_are_safe_to_type_on_a_command_line(database_url):
    # A client id starting with "-" would be read as an option by `oauth-apps delete`.
    for _ in range(20):
        client_id = create(database_url, "X", "https://ok.example/cb")["client_id"]
        assert client_id.isalnum() and client_id.isascii()
