"""Loading spans without HTTP (demo data, benchmarks, imports) through the same ingest path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from selftime.db.engine import Database
from selftime.domain.ingest import RawSpan, normalize_batch
from selftime.store.ingest import DeviceRef, IngestResult, record_batch


def _parse(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def load_spans(
    db: Database,
    *,
    user_id: int,
    device: DeviceRef,
    spans: Iterable[dict[str, Any]],
    batch_prefix: str,
    now_ms: int,
    batch_size: int = 1000,
) -> tuple[int, int]:
    """(batches stored, batches that were already there). Batch ids are `prefix-N`, so reloading is a no-op."""
    stored = duplicates = 0
    for n, chunk in enumerate(chunks(spans, batch_size)):
        raws = [
            RawSpan(_parse(s["start"]), _parse(s["end"]), s.get("application"), s.get("title"), s.get("url"))
            for s in chunk
        ]
        items = normalize_batch(raws, now_ms=now_ms, future_tolerance_ms=300_000)
        with db.write() as conn:
            result: IngestResult = record_batch(
                conn,
                user_id=user_id,
                device=device,
                batch_id=f"{batch_prefix}-{n}",
                items=items,
                source_type=device.source_type,
                now_ms=now_ms,
            )
        if result.duplicate:
            duplicates += 1
        else:
            stored += 1
    return stored, duplicates
