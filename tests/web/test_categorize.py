"""/categorize: activities ranked by the API's own numbers, re-categorized inline for all history."""

from __future__ import annotations

import re

import pytest

from selftime.categorize import categorize
from selftime.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from selftime.store import catalog
from selftime.web.categorize import PAGE_ROWS
from tests.conftest import csrf_of, data, send, span, web_login

DAY = "2026-11-30"


def sub_id(db, name: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        found = [c.id for c in catalog.sub_categories(conn) if c.name == name]
    assert len(found) == 1, name
    return found[0]


def ranked_names(html: str) -> list[str]:
    return re.findall(r'<span class="name">([^<]+)</span>', html)


def save(client, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/categorize").text)
    return client.post("/categorize", data={"csrf_token": token, **fields})


@pytest.fixture
def busy(client, account):  # type: ignore[no-untyped-def]
    send(
        client,
        account,
        [
            span(f"{DAY}T08:00:00Z", f"{DAY}T09:00:00Z", "Code"),
            span(f"{DAY}T09:00:00Z", f"{DAY}T09:30:00Z", "Slack"),
            span(f"{DAY}T09:30:00Z", f"{DAY}T09:40:00Z", "Frobnicator"),
        ],
    )
    web_login(client, account.email)
    return account


def test_the_page_needs_a_login(client):
    response = client.get("/categorize", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fcategorize"
    assert client.post("/categorize", data={"activity": "code"}, follow_redirects=False).status_code == 303


def test_an_empty_account(client, account):
    web_login(client, account.email)
    page = client.get("/categorize")
    assert page.status_code == 200
    assert "No activities yet" in page.text and "2026-11-01 to 2026-11-30" in page.text
    assert ranked_names(page.text) == []


def test_ranked_by_time_with_search_and_uncategorized_first(client, busy):
    page = client.get("/categorize").text
    assert ranked_names(page) == ["code", "slack", "frobnicator"]
    assert "1 h 00 min" in page and "30 min" in page and "10 min" in page
    assert "<optgroup label=" in page and "3 activities, 1 uncategorized" in page
    first = client.get("/categorize", params={"uncategorized": "1"}).text
    assert ranked_names(first) == ["frobnicator", "code", "slack"]
    assert ranked_names(client.get("/categorize", params={"q": "SLA"}).text) == ["slack"]
    # The search also finds activities by their category.
    assert ranked_names(client.get("/categorize", params={"q": "editing"}).text) == ["code"]
    assert "No activity matches" in client.get("/categorize", params={"q": "nothing-like-it"}).text


def test_a_change_applies_to_history_and_the_api_shows_it(client, db, busy):
    assert data(client, busy, restrict_begin=DAY)["rows"][0][3:] == ["code", "Editing & IDEs", 2]
    email = sub_id(db, "Email")
    page = save(client, activity="code", category=str(email), productivity="")
    assert page.status_code == 200 and "is now Email (Communication &amp; Scheduling)" in page.text
    # The category's own productivity, then an explicit one.
    rows = data(client, busy, restrict_begin=DAY)["rows"]
    assert rows[0][3:] == ["code", "Email", 1]
    save(client, activity="code", category=str(email), productivity="-2")
    assert data(client, busy, restrict_begin=DAY)["rows"][0][3:] == ["code", "Email", -2]
    by_category = data(client, busy, restrict_begin=DAY, restrict_kind="category")["rows"]
    assert [r[1:4] for r in by_category if r[3] == "Email"] == [[3600, 1, "Email"]]
    page = client.get("/categorize").text
    assert f'<option value="{email}" selected>Email</option>' in page and '<span class="tag">yours</span>' in page
    # Reset: back to the shipped default.
    page = save(client, activity="code", reset="1")
    assert page.status_code == 200 and "back to its default: Editing &amp; IDEs" in page.text
    assert data(client, busy, restrict_begin=DAY)["rows"][0][3:] == ["code", "Editing & IDEs", 2]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"activity": "code", "category": "999999"}, "choose a sub-category from the list"),
        ({"activity": "code", "category": "", "productivity": "1"}, "choose a sub-category from the list"),
        ({"activity": "code", "category": "EMAIL", "productivity": "3"}, "productivity must be one of"),
        ({"activity": "code", "category": "EMAIL", "productivity": "lots"}, "productivity must be one of"),
        ({"activity": "vim", "category": "EMAIL"}, "you have no activity named"),
        ({"activity": "", "category": "EMAIL"}, "you have no activity named"),
    ],
)
def test_bad_input_changes_nothing(client, db, busy, make_account, fields, message):
    other = make_account("bob@example.com")
    send(client, other, [span(f"{DAY}T08:00:00Z", f"{DAY}T08:05:00Z", "Vim")])
    email = str(sub_id(db, "Email"))
    fields = {k: email if v == "EMAIL" else v for k, v in fields.items()}
    before = data(client, busy, restrict_begin=DAY)["rows"]
    with db.read() as conn:
        mine, theirs = catalog.categorization(conn, busy.id), catalog.categorization(conn, other.id)
    page = save(client, **fields)
    assert page.status_code == 400 and message in page.text and "Nothing changed" in page.text
    assert data(client, busy, restrict_begin=DAY)["rows"] == before
    with db.read() as conn:
        # Not even a new activity row for a name the user never had, nor a change to another user's.
        assert catalog.categorization(conn, busy.id) == mine
        assert catalog.categorization(conn, other.id) == theirs


