"""/alerts, /highlights, /focus, /offline, /schedules: server renders, forms, validation, plans."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from selftime.store import highlights
from tests.conftest import csrf_of, data, send, span, web_login

PAGES = ("/alerts", "/highlights", "/focus", "/offline", "/schedules")
EMPTY = {
    "/alerts": ["No alerts yet.", "No alert has triggered yet."],
    "/highlights": ["No highlights yet."],
    "/focus": ["No focus session is running.", "No focus sessions yet."],
    "/offline": ["No offline time yet."],
    "/schedules": ["No schedules yet."],
}
PREMIUM = {
    "/alerts": "Alerts are a premium feature",
    "/highlights": "Highlights are a premium feature",
    "/focus": "Focus sessions are a premium feature",
    "/offline": "Offline time is a premium feature",
}


def post(client, path: str, page: str, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **fields})


def api(client, account, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 200, response.text
    return response.json()


def error_of(html: str, field: str | None = None) -> str:
    """The page's error message; with `field`, also checks that the message is tied to that field
    (and to no other): aria-invalid and aria-describedby pointing at the message's id."""
    found = re.search(r'<p class="notice error" role="alert"(?: id="error-([\w-]+)")?>([^<]+)</p>', html)
    assert found, "no error on the page"
    if field is not None:
        assert found[1] == field, f"the message is tied to {found[1]!r}"
        control = re.search(rf'<(?:input|select)\b[^>]*\bid="{field}"[^>]*>', html)
        assert control, f"no field {field}"
        assert 'aria-invalid="true"' in control[0]
        described = re.search(r'aria-describedby="([^"]+)"', control[0])
        assert described and f"error-{field}" in described[1].split()
        assert html.count('aria-invalid="true"') == 1
    return unescape(found[2])


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_need_a_login(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2F")

    actions = {"/focus": ["/focus/start", "/focus/end"], "/offline": ["/offline"]}.get(path, [path, f"{path}/1/delete"])
    for action in actions:
        assert client.post(action, data={}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", PAGES)
def test_an_empty_account(client, account, path):
    web_login(client, account.email)
    page = client.get(path)
    assert page.status_code == 200
    for text in EMPTY[path]:
        assert text in page.text
    assert "premium feature" not in page.text and 'href="/static/pages.css"' in page.text


@pytest.mark.parametrize("path", PAGES)
def test_the_demo_account(client, db, clock, path):
    ensure_demo(db, clock())
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    page = client.get(path)
    assert page.status_code == 200
    for text in EMPTY[path]:
        if text != "No focus session is running.":  # the demo's sessions have all ended
            assert text not in page.text
    rows = {"/alerts": 3, "/highlights": 5, "/schedules": 1}
    if path in rows:
        assert page.text.count('class="danger" aria-label="Delete the ') == rows[path]
    if path == "/schedules":
        assert "Work hours" in page.text and "mon, tue, wed, thu, fri 09:00 to 17:00" in page.text
    if path == "/offline":
        assert '<td data-label="Activity">meeting</td>' in page.text
    if path == "/focus":
        assert page.text.count('<td data-label="Started">') >= 5
    if path == "/alerts":
        assert page.text.count("<li><time>") >= 1 and "You spent " in page.text


@pytest.mark.parametrize("path", PREMIUM)
def test_lite_accounts_are_told_and_refused(client, make_account, path):
    lite = make_account("lite@example.com", plan="lite")
    web_login(client, lite.email)
    page = client.get(path)
    assert page.status_code == 200 and PREMIUM[path] in page.text
    assert 'type="submit">Add' not in page.text and "/focus/start" not in page.text
    target = "/focus/start" if path == "/focus" else path
    refused = post(client, target, path, duration="30", description="x", date="2026-11-30", hours="1")
    assert refused.status_code == 403 and "premium feature: nothing changed" in refused.text
    for text in EMPTY[path]:
        assert text in client.get(path).text  # and nothing was stored


def test_forms_need_their_csrf_token(client, account):
    web_login(client, account.email)
    for path, fields in [
        ("/alerts", {"comparison": "more", "hours": "1", "target_kind": "all_productive"}),
        ("/highlights", {"date": "2026-11-30", "description": "x"}),
        ("/focus/start", {"duration": "30"}),
        ("/offline", {"start_time": "2026-11-30T09:00", "duration": "30", "activity_name": "meeting"}),
        ("/schedules", {"name": "w", "days": "mon", "from": "09:00", "to": "10:00"}),
    ]:
        assert client.post(path, data=fields).status_code == 403
        assert client.post(path, data={**fields, "csrf_token": "forged"}).status_code == 403
    for path in PAGES:
        for text in EMPTY[path]:
            assert text in client.get(path).text


# --- alerts --------------------------------------------------------------------------------------


def test_create_trigger_and_delete_an_alert(client, account):
    web_login(client, account.email)
    page = post(client, "/alerts", "/alerts", comparison="more", hours="0.5", target_kind="all_productive", target="")
    assert page.status_code == 200 and "Alert added" in page.text
    (alert,) = api(client, account, "/api/v1/alerts")
    assert (alert["comparison"], alert["hours"], alert["target_kind"]) == ("more", 0.5, "all_productive")
    assert alert["description"] in page.text
    page = post(
        client,
        "/alerts",
        "/alerts",
        comparison="less",
        hours="2",
        target_kind="category",
        target="software development",
    )
    assert page.status_code == 200
    assert [a["target"] for a in api(client, account, "/api/v1/alerts")] == [None, "Software Development"]

    # An hour of productive time triggers the first alert, and the page shows it.
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", "Code")])
    shown = client.get("/alerts").text
    assert "No alert has triggered yet." not in shown and shown.count("<li><time>2026-11-30") == 1

    page = post(client, f"/alerts/{alert['id']}/delete", "/alerts")
    assert page.status_code == 200 and "The alert and its triggers are deleted." in page.text
    assert [a["target"] for a in api(client, account, "/api/v1/alerts")] == ["Software Development"]
    assert "No alert has triggered yet." in page.text
    missing = post(client, f"/alerts/{alert['id']}/delete", "/alerts")
    assert missing.status_code == 404 and "There is no such alert." in missing.text


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"comparison": "more", "hours": "lots", "target_kind": "all_productive"}, "hours must be a number", "hours"),
        ({"comparison": "more", "hours": "0", "target_kind": "all_productive"}, "hours must be more than 0", "hours"),
        ({"comparison": "more", "hours": "25", "target_kind": "all_productive"}, "hours may be at most", "hours"),
        ({"comparison": "most", "hours": "1", "target_kind": "all_productive"}, "comparison must be", "comparison"),
        (
            {"comparison": "more", "hours": "1", "target_kind": "category", "target": "Nope"},
            "no top-level category",
            "target",
        ),
        (
            {"comparison": "more", "hours": "1", "target_kind": "productivity", "target": "7"},
            "a productivity level",
            "target",
        ),
        ({"comparison": "more", "hours": "1", "target_kind": "activity"}, "needs a target", "target"),
        (
            {"comparison": "more", "hours": "1", "target_kind": "all_productive", "target": "x"},
            "takes no target",
            "target",
        ),
        (
            {"comparison": "more", "hours": "1", "target_kind": "everything"},
            "target_kind must be one of",
            "target_kind",
        ),
    ],
)
def test_bad_alerts_change_nothing(client, account, fields, message, field):
    web_login(client, account.email)
    page = post(client, "/alerts", "/alerts", **fields)
    assert page.status_code == 400 and message in error_of(page.text, field) and "Nothing changed" in page.text
    assert api(client, account, "/api/v1/alerts") == []
    # The form keeps what was typed.
    assert f'value="{fields["hours"]}"' in page.text


