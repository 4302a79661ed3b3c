"""oauthlib's RequestValidator on our tables: oauthlib runs the protocol, this answers its questions.

One validator per HTTP request, holding that request's "now" (the app's clock), so every check and
every stored time of one request agree, and tests can move the clock."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2.rfc6749 import errors

from selftime.api.context import Services
from selftime.oauth import scopes as scope_table
from selftime.store import oauth as store
from selftime.store import users
from selftime.store.users import User

GRANT_TYPES = ("authorization_code", "refresh_token")


class Validator(RequestValidator):  # type: ignore[misc]
    def __init__(self, svc: Services, now_ms: int, access_lifetime_s: int | None) -> None:
        super().__init__()
        self.svc = svc
        self.now_ms = now_ms
        self.access_lifetime_s = access_lifetime_s
        # Why validate_bearer_token said no: (RFC 6750 error code, a sentence for the client).
        self.failure: tuple[str, str] | None = None
        self._apps: dict[str, store.App | None] = {}

    # --- clients -----------------------------------------------------------------------------------

    def _app(self, client_id: str | None) -> store.App | None:
        if not client_id:
            return None
        if client_id not in self._apps:
            with self.svc.db.read() as conn:
                self._apps[client_id] = store.app_by_client_id(conn, client_id)
        return self._apps[client_id]

    def validate_client_id(self, client_id: str, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        app = self._app(client_id)
        if app is None:
            return False
        request.client = app
        return True

    def client_authentication_required(self, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        return True  # every app is confidential: it has a secret, as on RescueTime

    def authenticate_client(self, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        """client_id and client_secret in the body, or HTTP Basic (RFC 6749 §2.3.1)."""
        client_id, secret = request.client_id, request.client_secret
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        if basic is not None:
            if client_id and client_id != basic[0]:
                raise errors.InvalidClientError(
                    description="The client_id in the body differs from the one in the Authorization header.",
                    request=request,
                )
            client_id, secret = basic
        app = self._app(client_id)
        if app is None or not secret or not app.secret_matches(secret):
            raise errors.InvalidClientError(description="Unknown client or wrong client secret.", request=request)
        request.client = app
        request.client_id = app.client_id
        return True

    def authenticate_client_id(self, client_id: str, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        return False  # no public clients (see client_authentication_required)

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: store.App, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        return grant_type in GRANT_TYPES

    def validate_response_type(
        self, client_id: str, response_type: str, client: store.App, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        return response_type == "code"

    # --- redirect URIs: registered ones only, compared exactly -------------------------------------

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: OAuthRequest, *a: Any, **k: Any
    ) -> bool:
        app = self._app(client_id)
        return app is not None and redirect_uri in app.redirect_uris

    def get_default_redirect_uri(self, client_id: str, request: OAuthRequest, *args: Any, **kwargs: Any) -> str | None:
        # Only when there is no choice to make: an app with several URIs must name one.
        app = self._app(client_id)
        return app.redirect_uris[0] if app is not None and len(app.redirect_uris) == 1 else None

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: store.App,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        found: store.Code = request.selftime_code
        if redirect_uri != found.redirect_uri:
            # RFC 6749 §5.2 names this invalid_grant (oauthlib would answer invalid_request).
            raise errors.InvalidGrantError(
                description="redirect_uri differs from the one in the authorization request.", request=request
            )
        return True

    # --- scopes ------------------------------------------------------------------------------------

    def get_default_scopes(self, client_id: str, request: OAuthRequest, *args: Any, **kwargs: Any) -> list[str]:
        return []  # asking for nothing is refused (invalid_scope) rather than guessed

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: store.App, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        named = [s for s in scopes or [] if s]
        if not named:
            raise errors.InvalidScopeError(
                description=f"Ask for at least one scope: {', '.join(scope_table.SCOPES)}.", request=request
            )
        unknown = scope_table.unknown(named)
        if unknown:
            raise errors.InvalidScopeError(
                description=f"Unknown scope {', '.join(unknown)}; known: {', '.join(scope_table.SCOPES)}.",
                request=request,
            )
        return True

    # --- authorization codes -----------------------------------------------------------------------

    def is_pkce_required(self, client_id: str, request: OAuthRequest) -> bool:
        return False  # used when the client sends a challenge; confidential clients may go without

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: OAuthRequest, *a: Any, **k: Any
    ) -> None:
        user: User = request.user
        app: store.App = request.client
        with self.svc.db.write() as conn:
            store.save_code(
                conn,
                code=code["code"],
                app_id=app.id,
                user_id=user.id,
                redirect_uri=request.redirect_uri,
                scopes=list(request.scopes),
                code_challenge=request.code_challenge,
                code_challenge_method=request.code_challenge_method,
                now_ms=self.now_ms,
            )

    def validate_code(
        self, client_id: str, code: str, client: store.App, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        with self.svc.db.read() as conn:
            found = store.code_by_text(conn, code)
        if found is None or found.app_id != client.id:
            raise errors.InvalidGrantError(description="Unknown authorization code.", request=request)
        if found.used_ms is not None:
            # RFC 6749 §4.1.2: a code used twice may have been stolen; what it bought is revoked.
            with self.svc.db.write() as conn:
                store.lock_user(conn, found.user_id)
                store.revoke_code_tokens(conn, user_id=found.user_id, code_id=found.id, now_ms=self.now_ms)
            raise errors.InvalidGrantError(
                description="The authorization code was already used; every token issued from it is now revoked.",
                request=request,
            )
        if self.now_ms > found.expires_ms:
            raise errors.InvalidGrantError(
                description="The authorization code has expired (codes live 10 minutes).", request=request
            )
        request.user = self._user(found.user_id, request)
        request.scopes = list(found.scopes)
        request.selftime_code = found
        return True

    def get_code_challenge(self, code: str, request: OAuthRequest) -> str | None:
        found: store.Code = request.selftime_code
        return found.code_challenge

    def get_code_challenge_method(self, code: str, request: OAuthRequest) -> str | None:
        found: store.Code = request.selftime_code
        return found.code_challenge_method

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: OAuthRequest, *a: Any, **k: Any
    ) -> None:
        pass  # save_bearer_token marked it used, in the same transaction that stored the token

    # --- refresh tokens ----------------------------------------------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: store.App, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        with self.svc.db.read() as conn:
            found = store.token_by_refresh(conn, refresh_token)
        if found is None or found.app_id != client.id:
            raise errors.InvalidGrantError(description="Unknown refresh token.", request=request)
        if found.revoked_ms is not None:
            if found.code_id is not None:
                # Revocations (the user's, or a reused code's) revoke a whole grant at once, so a live
                # token of the same grant means this refresh token was rotated out and is being
                # replayed: treat it as stolen and end the grant (OAuth 2.0 Security BCP §4.14).
                with self.svc.db.write() as conn:
                    store.lock_user(conn, found.user_id)
                    store.revoke_code_tokens(conn, user_id=found.user_id, code_id=found.code_id, now_ms=self.now_ms)
            raise errors.InvalidGrantError(description="The refresh token is no longer valid.", request=request)
        request.user = self._user(found.user_id, request)
        request.selftime_refresh = found
        return True

    def get_original_scopes(self, refresh_token: str, request: OAuthRequest, *args: Any, **kwargs: Any) -> list[str]:
        found: store.Token = request.selftime_refresh
        return list(found.scopes)

    def rotate_refresh_token(self, request: OAuthRequest) -> bool:
        return True  # every refresh answers a new refresh token and retires the old one

    # --- issuing -----------------------------------------------------------------------------------

    def save_bearer_token(self, token: dict[str, Any], request: OAuthRequest, *args: Any, **kwargs: Any) -> None:
        """Store the token, claiming the code (or retiring the refresh token) in the same transaction:
        of two requests racing with one code or refresh token, exactly one gets a token."""
        user: User = request.user
        app: store.App = request.client
        expires_ms = None if self.access_lifetime_s is None else self.now_ms + self.access_lifetime_s * 1000
        lost: str | None = None
        with self.svc.db.write() as conn:
            store.lock_user(conn, user.id)
            if request.grant_type == "refresh_token":
                previous: store.Token = request.selftime_refresh
                code_id = previous.code_id
                if not store.retire_token(conn, previous.id, self.now_ms):
                    lost = "The refresh token was used by another request at the same time."
            else:
                used: store.Code = request.selftime_code
                code_id = used.id
                if not store.claim_code(conn, used.id, self.now_ms):
                    store.revoke_code_tokens(conn, user_id=user.id, code_id=used.id, now_ms=self.now_ms)
                    lost = "The authorization code was already used; every token issued from it is now revoked."
            if lost is None:
                store.insert_token(
                    conn,
                    access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    app_id=app.id,
                    user_id=user.id,
                    code_id=code_id,
                    scopes=list(request.scopes),
                    now_ms=self.now_ms,
                    expires_ms=expires_ms,
                )
        if lost is not None:
            raise errors.InvalidGrantError(description=lost, request=request)

    # --- the resource server -----------------------------------------------------------------------

    def validate_bearer_token(self, token: str | None, scopes: list[str], request: OAuthRequest) -> bool:
        if not token:
            self.failure = ("invalid_token", "No access token: send access_token or Authorization: Bearer.")
            return False
        with self.svc.db.read() as conn:
            found = store.token_by_access(conn, token)
        if found is None:
            self.failure = ("invalid_token", "The access token is not valid.")
            return False
        held, user = found
        if held.revoked_ms is not None:
            self.failure = ("invalid_token", "The access token has been revoked.")
            return False
        if not held.usable_at(self.now_ms):
            self.failure = ("invalid_token", "The access token has expired; use the refresh token for a new one.")
            return False
        missing = [s for s in scopes if s not in held.scopes]
        if missing:
            self.failure = (
                "insufficient_scope",
                f"This endpoint needs the {', '.join(missing)} scope, which this token was not granted.",
            )
            return False
        request.user = user
        request.scopes = list(held.scopes)
        return True

    # --- helpers -----------------------------------------------------------------------------------

    def _user(self, user_id: int, request: OAuthRequest) -> User:
        with self.svc.db.read() as conn:
            user = users.by_id(conn, user_id)
        if user is None:  # the account was deleted between the lookups; its rows cascade away
            raise errors.InvalidGrantError(description="The account no longer exists.", request=request)
        return user


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)
