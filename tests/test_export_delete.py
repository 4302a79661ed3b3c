"""The export holds every row of the user (and no secret); deletion leaves no row of the user in any table.

Tables are found from the metadata, so a table added later fails these tests until the export and the
deletion cover it (or it is declared shared in store/account_data.SHARED_TABLES)."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

import orjson
import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from selftime import export
from selftime.commands import export as export_command
from selftime.commands.base import State
from selftime.config import Settings
from selftime.db.tables import login_failures, metadata, web_sessions
from selftime.demo import ensure_demo
from selftime.domain.alerts import Target
from selftime.store import account_data, alerts, focus, highlights, keys, oauth, schedules, summaries, users
from selftime.store import login_failures as failures
from selftime.store import web_sessions as sessions
from selftime.store.totals import ScheduleRange
from tests.conftest import Account, send, span

DAY = "2026-11-27"


def give_everything(client: Any, db: Any, clock: Any, account: Any) -> None:
    """A row of this user in every user-owned table (tracked time through the real API)."""
    send(
        client,
        account,
        [
            span(f"{DAY}T09:00:00Z", f"{DAY}T09:40:00Z", "Code", "export.py"),
            span(f"{DAY}T10:00:00Z", f"{DAY}T10:20:00Z", "Firefox", "News", "https://news.example/a"),
        ],
    )
    now = clock()
    with db.write() as conn:
        schedules.create(
            conn, user_id=account.id, name="Work", ranges=[ScheduleRange(0b0111110, 540, 1020)], now_ms=now
        )
        alert = alerts.create(
            conn,
            user_id=account.id,
            comparison="more",
            threshold_ms=60_000,
            target=Target("all_productive"),
            now_ms=now,
        )
        conn.execute(
            metadata.tables["alert_triggers"]
            .insert()
            .values(alert_id=alert.id, user_id=account.id, day=20_000, created_ms=now, description="over a minute")
        )
        highlights.add(conn, user_id=account.id, date=DAY, description="Shipped", source=None, now_ms=now)
        focus.start(conn, account.id, minutes=25, time_zone="UTC", now_ms=now)
        summaries.keep(conn, account.id, [(20_000, '{"date": "2024-10-04"}')], now)
        app, _secret = oauth.create_app(
            conn, name=f"App {account.id}", redirect_uris=["https://x.example/cb"], now_ms=now
        )
        code_id = oauth.save_code(
            conn,
            code=uuid.uuid4().hex,
            app_id=app.id,
            user_id=account.id,
            redirect_uri="https://x.example/cb",
            scopes=["time_data"],
            code_challenge=None,
            code_challenge_method=None,
            now_ms=now,
        )
        oauth.insert_token(
            conn,
            access_token=uuid.uuid4().hex,
            refresh_token=uuid.uuid4().hex,
            app_id=app.id,
            user_id=account.id,
            code_id=code_id,
            scopes=["time_data"],
            now_ms=now,
            expires_ms=None,
        )
        failures.record(conn, [account_data.login_failure_key(account.email)], now)
        sessions.start(conn, account.id, uuid.uuid4().hex, now_ms=now, expires_ms=now + 3_600_000)


def counts(db: Any, user_id: int) -> dict[str, int]:
    with db.read() as conn:
        return {t.name: account_data.count(conn, t, user_id) for t in account_data.owned_tables()}


def everything(conn: Any, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def two_full(client, db, clock, make_account):  # type: ignore[no-untyped-def]
    """The demo account (six weeks) and another account, each with rows in every user-owned table."""
    ensure_demo(db, clock())
    with db.read() as conn:
        demo = users.by_email(conn, "demo@selftime.local")
    assert demo is not None
    with db.write() as conn:
        _k, key = keys.create(conn, user_id=demo.id, name="test", now_ms=clock())
    first = Account(demo.id, demo.email, key, demo.time_zone)
    second = make_account("bob@example.com")
    for who in (first, second):
        give_everything(client, db, clock, who)
    return first, second


def test_every_table_is_owned_or_shared():
    owned = {t.name for t in account_data.owned_tables()}
    shared = account_data.SHARED_TABLES
    assert owned.isdisjoint(shared)
    assert owned | shared == set(metadata.tables), "a table is neither user-owned nor declared shared"
    # Reached through a parent, not by a user_id column of their own:
    assert {"documents", "batches", "schedule_ranges"} <= owned


def test_the_fixture_fills_every_owned_table(db, two_full):
    for who in two_full:
        empty = [name for name, n in counts(db, who.id).items() if n == 0]
        assert empty == [], f"no rows of user {who.id} in {empty}: the completeness tests would prove nothing"


def test_json_export_has_every_row_of_the_user_and_no_secret(db, clock, two_full):
    demo, other = two_full
    with db.read() as conn:
        document = orjson.loads(export.as_json(conn, demo.id, clock()))
        for table in account_data.owned_tables():
            if table.name == "users":
                continue
            expected = list(account_data.rows(conn, table, demo.id))
            got = document["tables"][table.name]
            assert len(got) == len(expected) > 0, table.name
            # Every stored column (secrets aside) is in the export with its value.
            for mine, theirs in zip(got, expected, strict=True):
                for column, value in theirs.items():
                    if table.name == "daily_summaries" and column == "payload":
                        assert mine[column] == orjson.loads(value)
                    else:
                        assert mine[column] == value, (table.name, column)
            # ...and no row of the other user.
            if "user_id" in table.c:
                assert {r["user_id"] for r in got} == {demo.id}, table.name
    assert document["format"] == "selftime-export" and document["user"]["email"] == demo.email
    assert set(document["tables"]) == {t.name for t in account_data.owned_tables()} - {"users"}
    text = orjson.dumps(document).decode()
    for secret in ("password_hash", "key_hash", "access_hash", "refresh_hash", "code_hash", "$argon2"):
        assert secret not in text
    activity = next(a for a in document["tables"]["activities"] if a["name"] == "code")
    assert activity["category"] == "Software Development" and activity["effective_productivity"] == 2
    assert {t["app_name"] for t in document["tables"]["oauth_tokens"]} == {f"App {demo.id}"}
    assert document["tables"]["api_keys"][0]["prefix"]
    # The demo's spans are all there: compare with the database's count for the user.
    with db.read() as conn:
        spans = conn.execute(
            select(func.count())
            .select_from(metadata.tables["spans"])
            .where(metadata.tables["spans"].c.user_id == demo.id)
        ).scalar_one()
    assert len(document["tables"]["spans"]) == spans > 1000
    assert other.id != demo.id


def test_zip_export_has_one_csv_per_table_with_every_row(db, clock, two_full):
    demo, _other = two_full
    with db.read() as conn:
        body = export.as_zip(conn, demo.id, clock())
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = set(archive.namelist())
    owned = {t.name for t in account_data.owned_tables()} - {"users"}
    assert names == {f"{n}.csv" for n in owned} | {"user.csv", "timeline.csv", "README.txt"}
    expected = counts(db, demo.id)
    for name in owned:
        rows = list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
        assert len(rows) - 1 == expected[name], name
    (user_row,) = csv.DictReader(io.StringIO(archive.read("user.csv").decode()))
    assert user_row["email"] == demo.email and "password_hash" not in user_row
    timeline = list(csv.DictReader(io.StringIO(archive.read("timeline.csv").decode())))
    assert len(timeline) == expected["spans"]
    coded = [r for r in timeline if r["document"] == "export.py"]
    assert len(coded) == 8  # 40 minutes, cut at 5-minute boundaries
    assert {r["activity"] for r in coded} == {"code"} and coded[0]["category"] == "Software Development"
    assert sum(float(r["seconds"]) for r in coded) == 2400
    assert coded[0]["start"].startswith(f"{DAY}T10:00:00.000+01:00")  # Berlin wall clock
    for secret in ("key_hash", "access_hash", "$argon2"):
        assert all(secret.encode() not in archive.read(n) for n in names)


def test_an_empty_account_exports_headers_only(db, clock, make_account):
    account = make_account("empty@example.com")
    with db.read() as conn:
        document = orjson.loads(export.as_json(conn, account.id, clock()))
        archive = zipfile.ZipFile(io.BytesIO(export.as_zip(conn, account.id, clock())))
    assert len(document["tables"]["api_keys"]) == 1
    assert all(rows == [] for name, rows in document["tables"].items() if name != "api_keys")
    assert archive.read("spans.csv").decode().startswith("id,user_id,device_id,batch_id,source_type,start_ms")
    assert archive.read("timeline.csv").decode().strip() == ",".join(export.TIMELINE_HEADER)


def test_deletion_leaves_no_row_of_the_user_in_any_table(db, two_full):
    demo, other = two_full
    before_other = counts(db, other.id)
    with db.read() as conn:
        total_before = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
        }
        demo_rows = {t.name: account_data.count(conn, t, demo.id) for t in account_data.owned_tables()}
    with db.write() as conn:
        removed = account_data.delete_everything(conn, demo.id)
    security = ("login_failures", "web_sessions")  # not exported, but deleted
    assert {k: v for k, v in removed.items() if k not in security} == demo_rows
    assert removed["login_failures"] == removed["web_sessions"] == 1
    with db.read() as conn:
        for table in metadata.sorted_tables:
            left = everything(conn, table)
            if table.name in ("categories", "oauth_apps"):
                assert left == total_before[table.name], table.name
            elif table.name == "login_failures":
                keys = {k for (k,) in conn.execute(select(login_failures.c.key))}
                assert keys == {account_data.login_failure_key(other.email)}
            elif table.name == "web_sessions":
                assert {u for (u,) in conn.execute(select(web_sessions.c.user_id))} == {other.id}
            else:
                assert left == total_before[table.name] - demo_rows[table.name], table.name
                if "user_id" in table.c:
                    assert (
                        conn.execute(
                            select(func.count()).select_from(table).where(table.c.user_id == demo.id)
                        ).scalar_one()
                        == 0
                    )
        assert users.by_id(conn, demo.id) is None
    assert counts(db, demo.id) == dict.fromkeys(before_other, 0)
    assert counts(db, other.id) == before_other


def test_the_export_command_writes_both_formats(db, clock, settings: Settings, two_full, tmp_path):
    demo, _other = two_full
    cli = typer.Typer()

    @cli.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = State(settings)

    cli.command("export")(export_command.export)
    runner = CliRunner()
    for fmt, name in (("json", "out.json"), ("csv", "out.zip")):
        target = tmp_path / name
        result = runner.invoke(cli, ["export", demo.email, "--format", fmt, "--out", str(target)])
        assert result.exit_code == 0, result.output
        assert "bytes of demo@selftime.local's data" in result.output
        if fmt == "json":
            assert orjson.loads(target.read_bytes())["user"]["id"] == demo.id
        else:
            assert "spans.csv" in zipfile.ZipFile(target).namelist()
    result = runner.invoke(cli, ["export", "nobody@example.com", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_timeline_local_times_equal_the_feeds_local_times(zone_name):
    from selftime.compat.feeds import local_datetime

    local = export._LocalClock(zone_name)
    # Every 7 min 13.5 s through 2026, across both DST changes (Lord Howe's are half an hour).
    for ms in range(1_767_225_600_000, 1_798_761_600_000, 433_500):
        assert local(ms) == local_datetime(ms, zone_name), ms
