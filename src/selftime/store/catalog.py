"""Activities and documents by name, and the categorization of activities.

Names are resolved in bulk: one SELECT for the known ones, one INSERT … ON CONFLICT DO NOTHING for
new ones, one more SELECT for what the insert (or a concurrent writer) created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from selftime.db.raw import mark, select_rows
from selftime.db.tables import activities, categories, documents, users
from selftime.domain.rules import default_category_id


def _insert_ignore(conn: Connection, table: Any) -> Any:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


def resolve_activities(conn: Connection, user_id: int, names: Iterable[str]) -> dict[str, int]:
    wanted = set(names)
    if not wanted:
        return {}
    query = select(activities.c.name, activities.c.id).where(
        activities.c.user_id == user_id, activities.c.name.in_(wanted)
    )
    found = {name: id_ for name, id_ in conn.execute(query)}
    missing = wanted - found.keys()
    if missing:
        conn.execute(
            _insert_ignore(conn, activities),
            [{"user_id": user_id, "name": n, "default_category_id": default_category_id(n)} for n in sorted(missing)],
        )
        found = {name: id_ for name, id_ in conn.execute(query)}
        bump_version(conn, user_id)
    return found


def bump_version(conn: Connection, user_id: int) -> None:
    """Invalidate cached categorizations of this user (see analytics.CatalogCache)."""
    conn.execute(update(users).where(users.c.id == user_id).values(catalog_version=users.c.catalog_version + 1))


# Pairs per statement: two parameters each, well inside SQLite's and PostgreSQL's limits.
_PAIRS_PER_STATEMENT = 400


def _pairs_sql(conn: Connection, count: int) -> str:
    """A VALUES list of `count` (activity id, name) pairs, typed by its first row for PostgreSQL."""
    m = mark(conn)
    return ", ".join([f"(CAST({m} AS INTEGER), CAST({m} AS VARCHAR(255)))"] + [f"({m}, {m})"] * (count - 1))


def _by_pairs(conn: Connection, pairs: list[tuple[int, str]], statement: str) -> dict[tuple[int, str], int]:
    """Run `statement` (its {values}: a VALUES list of the pairs) per chunk of pairs; its rows are
    (activity id, name, document id)."""
    found: dict[tuple[int, str], int] = {}
    for i in range(0, len(pairs), _PAIRS_PER_STATEMENT):
        chunk = pairs[i : i + _PAIRS_PER_STATEMENT]
        values = _pairs_sql(conn, len(chunk))
        rows = select_rows(conn, statement.format(values=values), [x for pair in chunk for x in pair])
        found.update({(a, n): i for a, n, i in rows})  # type: ignore[misc]
    return found


def _lookup_documents(conn: Connection, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    # A VALUES list joined to the (activity_id, name) index: one exact probe per pair. Plain IN
    # lists on both columns would probe every activity-by-name combination, or scan the table.
    return _by_pairs(
        conn,
        pairs,
        "SELECT d.activity_id, d.name, d.id FROM (VALUES {values}) AS v"
        " JOIN documents d ON d.activity_id = v.column1 AND d.name = v.column2",
    )


def _insert_documents(conn: Connection, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Insert the pairs, skipping those that exist; the ids of those inserted. A batch of an agent
    brings a few hundred new titles, and RETURNING spares reading them all back."""
    return _by_pairs(
        conn,
        pairs,
        # SQLite needs a WHERE to read ON CONFLICT after INSERT … SELECT (its parsing ambiguity).
        "INSERT INTO documents (activity_id, name) SELECT * FROM (VALUES {values}) AS v"
        " WHERE true ON CONFLICT (activity_id, name) DO NOTHING RETURNING activity_id, name, id",
    )


def resolve_documents(conn: Connection, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    found = _lookup_documents(conn, wanted)
    missing = [p for p in wanted if p not in found]
    if missing:
        found.update(_insert_documents(conn, missing))
        # Those a concurrent writer inserted first are skipped by the insert: read them.
        skipped = [p for p in missing if p not in found]
        if skipped:
            found.update(_lookup_documents(conn, skipped))
    return found


@dataclass(frozen=True)
class ActivityInfo:
    id: int
    name: str
    sub_id: int
    sub: str
    top_id: int
    top: str
    productivity: int
    overridden: bool


def categorization(conn: Connection, user_id: int) -> dict[int, ActivityInfo]:
    """Every activity of the user with its effective sub-category, top-level category and level."""
    sub = categories.alias("sub")
    top = categories.alias("top")
    effective = func.coalesce(activities.c.category_id, activities.c.default_category_id)
    rows = conn.execute(
        select(
            activities.c.id,
            activities.c.name,
            sub.c.id,
            sub.c.name,
            top.c.id,
            top.c.name,
            func.coalesce(activities.c.productivity, sub.c.productivity),
            (activities.c.category_id.is_not(None) | activities.c.productivity.is_not(None)),
        )
        .join(sub, sub.c.id == effective)
        .join(top, top.c.id == sub.c.parent_id)
        .where(activities.c.user_id == user_id)
    )
    return {r[0]: ActivityInfo(*r) for r in rows}


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    top: str
    productivity: int
    top_id: int


def sub_categories(conn: Connection) -> list[Category]:
    sub = categories.alias("sub")
    top = categories.alias("top")
    rows = conn.execute(
        select(sub.c.id, sub.c.name, top.c.name, sub.c.productivity, top.c.id)
        .join(top, top.c.id == sub.c.parent_id)
        .order_by(top.c.id, sub.c.id)
    )
    return [Category(*r) for r in rows]


def set_categorization(
    conn: Connection,
    *,
    activity_id: int,
    category_id: int | None,
    productivity: int | None,
) -> None:
    """None clears the override (back to the shipped default)."""
    conn.execute(
        update(activities)
        .where(activities.c.id == activity_id)
        .values(category_id=category_id, productivity=productivity)
    )
    owner = conn.execute(select(activities.c.user_id).where(activities.c.id == activity_id)).scalar_one()
    bump_version(conn, owner)


def category_override(conn: Connection, activity_id: int) -> int | None:
    return conn.execute(select(activities.c.category_id).where(activities.c.id == activity_id)).scalar()


def documents_named(conn: Connection, activity_ids: Iterable[int], name: str) -> list[int]:
    # Compared in Python: SQLite's lower() folds ASCII only, and both backends must agree.
    wanted = name.casefold()
    rows = conn.execute(select(documents.c.id, documents.c.name).where(documents.c.activity_id.in_(set(activity_ids))))
    return [id_ for id_, doc in rows if doc.casefold() == wanted]


def document_names(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    names: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        query = select(documents.c.id, documents.c.name).where(documents.c.id.in_(chunk))
        names.update((i, name) for i, name in conn.execute(query))
    return names
