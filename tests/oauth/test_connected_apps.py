"""/oauth/authorized_applications: the apps a user connected, and revoking one at once."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import DEFAULT_NOW, csrf_of, web_login
from tests.oauth.conftest import authorize, exchange, refresh, register, token_for

PAGE = "/oauth/authorized_applications"


def works(client, token: str) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/api/oauth/daily_summary_feed", params={"access_token": token}).status_code == 200


def revoke_form(html: str, name: str) -> str:
    found = re.search(
        rf'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]+>\s*<button[^>]*aria-label="Revoke {name}"', html
    )
    assert found, f"no revoke button for {name}"
    return found[1]


def test_the_page_needs_a_login(client):
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_the_page_lists_each_connected_app_with_its_scopes_in_plain_words(client, account, db, clock):
    web_login(client, account.email)
    graphs = register(db, clock, "Time Graphs")
    coach = register(db, clock, "Focus Coach")
    assert "No applications are connected" in client.get(PAGE).text
    token_for(client, graphs, "time_data")
    clock.set(DEFAULT_NOW + dt.timedelta(days=2, hours=3))
    token_for(client, graphs, "category_data")  # a second grant adds its scope to the same row
    token_for(client, coach, "focustime_data,highlight_data")
    page = client.get(PAGE).text
    assert page.count('aria-label="Revoke ') == 2
    # Sorted by name: Focus Coach first.
    coach_row = page[page.index(f'id="app-{coach.id}"') : page.index(f'id="app-{graphs.id}"')]
    graphs_row = page[page.index(f'id="app-{graphs.id}"') :]
    assert "Your full time history" in graphs_row and "Time per category" in graphs_row
    assert "2026-11-30 12:00" in graphs_row  # connected since the first grant
    assert "Your daily highlights" in coach_row and "Your focus sessions" in coach_row
    assert "2026-12-02 15:00" in coach_row
    # In the table's order (RescueTime's), not the order the app asked in.
    assert coach_row.index("Your daily highlights") < coach_row.index("Your focus sessions")


def test_revoking_an_app_ends_every_token_and_unused_code_of_it_at_once(client, account, oauth_app, db, clock):
    web_login(client, account.email)
    first = token_for(client, oauth_app, "time_data")
    second = token_for(client, oauth_app, "time_data category_data")
    pending = authorize(client, oauth_app)  # issued, not yet exchanged
    other_app = register(db, clock, "Other App")
    kept = token_for(client, other_app, "time_data")
    page = client.get(PAGE).text
    response = client.post(revoke_form(page, oauth_app.name), data={"csrf_token": csrf_of(page)})
    assert response.status_code == 200
    assert "Time Graphs can no longer read your data" in response.text
    assert 'aria-label="Revoke Time Graphs"' not in response.text
    assert 'aria-label="Revoke Other App"' in response.text
    for token in (first, second):
        assert not works(client, token["access_token"])
        assert refresh(client, oauth_app, token["refresh_token"]).status_code == 400
    assert exchange(client, oauth_app, pending).status_code == 400
    assert works(client, kept["access_token"])
    # The app can ask again, and a new grant works.
    assert works(client, token_for(client, oauth_app, "time_data")["access_token"])


def test_revoking_needs_the_csrf_token(client, account, oauth_app):
    web_login(client, account.email)
    token = token_for(client, oauth_app, "time_data")
    page = client.get(PAGE).text
    response = client.post(revoke_form(page, oauth_app.name), data={})
    assert response.status_code == 403
    assert works(client, token["access_token"])


def test_one_cannot_revoke_an_app_one_has_not_connected(client, account, make_account, oauth_app):
    bob = make_account("bob@example.com")
    web_login(client, bob.email)
    bobs = token_for(client, oauth_app, "time_data")
    client.cookies.clear()
    web_login(client, account.email)
    page = client.get(PAGE).text
    for app_id in (oauth_app.id, 2**63):  # bob's app; an id past the column's range
        response = client.post(f"{PAGE}/{app_id}/revoke", data={"csrf_token": csrf_of(page)})
        assert response.status_code == 404
    assert works(client, bobs["access_token"])
