"""The query engine: (user, local date range, resolution, kind, filters) → plain rows.

It knows the taxonomy and time zones but nothing of the RescueTime wire format (see compat/).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, select

from selftime.db.tables import activities
from selftime.domain.naming import NO_DETAILS, strip_www
from selftime.domain.zone import (
    DAY_MS,
    FIVE_MINUTES_MS,
    HOUR_MS,
    local_day_number,
    local_label,
    local_range_ms,
    month_start_day,
    offset_segments,
    week_start_day,
    zone,
)
from selftime.store import catalog
from selftime.store.schedules import Schedule
from selftime.store.totals import ActivityFilter, TotalsQuery, fetch

PERSPECTIVES = ("rank", "interval")
RESOLUTIONS = ("month", "week", "day", "hour", "minute")
KINDS = ("overview", "category", "activity", "productivity", "efficiency", "document")
SOURCE_TYPES = ("computers", "mobile", "offline")

_UNIT_MS = {"minute": FIVE_MINUTES_MS, "hour": HOUR_MS, "day": DAY_MS, "week": DAY_MS, "month": DAY_MS}


class QueryError(ValueError):
    """A request that is well-formed on the wire but asks for something that does not exist."""


@dataclass(frozen=True)
class ReportRequest:
    user_id: int
    time_zone: str
    perspective: str
    resolution: str
    kind: str
    begin: dt.date
    end: dt.date
    thing: str | None = None
    thingy: str | None = None
    source_type: str | None = None
    schedule: Schedule | None = None


@dataclass(frozen=True)
class Report:
    """Rows are tuples (bucket label or None, milliseconds, *fields), the fields by shape:

    overview, category: (name,)        activity: (name, sub-category, productivity)
    productivity: (level,)             document: (activity, document, sub-category, productivity)
    efficiency: (mean productivity as an exact Fraction,)

    Plain tuples, because reports run to thousands of rows and every per-row object shows."""

    shape: str
    rows: list[tuple[Any, ...]]


def _category_ids(conn: Connection, name: str, top_level: bool) -> frozenset[int]:
    wanted = name.strip().casefold()
    if top_level:
        return frozenset({c.top_id for c in catalog.sub_categories(conn) if c.top.casefold() == wanted})
    return frozenset(c.id for c in catalog.sub_categories(conn) if c.name.casefold() == wanted)


def _plan(conn: Connection, req: ReportRequest) -> tuple[str, ActivityFilter | None]:
    """(grouping, activity filter) for the kind and the drill-down."""
    kind, thing = req.kind, req.thing
    if kind == "efficiency":
        if req.perspective != "interval":
            raise QueryError("efficiency is only available with perspective=interval")
        if thing is not None:
            raise QueryError("efficiency cannot be restricted to a thing")
        return "efficiency", None
    if thing is None:
        if req.thingy is not None:
            raise QueryError("restrict_thingy needs restrict_thing (the activity it belongs to)")
        return kind, None
    if kind == "overview":
        return "activity", ActivityFilter(top_ids=_category_ids(conn, thing, top_level=True))
    if kind == "category":
        return "activity", ActivityFilter(sub_ids=_category_ids(conn, thing, top_level=False))
    if kind == "productivity":
        try:
            level = int(thing)
        except ValueError:
            raise QueryError(f"productivity thing must be -2..2, not {thing!r}") from None
        if level not in (-2, -1, 0, 1, 2):
            raise QueryError(f"productivity thing must be -2..2, not {thing!r}")
        return "activity", ActivityFilter(productivity=level)
    named = ActivityFilter(name=strip_www(thing.strip().lower()))
    return ("documents-as-activities" if kind == "activity" else "document"), named


def _document_filter(conn: Connection, req: ReportRequest, activity: ActivityFilter | None) -> frozenset[int] | None:
    if req.thingy is None:
        return None
    ids = conn.execute(
        select(activities.c.id).where(activities.c.user_id == req.user_id, activities.c.name == activity.name)
        if activity is not None and activity.name is not None
        else select(activities.c.id).where(activities.c.user_id == req.user_id)
    ).scalars()
    return frozenset(catalog.documents_named(conn, list(ids), req.thingy))


def _bucket_label(resolution: str, perspective: str) -> Callable[[Any], str | None]:
    """Bucket number → label, memoized: a report has few distinct buckets but many rows."""
    if perspective == "rank":
        return lambda b: None
    unit = {"minute": FIVE_MINUTES_MS, "hour": HOUR_MS}.get(resolution)
    fold = {"week": week_start_day, "month": month_start_day}.get(resolution, lambda d: d)
    labels: dict[int, str] = {}

    def label(b: Any) -> str:
        found = labels.get(b)
        if found is None:
            found = labels[b] = local_label(int(b) * unit) if unit else local_label(fold(int(b)) * DAY_MS)
        return found

    return label


def run(conn: Connection, req: ReportRequest) -> Report:
    if req.begin > req.end:
        raise QueryError("restrict_begin is after restrict_end")
    start_ms, end_ms = local_range_ms(req.begin, req.end, zone(req.time_zone))
    group, activity = _plan(conn, req)
    document_ids = _document_filter(conn, req, activity)
    rows = fetch(
        conn,
        TotalsQuery(
            user_id=req.user_id,
            start_ms=start_ms,
            end_ms=end_ms,
            segments=offset_segments(req.time_zone, start_ms, end_ms),
            group=group,
            unit_ms=_UNIT_MS[req.resolution] if req.perspective == "interval" else None,
            source_type=req.source_type,
            activities=activity,
            document_ids=document_ids,
            include_no_details=req.thingy is not None and req.thingy.strip().casefold() == NO_DETAILS.casefold(),
            schedule=req.schedule.ranges if req.schedule else (),
            days=(local_day_number(req.begin), local_day_number(req.end)),
            month_buckets=req.resolution == "month",
        ),
    )
    label = _bucket_label(req.resolution, req.perspective)
    if req.perspective == "interval" and req.resolution in ("week", "month"):
        rows = _refold(rows, label, 2 if group == "efficiency" else 1)
        label = _same
    if group == "efficiency":
        means = [(label(r[0]), int(r[1]), Fraction(int(r[2]), int(r[1]))) for r in rows if int(r[1]) > 0]
        return Report("efficiency", sorted(means, key=lambda r: r[0] or ""))
    fields = _FIELDS[group]
    out: list[tuple[Any, ...]] = [(label(r[0]), int(r[-1]), *fields(r)) for r in rows]
    if group == "productivity":
        out.sort(key=lambda r: (r[0] or "", -((r[1] + 500) // 1000), -r[2]))
    else:
        out.sort(key=lambda r: (r[0] or "", -((r[1] + 500) // 1000), r[2].casefold(), r[2], r[3:]))
    return Report("activity" if group == "documents-as-activities" else group, out)


def _same(value: Any) -> Any:
    return value


def _refold(rows: Sequence[Sequence[Any]], label: Callable[[Any], str | None], values: int) -> list[tuple[Any, ...]]:
    """Day rows → week or month rows: the SQL grouped by local day, the calendar folds here.

    The last `values` columns of each row are sums; the others are the key."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        key = (label(row[0]), *row[1:-values])
        acc = sums.setdefault(key, [0] * values)
        for i, v in enumerate(row[-values:]):
            acc[i] += int(v)
    return [(*k, *acc) for k, acc in sums.items()]


# SQL row (bucket, *key columns, ms) → the report row's fields after (bucket, ms).
_FIELDS: dict[str, Callable[[Sequence[Any]], tuple[Any, ...]]] = {
    "overview": lambda r: (r[2],),
    "category": lambda r: (r[2],),
    "activity": lambda r: (r[1], r[2], int(r[3])),
    "productivity": lambda r: (int(r[1]),),
    "documents-as-activities": lambda r: (NO_DETAILS if r[1] is None else r[1], r[2], int(r[3])),
    "document": lambda r: (r[1], NO_DETAILS if r[2] is None else r[2], r[3], int(r[4])),
}


def seconds(ms: int) -> int:
    """Whole seconds, half up: the sum is rounded, never the pieces."""
    return (ms + 500) // 1000
