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

from selftime.catalog_cache import CatalogCache
from selftime.db.tables import activities
from selftime.domain.naming import NO_DETAILS, strip_www
from selftime.domain.zone import (
    DAY_MS,
    FIVE_MINUTES_MS,
    HOUR_MS,
    date_of_day_number,
    local_day_number,
    local_label,
    local_range_ms,
    month_start_day,
    offset_segments,
    week_start_day,
    zone,
)
from selftime.store import catalog, document_reader
from selftime.store.catalog import ActivityInfo
from selftime.store.schedules import Schedule
from selftime.store.totals import ActivityFilter, Totals, TotalsQuery, day_extent, fetch

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
    created_ms: int | None = None  # the account's, with user_id naming it for the caches; None: no caching


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


class _Labels(dict[Any, "str | None"]):
    """Bucket number → label, made on first use: a report has few distinct buckets but many rows."""

    def __init__(self, make: Callable[[int], str | None], *, ranked: bool = False) -> None:
        super().__init__()
        self._make = make
        self.ranked = ranked  # one bucket, no label: the hottest reports skip them

    def __missing__(self, bucket: Any) -> str | None:
        found = self[bucket] = self._make(int(bucket))
        return found


def _bucket_labels(resolution: str, perspective: str) -> _Labels:
    if perspective == "rank":
        return _Labels(lambda b: None, ranked=True)
    unit = {"minute": FIVE_MINUTES_MS, "hour": HOUR_MS}.get(resolution)
    if unit:
        return _Labels(lambda b: local_label(b * unit))
    fold = {"week": week_start_day, "month": month_start_day}.get(resolution)
    if fold is None:
        return _Labels(lambda b: local_label(b * DAY_MS))
    return _Labels(lambda b: local_label(fold(b) * DAY_MS))


class _Same(dict[Any, Any]):
    """Labels that are already labels."""

    def __missing__(self, label: Any) -> Any:
        return label


def run(conn: Connection, req: ReportRequest, catalogs: CatalogCache | None = None) -> Report:
    if req.begin > req.end:
        raise QueryError("restrict_begin is after restrict_end")
    group, activity = _plan(conn, req)
    days = _days_with_time(conn, req)
    query = None
    if days is not None:
        begin, end = date_of_day_number(days[0]), date_of_day_number(days[1])
        start_ms, end_ms = local_range_ms(begin, end, zone(req.time_zone))
        query = TotalsQuery(
            user_id=req.user_id,
            start_ms=start_ms,
            end_ms=end_ms,
            segments=offset_segments(req.time_zone, start_ms, end_ms),
            group=group,
            unit_ms=_UNIT_MS[req.resolution] if req.perspective == "interval" else None,
            source_type=req.source_type,
            activities=activity,
            document_ids=_document_filter(conn, req, activity),
            include_no_details=req.thingy is not None and req.thingy.strip().casefold() == NO_DETAILS.casefold(),
            schedule=req.schedule.ranges if req.schedule else (),
            days=days,
            month_buckets=req.resolution == "month",
            week_buckets=req.perspective == "interval" and req.resolution == "week",
        )
    if catalogs is None or req.created_ms is None:
        catalogs, version = CatalogCache(), None
    else:
        version = req.catalog_version
    account = (req.user_id, req.created_ms or 0)
    labels = _bucket_labels(req.resolution, req.perspective)
    by_document = group in _BY_DOCUMENT
    names = catalogs.document_names(conn, account) if by_document else {}
    if by_document and query is not None:
        report = _grouped_documents(conn, group, query, catalogs, account, version, labels)
        if report is not None:
            return report
    totals = Totals((), keyed=False) if query is None else fetch(conn, query)
    try:
        return _aggregate(group, totals, catalogs.get(conn, account, version), names, labels)
    except KeyError:  # an activity or a document newer than what the cache holds
        if by_document:
            names = catalogs.document_names(conn, account, {r[2] for r in totals.rows if r[2] is not None})
        return _aggregate(group, totals, catalogs.get(conn, account, None), names, labels)