def test_the_form_needs_its_csrf_token(client, db, busy):
    response = client.post("/categorize", data={"activity": "code", "category": str(sub_id(db, "Email"))})
    assert response.status_code == 403
    assert data(client, busy, restrict_begin=DAY)["rows"][0][3:] == ["code", "Editing & IDEs", 2]


def test_every_listed_sub_category_is_the_one_stored(db, account):
    """The form sends a sub-category id; categorize() takes names: each (name, top) must name that id."""
    with db.write() as conn:
        subs = catalog.sub_categories(conn)
        for c in subs:
            info = categorize(conn, user_id=account.id, activity="code", category=c.name, top=c.top, productivity=None)
            assert (info.sub_id, info.top) == (c.id, c.top)
    assert len(subs) > 50


def test_the_demo_account_matches_the_api(client, db, clock):
    _email, key = ensure_demo(db, clock())
    web_login(client, DEMO_EMAIL, DEMO_PASSWORD)
    page = client.get("/categorize")
    assert page.status_code == 200
    api = client.get(
        "/anapi/data",
        params={"key": key, "format": "json", "restrict_begin": "2026-11-01", "restrict_end": "2026-11-30"},
    ).json()["rows"]
    ranked = [r[3] for r in api]
    assert len(ranked) > 20
    # The API's ranking (ties aside, by name), page after page; every activity has time in the range.
    expected = [r[3] for r in sorted(api, key=lambda r: (-r[1], r[3]))]
    pages = -(-len(expected) // PAGE_ROWS)
    assert pages > 1 and f"page 1 of {pages}" in page.text and 'rel="next"' in page.text
    shown = [name for n in range(1, pages + 1) for name in ranked_names(client.get(f"/categorize?page={n}").text)]
    assert shown == expected
    top_minutes = round(api[0][1] / 60)
    assert f"{top_minutes // 60} h {top_minutes % 60:02d} min" in page.text
    # A page past the end shows the last one.
    assert ranked_names(client.get("/categorize?page=999").text) == expected[(pages - 1) * PAGE_ROWS :]


def _level_select(html: str, activity: str) -> str:
    found = re.search(
        rf'<select name="productivity" aria-label="Productivity of {activity}">(.*?)</select>', html, re.S
    )
    assert found, f"no productivity select for {activity}"
    return found[1]


def test_a_category_change_keeps_following_the_categorys_productivity(client, db, busy):
    email, games = sub_id(db, "Email"), sub_id(db, "Games")
    save(client, activity="code", category=str(email), productivity="")
    # Only the category is the user's: the level select still says "category default".
    assert " selected>" not in _level_select(client.get("/categorize").text, "code")
    save(client, activity="code", category=str(games), productivity="")
    assert data(client, busy, restrict_begin=DAY)["rows"][0][3:] == ["code", "Games", -2]
    # An explicit level is shown as chosen.
    save(client, activity="code", category=str(games), productivity="1")
    assert '<option value="1" selected>' in _level_select(client.get("/categorize").text, "code")
