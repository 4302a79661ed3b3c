"""`selftime import`: bring in history recorded elsewhere."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from selftime.commands.base import DatabaseUrl, err, fail, now_ms, open_db, out, user_or_fail

app = typer.Typer(help="Import history recorded by other trackers.", no_args_is_help=True)

if TYPE_CHECKING:
    from selftime.domain.activitywatch import AwEvent
    from selftime.domain.aw_conversion import Group
    from selftime.domain.ingest import Span

_BATCH_SPANS = 1000


def _duration(ms: int) -> str:
    minutes = (ms + 30_000) // 60_000
    return f"{minutes // 60} h {minutes % 60:02d} min"


@app.command("activitywatch")
def activitywatch(
    ctx: typer.Context,
    export: Annotated[Path, typer.Argument(help="ActivityWatch's export (the JSON of /api/0/export).")],
    user: Annotated[str, typer.Option("--user", help="The account's email.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Import an ActivityWatch export, AFK time removed as ActivityWatch's reports remove it.

    Each machine (bucket hostname) becomes a device "activitywatch:HOSTNAME". Importing the same file again changes
    nothing; a later, longer export adds only the time the earlier one did not have."""
    from selftime.domain.activitywatch import EventError, parse_export
    from selftime.domain.aw_conversion import group_buckets
    from selftime.store.ingest import DeviceRef, record_batch

    try:
        buckets = parse_export(json.loads(export.read_bytes()))
    except OSError as exc:
        raise fail(f"cannot read {export}: {exc.strerror or exc}") from None
    except EventError as exc:
        raise fail(f"{export}: {exc}") from None
    except (ValueError, RecursionError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise fail(f"{export} is not JSON: {exc}") from None
    db = open_db(ctx, database_url)
    account = user_or_fail(db, user)
    now = now_ms()
    events = {bucket.id: evs for bucket, evs in buckets}
    groups = group_buckets(bucket for bucket, _ in buckets)
    used = {b.id for g in groups for b in (*g.windows, *g.afk, *g.web)}
    for bucket, _ in buckets:
        if bucket.id not in used:
            err.print(f"skipped bucket {bucket.id} (type {bucket.type}: not counted)", highlight=False)
    if not groups:
        raise fail(f"{export} has no window or web bucket: nothing to import")
    # Every batch is converted and checked before the first is written: a bad span anywhere in the file
    # must not leave the time before it imported and the rest not.
    plans = [_plan(group, events, now) for group in groups]
    total_ms = total_spans = 0
    for group, (spans_seen, planned) in zip(groups, plans, strict=True):
        # Cut to the columns' 255 characters (a hostname is at most 253).
        device = DeviceRef(f"activitywatch:{group.hostname}"[:255], group.hostname[:255], "computers")
        recorded = stored = repeated = 0
        for batch_id, items in planned:
            with db.write() as conn:
                result = record_batch(
                    conn,
                    user_id=account.id,
                    device=device,
                    batch_id=batch_id,
                    items=items,
                    source_type=device.source_type,
                    now_ms=now,
                )
            repeated += result.duplicate
            stored += not result.duplicate
            recorded += result.recorded_ms
        names = ", ".join(b.id for b in (*group.windows, *group.afk, *group.web))
        out.print(
            f"{group.hostname}: {spans_seen} spans from {names}; {_duration(recorded)} newly recorded"
            f" ({stored} batches stored, {repeated} already imported) as device activitywatch:{group.hostname}",
            highlight=False,
        )
        total_ms += recorded
        total_spans += spans_seen
    out.print(
        f"imported {total_spans} spans, {_duration(total_ms)} newly recorded for {account.email}", highlight=False
    )


def _plan(group: Group, events: dict[str, list[AwEvent]], now: int) -> tuple[int, list[tuple[str, list[Span]]]]:
    """A machine's spans, as (batch id, checked spans) batches; exits naming the bucket and span that is refused."""
    from selftime.domain.aw_conversion import web_spans, window_spans
    from selftime.domain.ingest import RawSpan, normalize_span
    from selftime.domain.zone import from_ms

    afk = [e for b in group.afk for e in events[b.id]] if group.afk else None
    planned: list[tuple[str, list[Span]]] = []
    spans_seen = 0
    for primary in group.primaries:
        own = events[primary.id]
        if not own:
            continue
        lo, hi = min(e.start_ms for e in own), min(now, max(e.end_ms for e in own))
        if primary.type == "currentwindow":
            spans = window_spans(own, afk, [(b.id, events[b.id]) for b in group.web], lo, hi)
        else:
            spans = web_spans(primary.id, own, afk, lo, hi)
        spans_seen += len(spans)
        for n in range(0, len(spans), _BATCH_SPANS):
            chunk = spans[n : n + _BATCH_SPANS]
            items = []
            for s in chunk:
                raw = RawSpan(from_ms(s.start_ms), from_ms(s.end_ms), s.application, s.title, s.url)
                try:
                    items.append(normalize_span(raw, now_ms=now, future_tolerance_ms=300_000))
                except ValueError as exc:
                    at = from_ms(s.start_ms).isoformat().replace("+00:00", "Z")
                    raise fail(f"bucket {primary.id}: the time from {at} ({s.application!r}): {exc}") from None
            # Named after the bucket and what the batch holds: the same export gives the same ids (stored once),
            # a longer one new ids only where its spans differ.
            content = [[s.start_ms, s.end_ms, s.application, s.title, s.url] for s in chunk]
            digest = hashlib.sha256(json.dumps(content).encode())
            planned.append((_batch_id(primary.id, digest.hexdigest()[:32]), items))
    return spans_seen, planned


def _batch_id(bucket_id: str, digest: str) -> str:
    """aw:<bucket id>:<digest>, at most 255 characters: a long bucket id is replaced by its own digest, since cutting
    the whole off would give every batch of the bucket one id, and all but the first would count as already there."""
    found = f"aw:{bucket_id}:{digest}"
    return found if len(found) <= 255 else f"aw:sha256:{hashlib.sha256(bucket_id.encode()).hexdigest()}:{digest}"
