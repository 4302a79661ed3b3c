"""Security headers on every answer: no page may be framed (clickjacking of its buttons), nothing is
sniffed into HTML, pages run only this site's scripts, and a page (which may hold a new key or the
account's data) is not kept by the browser's cache."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of, web_login

PAGES = [
    "/",
    "/dashboard",
    "/alerts",
    "/highlights",
    "/schedules",
    "/focus",
    "/offline",
    "/categorize",
    "/settings",
    "/account",
    "/anapi/manage",
    "/oauth/authorized_applications",
]


def assert_page_headers(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = {part.split()[0]: part.split()[1:] for part in response.headers["content-security-policy"].split("; ")}
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no other origin
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "no-store" in response.headers["cache-control"]


@pytest.mark.parametrize("path", PAGES)
def test_every_signed_in_page_carries_them(client, account, path):
    web_login(client, account.email)
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_page_headers(response)


def test_pages_without_a_session_and_error_pages_carry_them(client, account):
    for path in ("/login", "/signup", "/no/such/page"):
        assert_page_headers(client.get(path))
    web_login(client, account.email)
    # A refused form (403) and a page answering a POST.
    assert_page_headers(client.post("/alerts", data={"csrf_token": "forged"}))
    token = csrf_of(client.get("/anapi/manage").text)
    created = client.post("/anapi/manage/keys", data={"name": "phone", "csrf_token": token})
    assert created.status_code == 200 and 'id="new-key"' in created.text
    assert_page_headers(created)  # the new key must not stay in the browser's cache


def test_api_answers_are_not_sniffed_or_framed(client, account):
    # A CSV or JSON body holds user text (an activity named <script>…): never to be read as HTML.
    for path in ("/anapi/data?format=csv", "/api/v1/alerts", "/anapi/no-such-feed", "/healthz"):
        response = client.get(path, params={"key": account.key})
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path


def test_the_api_docs_page_keeps_working_but_cannot_be_framed(client):
    # Swagger UI loads its script and style from a CDN: only the frame rule applies there.
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_body_refused_at_the_door_carries_them_too(client):
    response = client.post(
        "/login", content=b"email=a%00b", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
