"""/categorize: the user's activities ranked by time over the last 30 local days, each editable inline.

The ranking is the Analytic Data API's own report (analytics.run, kind=activity, perspective=rank),
so the minutes shown are the API's. A change goes through selftime.categorize.categorize, the code
/api/v1/categorizations and `selftime categorize` use: it applies to all history at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime import analytics
from selftime.api.context import Services, services
from selftime.categorize import CategorizeError, categorize
from selftime.domain.taxonomy import UNCATEGORIZED_SUB_ID
from selftime.domain.zone import today_in, zone
from selftime.store import catalog
from selftime.store.users import User
from selftime.web import csrf
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect

router = APIRouter(include_in_schema=False)

RANGE_DAYS = 30
# Rows on one page (each carries a select of every sub-category, ~3 kB): the rest are on later pages.
PAGE_ROWS = 50
LEVELS = ((2, "Very productive"), (1, "Productive"), (0, "Neutral"), (-1, "Distracting"), (-2, "Very distracting"))


@dataclass(frozen=True)
class Row:
    name: str
    ms: int
    sub_id: int
    sub: str
    top: str
    productivity: int
    overridden: bool
    # The level the user set for this activity, or None while it follows its sub-category's default: the
    # form preselects "category default" then, so re-saving a category never pins the old level.
    own_productivity: int | None = None

    @property
    def duration(self) -> str:
        minutes = round(self.ms / 60000)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

    @property
    def uncategorized(self) -> bool:
        return self.sub_id == UNCATEGORIZED_SUB_ID


def _range(user: User, now_ms: int) -> tuple[dt.date, dt.date]:
    today = today_in(zone(user.time_zone), dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC))
    return today - dt.timedelta(days=RANGE_DAYS - 1), today


def _view(svc: Services, user: User, query: str, uncategorized_first: bool, page_no: int) -> dict[str, Any]:
    begin, end = _range(user, svc.clock_ms())
    with svc.db.read() as conn:
        report = analytics.run(
            conn,
            analytics.ReportRequest(
                user_id=user.id,
                time_zone=user.time_zone,
                perspective="rank",
                resolution="day",
                kind="activity",
                begin=begin,
                end=end,
                catalog_version=user.catalog_version,
                created_ms=user.created_ms,
            ),
            svc.catalogs,
        )
        infos = catalog.categorization(conn, user.id)
        subs = catalog.sub_categories(conn)
    by_name = {a.name: a for a in infos.values()}
    time_of = {str(r[2]): int(r[1]) for r in report.rows}
    default_level = {c.id: c.productivity for c in subs}
    rows = [
        Row(
            a.name,
            time_of.get(a.name, 0),
            a.sub_id,
            a.sub,
            a.top,
            a.productivity,
            a.overridden,
            None if a.productivity == default_level.get(a.sub_id) else a.productivity,
        )
        for a in by_name.values()
    ]
    # Ranked by time in the range (the API's order), then by name; activities without time come last.
    rows.sort(key=lambda r: (-r.ms, r.name))
    wanted = query.strip().casefold()
    if wanted:
        rows = [r for r in rows if any(wanted in text.casefold() for text in (r.name, r.sub, r.top))]
    if uncategorized_first:
        rows.sort(key=lambda r: not r.uncategorized)  # stable: each group keeps its ranking
    groups: dict[str, list[catalog.Category]] = {}
    for c in subs:
        groups.setdefault(c.top, []).append(c)
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    page_no = min(page_no, pages)
    return {
        "rows": rows[(page_no - 1) * PAGE_ROWS : page_no * PAGE_ROWS],
        "page_no": page_no,
        "pages": pages,
        "first_rank": (page_no - 1) * PAGE_ROWS + 1,
        "total_rows": len(rows),
        "page_rows": PAGE_ROWS,
        "groups": groups,
        "levels": LEVELS,
        "begin": begin.isoformat(),
        "end": end.isoformat(),
        "range_days": RANGE_DAYS,
        "q": query,
        "uncategorized_first": uncategorized_first,
        "uncategorized_count": sum(1 for r in rows if r.uncategorized),
    }


def _page_no(text: str | None) -> int:
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 1 <= len(value) <= 6 and int(value) > 0 else 1


async def _show(
    request: Request,
    user: User,
    query: str,
    uncategorized_first: bool,
    page_no: int = 1,
    status: int = 200,
    **context: Any,
) -> Response:
    view = await run_in_threadpool(_view, services(request), user, query, uncategorized_first, page_no)
    return page(request, "categorize.html", user=user, status=status, title="Categorize", **view, **context)


@router.get("/categorize")
async def categorize_page(request: Request) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return login_redirect(request)
    params = request.query_params
    query, first = params.get("q", "")[:255], params.get("uncategorized") == "1"
    return await _show(request, user, query, first, _page_no(params.get("page")))


def _productivity(text: str) -> int | None:
    value = text.strip()
    if value in ("", "default"):
        return None
    try:
        return int(value)
    except ValueError:
        # categorize() states the rule; an unreadable level is simply not one of the allowed ones.
        return 99


@router.post("/categorize")
async def save_categorization(request: Request) -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form)
    query, first = form.get("q", "")[:255], form.get("uncategorized") == "1"
    page_no = _page_no(form.get("page"))
    activity = form.get("activity", "")
    reset = form.get("reset") == "1"

    def save() -> catalog.ActivityInfo:
        with svc.db.write() as conn:
            known = {a.name for a in catalog.categorization(conn, user.id).values()}
            if activity not in known:
                # Only the user's own activities are listed; a name that is not one is a stale or forged form.
                raise CategorizeError(f"you have no activity named {activity!r}")
            category, top = None, None
            if not reset:
                chosen = form.get("category", "").strip()
                match = [c for c in catalog.sub_categories(conn) if str(c.id) == chosen]
                if not match:
                    raise CategorizeError("choose a sub-category from the list")
                category, top = match[0].name, match[0].top
            return categorize(
                conn,
                user_id=user.id,
                activity=activity,
                category=category,
                top=top,
                productivity=None if reset else _productivity(form.get("productivity", "")),
                reset=reset,
            )

    try:
        info = await run_in_threadpool(save)
    except CategorizeError as exc:
        return await _show(
            request, user, query, first, page_no, status=400, notices=[("error", f"Nothing changed: {exc}.")]
        )
    # The user read at sign-in carries the old catalog version: read it again so the ranking is fresh.
    fresh = await run_in_threadpool(current_user, svc, request) or user
    text = (
        f"“{info.name}” is back to its default: {info.sub} ({info.top}), productivity {info.productivity:+d}."
        if reset
        else f"“{info.name}” is now {info.sub} ({info.top}), productivity {info.productivity:+d}, in all its history."
    )
    return await _show(request, fresh, query, first, page_no, notices=[("ok", text)], changed=info.name)
