"""/settings rendered by the server: time zone, week start, plan, the export downloads and account deletion."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import orjson
import pytest

from selftime.db.tables import metadata
from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from selftime.passwords import hash_password
from selftime.store import account_data, users
from tests.conftest import PASSWORD, csrf_of, send, span, web_login
from tests.test_export_delete import counts, give_everything


def settings_page(client):  # type: ignore[no-untyped-def]
    response = client.get("/settings")
    assert response.status_code == 200, response.text
    return response


def test_settings_and_exports_need_a_login(client, account):
    for path in ("/settings", "/settings/export.json", "/settings/export.zip"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Fsettings")
    response = client.post("/settings/delete", data={"password": PASSWORD, "confirm": "yes"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_page_for_an_empty_account(client, db, clock):
    with db.write() as conn:  # no API key either: nothing but the account row
        users.create(
            conn,
            email="lite@example.com",
            password_hash=hash_password(PASSWORD),
            time_zone="America/Chicago",
            plan="lite",
            now_ms=clock(),
        )
    web_login(client, "lite@example.com")
    html = settings_page(client).text
    assert "<h1>Settings</h1>" in html and '<link rel="stylesheet" href="/static/settings.css">' in html
    assert "<option selected>America/Chicago</option>" in html
    assert 'name="week_start" value="0"\n        checked' in html  # Sunday, the default
    assert '<strong id="plan">lite</strong>' in html and "selftime users set-plan lite@example.com" in html
    assert 'href="/account"' in html
    assert 'href="/settings/export.json"' in html and 'href="/settings/export.zip"' in html
    assert "There is no data yet besides your profile." in html and "Rows per table" not in html
    assert 'action="/settings/delete"' in html and 'type="checkbox" name="confirm" value="yes" required' in html
    assert client.get("/static/settings.css").status_code == 200


def test_the_page_for_the_demo_account(client, db, clock):
    ensure_demo(db, clock())
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    html = settings_page(client).text
    with db.read() as conn:
        demo = users.by_email(conn, DEMO_EMAIL)
        assert demo is not None
        spans = account_data.count(conn, metadata.tables["spans"], demo.id)
    assert spans > 1000
    assert f'<td>spans</td><td class="num">{spans:,}</td>' in html
    assert "<option selected>Europe/Berlin</option>" in html and '<strong id="plan">premium</strong>' in html
    total = sum(n for name, n in counts(db, demo.id).items() if name != "users")
    assert f"That is {total:,} rows." in html


def test_time_zone_and_week_start_are_saved(client, db, account):
    web_login(client, account.email)
    token = csrf_of(settings_page(client).text)
    response = client.post("/settings/time-zone", data={"csrf_token": token, "time_zone": "Asia/Tokyo"})
    assert response.status_code == 200 and "Time zone set to Asia/Tokyo." in response.text
    assert "<option selected>Asia/Tokyo</option>" in response.text
    response = client.post("/settings/week-start", data={"csrf_token": token, "week_start": "1"})
    assert response.status_code == 200 and "Weeks now start on Monday." in response.text
    with db.read() as conn:
        user = users.by_id(conn, account.id)
    assert user is not None and (user.time_zone, user.week_start) == ("Asia/Tokyo", 1)
    for path, field, value in (
        ("/settings/time-zone", "time_zone", "Mars/Olympus"),
        ("/settings/week-start", "week_start", "3"),
    ):
        response = client.post(path, data={"csrf_token": token, field: value})
        assert response.status_code == 400 and 'class="notice error"' in response.text, path
    with db.read() as conn:
        assert users.by_id(conn, account.id) == user


def test_settings_forms_refuse_a_missing_or_wrong_csrf_token(client, db, account):
    web_login(client, account.email)
    for data in ({}, {"csrf_token": "forged"}):
        for path, fields in (
            ("/settings/time-zone", {"time_zone": "Asia/Tokyo"}),
            ("/settings/week-start", {"week_start": "1"}),
            ("/settings/delete", {"password": PASSWORD, "confirm": "yes"}),
        ):
            response = client.post(path, data={**fields, **data})
            assert response.status_code == 403, path
    with db.read() as conn:
        user = users.by_id(conn, account.id)
    assert user is not None and (user.time_zone, user.week_start) == ("UTC", 0)


@pytest.mark.parametrize(
    ("email", "plain", "utf8"),
    [
        ("日本@example.com", "selftime-__-2026-11-30.json", "selftime-%E6%97%A5%E6%9C%AC-2026-11-30.json"),
        ("josé@example.com", "selftime-jos_-2026-11-30.json", "selftime-jos%C3%A9-2026-11-30.json"),
    ],
)
def test_exports_of_an_address_with_letters_beyond_ascii(client, make_account, email, plain, utf8):
    web_login(client, make_account(email).email)
    response = client.get("/settings/export.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{utf8}"
    assert orjson.loads(response.content)["user"]["email"] == email
    assert client.get("/settings/export.zip").status_code == 200


def test_exports_download_the_users_data(client, db, clock, account, make_account):
    send(client, account, [span("2026-11-27T09:00:00Z", "2026-11-27T09:30:00Z", "Code", "a.py")])
    other = make_account("other@example.com")
    send(client, other, [span("2026-11-27T09:00:00Z", "2026-11-27T10:00:00Z", "Slack")])
    web_login(client, account.email)
    response = client.get("/settings/export.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == 'attachment; filename="selftime-ada-2026-11-30.json"'
    document = orjson.loads(response.content)
    assert document["user"]["email"] == account.email
    assert len(document["tables"]["spans"]) == 6 and {a["name"] for a in document["tables"]["activities"]} == {"code"}
    response = client.get("/settings/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    timeline = archive.read("timeline.csv").decode()
    assert timeline.count("\n") == 7 and "slack" not in timeline.lower()


@pytest.fixture
def full_pair(client, db, clock, make_account):  # type: ignore[no-untyped-def]
    first, second = make_account("leaving@example.com"), make_account("staying@example.com")
    for who in (first, second):
        give_everything(client, db, clock, who)
    return first, second


@pytest.mark.parametrize(
    "fields",
    [
        {"password": "not the password", "confirm": "yes"},
        {"password": PASSWORD},
        {"password": PASSWORD, "confirm": "no"},
        {"password": "", "confirm": "yes"},
    ],
)
def test_deletion_needs_the_password_and_the_confirmation(client, db, full_pair, fields):
    leaving, _staying = full_pair
    before = counts(db, leaving.id)
    web_login(client, leaving.email)
    token = csrf_of(settings_page(client).text)
    response = client.post("/settings/delete", data={"csrf_token": token, **fields})
    assert response.status_code == 400 and "Nothing was deleted." in response.text
    assert counts(db, leaving.id) == before
    assert settings_page(client)  # still signed in


def test_deletion_removes_every_row_and_signs_out(client, db, full_pair):
    leaving, staying = full_pair
    kept = counts(db, staying.id)
    web_login(client, leaving.email)
    token = csrf_of(settings_page(client).text)
    response = client.post("/settings/delete", data={"csrf_token": token, "password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 200 and "Account deleted" in response.text and leaving.email in response.text
    assert all(n == 0 for n in counts(db, leaving.id).values())
    assert counts(db, staying.id) == kept
    with db.read() as conn:
        failures = conn.execute(metadata.tables["login_failures"].select()).all()
    assert [f.key for f in failures] == [account_data.login_failure_key(staying.email)]
    assert client.get("/settings", follow_redirects=False).status_code == 303
    # The API key died with the account, and the address can no longer log in.
    gone = client.get("/anapi/data", params={"key": leaving.key, "format": "json"})
    assert orjson.loads(gone.content)["error"] == "# key not found"  # RescueTime answers an unknown key so
    token = csrf_of(client.get("/login").text)
    login = client.post("/login", data={"email": leaving.email, "password": PASSWORD, "csrf_token": token})
    assert login.status_code == 400


def test_a_deleted_accounts_other_sessions_never_reach_a_new_account(request, database_url, client, db, clock, account):
    """Another browser still holds the deleted account's session cookie (user id + auth epoch)."""
    # SQLite hands a deleted row's id (the highest) to the next account, whose auth epoch is 0 too.
    web_login(client, account.email)
    elsewhere = client.cookies.get("selftime_session")
    token = csrf_of(settings_page(client).text)
    response = client.post("/settings/delete", data={"csrf_token": token, "password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 200
    with db.write() as conn:
        newcomer = users.create(
            conn, email="new@example.com", password_hash="x", time_zone="UTC", plan="premium", now_ms=clock()
        )
    assert elsewhere
    client.cookies.clear()
    client.cookies.set("selftime_session", elsewhere)
    page = client.get("/settings", follow_redirects=False)
    assert page.status_code == 303, f"the old session opened account {newcomer.id}'s settings"


def test_wrong_passwords_on_deletion_are_limited_as_logins_are(client, db, full_pair, clock):
    """A session left open must not be a way to guess the password: five wrong ones, and even the
    right one is refused (429, nothing deleted) until the window has passed."""
    leaving, _staying = full_pair
    before = counts(db, leaving.id)
    web_login(client, leaving.email)
    for _ in range(5):
        token = csrf_of(settings_page(client).text)
        wrong = client.post("/settings/delete", data={"csrf_token": token, "password": "guess", "confirm": "yes"})
        assert wrong.status_code == 400
    token = csrf_of(settings_page(client).text)
    fields = {"csrf_token": token, "password": PASSWORD, "confirm": "yes"}
    blocked = client.post("/settings/delete", data=fields)
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
    assert "Too many wrong passwords. Try again in 15 minutes. Nothing was deleted." in blocked.text
    assert counts(db, leaving.id) == before
    clock.set(clock.now + dt.timedelta(minutes=15))
    assert client.post("/settings/delete", data=fields).status_code == 200
    assert all(n == 0 for n in counts(db, leaving.id).values())
