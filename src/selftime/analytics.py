"""The query engine: (user, local date range, resolution, kind, filters) → plain rows.

It knows the taxonomy and time zones but nothing of the RescueTime wire format (see compat/).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Connection

from selftime.domain.naming import NO_DETAILS, thing_key
from selftime.domain.zone import (
    DAY_MS,
    FIVE_MINUTES_MS,
    HOUR_MS,
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
from selftime.store.totals import TotalsQuery, fetch

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
class ReportRow:
    bucket: str | None
    duration_ms: int
    name: str | None = None
    document: str | None = None
    category: str | None = None
    productivity: int | None = None
    efficiency: Fraction | None = None


@dataclass(frozen=True)
class Report:
    shape: str  # overview, category, activity, productivity, document or efficiency
    rows: list[ReportRow]


def _matching(cats: dict[int, ActivityInfo], pred: Callable[[ActivityInfo], bool]) -> frozenset[int]:
    return frozenset(a.id for a in cats.values() if pred(a))


def _plan(req: ReportRequest, cats: dict[int, ActivityInfo]) -> tuple[str, frozenset[int] | None, bool]:
    """(output shape, activity filter, group by document) for the kind and drill-down."""
    kind, thing = req.kind, req.thing
    if kind == "efficiency":
        if req.perspective != "interval":
            raise QueryError("efficiency is only available with perspective=interval")
        if thing is not None:
            raise QueryError("efficiency cannot be restricted to a thing")
        return "efficiency", None, False
    if thing is None:
        if req.thingy is not None:
            raise QueryError("restrict_thingy needs restrict_thing (the activity it belongs to)")
        return kind, None, kind == "document"
    key = thing_key(thing)
    if kind == "overview":
        return "activity", _matching(cats, lambda a: a.top.casefold() == key), False
    if kind == "category":
        return "activity", _matching(cats, lambda a: a.sub.casefold() == key), False
    if kind == "productivity":
        try:
            level = int(thing)
        except ValueError:
            raise QueryError(f"productivity thing must be -2..2, not {thing!r}") from None
        if level not in (-2, -1, 0, 1, 2):
            raise QueryError(f"productivity thing must be -2..2, not {thing!r}")
        return "activity", _matching(cats, lambda a: a.productivity == level), False
    named = _matching(cats, lambda a: a.name.casefold() == key)
    if kind == "activity":
        return "documents-as-activities", named, True
    return "document", named, True


def _bucket_label(resolution: str, perspective: str) -> Callable[[int | None], str | None]:
    if perspective == "rank":
        return lambda b: None
    if resolution == "minute":
        return lambda b: local_label(b * FIVE_MINUTES_MS)  # type: ignore[operator]
    if resolution == "hour":
        return lambda b: local_label(b * HOUR_MS)  # type: ignore[operator]
    fold = {"day": lambda d: d, "week": week_start_day, "month": month_start_day}[resolution]
    return lambda b: local_label(fold(b) * DAY_MS)  # type: ignore[arg-type,operator]


def run(conn: Connection, req: ReportRequest) -> Report:
    if req.begin > req.end:
        raise QueryError("restrict_begin is after restrict_end")
    tz = zone(req.time_zone)
    start_ms, end_ms = local_range_ms(req.begin, req.end, tz)
    cats = catalog.categorization(conn, req.user_id)
    shape, activity_ids, by_document = _plan(req, cats)

    document_ids: frozenset[int] | None = None
    no_details = False
    if req.thingy is not None:
        no_details = req.thingy.strip().casefold() == NO_DETAILS.casefold()
        found = catalog.documents_named(conn, activity_ids or (), req.thingy) if activity_ids else []
        document_ids = frozenset(found)

    rows = fetch(
        conn,
        TotalsQuery(
            user_id=req.user_id,
            start_ms=start_ms,
            end_ms=end_ms,
            segments=offset_segments(req.time_zone, start_ms, end_ms),
            unit_ms=_UNIT_MS[req.resolution] if req.perspective == "interval" else None,
            source_type=req.source_type,
            activity_ids=activity_ids,
            document_ids=document_ids,
            include_no_details=no_details,
            by_document=by_document,
            schedule=req.schedule.ranges if req.schedule else (),
        ),
    )
    label = _bucket_label(req.resolution, req.perspective)
    if shape == "efficiency":
        return Report(shape, _efficiency_rows(rows, cats, label))
    doc_names = _document_names(conn, rows) if by_document else {}

    totals: defaultdict[tuple[str | None, tuple[object, ...]], int] = defaultdict(int)
    for bucket, activity_id, document_id, ms in rows:
        info = cats[activity_id]
        doc = doc_names.get(document_id, NO_DETAILS) if document_id is not None else NO_DETAILS
        key: tuple[object, ...]
        if shape == "overview":
            key = (info.top_id, info.top)
        elif shape == "category":
            key = (info.sub_id, info.sub)
        elif shape == "productivity":
            key = (info.productivity,)
        elif shape == "activity":
            key = (info.name, info.sub, info.productivity)
        elif shape == "documents-as-activities":
            key = (doc, info.sub, info.productivity)
        else:
            key = (info.name, doc, info.sub, info.productivity)
        totals[(label(bucket), key)] += ms

    out = [_row(shape, bucket, key, ms) for (bucket, key), ms in totals.items()]
    return Report("activity" if shape == "documents-as-activities" else shape, _ordered(out))


def _row(shape: str, bucket: str | None, key: tuple[object, ...], ms: int) -> ReportRow:
    if shape in ("overview", "category"):
        return ReportRow(bucket, ms, name=str(key[1]))
    if shape == "productivity":
        return ReportRow(bucket, ms, productivity=int(key[0]))  # type: ignore[call-overload]
    if shape in ("activity", "documents-as-activities"):
        name, sub, prod = key
        return ReportRow(bucket, ms, name=str(name), category=str(sub), productivity=int(prod))  # type: ignore[call-overload]
    name, doc, sub, prod = key
    return ReportRow(
        bucket,
        ms,
        name=str(name),
        document=str(doc),
        category=str(sub),
        productivity=int(prod),  # type: ignore[call-overload]
    )


def seconds(ms: int) -> int:
    """Whole seconds, half up: the sum is rounded, never the pieces."""
    return (ms + 500) // 1000


def _ordered(rows: list[ReportRow]) -> list[ReportRow]:
    def tie(r: ReportRow) -> tuple[object, ...]:
        if r.name is None:
            return (-(r.productivity or 0), "")
        return (r.name.casefold(), r.name, r.document or "")

    return sorted(rows, key=lambda r: (r.bucket or "", -seconds(r.duration_ms), tie(r)))


def _efficiency_rows(
    rows: list[tuple[int | None, int, int | None, int]],
    cats: dict[int, ActivityInfo],
    label: Callable[[int | None], str | None],
) -> list[ReportRow]:
    weighted: defaultdict[str | None, int] = defaultdict(int)
    total: defaultdict[str | None, int] = defaultdict(int)
    for bucket, activity_id, _doc, ms in rows:
        name = label(bucket)
        weighted[name] += cats[activity_id].productivity * ms
        total[name] += ms
    return [
        ReportRow(name, total[name], efficiency=Fraction(weighted[name], total[name]))
        for name in sorted(total, key=lambda n: n or "")
        if total[name] > 0
    ]


def _document_names(conn: Connection, rows: list[tuple[int | None, int, int | None, int]]) -> dict[int, str]:
    ids = sorted({d for _b, _a, d, _ms in rows if d is not None})
    names: dict[int, str] = {}
    for i in range(0, len(ids), 5000):
        names.update(catalog.document_names(conn, ids[i : i + 5000]))
    return names