def _grouped_documents(
    conn: Connection,
    group: str,
    query: TotalsQuery,
    catalogs: CatalogCache,
    account: tuple[int, int],
    version: int | None,
    labels: _Labels,
) -> Report | None:
    """A document report summed, named and ordered in C (see store.document_reader), the same rows
    as _by_document's, or None where that cannot serve."""
    grouped = document_reader.group(conn, query)
    if grouped is None:
        return None
    shape = "document" if group == "document" else "activity"
    by_bucket = {b: labels[b] for b in grouped.buckets()}
    names = catalogs.document_names(conn, account)
    cats = catalogs.get(conn, account, version)
    for attempt in range(2):
        info = {a: (i.name, i.name.casefold(), i.sub, i.productivity) for a, i in cats.items()}
        try:
            return Report(shape, grouped.rows(shape, by_bucket, info, names, NO_DETAILS))
        except KeyError:  # a document or an activity newer than what the caches hold: read them
            if attempt == 0:
                names = catalogs.document_names(conn, account, grouped.document_ids())
                cats = catalogs.get(conn, account, None)
    return None


def _days_with_time(conn: Connection, req: ReportRequest) -> tuple[int, int] | None:
    """The asked local days narrowed to those the account has time on (a day either side, should the
    rollups still be keyed in a zone being changed), or None when none is left. A day range can
    reach from 0001 to 9999, which the zone arithmetic cannot take, and a range of decades would
    hand SQL an offset CASE of hundreds of clock changes to test on every row: narrowing keeps both
    to the data, and every label and sum the same, since days without time add nothing."""
    extent = day_extent(conn, req.user_id)
    if extent is None:
        return None
    first = max(local_day_number(req.begin), extent[0] - 1)
    last = min(local_day_number(req.end), extent[1] + 1)
    return (first, last) if first <= last else None


