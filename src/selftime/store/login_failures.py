"""Failed logins, counted per key (an e-mail address or a client address) within a time window
(since_ms excluded: a failure exactly a window old has expired, as Retry-After promised); also each
client address's sign-up forms, under "signup:<address>" (web/throttle.py)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from selftime.db.tables import login_failures


def count_since(conn: Connection, key: str, since_ms: int) -> int:
    query = select(func.count()).where(login_failures.c.key == key, login_failures.c.at_ms > since_ms)
    return int(conn.execute(query).scalar_one())


def oldest_since(conn: Connection, key: str, since_ms: int) -> int | None:
    query = select(func.min(login_failures.c.at_ms)).where(
        login_failures.c.key == key, login_failures.c.at_ms > since_ms
    )
    found = conn.execute(query).scalar_one()
    return None if found is None else int(found)


def record(conn: Connection, keys: list[str], now_ms: int) -> None:
    conn.execute(insert(login_failures), [{"key": k, "at_ms": now_ms} for k in keys])


def forget(conn: Connection, key: str, before_ms: int | None = None) -> None:
    """Drop a key's failures (after a good login), or everyone's older than `before_ms` (housekeeping)."""
    query = delete(login_failures).where(login_failures.c.key == key)
    if before_ms is not None:
        query = delete(login_failures).where(login_failures.c.at_ms < before_ms)
    conn.execute(query)
