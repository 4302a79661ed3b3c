"""Ingest at its edges: times that are not RFC 3339, times before 1970, NUL characters, and URLs that
are not web pages or have no scheme."""

from __future__ import annotations

import pytest

from selftime.db.tables import batches, rollups, spans
from tests.conftest import batch, data, send, span
from tests.test_ingest import GOOD, activity_rows, count, document_rows, post


def refused(client, account, db, bad: dict, *, problem: str, batch_id: str = "edge-1") -> None:  # type: ignore[no-untyped-def]
    """The batch with `bad` third is refused whole, naming spans[2] and the problem; nothing is stored."""
    response = post(client, account.key, batch([*GOOD, bad], batch_id=batch_id))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "# invalid batch"
    assert "spans[2]" in body["messages"] and problem in body["messages"], body["messages"]
    assert (count(db, spans), count(db, batches), count(db, rollups)) == (0, 0, 0)


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (1796036400, "spans[2].start"),  # a Unix time as a number: not text at all
        (1.7963e9, "spans[2].start"),
        ("1796036400", "is not an RFC 3339 date-time"),  # pydantic's datetime would take it
        ("1796036400000", "is not an RFC 3339 date-time"),
        ("2026-11-30", "is not an RFC 3339 date-time"),
        ("2026-11-30T09:00Z", "is not an RFC 3339 date-time"),
        ("\uff12\uff10\uff12\uff16-11-30T09:00:00Z", "is not an RFC 3339 date-time"),
        ("2026-11-30T09:00:00+25:00", "is not a valid time"),
        ("2026-11-30T08:59:60Z", "is not a valid time"),
        ("2026-02-30T09:00:00Z", "is not a valid time"),
    ],
)
def test_times_must_be_rfc_3339_text(client, account, db, start, problem):
    refused(client, account, db, {**span("x", "2026-11-30T09:01:00Z"), "start": start}, problem=problem)


def test_rfc_3339_forms_are_all_read(client, account):
    sent = [
        span("2026-11-30t09:00:00z", "2026-11-30 09:01:00+00:00"),
        span("2026-11-30T10:01:00.000000001+01:00", "2026-11-30T09:02:30.5Z", app="Term"),
    ]
    assert send(client, account, sent)["recorded_seconds"] == 60 + 90.5
    assert [row[1] for row in activity_rows(client, account)] == [91, 60]


def test_times_before_1970_are_refused(client, account, db):
    refused(client, account, db, span("1969-12-31T23:59:00Z", "1970-01-01T00:01:00Z"), problem="before 1970")


@pytest.mark.parametrize(
    ("field", "where"),
    [("application", "spans"), ("title", "spans"), ("url", "spans"), ("batch_id", "batch"), ("device", "device")],
)
def test_a_nul_character_anywhere_refuses_the_batch(client, account, db, field, where):
    body = batch([dict(s) for s in GOOD], batch_id="nul-1")
    if where == "spans":
        body["spans"][1] = {**body["spans"][1], field: "a\u0000b" if field != "url" else "https://a\u0000b.com/"}
    elif where == "batch":
        body["batch_id"] = "nul\u00001"
    else:
        body["device"]["id"] = "lap\u0000top"
    response = post(client, account.key, body)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": "# invalid request",
        "messages": "NUL characters (U+0000) are not accepted in any parameter or field",
    }
    assert (count(db, spans), count(db, batches)) == (0, 0)
    assert send(client, account, GOOD, batch_id="nul-1")["accepted"] == 2


def test_the_text_backslash_u0000_is_not_a_nul(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "Code", "print('\\u0000')")])
    assert document_rows(client, account)[0][4] == "print('\\u0000')"


def test_nul_in_other_surfaces_is_refused_with_their_error(client, account, db):
    data = client.get("/anapi/data", params={"key": account.key, "restrict_thing": "co\u0000de"})
    assert (data.status_code, data.content) == (
        200,
        b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}',
    )
    posted = client.post(
        "/anapi/highlights_post",
        params={"key": account.key},
        data={"highlight_date": "2026-11-30", "description": "a\x00"},
    )
    assert posted.status_code == 400 and posted.json()["error"] == "# invalid request"
    offline = client.post(
        "/anapi/offline_time_post",
        params={"key": account.key},
        json={"start_time": "2026-11-30 08:00:00", "end_time": "2026-11-30 09:00:00", "activity_name": "Lunch\u0000"},
    )
    assert offline.status_code == 400 and offline.json()["error"] == "# invalid request"
    page = client.post("/login", data={"email": "ada@example.com\x00", "password": "x"})
    assert page.status_code == 400 and "NUL" in page.text
    assert count(db, spans) == 0


@pytest.mark.parametrize(
    ("url", "activity"),
    [
        ("about:blank", "firefox"),  # not a web page: the application names the span
        ("file:///home/ada/report.pdf", "firefox"),
        ("chrome-extension://abcdef/popup.html", "firefox"),
        ("mailto:ada@example.com", "firefox"),
        ("github.com/selftime/issues", "github.com"),  # no scheme: read as http
        ("www.example.org/path", "example.org"),
        ("localhost:3000/dashboard", "localhost"),
        ("HTTPS://WWW.GitHub.COM./x", "github.com"),
    ],
)
def test_pages_off_the_web_are_named_by_their_application(client, account, url, activity):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "Firefox", "Page", url)])
    assert [row[3:5] for row in document_rows(client, account)] == [[activity, "Page"]]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("about:blank", "url 'about:blank' is not a web page, so an application must name the span"),
        ("https:///nohost", "url has no host name"),
        ("http://a b/", "url has no host name"),
        ("http://[::1/", "url is not a valid URL"),
    ],
)
def test_urls_that_name_no_site_and_no_application_are_refused(client, account, db, url, problem):
    refused(client, account, db, span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", None, "t", url), problem=problem)


def test_control_characters_in_an_application_name_read_as_one_space(client, account):
    """A line break in a name could not be sent back from a page (browsers send CR LF): the activity
    is stored with a space, and the title keeps what the window said."""
    send(
        client,
        account,
        [
            span("2026-11-29T09:00:00Z", "2026-11-29T09:01:00Z", "Foo\nBar", "a\tb"),
            span("2026-11-29T09:01:00Z", "2026-11-29T09:02:00Z", " Foo\r\n\tBar\x7f"),
        ],
    )
    rows = data(client, account, perspective="rank", restrict_kind="document", restrict_begin="2026-11-29")["rows"]
    assert [(r[3], r[4]) for r in rows] == [("foo bar", "No Details"), ("foo bar", "a\tb")]
