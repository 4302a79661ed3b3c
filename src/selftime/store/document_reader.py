"""Document reports summed in C on SQLite (selftime._documents), where it is built.

Each pooled SQLite connection gets a Reader of its own, a second read-only connection to the same
file kept in the pooled connection's info: it lives and dies with it, and is used only by the thread
that holds that connection. The Reader reads the latest committed data, as a new transaction of
the pooled connection would; a document it names that the caller's name cache has not seen makes
the caller take the pure-Python path (analytics.run).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sqlalchemy import Connection

from selftime.store.totals import TotalsQuery, document_rows_sql

try:
    if os.environ.get("SELFTIME_PURE_PYTHON") == "1":  # to time the Python path (docs/performance.md)
        raise ImportError("SELFTIME_PURE_PYTHON=1")
    from selftime import _documents  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler or SQLite headers): the pure-Python path answers
    _documents = None

_KEY = "selftime.document_reader"
log = logging.getLogger("selftime.document_reader")


def available() -> bool:
    return _documents is not None


def group(conn: Connection, q: TotalsQuery) -> Any | None:
    """The report's rows summed by (bucket, activity, document), as a _documents.Grouped, or None
    where the C reader cannot serve (PostgreSQL, an in-memory database, not built)."""
    if _documents is None or conn.dialect.name != "sqlite":
        return None
    path = conn.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    sql, params = document_rows_sql(q)
    try:
        reader = conn.info.get(_KEY)
        if reader is None:
            reader = conn.info[_KEY] = _documents.Reader(path)
        return reader.group(sql, params)
    except (OSError, RuntimeError) as exc:
        # The Python path reads through the pooled connection itself: it answers, or fails as any
        # read would. The reader is dropped, so the next report opens a new one.
        log.warning("the C document reader failed, answering in Python: %s", exc)
        conn.info.pop(_KEY, None)
        return None
