"""The authorization server: oauthlib's WebApplicationServer (authorization code + refresh token
grants, bearer tokens) on our validator, with Selftime's few additions as oauthlib hooks."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2 import WebApplicationServer
from oauthlib.oauth2.rfc6749 import errors

from selftime.api.context import Services
from selftime.oauth import scopes
from selftime.oauth.validator import Validator

# Access tokens do not expire (no `expires_in`), as RescueTime's: the clients written against it keep
# the access token alone and never refresh. Users revoke them on the connected-apps page instead.
# Set a number of seconds here to make them expire; the refresh grant then renews them.
ACCESS_TOKEN_LIFETIME_S: int | None = None

# The parameters of an authorization request that the consent form carries from GET to POST.
AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
# Where oauthlib is told the request came from; it only parses the query string of it.
BASE = "https://selftime.invalid"
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters; allow the grammar's full range.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def build(svc: Services, now_ms: int, access_lifetime_s: int | None = ACCESS_TOKEN_LIFETIME_S) -> Server:
    return Server(Validator(svc, now_ms, access_lifetime_s), now_ms, access_lifetime_s)


class Server(WebApplicationServer):  # type: ignore[misc]
    def __init__(self, validator: Validator, now_ms: int, access_lifetime_s: int | None) -> None:
        super().__init__(
            validator,
            token_generator=lambda _request: "sto_" + secrets.token_urlsafe(32),
            refresh_token_generator=lambda _request: "str_" + secrets.token_urlsafe(32),
            token_expires_in=access_lifetime_s,
        )
        self.validator = validator
        self.now_ms = now_ms
        self.access_lifetime_s = access_lifetime_s
        self.auth_grant.custom_validators.post_auth.append(_s256_only)
        self.auth_grant.register_token_modifier(self._finish_token)
        self.refresh_grant.register_token_modifier(self._finish_token)

    def _finish_token(self, token: dict[str, Any], _handler: object, _request: OAuthRequest) -> dict[str, Any]:
        # created_at (Unix seconds) as RescueTime (Doorkeeper) answers; no expires_in for a token that
        # does not expire (oauthlib always writes one).
        token["token_type"] = "bearer"
        token["created_at"] = self.now_ms // 1000
        if self.access_lifetime_s is None:
            token.pop("expires_in", None)
        return token


def _s256_only(request: OAuthRequest) -> dict[str, Any]:
    """PKCE is optional, but a challenge must be S256: `plain` protects nothing against a client
    whose authorization request was seen (RFC 7636 §7.2); oauthlib assumes plain when none is named."""
    if request.code_challenge is None:
        return {}
    if request.code_challenge_method != "S256":
        raise errors.InvalidRequestError(
            description="code_challenge_method must be S256 (plain is not accepted).", request=request
        )
    if not _CHALLENGE.match(request.code_challenge):
        raise errors.InvalidRequestError(
            description="code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.", request=request
        )
    return {}


def normalized(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The authorization parameters we read, scopes written the standard way (space-separated):
    clients send `a,b` as often as `a b`. Empty values count as absent (RFC 6749 §3.1)."""
    kept = []
    for name, value in items:
        if name not in AUTHORIZE_FIELDS or value == "":
            continue
        if name == "scope":
            value = " ".join(scopes.split(value))
            if not value:
                continue
        kept.append((name, value))
    return kept


def authorize_uri(items: list[tuple[str, str]]) -> str:
    # Repeated parameters stay repeated, so that oauthlib refuses them (RFC 6749 §3.1).
    return f"{BASE}/oauth/authorize?{urlencode(items)}"


def token_body(params: dict[str, str]) -> str:
    fixed = dict(params)
    if "scope" in fixed:
        fixed["scope"] = " ".join(scopes.split(fixed["scope"]))
    return urlencode({k: v for k, v in fixed.items() if v != ""})


def resource_uri(path: str, access_token: str | None) -> str:
    return f"{BASE}{path}" + (f"?{urlencode({'access_token': access_token})}" if access_token else "")
