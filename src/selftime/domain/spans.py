"""Pure span arithmetic for ingest: subtracting time already recorded, cutting at bucket edges."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from selftime.domain.zone import FIFTEEN_MINUTES_MS, FIVE_MINUTES_MS


class Coverage:
    """A set of disjoint, sorted [start, end) intervals, kept merged."""

    def __init__(self, intervals: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(intervals):
            self._append_merged(start, end)

    def _append_merged(self, start: int, end: int) -> None:
        if self.ends and start <= self.ends[-1]:
            self.ends[-1] = max(self.ends[-1], end)
        else:
            self.starts.append(start)
            self.ends.append(end)

    def claim(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) not yet covered; they become covered."""
        ends = self.ends
        if not ends or start >= ends[-1]:
            # After all that is covered: how a batch's spans, taken in order, mostly arrive.
            if ends and start == ends[-1]:
                ends[-1] = end
            else:
                self.starts.append(start)
                ends.append(end)
            return [(start, end)]
        # Intervals that could touch [start, end): those ending after start and starting before end.
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        free: list[tuple[int, int]] = []
        cursor = start
        for i in range(lo, hi):
            if self.starts[i] > cursor:
                free.append((cursor, self.starts[i]))
            cursor = max(cursor, self.ends[i])
        if cursor < end:
            free.append((cursor, end))
        new_start = min(start, self.starts[lo]) if lo < hi else start
        new_end = max(end, self.ends[hi - 1]) if lo < hi else end
        # Merge with touching neighbours so the list stays minimal.
        if lo > 0 and self.ends[lo - 1] == new_start:
            lo -= 1
            new_start = self.starts[lo]
        if hi < len(self.starts) and self.starts[hi] == new_end:
            new_end = self.ends[hi]
            hi += 1
        self.starts[lo:hi] = [new_start]
        self.ends[lo:hi] = [new_end]
        return free


def cut(start: int, end: int, step: int = FIVE_MINUTES_MS) -> Iterator[tuple[int, int]]:
    """[start, end) cut at every multiple of `step` (UTC), so no piece crosses a bucket edge."""
    while start < end:
        edge = (start // step + 1) * step
        piece_end = min(edge, end)
        yield start, piece_end
        start = piece_end


def rollup_bucket(start_ms: int) -> int:
    return start_ms - start_ms % FIFTEEN_MINUTES_MS