# --- highlights ----------------------------------------------------------------------------------


def test_create_and_delete_a_highlight(client, account):
    web_login(client, account.email)
    assert 'value="2026-11-30"' in client.get("/highlights").text  # today, in the user's zone
    page = post(client, "/highlights", "/highlights", date="2026-11-29", description="Shipped <b>it</b>", source="s")
    assert page.status_code == 200 and "Highlight added for 2026-11-29." in page.text
    assert "Shipped &lt;b&gt;it&lt;/b&gt;" in page.text
    (item,) = api(client, account, "/api/v1/highlights")
    assert (item["description"], item["source"]) == ("Shipped <b>it</b>", "s")
    page = post(client, f"/highlights/{item['id']}/delete", "/highlights")
    assert page.status_code == 200 and "No highlights yet." in page.text
    assert api(client, account, "/api/v1/highlights") == []
    assert post(client, f"/highlights/{item['id']}/delete", "/highlights").status_code == 404


def test_a_form_that_worked_sends_the_browser_back_so_a_reload_posts_nothing(client, account):
    """Post/redirect/get: the page answering a POST would post again on a reload (F5, after the
    browser's prompt), adding a second highlight; the notice shows once, on the page it leads to."""
    web_login(client, account.email)
    token = csrf_of(client.get("/highlights").text)
    fields = {"csrf_token": token, "date": "2026-11-29", "description": "Shipped"}
    done = client.post("/highlights", data=fields, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/highlights")
    assert "Highlight added for 2026-11-29." in client.get("/highlights").text
    assert "Highlight added" not in client.get("/highlights").text  # once
    assert len(api(client, account, "/api/v1/highlights")) == 1
    # A refused form is answered in place, with what was sent, and still changes nothing.
    refused = client.post("/highlights", data={**fields, "date": "someday"}, follow_redirects=False)
    assert refused.status_code == 400 and 'value="Shipped"' in refused.text
    assert len(api(client, account, "/api/v1/highlights")) == 1


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"date": "", "description": "x"}, "highlight_date is required", "date"),
        ({"date": "2026-02-30", "description": "x"}, "is not a calendar date", "date"),
        ({"date": "2026-11-30", "description": "  "}, "description is required", "description"),
        ({"date": "2026-11-30", "description": "x" * 256}, "description must be at most 255", "description"),
        ({"date": "2026-11-30", "description": "x", "source": "s" * 65}, "source must be at most 64", "source"),
    ],
)
def test_bad_highlights_change_nothing(client, account, fields, message, field):
    web_login(client, account.email)
    page = post(client, "/highlights", "/highlights", **fields)
    assert page.status_code == 400 and message in error_of(page.text, field)
    assert api(client, account, "/api/v1/highlights") == []


