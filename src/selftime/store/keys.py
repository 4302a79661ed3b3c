"""API keys: shown once, stored as a SHA-256 digest (they are random, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update

from selftime.db.tables import api_keys, is_row_id, users
from selftime.store.users import User, from_row

PREFIX_LENGTH = 8

MAX_NAME = 255  # the name column's length


@dataclass(frozen=True)
class ApiKey:
    id: int
    user_id: int
    name: str
    prefix: str
    created_ms: int
    last_used_ms: int | None
    revoked_ms: int | None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key_text() -> str:
    # URL-safe so the key can travel in a query string unescaped.
    return "st_" + secrets.token_urlsafe(30)


def create(conn: Connection, *, user_id: int, name: str, now_ms: int) -> tuple[ApiKey, str]:
    text = new_key_text()
    key_id = conn.execute(
        insert(api_keys)
        .values(
            user_id=user_id,
            name=name,
            prefix=text[:PREFIX_LENGTH],
            key_hash=digest(text),
            created_ms=now_ms,
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    return ApiKey(key_id, user_id, name, text[:PREFIX_LENGTH], now_ms, None, None), text


def _key(row: object) -> ApiKey:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKey(m["id"], m["user_id"], m["name"], m["prefix"], m["created_ms"], m["last_used_ms"], m["revoked_ms"])


@dataclass(frozen=True)
class Credential:
    key_id: int
    last_used_ms: int | None
    user: User


# Built once: every API request checks a key, and building the statement cost more than running it.
_AUTHENTICATE = (
    select(api_keys.c.id, api_keys.c.last_used_ms, users)
    .join(users, users.c.id == api_keys.c.user_id)
    .where(api_keys.c.key_hash == bindparam("key_hash"), api_keys.c.revoked_ms.is_(None))
)


def authenticate(conn: Connection, text: str) -> Credential | None:
    """The active key with this text and its owner, in one indexed lookup."""
    row = conn.execute(_AUTHENTICATE, {"key_hash": digest(text)}).first()
    if row is None:
        return None
    return Credential(row[0], row[1], from_row(row))


def list_for_user(conn: Connection, user_id: int) -> list[ApiKey]:
    rows = conn.execute(select(api_keys).where(api_keys.c.user_id == user_id).order_by(api_keys.c.id))
    return [_key(r) for r in rows]


def revoke(conn: Connection, *, user_id: int, key_id: int, now_ms: int) -> bool:
    """True when an active key of this user was revoked."""
    if not is_row_id(key_id):
        return False
    result = conn.execute(
        update(api_keys)
        .where(
            api_keys.c.id == key_id,
            api_keys.c.user_id == user_id,
            api_keys.c.revoked_ms.is_(None),
        )
        .values(revoked_ms=now_ms)
    )
    return result.rowcount == 1


def touch(conn: Connection, key_id: int, now_ms: int) -> None:
    conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_ms=now_ms))