def _aggregate(
    group: str, totals: Totals, cats: dict[int, ActivityInfo], names: dict[int, str], labels: _Labels
) -> Report:
    """SQL rows (see Totals) → the report's ordered rows.

    Reports run to thousands of rows, so each step is one tight loop over plain tuples: per-row
    function calls would cost more than the SQL."""
    rows = totals.rows
    if group == "efficiency":
        return _efficiency(rows if totals.keyed else _weighted(rows, cats), labels)
    if group in _BY_DOCUMENT:
        return _by_document(group, totals, cats, names, labels)
    # Sum by (label, key): weeks and months fold several day numbers into one label, and the tiers
    # UNIONed in SQL may give one activity more than one row per bucket.
    sums: dict[tuple[Any, Any], int] = {}
    get = sums.get
    if totals.keyed:  # the key came from SQL: the row's fields by key
        fields = _key_fields(group, cats)
        for b, key, ms in rows:
            k = (labels[b], fields[key])
            sums[k] = get(k, 0) + ms
    else:
        keys = {activity_id: _activity_key(group, info) for activity_id, info in cats.items()}
        for b, activity_id, _doc, ms in rows:
            k = (labels[b], keys[activity_id])
            sums[k] = get(k, 0) + ms
    # Rows order by label, then seconds (more first), then name ascending: case-insensitively, and a
    # productivity level as a number (-2 first); the decorated tuples are unique before their last
    # two items because (label, key) is.
    decorated: list[tuple[Any, ...]]
    if group == "productivity":
        decorated = [(lab or "", -((ms + 500) // 1000), f[0], lab, ms, f) for (lab, f), ms in sums.items()]
    elif group in ("overview", "category"):
        decorated = [
            (lab or "", -((ms + 500) // 1000), f[1].casefold(), f[1], lab, ms, f[1:]) for (lab, f), ms in sums.items()
        ]
    else:
        decorated = [
            (lab or "", -((ms + 500) // 1000), f[0].casefold(), f, lab, ms, f) for (lab, f), ms in sums.items()
        ]
    decorated.sort()
    return Report(group, [(d[-3], d[-2], *d[-1]) for d in decorated])


def _by_document(
    group: str, totals: Totals, cats: dict[int, ActivityInfo], names: dict[int, str], labels: _Labels
) -> Report:
    """The document kinds: a row per document, thousands of them, so rows are summed by ids (only
    when SQL's rows are not already one per bucket, activity and document: Totals.unique),
    the names and the activity's part of each row are looked up once per row, and rows sort as flat
    tuples. (label, activity, document) → the row's fields is one to one: no document is stored
    under the name "No Details" (see domain.naming.stored_document)."""
    sub = {activity_id: info.sub for activity_id, info in cats.items()}
    level = {activity_id: info.productivity for activity_id, info in cats.items()}
    rows: Sequence[Sequence[Any]] = totals.rows
    by_label: dict[Any, Any] = labels
    if not totals.unique:
        sums: dict[tuple[Any, int, int | None], int] = {}
        get = sums.get
        for b, a, d, ms in rows:
            k = (labels[b], a, d)
            sums[k] = get(k, 0) + ms
        rows, by_label = [(lab, a, d, ms) for (lab, a, d), ms in sums.items()], _Same()
    if group == "document" and labels.ranked:
        return _ranked_documents(rows, cats, names, sub, level)
    decorated: list[tuple[Any, ...]]
    # Ordered by label, seconds (more first), then the row's fields from the first, the first
    # case-insensitively. The sort key is unique before its last item, the report's row itself,
    # which is built in the same pass (a second pass over thousands of rows showed).
    if group == "document":
        folded = {activity_id: info.name.casefold() for activity_id, info in cats.items()}
        name = {activity_id: info.name for activity_id, info in cats.items()}
        decorated = [
            (
                (lab := by_label[b]) or "",
                -((ms + 500) // 1000),
                folded[a],
                (activity := name[a]),
                (doc := NO_DETAILS if d is None else names[d]),
                (lab, ms, activity, doc, sub[a], level[a]),
            )
            for b, a, d, ms in rows
        ]
        decorated.sort()
        return Report("document", [d[5] for d in decorated])
    decorated = [
        (
            (lab := by_label[b]) or "",
            -((ms + 500) // 1000),
            (doc := NO_DETAILS if d is None else names[d]).casefold(),
            doc,
            (lab, ms, doc, sub[a], level[a]),
        )
        for b, a, d, ms in rows
    ]
    decorated.sort()
    return Report("activity", [d[4] for d in decorated])


def _ranked_documents(
    rows: Sequence[Sequence[Any]],
    cats: dict[int, ActivityInfo],
    names: dict[int, str],
    sub: dict[int, str],
    level: dict[int, int],
) -> Report:
    """The week's (or year's) documents ranked, one row per (activity, document) already: as above
    without labels, the most requested large report."""
    folded = {activity_id: info.name.casefold() for activity_id, info in cats.items()}
    name = {activity_id: info.name for activity_id, info in cats.items()}
    decorated = [
        (
            -((ms + 500) // 1000),
            folded[a],
            (activity := name[a]),
            (doc := NO_DETAILS if d is None else names[d]),
            (None, ms, activity, doc, sub[a], level[a]),
        )
        for _b, a, d, ms in rows
    ]
    decorated.sort()
    return Report("document", [d[4] for d in decorated])


def _efficiency(rows: Sequence[Sequence[Any]], labels: _Labels) -> Report:
    """Rows (bucket, ms, ms times productivity) → the mean productivity per label."""
    sums: dict[Any, list[int]] = {}
    for b, total, weighted in rows:
        acc = sums.get(labels[b])
        if acc is None:
            acc = sums[labels[b]] = [0, 0]
        acc[0] += total
        acc[1] += weighted
    means = [(name, total, Fraction(weighted, total)) for name, (total, weighted) in sums.items() if total > 0]
    return Report("efficiency", sorted(means, key=lambda r: r[0] or ""))


def _weighted(rows: Sequence[Sequence[Any]], cats: dict[int, ActivityInfo]) -> list[tuple[Any, int, int]]:
    """Rows (bucket, activity id, document, ms) → (bucket, ms, ms times productivity)."""
    level = {activity_id: info.productivity for activity_id, info in cats.items()}
    return [(b, ms, ms * level[activity_id]) for b, activity_id, _doc, ms in rows]


def _activity_key(group: str, info: ActivityInfo) -> tuple[Any, ...]:
    """An activity → the grouping key, which is also the row's fields, but for overview and category,
    whose key leads with the id, which is not shown."""
    if group == "overview":
        return (info.top_id, info.top)
    if group == "category":
        return (info.sub_id, info.sub)
    if group == "productivity":
        return (info.productivity,)
    return (info.name, info.sub, info.productivity)


def _key_fields(group: str, cats: dict[int, ActivityInfo]) -> dict[Any, tuple[Any, ...]]:
    """A key from SQL → the row's fields; overview and category keys lead with the id, which is not shown."""
    if group == "overview":
        return {info.top_id: (info.top_id, info.top) for info in cats.values()}
    if group == "category":
        return {info.sub_id: (info.sub_id, info.sub) for info in cats.values()}
    return {level: (level,) for level in (-2, -1, 0, 1, 2)}


_BY_DOCUMENT = ("documents-as-activities", "document")


def seconds(ms: int) -> int:
    """Whole seconds, half up: the sum is rounded, never the pieces."""
    return (ms + 500) // 1000
