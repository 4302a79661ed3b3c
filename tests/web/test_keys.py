"""/anapi/manage: API keys in the web pages — created and shown once, listed by prefix, revoked."""

from __future__ import annotations

import re

from selftime.store.keys import PREFIX_LENGTH
from tests.conftest import csrf_of, data, send, span, web_login

KEY_NOT_FOUND = {"error": "# key not found", "messages": "key not found"}


def create(client, name: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/anapi/manage").text)
    return client.post("/anapi/manage/keys", data={"name": name, "csrf_token": token})


def shown_key(html: str) -> str:
    found = re.search(r'<code class="secret" id="new-key">([^<]+)</code>', html)
    assert found, "the new key is not on the page"
    return found[1]


def test_the_page_needs_a_login(client):
    response = client.get("/anapi/manage", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fanapi%2Fmanage"
    assert client.post("/anapi/manage/keys", data={"name": "x"}, follow_redirects=False).status_code == 303


def test_create_use_list_and_revoke_a_key(client, account):
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z")])
    web_login(client, account.email)
    page = create(client, "phone")
    assert page.status_code == 200
    key = shown_key(page.text)
    assert data(client, account, restrict_begin="2026-11-30")["rows"] == [[1, 600, 1, "code", "Editing & IDEs", 2]]
    rows = client.get("/anapi/data", params={"key": key, "restrict_begin": "2026-11-30"}).json()["rows"]
    assert rows == [[1, 600, 1, "code", "Editing & IDEs", 2]]

    listing = client.get("/anapi/manage").text
    assert key not in listing  # shown once: afterwards only its prefix
    assert f"<code>{key[:PREFIX_LENGTH]}…</code>" in listing
    assert "phone" in listing and "Revoke the key phone" in listing

    key_id = re.search(
        r'action="/anapi/manage/keys/(\d+)/revoke"[^>]*>\s*<input[^>]*>\s*<button[^>]*'
        r'aria-label="Revoke the key phone"',
        listing,
    )
    assert key_id
    token = csrf_of(listing)
    revoked = client.post(f"/anapi/manage/keys/{key_id[1]}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 200 and "The key is revoked" in revoked.text
    assert client.get("/anapi/data", params={"key": key}).json() == KEY_NOT_FOUND
    assert data(client, account, restrict_begin="2026-11-30")["rows"]  # the other key still works


def test_a_name_is_required(client, account):
    web_login(client, account.email)
    for name in ("", "   ", "x" * 256):
        answer = create(client, name)
        assert answer.status_code == 400 and "Give the key a name" in answer.text
        assert 'id="new-key"' not in answer.text


def test_another_users_key_cannot_be_revoked(client, account, make_account):
    eve = make_account("eve@example.com")
    web_login(client, eve.email)
    token = csrf_of(client.get("/anapi/manage").text)
    with_ids = client.get("/anapi/manage").text
    assert "test" in with_ids  # eve's own key from make_account
    for key_id in (1, 2**63):  # ada's key; an id past the column's range
        answer = client.post(f"/anapi/manage/keys/{key_id}/revoke", data={"csrf_token": token})
        assert answer.status_code == 404 and "There is no such active key." in answer.text
    assert data(client, account)["rows"] == []  # ada's key (id 1) still works


def test_revoking_needs_the_csrf_token(client, account):
    web_login(client, account.email)
    assert client.post("/anapi/manage/keys/1/revoke", data={"csrf_token": "forged"}).status_code == 403
    assert "rows" in data(client, account)
