"""`selftime import activitywatch`: a realistic export (three workdays recorded by a real aw-server 0.12 from
window, AFK and two browsers' web watchers, plus an input watcher's bucket that is not counted) imported twice,
with the seconds per activity computed independently by ActivityWatch's own aw_transform; and bad files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from selftime.cli import app
from selftime.db.tables import activities, batches, devices, documents, spans
from tests.agent.test_aw_support import oracle_ms, whole_seconds
from tests.conftest import data

EXPORT = Path(__file__).parent / "data" / "activitywatch-export.json"
# Selftime keeps milliseconds, aw-core microseconds: flood() gives each 1 ms gap (a tab change, an AFK switch) to one
# side here and halves it there. Over three days that is well under a second per activity.
SLACK_MS = 100


def run(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["import", "activitywatch", *args, "--database-url", database_url])


def seconds(client: Any, account: Any) -> dict[str, int]:
    params = {"perspective": "rank", "restrict_kind": "activity"}
    rows = data(client, account, restrict_begin="2026-11-22", restrict_end="2026-11-26", **params)["rows"]
    return {r[3]: r[1] for r in rows}


def counts(db: Any) -> dict[str, int]:
    with db.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (spans, batches, devices)
        }


def test_a_realistic_export_imported_twice_counts_as_activitywatch_does_and_once(
    database_url: str, db: Any, client: Any, make_account: Any, tmp_path: Path
) -> None:
    account = make_account("ada@example.com")
    first = run(database_url, str(EXPORT), "--user", account.email)
    assert first.exit_code == 0, first.output
    assert "skipped bucket aw-watcher-input_ada-thinkpad (type os.hid.input: not counted)" in first.stderr
    assert "as device activitywatch:ada-thinkpad" in first.stdout
    got = seconds(client, account)
    expected = oracle_ms(json.loads(EXPORT.read_text()), tmp_path / "aw-home")
    assert set(got) == set(expected)
    for activity, ms in expected.items():
        assert got[activity] in whole_seconds(ms, SLACK_MS), (activity, got[activity], ms)
    # Real content: sites from both browsers, applications, and the breaks gone.
    assert {"github.com", "youtube.com", "code", "slack", "google-chrome", "firefox"} <= set(got)
    assert 9 * 3600 < sum(got.values()) < 21 * 3600
    with db.read() as conn:
        titles = {r[0] for r in conn.execute(select(documents.c.name).join(activities))}
    assert (
        "The desktop agent · Issue #5 · selftime/selftime" in titles
        and "store.py — selftime - Visual Studio Code" in titles
    )

    before = counts(db)
    second = run(database_url, str(EXPORT), "--user", account.email)
    assert second.exit_code == 0, second.output
    assert "(0 batches stored, 3 already imported)" in second.stdout
    assert "imported 2119 spans, 0 h 00 min newly recorded" in second.stdout
    assert counts(db) == before
    assert seconds(client, account) == got


def test_a_later_longer_export_adds_only_the_time_the_earlier_one_lacked(
    database_url: str, client: Any, make_account: Any, tmp_path: Path
) -> None:
    whole = json.loads(EXPORT.read_text())
    cut = "2026-11-24T12:00:00"
    earlier = json.loads(EXPORT.read_text())
    for bucket in earlier["buckets"].values():
        bucket["events"] = [e for e in bucket["events"] if e["timestamp"] < cut]
    (tmp_path / "earlier.json").write_text(json.dumps(earlier))
    both, alone = make_account(), make_account()
    assert run(database_url, str(tmp_path / "earlier.json"), "--user", both.email).exit_code == 0
    assert run(database_url, str(EXPORT), "--user", both.email).exit_code == 0
    assert run(database_url, str(EXPORT), "--user", alone.email).exit_code == 0
    assert seconds(client, both) == seconds(client, alone)
    assert whole["buckets"].keys() == earlier["buckets"].keys()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"\xff\xfe not text", "is not JSON"),
        (b'{"buckets": ', "is not JSON"),
        (b'{"events": []}', "not an ActivityWatch export"),
        (b'{"buckets": {"w": {"type": "currentwindow", "events": [{"duration": 3}]}}}', "events[0]: an event needs"),
        (b'{"buckets": {"a": {"type": "afkstatus", "events": []}}}', "no window or web bucket"),
    ],
)
def test_a_bad_file_exits_2_and_says_why(
    database_url: str, make_account: Any, tmp_path: Path, content: bytes | None, message: str
) -> None:
    account = make_account()
    path = tmp_path / "export.json"
    if content is not None:
        path.write_bytes(content)
    result = run(database_url, str(path), "--user", account.email)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_an_unknown_user_exits_2(database_url: str) -> None:
    result = run(database_url, str(EXPORT), "--user", "nobody@example.com")
    assert result.exit_code == 2 and "no user 'nobody@example.com'" in result.stderr


def _window_export(count: int) -> dict[str, Any]:
    """One machine's window bucket: `count` one-minute events, 70 s apart, from 2026-11-20 08:00 UTC."""
    first = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    events = [
        {
            "timestamp": (first + dt.timedelta(seconds=70 * i)).isoformat(),
            "duration": 60,
            "data": {"app": f"app{i % 7}", "title": f"title {i}"},
        }
        for i in range(count)
    ]
    bucket = {"id": "aw-watcher-window_host", "type": "currentwindow", "hostname": "host", "events": events}
    return {"buckets": {bucket["id"]: bucket}}


