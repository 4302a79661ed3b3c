"""What the OAuth2 tests share: a registered app, and the flow's steps as the client and browser take them."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from selftime.oauth.scopes import SCOPES
from selftime.store import oauth as store

REDIRECT = "https://client.example/callback"
ALL_SCOPES = list(SCOPES)


@dataclass
class RegisteredApp:
    id: int
    client_id: str
    secret: str
    name: str
    redirect_uri: str


def register(db: Any, clock: Any, name: str = "Time Graphs", uris: tuple[str, ...] = (REDIRECT,)) -> RegisteredApp:
    with db.write() as conn:
        app, secret = store.create_app(conn, name=name, redirect_uris=list(uris), now_ms=clock())
    return RegisteredApp(app.id, app.client_id, secret, name, uris[0])


@pytest.fixture
def oauth_app(db: Any, clock: Any) -> RegisteredApp:
    return register(db, clock)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize_params(app: RegisteredApp, scope: str = "time_data", **extra: str) -> dict[str, str]:
    return {
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "response_type": "code",
        "scope": scope,
        **extra,
    }


def consent(client: TestClient, params: dict[str, str]) -> Any:
    """GET the consent page (the test client must be logged in); returns the response."""
    response = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert response.status_code == 200, response.text
    return response


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def decide(client: TestClient, page_html: str, decision: str) -> Any:
    """Submit the consent form as the browser would: its hidden fields plus the button pressed."""
    fields = {k: html_lib.unescape(v) for k, v in hidden_fields(page_html).items()}
    fields["decision"] = decision
    return client.post("/oauth/authorize", data=fields, follow_redirects=False)


def authorize(client: TestClient, app: RegisteredApp, scope: str = "time_data", **extra: str) -> str:
    """Consent page, Allow, and the code from the redirect."""
    page = consent(client, authorize_params(app, scope, **extra))
    response = decide(client, page.text, "allow")
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(extra.get("redirect_uri", app.redirect_uri) + "?"), location
    return query_of(location)["code"]


def exchange(client: TestClient, app: RegisteredApp, code: str, *, form: bool = False, **overrides: str) -> Any:
    body = {
        "client_id": app.client_id,
        "client_secret": app.secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        **overrides,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return client.post("/oauth/token", data=body) if form else client.post("/oauth/token", json=body)


def token_for(client: TestClient, app: RegisteredApp, scope: str) -> dict[str, Any]:
    """The whole grant for a logged-in test client: its token answer."""
    response = exchange(client, app, authorize(client, app, scope))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def refresh(client: TestClient, app: RegisteredApp, refresh_token: str, **extra: str) -> Any:
    return client.post(
        "/oauth/token",
        json={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": app.secret,
            **extra,
        },
    )


def pkce_pair(verifier: str = "a" * 20 + "-verifier-" + "b" * 20) -> tuple[str, str]:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")}
