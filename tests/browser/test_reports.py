"""Reports in a real browser (issue 6): re-categorizing an activity on /categorize moves exactly its time
between the dashboard's category bars (which stay the API's numbers), and the JSON and CSV (zip) exports
on /settings download, parse, and hold every span the database has for the user."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from selftime.db.engine import Database
from selftime.db.tables import spans
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import Account, batch, span

DAY = "2026-11-27"  # three days before the clock's today: inside /categorize's 30-day range
SPANS = [
    span(f"{DAY}T09:00:00Z", f"{DAY}T10:00:00Z", "Code", "main.py"),  # Software Development, 3600 s
    span(f"{DAY}T10:00:00Z", f"{DAY}T10:20:00Z", "Slack", "#general"),  # Communication & Scheduling, 1200 s
    span(f"{DAY}T10:30:00Z", f"{DAY}T10:40:00Z", "Zoom", "Stand-up"),  # Communication & Scheduling, 600 s
    span(f"{DAY}T11:00:00Z", f"{DAY}T11:15:00Z", "Chrome", "Cats", "https://www.youtube.com/watch?v=1"),  # 900 s
]
MOVED = "slack"
FROM_TOP, TO_TOP, TO_SUB = "Communication & Scheduling", "Software Development", "General Software Development"


def send_time(http: httpx.Client, account: Account, sent: list[dict[str, str | None]]) -> None:
    response = http.post("/api/v1/activity", json=batch(sent), headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text


def api_categories(http: httpx.Client, account: Account) -> dict[str, int]:
    params = {"key": account.key, "format": "json", "perspective": "rank", "restrict_kind": "overview"}
    response = http.get("/anapi/data", params={**params, "restrict_begin": DAY, "restrict_end": DAY})
    assert response.status_code == 200, response.text
    return {str(r[3]): int(r[1]) for r in response.json()["rows"]}


def shown_categories(page: Page) -> dict[str, int]:
    bars = page.locator("#categories li")
    found: dict[str, int] = {}
    for i in range(bars.count()):
        name, seconds = bars.nth(i).get_attribute("data-name"), bars.nth(i).get_attribute("data-seconds")
        assert name is not None and seconds is not None
        found[name] = int(seconds)
    return found


def bar_width(page: Page, category: str) -> str:
    """The drawn bar's width (its share of the biggest category), as the page styles it."""
    bar = page.locator(f'#categories li[data-name="{category}"] .bar > span')
    return str(bar.evaluate("el => el.style.width"))


def open_dashboard(page: Page, live_server: LiveServer) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_label("Date").fill(DAY)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(live_server(f"/dashboard?period=day&date={DAY}"))
    expect(page.locator("#categories li").first).to_be_visible()


def test_recategorizing_an_activity_moves_its_time_between_the_dashboards_bars(
    page: Page,
    live_server: LiveServer,
    http: httpx.Client,
    account: Account,
    screenshot: Callable[[Page, str], None],
) -> None:
    send_time(http, account, SPANS)
    log_in(page, live_server, account.email)
    open_dashboard(page, live_server)

    before = shown_categories(page)
    assert before == api_categories(http, account)
    assert before == {TO_TOP: 3600, FROM_TOP: 1800, "Entertainment": 900}
    # The activity's own time, as the dashboard's top-activities table shows it.
    row = page.locator("#top-activities tbody tr").filter(has=page.get_by_role("link", name=MOVED, exact=True))
    expect(row).to_have_count(1)
    expect(row.locator("td[data-label=Category]")).to_contain_text("Instant Message")
    moved = int(row.get_attribute("data-seconds") or "-1")
    assert moved == 1200
    assert (bar_width(page, TO_TOP), bar_width(page, FROM_TOP)) == ("100%", "50%")
    screenshot(page, "before")

    # /categorize: the inline form of that activity's row, into a sub-category of another top-level category.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Categorize").click()
    expect(page.get_by_role("heading", name="Categorize")).to_be_visible()
    page.get_by_label(f"Sub-category of {MOVED}", exact=True).select_option(label=TO_SUB)
    page.get_by_role("button", name=f"Save the category of {MOVED}", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"“{MOVED}” is now {TO_SUB} ({TO_TOP})")
    expect(page.locator("tr.changed .name")).to_have_text(MOVED)
    screenshot(page, "categorized")

    open_dashboard(page, live_server)
    after = shown_categories(page)
    assert after == {TO_TOP: before[TO_TOP] + moved, FROM_TOP: before[FROM_TOP] - moved, "Entertainment": 900}
    assert after == api_categories(http, account)
    assert (bar_width(page, TO_TOP), bar_width(page, FROM_TOP)) == ("100%", "12.5%")  # 600 of 4800 s
    row = page.locator("#top-activities tbody tr").filter(has=page.get_by_role("link", name=MOVED, exact=True))
    expect(row.locator("td[data-label=Category]")).to_contain_text(TO_SUB)
    assert row.get_attribute("data-seconds") == str(moved)
    screenshot(page, "after")


def user_spans(db: Database, account: Account) -> int:
    with db.read() as conn:
        query = select(func.count()).select_from(spans).where(spans.c.user_id == account.id)
        return int(conn.execute(query).scalar_one())


def download(page: Page, link: str, tmp_path: Path) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link, exact=True).click()
    got = info.value
    assert got.failure() is None
    target = tmp_path / got.suggested_filename
    got.save_as(target)
    return got.suggested_filename, target.read_bytes()


def test_the_json_and_csv_exports_download_from_settings(
    page: Page,
    live_server: LiveServer,
    http: httpx.Client,
    account: Account,
    make_account: Callable[..., Account],
    db: Database,
    tmp_path: Path,
) -> None:
    send_time(http, account, SPANS)
    send_time(http, account, [span("2026-11-30T08:00:00Z", "2026-11-30T08:05:00Z", "Terminal", "make")])
    # Someone else's time, which must not be in this user's files.
    other = make_account("grace@example.com")
    send_time(http, other, [span(f"{DAY}T12:00:00Z", f"{DAY}T12:30:00Z", "Slack", "#random")])
    count = user_spans(db, account)
    assert count >= len(SPANS) + 1 and user_spans(db, other) >= 1

    log_in(page, live_server, account.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Export your data")).to_be_visible()

    name, body = download(page, "Download JSON", tmp_path)
    assert name.endswith(".json")
    document = json.loads(body)
    assert document["user"]["email"] == account.email
    assert "password_hash" not in document["user"]
    exported = document["tables"]["spans"]
    assert len(exported) == count
    assert {s["user_id"] for s in exported} == {account.id}
    names = {a["name"] for a in document["tables"]["activities"]}
    assert {"code", "slack", "zoom", "youtube.com", "terminal"} <= names

    name, body = download(page, "Download CSV (zip)", tmp_path)
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        files = set(archive.namelist())
        assert {"user.csv", "spans.csv", "activities.csv", "timeline.csv"} <= files
        assert all(f.endswith(".csv") for f in files - {"README.txt"})

        def rows(file: str) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(archive.read(file).decode("utf-8"))))

        assert len(rows("spans.csv")) == count
        assert {r["user_id"] for r in rows("spans.csv")} == {str(account.id)}
        assert len(rows("timeline.csv")) == count
        assert rows("user.csv")[0]["email"] == account.email
