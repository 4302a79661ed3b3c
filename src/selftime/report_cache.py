"""Finished report bodies, kept in memory for the next identical request.

Dashboards and widgets ask the same questions again and again between two syncs of the agent, and
the largest reports (thousands of document rows) cost 10 to 25 ms to compute but well under 1 ms to
look up. Entries never need to be found and dropped: the key carries the account's versions, which
arrive with the user when the key is checked (see store.users.User):

- `data_version` is bumped in the transaction of every write that changes time totals (ingest,
  offline blocks, a zone change; store.users.bump_data_version). A question whose range ends before
  the account's `recent_from_day` (the newest day with time, less one) keys on `history_version`
  instead, which only writes that reach back before that day bump: reports of last week or last
  month outlive the agent's syncs of today (User.versions_for);
- `catalog_version` in the transaction of every categorization change and new activity;
- the time zone, the parsed parameters (with dates resolved, so "today" moves the key on) and the
  schedule's ranges are in the key themselves.

A request that reads version V computes from data at least as new as V, so whoever finds the entry
under V gets what they would have computed. Superseded entries age out of the LRU. The key leads
with the account (id, creation time), so an id that SQLite gives again can never find an old body.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

# Bodies larger than this share of the budget are not kept: one year of documents would evict
# hundreds of small reports that are asked for far more often.
_LARGEST_SHARE = 8


class ReportCache:
    """An LRU of bodies bounded by their total size in bytes; 0 bytes turns it off. Keys are tuples
    that lead with the account, (user id, created_ms): `forget` finds an account's bodies by it."""

    def __init__(self, max_bytes: int) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self._max_bytes = max_bytes
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self._max_bytes > 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        """(body, content type) or None."""
        if not self.enabled:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def __contains__(self, key: Hashable) -> bool:
        """Whether a body is held, without counting a hit or refreshing its place."""
        with self._lock:
            return key in self._entries

    def put(self, key: Hashable, body: bytes, content_type: str) -> None:
        if not self.enabled or len(body) * _LARGEST_SHARE > self._max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, content_type)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                _, (dropped, _type) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    def forget(self, user_id: int) -> None:
        """Drop an account's bodies at once (it is gone), in this process; others age out."""
        with self._lock:
            for key in [k for k in self._entries if _user_of(k) == user_id]:
                self._bytes -= len(self._entries.pop(key)[0])


def _user_of(key: Hashable) -> int | None:
    if isinstance(key, tuple) and key and isinstance(key[0], tuple) and key[0]:
        head = key[0][0]
        return head if isinstance(head, int) else None
    return None
