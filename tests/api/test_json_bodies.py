"""JSON bodies that cannot be read as parameters (api/context.request_params): refused, never stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from selftime.compat.render import QUERY_ERROR
from selftime.db.tables import highlights

HIGHLIGHT = {"highlight_date": "2026-11-29"}


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(highlights)).scalar_one())


@pytest.mark.parametrize(
    "body,message",
    [
        ({**HIGHLIGHT, "description": ["Shipped", "v2"]}, "description must be a string or a number, not a JSON array"),
        (
            {**HIGHLIGHT, "description": "x", "source": {"a": 1}},
            "source must be a string or a number, not a JSON object",
        ),
        ('{"highlight_date": "2026-11-29", "description": "x"', "the body is not valid JSON"),
        (["2026-11-29", "x"], "the JSON body must be an object of parameters"),
    ],
)
def test_a_post_refuses_a_json_body_it_cannot_read(client, account, db, body, message):
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post(
        "/anapi/highlights_post", params={"key": account.key}, headers={"content-type": "application/json"}, **kwargs
    )
    assert (response.status_code, response.json()) == (400, {"error": "# invalid request", "messages": message})
    assert count(db) == 0


def test_offline_time_is_not_stored_with_a_nested_value(client, account):
    body = {"start_time": "2026-11-30 09:00:00", "duration": 30, "activity_name": "Meeting", "activity_details": [1]}
    response = client.post("/anapi/offline_time_post", params={"key": account.key}, json=body)
    assert response.status_code == 400
    assert response.json()["messages"] == "activity_details must be a string or a number, not a JSON array"


def test_an_empty_json_body_is_no_parameters(client, account):
    response = client.post(
        "/anapi/highlights_post",
        params={"key": account.key, "highlight_date": "2026-11-29", "description": "x"},
        headers={"content-type": "application/json"},
        content=b"  ",
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/anapi/data", "/anapi/highlights_feed"])
def test_the_data_api_and_feeds_answer_a_query_error(client, account, path):
    response = client.post(path, params={"key": account.key}, json={"restrict_kind": ["overview"]})
    assert (response.status_code, response.content) == (200, QUERY_ERROR)


# "\ud800" is a valid JSON escape but names no character: such text reached the key lookup or the
# database and failed with a 500.
LONE_SURROGATE = '"\\ud800"'


@pytest.mark.parametrize("name", ["key", "restrict_thing"])
def test_the_data_api_answers_a_query_error_for_a_lone_surrogate(client, account, name):
    fields = {"key": f'"{account.key}"', "restrict_kind": '"activity"', name: LONE_SURROGATE}
    body = "{" + ",".join(f'"{k}": {v}' for k, v in fields.items()) + "}"
    response = client.post("/anapi/data", headers={"content-type": "application/json"}, content=body)
    assert (response.status_code, response.content) == (200, QUERY_ERROR)


def test_a_post_refuses_a_lone_surrogate(client, account, db):
    body = '{"highlight_date": "2026-11-29", "description": ' + LONE_SURROGATE + "}"
    response = client.post(
        "/anapi/highlights_post",
        params={"key": account.key},
        headers={"content-type": "application/json"},
        content=body,
    )
    message = "description is not valid Unicode text (it holds a lone surrogate escape)"
    assert (response.status_code, response.json()) == (400, {"error": "# invalid request", "messages": message})
    assert count(db) == 0


# Nested deeper than Python's recursion limit: json.loads raised RecursionError (not a ValueError), a 500.
TOO_DEEP = "[" * 100_000 + "]" * 100_000


def test_a_post_refuses_json_nested_too_deep(client, account, db):
    for body in (TOO_DEEP, '{"highlight_date": "2026-11-29", "description": ' + TOO_DEEP + "}"):
        response = client.post(
            "/anapi/highlights_post",
            params={"key": account.key},
            headers={"content-type": "application/json"},
            content=body,
        )
        assert response.status_code == 400, response.text
        assert response.json() == {"error": "# invalid request", "messages": "the body is not valid JSON"}
    assert count(db) == 0


def test_the_data_api_answers_a_query_error_for_json_nested_too_deep(client, account):
    response = client.post(
        "/anapi/data", params={"key": account.key}, headers={"content-type": "application/json"}, content=TOO_DEEP
    )
    assert (response.status_code, response.content) == (200, QUERY_ERROR)


def test_a_nul_inside_json_nested_too_deep_is_still_refused(client, account, db):
    # The door's NUL check parses a body holding the escape: too deep for it, the route refuses it.
    body = '{"highlight_date": "2026-11-29", "description": "a\\u0000b", "x": ' + TOO_DEEP + "}"
    response = client.post(
        "/anapi/highlights_post",
        params={"key": account.key},
        headers={"content-type": "application/json"},
        content=body,
    )
    assert response.status_code == 400, response.text
    assert count(db) == 0
