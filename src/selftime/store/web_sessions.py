"""Signed-in web sessions, by the digest of the random token the session cookie carries.

The cookie is signed, so it cannot be forged; this table is what lets a session *end*: logging out
deletes its row, and a copy of the cookie taken before then names nothing. Only the SHA-256 digest of
the token is kept, so a copy of the table opens no session either."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from selftime.db.tables import web_sessions


@dataclass(frozen=True)
class WebSession:
    user_id: int
    expires_ms: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(conn: Connection, user_id: int, token: str, *, now_ms: int, expires_ms: int) -> None:
    """Record a new session, and drop everyone's expired ones (housekeeping at each sign-in)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_ms <= now_ms))
    conn.execute(
        insert(web_sessions).values(
            user_id=user_id, token_hash=_digest(token), created_ms=now_ms, expires_ms=expires_ms
        )
    )


def find(conn: Connection, token: str, now_ms: int) -> WebSession | None:
    """The session the token names, unless it ended or expired."""
    query = select(web_sessions.c.user_id, web_sessions.c.expires_ms).where(
        web_sessions.c.token_hash == _digest(token), web_sessions.c.expires_ms > now_ms
    )
    row = conn.execute(query).first()
    return None if row is None else WebSession(int(row[0]), int(row[1]))


def extend(conn: Connection, token: str, expires_ms: int) -> None:
    conn.execute(update(web_sessions).where(web_sessions.c.token_hash == _digest(token)).values(expires_ms=expires_ms))


def end(conn: Connection, token: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == _digest(token)))


def end_all(conn: Connection, user_id: int) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
