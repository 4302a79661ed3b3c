"""Each account's categorization of activities and names of documents, kept in memory between requests.

Reports join both to thousands of rows; reading them from the database each time costs more than
summing the time. Entries are keyed by account (id, creation time), never by id alone: SQLite may
give a deleted account's id to the next account, and other server processes cannot be told.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import Connection

from selftime.store import catalog
from selftime.store.catalog import ActivityInfo

Account = tuple[int, int]  # (user id, created_ms): see User.account


class CatalogCache:
    """Categorizations stand while the account's catalog version does: it is bumped in the
    transaction that adds an activity or changes a categorization, and it arrives with the user
    (read when the key is checked), so a hit costs no query. Document names never change once
    written, so a name, once read, stays right for as long as the account exists."""

    def __init__(self, max_accounts: int = 64, max_documents: int = 500_000) -> None:
        self._lock = threading.Lock()
        self._categorizations: OrderedDict[Account, tuple[int, dict[int, ActivityInfo]]] = OrderedDict()
        self._documents: OrderedDict[Account, dict[int, str]] = OrderedDict()
        self._max_accounts = max_accounts
        self._max_documents = max_documents

    def forget(self, user_id: int) -> None:
        """Drop what is held for an account (it is gone) at once, in this process."""
        with self._lock:
            for table in (self._categorizations, self._documents):
                for account in [a for a in table if a[0] == user_id]:
                    del table[account]

    def get(self, conn: Connection, account: Account, version: int | None) -> dict[int, ActivityInfo]:
        """Activity id → categorization. Without a version nothing is cached."""
        if version is not None:
            with self._lock:
                hit = self._categorizations.get(account)
                if hit is not None and hit[0] == version:
                    self._categorizations.move_to_end(account)
                    return hit[1]
        mapping = catalog.categorization(conn, account[0])
        if version is not None:
            # Loaded no earlier than `version` was read, so it is at least that fresh.
            with self._lock:
                self._categorizations[account] = (version, mapping)
                self._categorizations.move_to_end(account)
                while len(self._categorizations) > self._max_accounts:
                    self._categorizations.popitem(last=False)
        return mapping

    def document_names(self, conn: Connection, account: Account, ids: Iterable[int] = ()) -> dict[int, str]:
        """Document id → name for at least `ids` (ids of this account's documents): a live dict,
        which may hold more, and which other requests may add to."""
        with self._lock:
            names = self._documents.get(account)
            if names is None or len(names) > self._max_documents:
                names = self._documents[account] = {}
            self._documents.move_to_end(account)
            while len(self._documents) > self._max_accounts:
                self._documents.popitem(last=False)
        missing = {i for i in ids if i not in names}
        if missing:
            # Concurrent requests may both read the same names; the values are the same.
            names.update(catalog.document_names(conn, missing))
        return names
