"""Alerts over the API: /api/v1/alerts (define, list, change, delete) and /anapi/alerts_feed."""

from __future__ import annotations

import pytest

from tests.api.alert_helpers import (
    KEY_NOT_FOUND,
    QUERY_ERROR,
    UNAUTHORIZED,
    at,
    bearer,
    define,
    defined,
    feed,
    listed,
    productive,
    status,
    trigger_rows,
)
from tests.conftest import send, span

# --- /api/v1/alerts ------------------------------------------------------------------------------


def test_create_answers_the_alert_and_list_shows_it(client, account):
    response = define(
        client, account, comparison="more", hours=2.5, target_kind="sub_category", target="editing & ides"
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    created = response.json()
    assert isinstance(created["id"], int)
    assert created == {
        "id": created["id"],
        "comparison": "more",
        "hours": 2.5,
        "target_kind": "sub_category",
        "target": "Editing & IDEs",
        "description": "More than 2.5 hours a day on Editing & IDEs",
        "created_at": "2026-11-30T12:00:00.000+00:00",
    }
    other = defined(client, account, comparison="less", hours=1, target_kind="productivity", target=-2)
    assert listed(client, account) == [created, other]
    assert (other["target"], other["description"]) == ("-2", "Less than 1 hour a day on Very Distracting Time")


@pytest.mark.parametrize(
    ("kind", "target", "stored", "description"),
    [
        ("all_productive", None, None, "More than 3 hours a day on All Productive Time"),
        ("all_distracting", None, None, "More than 3 hours a day on All Distracting Time"),
        ("productivity", "0", "0", "More than 3 hours a day on Neutral Time"),
        ("category", "news & opinion", "News & Opinion", "More than 3 hours a day on News & Opinion"),
        ("sub_category", "Business", "Business", "More than 3 hours a day on Business"),
        ("activity", "www.YouTube.com", "youtube.com", "More than 3 hours a day on youtube.com"),
    ],
)
def test_every_kind_of_target(client, account, kind, target, stored, description):
    created = defined(client, account, comparison="more", hours=3, target_kind=kind, target=target)
    assert (created["target_kind"], created["target"], created["description"]) == (kind, stored, description)


REFUSALS = [
    ({"hours": 1, "target_kind": "all_productive"}, "comparison: Field required"),
    (
        {"comparison": "equal", "hours": 1, "target_kind": "all_productive"},
        "comparison: Input should be 'more' or 'less'",
    ),
    ({"comparison": "more", "hours": 0, "target_kind": "all_productive"}, "hours must be more than 0 (got 0)"),
    ({"comparison": "more", "hours": -1.5, "target_kind": "all_productive"}, "hours must be more than 0 (got -1.5)"),
    (
        {"comparison": "more", "hours": 25, "target_kind": "all_productive"},
        "hours may be at most 24, the length of a day (got 25)",
    ),
    (
        {"comparison": "more", "hours": "two", "target_kind": "all_productive"},
        "hours: Input should be a valid number, unable to parse string as a number",
    ),
    ({"comparison": "more", "target_kind": "all_productive"}, "hours: Field required"),
    (
        {"comparison": "more", "hours": 1, "target_kind": "everything"},
        "target_kind: Input should be 'all_productive', 'all_distracting', 'productivity', 'category', "
        "'sub_category' or 'activity'",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "all_productive", "target": "code"},
        "target_kind all_productive takes no target (got 'code')",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "productivity", "target": 3},
        "a productivity level is one of -2, -1, 0, 1, 2 (got 3)",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "category", "target": "Gaming"},
        "no top-level category named 'Gaming'",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "category", "target": "Editing & IDEs"},
        "no top-level category named 'Editing & IDEs' (that is a sub-category)",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "sub_category", "target": "Gaming"},
        "no sub-category named 'Gaming'",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "activity"},
        "target_kind activity needs a target: the activity name",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "activity", "target": "x" * 256},
        "an activity name is 1 to 255 characters (got 256)",
    ),
    (
        {"comparison": "more", "hours": 1, "target_kind": "all_productive", "amount": 1},
        "amount: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("body", "message"), REFUSALS)
def test_create_refusals_store_nothing(client, account, body, message):
    response = client.post("/api/v1/alerts", json=body, headers=bearer(account))
    assert response.status_code == 400
    assert response.json() == {"error": "# invalid alert", "messages": message}
    assert listed(client, account) == []


def test_create_refuses_hours_that_are_not_a_number(client, account):
    body = b'{"comparison": "more", "hours": NaN, "target_kind": "all_productive"}'
    response = client.post("/api/v1/alerts", content=body, headers=bearer(account))
    assert response.status_code == 400
    assert response.json() == {"error": "# invalid alert", "messages": "hours must be a number (got nan)"}
    assert listed(client, account) == []


def test_create_refuses_a_body_that_is_not_json(client, account):
    response = client.post("/api/v1/alerts", content=b"more than 2 hours", headers=bearer(account))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "# invalid alert" and body["messages"].startswith("body: Invalid JSON")
    assert listed(client, account) == []


def test_alerts_api_needs_a_valid_key(client, account):
    created = productive(client, account)
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answers = [
            client.get("/api/v1/alerts", headers=headers),
            client.post("/api/v1/alerts", json={"comparison": "more"}, headers=headers),
            client.delete(f"/api/v1/alerts/{created['id']}", headers=headers),
        ]
        assert [(r.status_code, r.json()) for r in answers] == [(401, UNAUTHORIZED)] * 3
    by_param = client.get("/api/v1/alerts", params={"key": account.key})
    assert by_param.status_code == 200 and by_param.json() == [created]


def test_delete_removes_the_alert_and_its_triggers(client, account, db):
    created = productive(client, account, hours=0.1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    assert len(status(client, account)) == 1
    response = client.delete(f"/api/v1/alerts/{created['id']}", headers=bearer(account))
    assert (response.status_code, response.json()) == (200, {"deleted": created["id"]})
    assert listed(client, account) == [] and status(client, account) == [] and trigger_rows(db) == []
    again = client.delete(f"/api/v1/alerts/{created['id']}", headers=bearer(account))
    assert again.status_code == 404
    assert again.json() == {"error": "# not found", "messages": f"no alert {created['id']} for this user"}


def test_another_users_alert_is_invisible_and_cannot_be_deleted(client, account, make_account):
    created = productive(client, account)
    eve = make_account("eve@example.com")
    response = client.delete(f"/api/v1/alerts/{created['id']}", headers=bearer(eve))
    assert response.status_code == 404
    assert response.json() == {"error": "# not found", "messages": f"no alert {created['id']} for this user"}
    assert listed(client, eve) == [] and listed(client, account) == [created]


def test_delete_of_an_id_beyond_any_integer_column(client, account):
    response = client.delete("/api/v1/alerts/99999999999999999999", headers=bearer(account))
    assert response.status_code == 404


def test_delete_needs_an_integer_id(client, account):
    response = client.delete("/api/v1/alerts/first", headers=bearer(account))
    assert response.status_code == 400
    assert response.json() == {
        "error": "# invalid request",
        "messages": "path.alert_id: Input should be a valid integer, unable to parse string as an integer",
    }


# --- /anapi/alerts_feed --------------------------------------------------------------------------


def test_op_list_exact_body(client, account):
    more = productive(client, account, hours=1)
    less = defined(client, account, comparison="less", hours=0.75, target_kind="activity", target="GitHub.com")
    response = feed(client, account, op="list")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert (
        response.content
        == (
            f'[{{"id":{more["id"]},"description":"More than 1 hour a day on All Productive Time","amount":1.0}},'
            f'{{"id":{less["id"]},"description":"Less than 0.75 hours a day on github.com","amount":0.75}}]'
        ).encode()
    )


def test_op_status_exact_body_newest_first(client, account, clock):
    first = productive(client, account, hours=0.1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    clock.set(at("2026-12-01T08:30:00+00:00"))
    send(client, account, [span("2026-12-01T08:00:00Z", "2026-12-01T08:20:00Z")])
    response = feed(client, account, op="status")
    ids = [t["id"] for t in response.json()]
    assert (
        response.content
        == (
            f'[{{"id":{ids[0]},"alert_id":{first["id"]},"description":"You spent 0.3 hours on All Productive Time.",'
            f'"created_at":"2026-12-01T08:30:00.000+00:00"}},'
            f'{{"id":{ids[1]},"alert_id":{first["id"]},"description":"You spent 0.2 hours on All Productive Time.",'
            f'"created_at":"2026-11-30T12:00:00.000+00:00"}}]'
        ).encode()
    )


def test_status_is_the_default_op_and_any_way_of_asking_works(client, account):
    productive(client, account, hours=0.1)
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    expected = status(client, account, op="status")
    assert len(expected) == 1
    assert status(client, account) == expected
    assert status(client, account, op="", alert_id="", format="csv", version="0") == expected
    assert status(client, account, op="STATUS") == expected
    by_form = client.post("/anapi/alerts_feed", data={"key": account.key, "op": "status"})
    by_bearer = client.get("/anapi/alerts_feed", headers=bearer(account))
    assert by_form.json() == expected and by_bearer.json() == expected


def test_alert_id_filter(client, account, make_account):
    code = defined(client, account, comparison="more", hours=0.1, target_kind="activity", target="code")
    slack = defined(client, account, comparison="more", hours=0.1, target_kind="activity", target="slack")
    send(
        client,
        account,
        [
            span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code"),
            span("2026-11-30T09:10:00Z", "2026-11-30T09:30:00Z", "Slack"),
        ],
    )
    assert sorted(t["alert_id"] for t in status(client, account)) == sorted([code["id"], slack["id"]])
    only = status(client, account, alert_id=str(slack["id"]))
    assert [(t["alert_id"], t["description"]) for t in only] == [(slack["id"], "You spent 0.3 hours on slack.")]
    eve = make_account("eve@example.com")
    assert status(client, eve, alert_id=str(slack["id"])) == []
    assert status(client, account, alert_id="99999") == []
    assert status(client, account, alert_id="99999999999999999999") == []


@pytest.mark.parametrize(
    "params", [{"op": "triggered"}, {"alert_id": "first"}, {"alert_id": "-1"}, {"alert_id": "1.0"}]
)
def test_unknown_op_or_non_integer_alert_id_is_a_query_error(client, account, params):
    productive(client, account)
    response = feed(client, account, **params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == QUERY_ERROR


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_feed_with_a_missing_or_wrong_key(client, method, key):
    params = {"op": "list"} if key is None else {"op": "list", "key": key}
    response = client.request(method, "/anapi/alerts_feed", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == KEY_NOT_FOUND


def test_lite_user_gets_empty_feeds_and_triggers_nothing(client, make_account, db):
    lite = make_account(plan="lite")
    created = productive(client, lite, hours=0.1)  # defining is allowed on any plan
    send(client, lite, [span("2026-11-30T09:00:00Z", "2026-11-30T09:30:00Z")])
    for params in ({"op": "list"}, {"op": "status"}, {}, {"op": "bogus"}):
        response = feed(client, lite, **params)
        assert (response.status_code, response.content) == (200, b"[]")
    assert listed(client, lite) == [created]
    assert trigger_rows(db) == []