# --- focus ---------------------------------------------------------------------------------------


def test_start_end_and_expire_focus_sessions(client, account, clock):
    web_login(client, account.email)
    page = post(client, "/focus/start", "/focus", duration="30")
    assert page.status_code == 200 and "it ends at 12:30" in page.text
    assert "In a focus session since 12:00, until 12:30" in page.text and "30 min left" in page.text
    page = post(client, "/focus/end", "/focus")
    assert page.status_code == 200 and "No focus session is running." in page.text and "ended early" in page.text
    missing = post(client, "/focus/end", "/focus")
    assert missing.status_code == 409 and "There is no active focus session to end." in missing.text

    clock.set(clock.now + dt.timedelta(minutes=5))
    page = post(client, "/focus/start", "/focus", duration="-1")
    assert "until 00:00 (the end of the day): 715 min left" in page.text
    clock.set(clock.now + dt.timedelta(minutes=5))
    page = post(client, "/focus/start", "/focus", duration="25")
    assert "The session before it ended." in page.text and "replaced by a new session" in page.text
    clock.set(clock.now + dt.timedelta(minutes=26))
    page = client.get("/focus").text
    assert "No focus session is running." in page and "ran its time" in page
    ended = client.get("/anapi/focustime_ended_feed", params={"key": account.key}).json()
    assert len(ended) == 3


@pytest.mark.parametrize(
    ("duration", "message"), [("", "duration is required"), ("7", "multiple of 5"), ("x", "whole")]
)
def test_bad_focus_durations_change_nothing(client, account, duration, message):
    web_login(client, account.email)
    page = post(client, "/focus/start", "/focus", duration=duration)
    assert page.status_code == 400 and message in error_of(page.text, "duration")
    assert "No focus sessions yet." in page.text


