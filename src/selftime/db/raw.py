"""Driver-level SQL for the ingest hot path, where SQLAlchemy's per-parameter compilation dominates.

Only fixed statement text with positional placeholders goes through here; values are always bound.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection


def mark(conn: Connection) -> str:
    return "?" if conn.dialect.name == "sqlite" else "%s"


def marks(conn: Connection, count: int) -> str:
    return ", ".join([mark(conn)] * count)


def executemany(conn: Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql, list(rows))  # type: ignore[arg-type]
