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
from selftime.store.catalog import ActivityInfo
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
    catalog_version: int | None = None  # the user's, when known: lets the categorization be cached


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


def run(conn: Connection, req: ReportRequest, catalogs: CatalogCache | None = None) -> Report:
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
    catalogs = catalogs or CatalogCache()
    label = _bucket_label(req.resolution, req.perspective)
    try:
        return _aggregate(group, rows, catalogs.get(conn, req.user_id, req.catalog_version), label)
    except KeyError:  # an activity created after the cached categorization was read
        return _aggregate(group, rows, catalogs.get(conn, req.user_id, None), label)


def _aggregate(
    group: str, rows: Sequence[Sequence[Any]], cats: dict[int, ActivityInfo], label: Callable[[Any], str | None]
) -> Report:
    """SQL rows (bucket number, activity id, document name, ms) → the report's ordered rows."""
    if group == "efficiency":
        level = {activity_id: info.productivity for activity_id, info in cats.items()}
        per_bucket: dict[Any, list[int]] = {}
        for b, activity_id, _doc, ms in rows:
            acc = per_bucket.setdefault(b, [0, 0])
            acc[0] += ms
            acc[1] += ms * level[activity_id]
        sums: dict[Any, list[int]] = {}
        for b, (total, weighted) in per_bucket.items():
            acc = sums.setdefault(label(b), [0, 0])
            acc[0] += int(total)
            acc[1] += int(weighted)
        means = [(name, total, Fraction(weighted, total)) for name, (total, weighted) in sums.items() if total > 0]
        return Report("efficiency", sorted(means, key=lambda r: r[0] or ""))
    key = _KEYS[group]
    if group in _BY_DOCUMENT:
        keyed = [(b, key(cats[activity_id], doc), ms) for b, activity_id, doc, ms in rows]
    else:
        keys = {activity_id: key(info, None) for activity_id, info in cats.items()}
        keyed = [(b, keys[activity_id], ms) for b, activity_id, _doc, ms in rows]
    # Sum by bucket number and key first (no labels yet), then by label: weeks and months fold several
    # day numbers into one label, and a label is made once per bucket rather than once per row.
    by_bucket: dict[tuple[Any, ...], int] = {}
    for b, fields, ms in keyed:
        k = (b, fields)
        by_bucket[k] = by_bucket.get(k, 0) + ms
    labels = {b: label(b) for b in {b for b, _fields in by_bucket}}
    if len(labels) != len(set(labels.values())):  # weeks and months: several buckets share a label
        folded: dict[tuple[Any, ...], int] = {}
        for (b, fields), ms in by_bucket.items():
            k = (labels[b], fields)
            folded[k] = folded.get(k, 0) + ms
        by_bucket, labels = folded, {name: name for name, _fields in folded}
    # The few distinct keys are ranked once (ties break by name, case-insensitively); then the rows
    # sort as plain tuples (label, -seconds, rank), which are unique because (label, key) is.
    shown = {fields: fields[1:] if group in ("overview", "category") else fields for _b, fields in by_bucket}
    if group == "productivity":
        tie = {fields: -fields[0] for fields in shown}
    else:
        ordered = sorted(shown, key=lambda f: (shown[f][0].casefold(), shown[f][0], shown[f][1:]))
        tie = {fields: i for i, fields in enumerate(ordered)}
    decorated = [
        (labels[b] or "", -((int(ms) + 500) // 1000), tie[fields], labels[b], int(ms), shown[fields])
        for (b, fields), ms in by_bucket.items()
    ]
    decorated.sort()
    out = [(d[3], d[4], *d[5]) for d in decorated]
    return Report("activity" if group == "documents-as-activities" else group, out)


_BY_DOCUMENT = ("documents-as-activities", "document")


def _doc(name: str | None) -> str:
    return NO_DETAILS if name is None else name


# Activity (and document name) → the grouping key, which is also the row's fields after (bucket, ms).
_KEYS: dict[str, Callable[[ActivityInfo, str | None], tuple[Any, ...]]] = {
    "overview": lambda a, d: (a.top_id, a.top),
    "category": lambda a, d: (a.sub_id, a.sub),
    "activity": lambda a, d: (a.name, a.sub, a.productivity),
    "productivity": lambda a, d: (a.productivity,),
    "documents-as-activities": lambda a, d: (_doc(d), a.sub, a.productivity),
    "document": lambda a, d: (a.name, _doc(d), a.sub, a.productivity),
}


class CatalogCache:
    """Each user's categorization of activities, kept while the user's catalog version stands.

    The version is bumped in the transaction that adds an activity or changes a categorization,
    and it arrives with the user (read when the key is checked), so a hit costs no query."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[int, dict[int, ActivityInfo]]] = {}

    def forget(self, user_id: int) -> None:
        """Drop a user's entry (the account is gone; SQLite may give its id to the next account)."""
        self._entries.pop(user_id, None)

    def get(self, conn: Connection, user_id: int, version: int | None) -> dict[int, ActivityInfo]:
        hit = self._entries.get(user_id)
        if hit is not None and version is not None and hit[0] == version:
            return hit[1]
        mapping = catalog.categorization(conn, user_id)
        if version is not None:
            # Loaded no earlier than `version` was read, so it is at least that fresh.
            self._entries[user_id] = (version, mapping)
        return mapping


def seconds(ms: int) -> int:
    """Whole seconds, half up: the sum is rounded, never the pieces."""
    return (ms + 500) // 1000
