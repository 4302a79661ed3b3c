"""Requests no route answers, and requests while the database cannot be reached: the APIs answer with
their error object, the web pages with an error page."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from selftime import http_errors
from selftime.app import create_app
from selftime.config import Settings
from selftime.db.tables import spans
from selftime.request_guard import MAX_BODY_BYTES
from tests.conftest import batch, csrf_of, span


def test_unknown_api_paths_get_the_error_object(client):
    for path in ("/api/v1/nope", "/anapi/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": "# not found", "messages": f"there is nothing at GET {path}"}


def test_a_wrong_method_on_an_api_path_names_the_allowed_ones(client):
    response = client.put("/api/v1/activity")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "error": "# method not allowed",
        "messages": "PUT is not allowed at /api/v1/activity; use POST",
    }


def test_unknown_pages_get_an_error_page(client):
    for path in ("/no-such-page", "/anapi/manage/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert f"There is nothing at GET {path}." in response.text
    assert client.get("/anapi/managed").headers["content-type"].startswith("application/json")


def test_a_page_path_with_an_id_that_is_not_a_number_gets_an_error_page(client, account):
    for path in (
        "/alerts/abc/delete",
        "/offline/1e3/delete",
        "/oauth/authorized_applications/x/revoke",
        "/anapi/manage/keys/x/revoke",  # the key page sits under /anapi/ as RescueTime's does
    ):
        response = client.post(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html"), path
        assert f"There is nothing at POST {path}." in response.text
    # The APIs keep their error object.
    response = client.delete("/api/v1/alerts/abc", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 400 and response.json()["error"] == "# invalid request"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def test_an_unreachable_database_is_a_503_that_says_so(tmp_path: Path):
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    settings = Settings(data_dir=tmp_path, database_url=url, maintenance_interval_seconds=0, secret_key="s" * 32)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        body = batch([span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z")])
        for response in (
            client.post("/api/v1/activity", json=body, headers={"Authorization": "Bearer st_x"}),
            client.get("/anapi/data", params={"key": "st_x"}),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "5"
            assert response.json() == {
                "error": "# unavailable",
                "messages": "the database cannot be reached just now; nothing was changed, try again shortly",
            }
        token = csrf_of(client.get("/login").text)
        page = client.post("/login", data={"email": "ada@example.com", "password": "x", "csrf_token": token})
        assert page.status_code == 503
        assert "The database cannot be reached just now" in page.text
        assert client.get("/healthz").json() == {"status": "unavailable"}


def test_a_write_lock_held_elsewhere_reads_as_busy_not_unreachable(tmp_path: Path):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as caught, engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        assert http_errors._busy(caught.value)
    finally:
        engine.dispose()
        holder.rollback()
        holder.close()
    refused = OperationalError("connect", {}, Exception("connection refused"))
    assert not http_errors._busy(refused)


def test_a_full_disk_reads_as_full(tmp_path: Path):
    """SQLite's own "database or disk is full" (a page limit stands in for the disk), told apart from
    an unreachable or busy database so the operator reads what to fix."""
    engine = create_engine(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    try:
        with pytest.raises(OperationalError) as caught, engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA max_page_count = 8")
            conn.exec_driver_sql("CREATE TABLE t (b BLOB)")
            conn.exec_driver_sql("INSERT INTO t VALUES (zeroblob(100000))")
        assert http_errors._full(caught.value) and not http_errors._busy(caught.value)
    finally:
        engine.dispose()
    assert not http_errors._full(OperationalError("connect", {}, Exception("connection refused")))


def test_a_body_larger_than_any_request_needs_is_refused_unread(client, account, db):
    too_large = b" " * (MAX_BODY_BYTES + 1)
    declared = client.post("/api/v1/activity", content=too_large, headers={"Authorization": f"Bearer {account.key}"})
    assert declared.status_code == 413
    assert declared.json() == {"error": "# too large", "messages": "a request body may hold at most 64 MiB"}

    def stream():  # no Content-Length: the limit is found while reading
        for _ in range(65):
            yield b" " * (1024 * 1024)

    streamed = client.post("/anapi/highlights_post", content=stream(), params={"key": account.key})
    assert streamed.status_code == 413
    page = client.post("/login", content=stream())
    assert page.status_code == 413 and "Request too large" in page.text
    assert (
        client.post(
            "/api/v1/activity", content=b" " * MAX_BODY_BYTES, headers={"Authorization": f"Bearer {account.key}"}
        ).status_code
        == 400
    )
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(spans)).scalar_one() == 0
