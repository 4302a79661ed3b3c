"""OAuth2 storage: registered apps, authorization codes and tokens.

Client secrets, codes and tokens are random and high-entropy, so, like API keys, they are stored as
plain SHA-256 digests: a stolen database holds nothing that can be presented back to us.

Every write that issues or revokes tokens first locks the user's row (`lock_user`), so issuing
(code exchange, refresh) and revoking (the connected-apps page, a code used twice) never interleave
on PostgreSQL; on SQLite write transactions are serialized anyway (BEGIN IMMEDIATE)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from selftime.db.tables import is_row_id, oauth_apps, oauth_codes, oauth_tokens, users
from selftime.store.keys import digest
from selftime.store.users import User, from_row

CODE_LIFETIME_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class App:
    id: int
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    created_ms: int
    secret_hash: str = field(repr=False)

    def secret_matches(self, secret: str) -> bool:
        return secrets.compare_digest(digest(secret), self.secret_hash)


def _app(row: object) -> App:
    m = row._mapping  # type: ignore[attr-defined]
    uris = tuple(u for u in m["redirect_uris"].splitlines() if u)
    return App(m["id"], m["client_id"], m["name"], uris, m["created_ms"], m["secret_hash"])


def create_app(conn: Connection, *, name: str, redirect_uris: list[str], now_ms: int) -> tuple[App, str]:
    """A new app and its secret (the only time the secret exists in clear)."""
    # Hex: a client id is typed on command lines, where one starting with "-" would read as an option.
    client_id = secrets.token_hex(16)
    secret = "sts_" + secrets.token_urlsafe(40)
    app_id = conn.execute(
        insert(oauth_apps)
        .values(
            client_id=client_id,
            secret_hash=digest(secret),
            name=name,
            redirect_uris="\n".join(redirect_uris),
            created_ms=now_ms,
        )
        .returning(oauth_apps.c.id)
    ).scalar_one()
    return App(app_id, client_id, name, tuple(redirect_uris), now_ms, digest(secret)), secret


def app_by_client_id(conn: Connection, client_id: str) -> App | None:
    row = conn.execute(select(oauth_apps).where(oauth_apps.c.client_id == client_id)).first()
    return _app(row) if row else None


def list_apps(conn: Connection) -> list[tuple[App, int]]:
    """Every app with the number of users holding a live token from it."""
    connected = (
        select(oauth_tokens.c.app_id, func.count(func.distinct(oauth_tokens.c.user_id)).label("n"))
        .where(oauth_tokens.c.revoked_ms.is_(None))
        .group_by(oauth_tokens.c.app_id)
        .subquery()
    )
    rows = conn.execute(
        select(oauth_apps, func.coalesce(connected.c.n, 0).label("connected"))
        .outerjoin(connected, connected.c.app_id == oauth_apps.c.id)
        .order_by(oauth_apps.c.id)
    )
    return [(_app(r), int(r.connected)) for r in rows]


def delete_app(conn: Connection, client_id: str) -> bool:
    """Codes and tokens go with it (ON DELETE CASCADE), so its tokens stop working at once."""
    return conn.execute(delete(oauth_apps).where(oauth_apps.c.client_id == client_id)).rowcount == 1


# --- codes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    id: int
    app_id: int
    user_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    created_ms: int
    expires_ms: int
    used_ms: int | None


def save_code(
    conn: Connection,
    *,
    code: str,
    app_id: int,
    user_id: int,
    redirect_uri: str,
    scopes: list[str],
    code_challenge: str | None,
    code_challenge_method: str | None,
    now_ms: int,
) -> int:
    return int(
        conn.execute(
            insert(oauth_codes)
            .values(
                code_hash=digest(code),
                app_id=app_id,
                user_id=user_id,
                redirect_uri=redirect_uri,
                scopes=" ".join(scopes),
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method if code_challenge else None,
                created_ms=now_ms,
                expires_ms=now_ms + CODE_LIFETIME_MS,
            )
            .returning(oauth_codes.c.id)
        ).scalar_one()
    )


def code_by_text(conn: Connection, code: str) -> Code | None:
    row = conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == digest(code))).first()
    if row is None:
        return None
    m = row._mapping
    return Code(
        m["id"],
        m["app_id"],
        m["user_id"],
        m["redirect_uri"],
        tuple(m["scopes"].split()),
        m["code_challenge"],
        m["code_challenge_method"],
        m["created_ms"],
        m["expires_ms"],
        m["used_ms"],
    )


def claim_code(conn: Connection, code_id: int, now_ms: int) -> bool:
    """Mark a live code used; False when another request used it first (or it just expired)."""
    result = conn.execute(
        update(oauth_codes)
        .where(oauth_codes.c.id == code_id, oauth_codes.c.used_ms.is_(None), oauth_codes.c.expires_ms >= now_ms)
        .values(used_ms=now_ms)
    )
    return result.rowcount == 1


def revoke_code_tokens(conn: Connection, *, user_id: int, code_id: int, now_ms: int) -> int:
    """Revoke every live token descended from a code (refreshing keeps the code id); how many."""
    result = conn.execute(
        update(oauth_tokens)
        .where(
            oauth_tokens.c.user_id == user_id,  # lets the (user_id, app_id) index narrow the scan
            oauth_tokens.c.code_id == code_id,
            oauth_tokens.c.revoked_ms.is_(None),
        )
        .values(revoked_ms=now_ms)
    )
    return int(result.rowcount)


# --- tokens ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    id: int
    app_id: int
    user_id: int
    code_id: int | None
    scopes: tuple[str, ...]
    created_ms: int
    expires_ms: int | None
    revoked_ms: int | None

    def usable_at(self, now_ms: int) -> bool:
        return self.revoked_ms is None and (self.expires_ms is None or now_ms <= self.expires_ms)


def _token(m: Any) -> Token:
    return Token(
        m[oauth_tokens.c.id],
        m[oauth_tokens.c.app_id],
        m[oauth_tokens.c.user_id],
        m[oauth_tokens.c.code_id],
        tuple(m[oauth_tokens.c.scopes].split()),
        m[oauth_tokens.c.created_ms],
        m[oauth_tokens.c.expires_ms],
        m[oauth_tokens.c.revoked_ms],
    )


def lock_user(conn: Connection, user_id: int) -> None:
    # FOR UPDATE renders as nothing on SQLite, whose write transactions are serialized already.
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())


def insert_token(
    conn: Connection,
    *,
    access_token: str,
    refresh_token: str | None,
    app_id: int,
    user_id: int,
    code_id: int | None,
    scopes: list[str],
    now_ms: int,
    expires_ms: int | None,
) -> int:
    return int(
        conn.execute(
            insert(oauth_tokens)
            .values(
                access_hash=digest(access_token),
                refresh_hash=digest(refresh_token) if refresh_token else None,
                app_id=app_id,
                user_id=user_id,
                code_id=code_id,
                scopes=" ".join(scopes),
                created_ms=now_ms,
                expires_ms=expires_ms,
            )
            .returning(oauth_tokens.c.id)
        ).scalar_one()
    )


def token_by_access(conn: Connection, access_token: str) -> tuple[Token, User] | None:
    """The token with this access text and its owner, in one indexed lookup (revoked ones too)."""
    row = conn.execute(
        select(oauth_tokens, users)
        .join(users, users.c.id == oauth_tokens.c.user_id)
        .where(oauth_tokens.c.access_hash == digest(access_token))
    ).first()
    if row is None:
        return None
    return _token(row._mapping), from_row(row)


def token_by_refresh(conn: Connection, refresh_token: str) -> Token | None:
    row = conn.execute(select(oauth_tokens).where(oauth_tokens.c.refresh_hash == digest(refresh_token))).first()
    return _token(row._mapping) if row else None


def retire_token(conn: Connection, token_id: int, now_ms: int) -> bool:
    """Revoke one live token (its refresh token was exchanged); False when it was no longer live."""
    result = conn.execute(
        update(oauth_tokens)
        .where(oauth_tokens.c.id == token_id, oauth_tokens.c.revoked_ms.is_(None))
        .values(revoked_ms=now_ms)
    )
    return result.rowcount == 1


# --- a user's connected apps -----------------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    app_id: int
    name: str
    scopes: frozenset[str]
    since_ms: int


def connections(conn: Connection, user_id: int) -> list[Connected]:
    """Apps holding a live token of this user, with the union of the tokens' scopes.

    "Since" is when the user first allowed the grant behind the oldest live token: refreshing keeps
    the code id, so the date does not move every time an app refreshes its token."""
    started = func.coalesce(oauth_codes.c.created_ms, oauth_tokens.c.created_ms)
    rows = conn.execute(
        select(oauth_apps.c.id, oauth_apps.c.name, oauth_tokens.c.scopes, started.label("since"))
        .select_from(oauth_tokens)
        .join(oauth_apps, oauth_apps.c.id == oauth_tokens.c.app_id)
        .outerjoin(oauth_codes, oauth_codes.c.id == oauth_tokens.c.code_id)
        .where(oauth_tokens.c.user_id == user_id, oauth_tokens.c.revoked_ms.is_(None))
    )
    found: dict[int, Connected] = {}
    for app_id, name, scopes, since in rows:
        before = found.get(app_id)
        found[app_id] = Connected(
            app_id,
            name,
            frozenset(scopes.split()) | (before.scopes if before else frozenset()),
            min(since, before.since_ms) if before else since,
        )
    return sorted(found.values(), key=lambda c: (c.name.casefold(), c.app_id))


def revoke_connection(conn: Connection, *, user_id: int, app_id: int, now_ms: int) -> int:
    """Revoke every token of this app for this user, and the codes it has not exchanged yet (which
    would otherwise still buy a token); how many tokens were live."""
    if not is_row_id(app_id):
        return 0
    lock_user(conn, user_id)
    conn.execute(
        update(oauth_codes)
        .where(oauth_codes.c.user_id == user_id, oauth_codes.c.app_id == app_id, oauth_codes.c.used_ms.is_(None))
        .values(used_ms=now_ms)
    )
    result = conn.execute(
        update(oauth_tokens)
        .where(oauth_tokens.c.user_id == user_id, oauth_tokens.c.app_id == app_id, oauth_tokens.c.revoked_ms.is_(None))
        .values(revoked_ms=now_ms)
    )
    return int(result.rowcount)
