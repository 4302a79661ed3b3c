"""Shipped taxonomy and rules, and per-user re-categorization that applies to all history."""

from __future__ import annotations

import pytest

from selftime.domain.rules import default_category_id, default_rules
from selftime.domain.taxonomy import SUB_CATEGORIES, TOP_LEVEL, UNCATEGORIZED_SUB_ID, seed_rows
from tests.conftest import data, send, span


def test_taxonomy_has_the_eleven_top_level_categories_and_their_subs():
    tops = [r for r in seed_rows() if r.parent_id is None]
    assert [t.name for t in tops] == [name for name, _stem in TOP_LEVEL]
    assert len(tops) == 11
    subs = [r for r in seed_rows() if r.parent_id is not None]
    assert len(subs) == sum(len(v) for v in SUB_CATEGORIES.values()) == 68
    by_name = {(next(t.name for t in tops if t.id == s.parent_id), s.name): s.productivity for s in subs}
    assert by_name[("Communication & Scheduling", "Email")] == 1
    assert by_name[("News & Opinion", "Business")] == -1
    assert by_name[("Utilities", "File Sharing")] == -2
    assert by_name[("Reference & Learning", "Home & Garden")] == 0


def test_default_rules_cover_hundreds_of_apps_and_sites():
    rules = default_rules()
    assert len(rules) >= 300
    assert sum("." in k for k in rules) >= 150 and sum("." not in k for k in rules) >= 150


@pytest.mark.parametrize(
    ("name", "top", "sub"),
    [
        ("code", "Software Development", "Editing & IDEs"),
        ("github.com", "Software Development", "General Software Development"),
        ("gist.github.com", "Software Development", "General Software Development"),
        ("mail.google.com", "Communication & Scheduling", "Email"),
        ("maps.google.com", "Reference & Learning", "Maps & Regional"),
        ("google.com", "Reference & Learning", "Search"),
        ("youtube.com", "Entertainment", "Video"),
        ("slack", "Communication & Scheduling", "Instant Message"),
        ("firefox", "Utilities", "Browsers"),
        ("something-unknown", "Uncategorized", "Uncategorized"),
    ],
)
def test_default_rule_lookup(name, top, sub):
    rows = {r.id: r for r in seed_rows()}
    found = rows[default_category_id(name)]
    assert (rows[found.parent_id].name, found.name) == (top, sub)  # type: ignore[index]


def test_unmatched_is_uncategorized_zero(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "zzz-unknown")])
    assert data(client, account, restrict_begin="2026-11-30")["rows"] == [[1, 60, 1, "zzz-unknown", "Uncategorized", 0]]
    assert default_category_id("zzz-unknown") == UNCATEGORIZED_SUB_ID


def post(client, account, body):
    return client.post("/api/v1/categorizations", json=body, headers={"Authorization": f"Bearer {account.key}"})


def test_recategorization_applies_to_history_at_once(client, account):
    send(client, account, [span("2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z", "Code", "a.py")])
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:30:00Z", "Code", "b.py")])
    before = data(client, account, restrict_begin="2026-11-01", restrict_end="2026-11-30", restrict_kind="overview")
    assert before["rows"] == [[1, 5400, 1, "Software Development"]]

    response = post(client, account, {"activity": "Code", "category": "Games"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": response.json()["id"],
        "name": "code",
        "category": "Games",
        "top_category": "Entertainment",
        "productivity": -2,
        "overridden": True,
    }
    after = data(client, account, restrict_begin="2026-11-01", restrict_end="2026-11-30", restrict_kind="activity")
    assert after["rows"] == [[1, 5400, 1, "code", "Games", -2]]

    post(client, account, {"activity": "code", "productivity": 1})
    assert data(client, account, restrict_begin="2026-11-01", restrict_end="2026-11-30")["rows"] == [
        [1, 5400, 1, "code", "Games", 1]
    ]
    post(client, account, {"activity": "code", "reset": True})
    assert data(client, account, restrict_begin="2026-11-01", restrict_end="2026-11-30")["rows"] == [
        [1, 5400, 1, "code", "Editing & IDEs", 2]
    ]


def test_ambiguous_sub_category_needs_its_top(client, account):
    response = post(client, account, {"activity": "bloomberg.com", "category": "Business"})
    assert response.status_code == 400
    assert "several places (Business, News & Opinion)" in response.json()["messages"]
    ok = post(client, account, {"activity": "bloomberg.com", "category": "Business", "top_category": "News & Opinion"})
    assert ok.json()["productivity"] == -1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"activity": "code", "category": "No Such Thing"}, "no sub-category"),
        ({"activity": "code", "productivity": 3}, "less than or equal to 2"),
        ({"activity": "code"}, "give a category"),
        ({"activity": ""}, "at least 1 character"),
        ({"activity": "code", "colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_categorization_is_refused_and_changes_nothing(client, account, body, message):
    response = post(client, account, body)
    assert response.status_code == 400
    assert message in response.json()["messages"]
    listing = client.get("/api/v1/activities", headers={"Authorization": f"Bearer {account.key}"}).json()
    assert all(not a["overridden"] for a in listing)


def test_categories_listing(client, account):
    listing = client.get("/api/v1/categories", params={"key": account.key}).json()
    assert len(listing) == 68
    assert {
        "id": listing[0]["id"],
        "name": "General Business",
        "top_category": "Business",
        "productivity": 2,
    } == listing[0]


def test_malformed_path_parameter_is_a_400_with_the_error_object(client, account):
    response = client.delete("/api/v1/schedules/abc", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "# invalid request"
    assert body["messages"].startswith("path.schedule_id:")


def test_cached_categorization_follows_changes_made_outside_the_api(client, account, db):
    from selftime.categorize import categorize

    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code")])
    assert data(client, account, restrict_begin="2026-11-30")["rows"] == [[1, 600, 1, "code", "Editing & IDEs", 2]]
    with db.write() as conn:  # as the CLI does, behind the server's back
        categorize(conn, user_id=account.id, activity="code", category="Games", top=None, productivity=None)
    assert data(client, account, restrict_begin="2026-11-30")["rows"] == [[1, 600, 1, "code", "Games", -2]]
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:01:00Z", "Brand-New-App")])
    rows = data(client, account, restrict_begin="2026-11-30")["rows"]
    assert rows == [[1, 600, 1, "code", "Games", -2], [2, 60, 1, "brand-new-app", "Uncategorized", 0]]


def test_ids_beyond_the_integer_range_name_nothing(client, account):
    huge = "99999999999999999999"
    response = client.delete(f"/api/v1/schedules/{huge}", headers={"Authorization": f"Bearer {account.key}"})
    assert response.status_code == 404
    assert response.json()["error"] == "# not found"
    assert data(client, account, restrict_schedule_id=huge) == {
        "error": "# query error",
        "messages": "Error: Likely a badly formatted or missing parameter",
    }
