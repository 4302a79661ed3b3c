"""The wire's edges: Rails' JSON escapes, CSV fields with a lone CR, dates at the calendar's ends,
digits and ids that only look like numbers, and `restrict_source_type=all`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selftime.compat.render import json_bytes
from tests.conftest import send, span
from tests.golden_data import DAY, ZONE, load

QUERY_ERROR = b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}'


@pytest.fixture
def golden(client, make_account):
    account = make_account("golden@example.com", time_zone=ZONE)
    load(client, account)
    return account


def body(client, account, **params: str) -> bytes:
    response = client.get("/anapi/data", params={"key": account.key, **params})
    assert response.status_code == 200, response.text
    return response.content


def test_json_writes_ampersand_and_angle_brackets_as_rails_does(client, golden):
    category = body(client, golden, rb=DAY, re=DAY, rk="category")
    assert b'"Editing \\u0026 IDEs"' in category
    assert b"&" not in category
    send(client, golden, [span("2026-11-30T11:00:00Z", "2026-11-30T11:01:00Z", "Code", "<b>Tom & Jerry</b>\u2028end")])
    documents = body(client, golden, rb=DAY, re=DAY, rk="document")
    assert b'"\\u003cb\\u003eTom \\u0026 Jerry\\u003c/b\\u003e\\u2028end"' in documents
    assert "\u2028".encode() not in documents
    # Parsed, nothing changed.
    parsed = client.get("/anapi/data", params={"key": golden.key, "rb": DAY, "re": DAY, "rk": "document"}).json()
    assert ["code", "<b>Tom & Jerry</b>\u2028end"] in [row[3:5] for row in parsed["rows"]]


def test_feeds_escape_as_the_data_api_does(client, golden):
    posted = client.post(
        "/anapi/highlights_post", params={"key": golden.key}, data={"highlight_date": DAY, "description": "R&D <fix>"}
    )
    assert posted.status_code == 200, posted.text
    feed = client.get("/anapi/highlights_feed", params={"key": golden.key})
    assert b'"R\\u0026D \\u003cfix\\u003e"' in feed.content
    assert feed.json()[0]["description"] == "R&D <fix>"


def test_csv_quotes_a_field_with_a_lone_carriage_return(client, golden):
    send(client, golden, [span("2026-11-30T11:00:00Z", "2026-11-30T11:01:00Z", "Code", "cr\rx")])
    text = body(client, golden, rb=DAY, re=DAY, rk="document", format="csv").decode()
    assert ',"cr\rx",' in text
    assert text.endswith("\n") and not text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert ["code", "cr\rx", "Editing & IDEs", "2"] in [row[3:] for row in parsed]
    assert len(parsed) == 1 + 8  # the header and the golden day's seven rows plus this one


@pytest.mark.parametrize(
    ("kind", "resolution", "perspective"),
    [
        ("activity", "hour", "rank"),
        ("document", "month", "interval"),
        ("document", "hour", "interval"),
        ("efficiency", "minute", "interval"),
        ("category", "week", "interval"),
    ],
)
def test_ranges_to_the_ends_of_the_calendar_answer_as_the_day_with_time_does(
    client, golden, kind, resolution, perspective
):
    shape = {"rk": kind, "rs": resolution, "pv": perspective}
    tight = body(client, golden, rb=DAY, re=DAY, **shape)
    assert b'"rows":[[' in tight
    wide = (("0001-01-01", "9999-12-31"), ("0001-01-01", DAY), (DAY, "9999-12-31"), ("1900-01-01", "2200-12-31"))
    for begin, end in wide:
        assert body(client, golden, rb=begin, re=end, **shape) == tight, (begin, end)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_days_at_the_ends_of_the_calendar_are_empty_not_errors(client, make_account, zone):
    account = make_account("edge@example.com", time_zone=zone)
    send(client, account, [span("2026-11-30T11:00:00Z", "2026-11-30T11:05:00Z")])
    for day in ("0001-01-01", "9999-12-31"):
        assert body(client, account, rb=day, re=day).endswith(b'"rows":[]}')
        assert body(client, account, rb=day, re=day, pv="interval", rs="month", rk="document").endswith(b'"rows":[]}')


def test_an_account_without_time_gets_empty_reports(client, make_account):
    account = make_account("empty@example.com", time_zone=ZONE)
    assert body(client, account, rb="0001-01-01", re="9999-12-31", rk="document").endswith(b'"rows":[]}')


@pytest.mark.parametrize(
    "params",
    [
        {"rb": "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff13\uff10"},  # full-width digits
        {"rb": "\u0662\u0660\u0662\u0666-11-30"},  # Arabic-Indic digits
        {"rb": DAY, "re": "2026-11-3\u0660"},
        {"restrict_schedule_id": "\u00b2"},  # a superscript two: isdigit() says yes, int() says no
        {"restrict_schedule_id": "99999999999999999999"},
        {"restrict_schedule_id": "-1"},
    ],
)
def test_digits_of_other_scripts_and_ids_that_are_not_ids_are_query_errors(client, golden, params):
    assert body(client, golden, **params) == QUERY_ERROR


def test_source_type_all_is_the_default(client, golden):
    every = body(client, golden, rb=DAY, re=DAY, rk="activity")
    assert body(client, golden, rb=DAY, re=DAY, rk="activity", restrict_source_type="all") == every
    assert body(client, golden, rb=DAY, re=DAY, rk="activity", restrict_source_type="ALL") == every
    assert body(client, golden, rb=DAY, re=DAY, rk="activity", restrict_source_type="mobile") != every


@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from('a&<>\u2028\u2029\u2013é"\\\u00a8 \u20ac')), st.text())))
def test_json_bytes_escapes_exactly_what_rails_escapes(values):
    written = json_bytes({"rows": values})
    assert json.loads(written) == {"rows": values}
    expected = json.dumps({"rows": values}, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        expected = expected.replace(raw, escaped)
    assert written == expected.encode()


def test_productivity_rows_of_equal_time_order_by_level_ascending(client, make_account):
    """Ties break by name ascending (the contract's decision); a productivity row's name is its level."""
    account = make_account("ties@example.com", time_zone="UTC")
    send(
        client,
        account,
        [
            span("2026-11-29T09:00:00Z", "2026-11-29T09:10:00Z", "Code"),  # Editing & IDEs: 2
            span("2026-11-29T10:00:00Z", "2026-11-29T10:10:00Z", "Slack"),  # Instant Message: 1
            span("2026-11-29T12:00:00Z", "2026-11-29T12:10:00Z", "Steam"),  # Games: -2
        ],
    )
    rank = json.loads(body(client, account, rb="2026-11-29", rk="productivity"))["rows"]
    assert rank == [[1, 600, 1, -2], [2, 600, 1, 1], [3, 600, 1, 2]]
    interval = json.loads(body(client, account, rb="2026-11-29", rk="productivity", pv="interval", rs="day"))["rows"]
    assert [r[3] for r in interval] == [-2, 1, 2]


READS = [
    "data",
    "daily_summary_feed",
    "alerts_feed",
    "highlights_feed",
    "focustime_started_feed",
    "focustime_ended_feed",
]


@pytest.mark.parametrize("name", READS)
def test_reads_answer_with_a_trailing_slash_as_without(client, golden, name):
    # Real scripts write `/anapi/data/?…` (PHP's curl without FOLLOWLOCATION, Python's urllib): Rails
    # answers that path itself, so a redirect (an empty body to a client that does not follow) is wrong.
    params = {"key": golden.key, "rb": DAY, "re": DAY, "format": "csv", "op": "list"}
    plain = client.get(f"/anapi/{name}", params=params)
    slash = client.get(f"/anapi/{name}/", params=params, follow_redirects=False)
    assert slash.status_code == 200, slash.headers
    assert (slash.content, slash.headers["content-type"]) == (plain.content, plain.headers["content-type"])
    posted = client.post(f"/anapi/{name}/", data=params, follow_redirects=False)
    assert (posted.status_code, posted.content) == (200, plain.content)


def test_posts_answer_with_a_trailing_slash(client, golden):
    key = {"key": golden.key}
    highlight = {"highlight_date": DAY, "description": "slash"}
    posted = client.post("/anapi/highlights_post/", params=key, data=highlight, follow_redirects=False)
    assert posted.status_code == 200, posted.headers
    assert posted.json()["description"] == "slash"
    started = client.post("/anapi/start_focustime/", params=key, data={"duration": 5}, follow_redirects=False)
    assert started.status_code == 200, started.headers
    ended = client.post("/anapi/end_focustime/", params=key, follow_redirects=False)
    assert ended.status_code == 200, ended.headers
    offline = {"start_time": f"{DAY} 07:00:00", "duration": 15, "activity_name": "Call"}
    logged = client.post("/anapi/offline_time_post/", params=key, json=offline, follow_redirects=False)
    assert logged.status_code == 200, logged.headers
    # A wrong method is still 405 with the error object, and the key page stays a page.
    assert client.get("/anapi/highlights_post/", params=key, follow_redirects=False).status_code == 405