def test_a_bad_span_late_in_the_file_imports_nothing_and_names_the_span(
    database_url: str, db: Any, make_account: Any, tmp_path: Path
) -> None:
    """The file is converted in batches of 1,000 spans: a span refused in the third batch used to leave the first
    two stored (and named itself only by its place in that batch, spans[200])."""
    account = make_account()
    export = _window_export(2500)
    export["buckets"]["aw-watcher-window_host"]["events"][2200]["data"]["title"] = "bad\x00title"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = run(database_url, str(path), "--user", account.email)
    assert result.exit_code == 2, result.output
    assert (
        "bucket aw-watcher-window_host: the time from 2026-11-22T02:46:40Z ('app2'): title contains a NUL character"
        in " ".join(result.stderr.split())
    )
    assert counts(db) == {"spans": 0, "batches": 0, "devices": 0}


def test_a_lone_surrogate_in_a_title_exits_2_and_imports_nothing(
    database_url: str, db: Any, make_account: Any, tmp_path: Path
) -> None:
    """json.loads reads "\\ud800" as a lone surrogate, which no database driver can encode: it was a traceback."""
    account = make_account()
    export = _window_export(3)
    export["buckets"]["aw-watcher-window_host"]["events"][1]["data"]["title"] = "bad \ud800 title"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = run(database_url, str(path), "--user", account.email)
    assert result.exit_code == 2, result.output
    assert "title contains a lone surrogate" in result.stderr
    assert counts(db) == {"spans": 0, "batches": 0, "devices": 0}


def test_a_long_hostname_and_bucket_id_import_every_batch(
    database_url: str, db: Any, client: Any, make_account: Any, tmp_path: Path
) -> None:
    """The device id (activitywatch:HOSTNAME) was not cut to its column (PostgreSQL: a traceback), and batch ids were
    cut to 255 characters with their digest, so every batch of a bucket had one id: all but the first were dropped."""
    account = make_account()
    hostname = "h" * 250
    export = _window_export(2500)
    (bucket,) = export["buckets"].values()
    bucket.update(id=f"aw-watcher-window_{hostname}", hostname=hostname)
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"buckets": {bucket["id"]: bucket}}))
    result = run(database_url, str(path), "--user", account.email)
    assert result.exit_code == 0, result.output
    assert "(3 batches stored, 0 already imported)" in result.stdout
    total = data(client, account, restrict_begin="2026-11-20", restrict_end="2026-11-23")["rows"]
    assert sum(row[1] for row in total) == 2500 * 60
    again = run(database_url, str(path), "--user", account.email)
    assert "(0 batches stored, 3 already imported)" in again.stdout


@pytest.mark.parametrize("field", ["id", "hostname"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_a_bucket_id_or_hostname_that_cannot_be_stored_exits_2(
    database_url: str, db: Any, make_account: Any, tmp_path: Path, field: str, bad: str
) -> None:
    account = make_account()
    export = _window_export(3)
    (bucket,) = export["buckets"].values()
    bucket[field] = f"host{bad}name"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = run(database_url, str(path), "--user", account.email)
    assert result.exit_code == 2, result.output
    assert f"its {field} holds a NUL character or a lone surrogate" in result.stderr
    assert counts(db) == {"spans": 0, "batches": 0, "devices": 0}