# --- offline time --------------------------------------------------------------------------------


def test_add_offline_time(client, account):
    web_login(client, account.email)
    page = post(
        client,
        "/offline",
        "/offline",
        start_time="2026-11-30T09:00",
        duration="30",
        activity_name="Meeting",
        activity_details="planning",
    )
    assert page.status_code == 200 and "Offline time added: meeting, 30 min from 2026-11-30 09:00." in page.text
    assert (
        '<td data-label="From">2026-11-30 09:00</td>' in page.text
        and '<td data-label="To">2026-11-30 09:30' in page.text
    )
    rows = data(client, account, restrict_begin="2026-11-30", restrict_source_type="offline")["rows"]
    assert [r[1:4] for r in rows] == [[1800, 1, "meeting"]]
    # An end time wins over minutes; an overlap with earlier offline time counts once.
    page = post(
        client,
        "/offline",
        "/offline",
        start_time="2026-11-30 09:15",
        end_time="2026-11-30 10:00",
        duration="5",
        activity_name="call",
    )
    assert "call, 45 min" in page.text and "Only 30 min were new" in page.text
    rows = data(client, account, restrict_begin="2026-11-30", restrict_source_type="offline")["rows"]
    assert sorted(r[1:4] for r in rows) == [[1800, 1, "call"], [1800, 1, "meeting"]]
    assert page.text.count('<td data-label="Activity">') == 2


def test_offline_time_is_read_in_the_users_zone(client, make_account):
    tokyo = make_account("tokyo@example.com", time_zone="Asia/Tokyo")
    web_login(client, tokyo.email)
    page = post(client, "/offline", "/offline", start_time="2026-11-30T20:00", duration="60", activity_name="gym")
    assert page.status_code == 200
    rows = data(
        client,
        tokyo,
        restrict_begin="2026-11-30",
        restrict_source_type="offline",
        perspective="interval",
        resolution_time="hour",
    )["rows"]
    assert [(r[0], r[1]) for r in rows] == [("2026-11-30T20:00:00", 3600)]


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"start_time": "", "duration": "30", "activity_name": "m"}, "start_time is required", "start_time"),
        ({"start_time": "2026-11-30T09:00", "activity_name": "m"}, "give end_time", "duration"),
        ({"start_time": "2026-11-30T09:00", "duration": "300", "activity_name": "m"}, "at most 4 hours", "duration"),
        (
            {"start_time": "2026-11-30T11:45", "duration": "60", "activity_name": "m"},
            "may not be in the future",
            "duration",
        ),
        (
            {"start_time": "2026-11-30T09:00", "end_time": "2026-11-30T08:00", "activity_name": "m"},
            "must be after",
            "end_time",
        ),
        (
            {"start_time": "2026-11-30T09:00", "duration": "30", "activity_name": " "},
            "activity_name is required",
            "activity_name",
        ),
        ({"start_time": "yesterday", "duration": "30", "activity_name": "m"}, "start_time must be", "start_time"),
        ({"start_time": "2026-11-30T13:00", "duration": "30", "activity_name": "m"}, "in the future", "start_time"),
        (
            {"start_time": "2026-11-30T11:00", "end_time": "2026-11-30T13:00", "activity_name": "m"},
            "future",
            "end_time",
        ),
        (
            {"start_time": "2026-11-30T09:00", "duration": "30", "activity_name": "m", "activity_details": "d" * 256},
            "activity_details must be at most",
            "activity_details",
        ),
    ],
)
def test_bad_offline_time_changes_nothing(client, account, fields, message, field):
    web_login(client, account.email)
    page = post(client, "/offline", "/offline", **fields)
    assert page.status_code == 400 and message in error_of(page.text, field)
    assert data(client, account, restrict_begin="2026-11-29")["rows"] == []
    assert "No offline time yet." in page.text


# --- schedules -----------------------------------------------------------------------------------


