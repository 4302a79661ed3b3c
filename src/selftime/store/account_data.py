"""All of one user's rows, found generically from the table definitions: for export and for deletion.

A table belongs to a user when it has a `user_id` column, or a foreign key to a table that does
(documents → activities, batches → devices, schedule_ranges → schedules). `users` is the account
row itself. Two tables of security records are not exported but are deleted with the account:
`login_failures`, keyed by e-mail address ("email:<address>"), and `web_sessions` (signed-in browsers:
session bookkeeping, not the user's data, and the export would always show the session asking for it).
Every other table (the shipped category taxonomy, the operator's OAuth apps) is shared and never touched.

Because the list is derived from `metadata`, a table added later is exported and deleted without a
change here; the tests check that every table is either user-owned or named in SHARED_TABLES.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, func, select

from selftime.db.tables import categories, login_failures, metadata, users, web_sessions
from selftime.store.users import lock_for_time_write

# Tables whose rows are not exported: shared ones, and the security records (deleted explicitly).
SHARED_TABLES = frozenset({"categories", "oauth_apps", "login_failures", "web_sessions"})

# Secrets: never exported (they are digests, but a digest of a key still names the key).
SECRET_COLUMNS = frozenset({"password_hash", "key_hash", "access_hash", "refresh_hash", "code_hash", "code_challenge"})


def _parent_link(table: Table, owned: dict[str, Table]) -> tuple[Any, Table] | None:
    """A foreign-key column of `table` pointing at the id of a table already known to be user-owned."""
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        target = fk.column.table
        if target.name in owned and target.name != "users" and fk.column.name == "id" and not fk.parent.nullable:
            return fk.parent, target
    return None


def owned_tables() -> list[Table]:
    """Every user-owned table, parents before children (metadata's dependency order)."""
    owned: dict[str, Table] = {}
    for table in metadata.sorted_tables:
        if table.name in SHARED_TABLES:
            continue
        if table.name == "users" or "user_id" in table.c or _parent_link(table, owned) is not None:
            owned[table.name] = table
    return list(owned.values())


def _condition(table: Table, user_id: int) -> ColumnElement[bool]:
    """Which rows of `table` are the user's (recursively through the owning parent)."""
    if table.name == "users":
        return users.c.id == user_id
    if "user_id" in table.c:
        return table.c.user_id == user_id
    owned = {t.name: t for t in owned_tables()}
    link = _parent_link(table, owned)
    if link is None:
        raise ValueError(f"{table.name} is not a user-owned table")
    column, parent = link
    return column.in_(select(parent.c.id).where(_condition(parent, user_id)))


def _order(table: Table) -> list[Any]:
    return [c for c in table.primary_key.columns]


def rows(conn: Connection, table: Table, user_id: int, *, redact: bool = True) -> Iterator[dict[str, Any]]:
    """The user's rows of `table` in primary-key order, secrets left out unless redact is False."""
    columns = [c for c in table.c if not (redact and c.name in SECRET_COLUMNS)]
    query = select(*columns).where(_condition(table, user_id)).order_by(*_order(table))
    names = [str(c.name) for c in columns]  # plain str keys (orjson refuses SQLAlchemy's quoted_name)
    for row in conn.execute(query.execution_options(yield_per=5000)):
        yield dict(zip(names, row, strict=True))


def count(conn: Connection, table: Table, user_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(_condition(table, user_id))).scalar_one())


def login_failure_key(email: str) -> str:
    return f"email:{email.strip().lower()}"  # as web/throttle.py records it


def category_names(conn: Connection) -> dict[int, tuple[str, str | None]]:
    """Category id → (name, parent name or None)."""
    parent = categories.alias("parent")
    query = select(categories.c.id, categories.c.name, parent.c.name).outerjoin(
        parent, parent.c.id == categories.c.parent_id
    )
    return {r[0]: (r[1], r[2]) for r in conn.execute(query)}


def delete_everything(conn: Connection, user_id: int) -> dict[str, int]:
    """Remove every row of the user in every table, children first; the number removed per table.

    Explicit deletes rather than relying on ON DELETE CASCADE: some links (spans → activities,
    rollups → activities) do not cascade, and a cascade cannot reach login_failures at all."""
    # The account's row first, as a batch takes it: deleting its rollups and devices first, then
    # waiting for the row a batch held while it waited for those rows, was a deadlock (PostgreSQL).
    lock_for_time_write(conn, user_id)
    account = conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one_or_none()
    removed: dict[str, int] = {}
    if account is None:
        return removed
    removed["web_sessions"] = conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount
    for table in reversed(owned_tables()):
        removed[table.name] = conn.execute(delete(table).where(_condition(table, user_id))).rowcount
    removed["login_failures"] = conn.execute(
        delete(login_failures).where(login_failures.c.key == login_failure_key(account))
    ).rowcount
    return removed
