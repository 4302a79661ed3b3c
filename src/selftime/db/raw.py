"""Driver-level SQL for the ingest hot path, where SQLAlchemy's per-parameter compilation dominates.

Only fixed statement text with placeholders goes through here; values are always bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection


def mark(conn: Connection) -> str:
    return "?" if conn.dialect.name == "sqlite" else "%s"


def insert_rows(
    conn: Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[object, ...]],
    suffix: str = "",
) -> None:
    """INSERT many rows; `columns` are (name, PostgreSQL type) pairs.

    SQLite gets one prepared statement run per row, its fastest path. PostgreSQL gets one statement
    over unnest() of one array per column: a round trip per row, or a statement with thousands of
    placeholders, each cost more than the insert itself. With an ON CONFLICT `suffix`, rows must not
    repeat a conflict key within one call."""
    if not rows:
        return
    names = ", ".join(name for name, _type in columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks}){suffix}", list(rows))  # type: ignore[arg-type]
        return
    arrays = ", ".join(f"%s::{pg_type}[]" for _name, pg_type in columns)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){suffix}",
        tuple(list(column) for column in zip(*rows, strict=True)),
    )


def select_rows(
    conn: Connection, sql: str, params: Sequence[object] | Mapping[str, object]
) -> list[tuple[object, ...]]:
    """Run a SELECT in the driver's own parameter style on its cursor: reports and ingest's lookups
    fetch thousands of rows, and SQLAlchemy's Row objects cost more per row than the query itself."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()