def test_create_use_and_delete_a_schedule(client, account):
    send(
        client,
        account,
        [span("2026-11-30T08:00:00Z", "2026-11-30T10:00:00Z", "Code")],  # a Monday
    )
    web_login(client, account.email)
    page = post(client, "/schedules", "/schedules", name="Mornings", days="mon-fri", **{"from": "09:00", "to": "12:00"})
    assert page.status_code == 200 and "Schedule “Mornings” added" in page.text
    assert "mon, tue, wed, thu, fri 09:00 to 12:00" in page.text
    (schedule,) = api(client, account, "/api/v1/schedules")
    assert schedule["ranges"] == [{"days": "mon,tue,wed,thu,fri", "from": "09:00", "to": "12:00"}]
    rows = data(client, account, restrict_begin="2026-11-30", restrict_schedule_id=str(schedule["id"]))["rows"]
    assert [r[1] for r in rows] == [3600]
    page = post(client, f"/schedules/{schedule['id']}/delete", "/schedules")
    assert page.status_code == 200 and "No schedules yet." in page.text
    assert api(client, account, "/api/v1/schedules") == []
    assert post(client, f"/schedules/{schedule['id']}/delete", "/schedules").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"name": " ", "days": "mon", "from": "09:00", "to": "10:00"}, "give the schedule a name", "name"),
        ({"name": "x" * 256, "days": "mon", "from": "09:00", "to": "10:00"}, "give the schedule a name", "name"),
        ({"name": "w", "days": "funday", "from": "09:00", "to": "10:00"}, "unknown day", "days"),
        ({"name": "w", "days": "mon", "from": "09:10", "to": "10:00"}, "must fall on a quarter hour", "from"),
        ({"name": "w", "days": "mon", "from": "10:00", "to": "09:00"}, "the end time must be after", "to"),
        ({"name": "w", "days": "mon", "from": "nine", "to": "10:00"}, "must look like 09:00", "from"),
        ({"name": "w", "days": "someday", "from": "09:00", "to": "17:00"}, "unknown day 'someday'", "days"),
        ({"name": "w", "days": "mon", "from": "09:00", "to": "25:00"}, "is not between 00:00 and 24:00", "to"),
    ],
)
def test_bad_schedules_change_nothing(client, account, fields, message, field):
    web_login(client, account.email)
    page = post(client, "/schedules", "/schedules", **fields)
    assert page.status_code == 400 and message in error_of(page.text, field)
    assert api(client, account, "/api/v1/schedules") == []


def test_one_user_cannot_delete_anothers_things(client, account, make_account):
    web_login(client, account.email)
    post(client, "/schedules", "/schedules", name="Mine", days="all", **{"from": "00:00", "to": "24:00"})
    post(client, "/highlights", "/highlights", date="2026-11-30", description="mine")
    post(client, "/alerts", "/alerts", comparison="more", hours="1", target_kind="all_productive")
    ids = {
        "schedules": api(client, account, "/api/v1/schedules")[0]["id"],
        "highlights": api(client, account, "/api/v1/highlights")[0]["id"],
        "alerts": api(client, account, "/api/v1/alerts")[0]["id"],
    }
    client.cookies.clear()
    other = make_account("eve@example.com")
    web_login(client, other.email)
    for kind, found in ids.items():
        assert post(client, f"/{kind}/{found}/delete", f"/{kind}").status_code == 404
        assert post(client, f"/{kind}/99999999999/delete", f"/{kind}").status_code == 404
    for kind in ids:
        assert len(api(client, account, f"/api/v1/{kind}")) == 1


def test_a_lite_account_still_sees_and_deletes_what_it_has(client, db, make_account):
    lite = make_account("former@example.com", plan="lite")
    with db.write() as conn:
        highlights.add(conn, user_id=lite.id, date="2026-11-01", description="from premium days", source=None, now_ms=0)
    web_login(client, lite.email)
    page = client.get("/highlights").text
    assert "Highlights are a premium feature" in page and "from premium days" in page
    (found,) = re.findall(r'action="/highlights/(\d+)/delete"', page)
    deleted = post(client, f"/highlights/{found}/delete", "/highlights")
    assert deleted.status_code == 200 and "No highlights yet." in deleted.text
