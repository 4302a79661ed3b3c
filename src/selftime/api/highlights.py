"""/anapi/highlights_feed and /anapi/highlights_post, and our own /api/v1/highlights to manage them.

The answers are plain functions (svc, user, params) → Response so the OAuth2 surface can reuse them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from selftime.api.anapi import serve_feed, serve_post
from selftime.api.context import Services
from selftime.api.errors import ApiError
from selftime.api.v1 import call
from selftime.compat import feeds
from selftime.compat.feeds import json_response, premium_feature
from selftime.compat.render import post_error
from selftime.domain.highlights import FEED_LIMIT, HighlightError, parse_highlight
from selftime.domain.zone import zone
from selftime.store import highlights
from selftime.store.highlights import Highlight
from selftime.store.users import User

router = APIRouter()

# Our own listing pages through more than the feed shows, but never unbounded.
LIST_LIMIT_MAX = 1000


def feed_item(h: Highlight, time_zone: str) -> dict[str, Any]:
    """One highlight as the feed writes it, keys in the docs' order."""
    return feeds.highlight(h.id, h.description, h.date, h.created_ms, time_zone)


def highlights_feed(svc: Services, user: User, params: dict[str, str]) -> Response:
    """The newest FEED_LIMIT highlights, newest first; a Lite account's feed is always empty."""
    if not user.is_premium:
        return json_response([])
    with svc.db.read() as conn:
        found = highlights.newest(conn, user.id, FEED_LIMIT)
    return json_response([feed_item(h, user.time_zone) for h in found])


def highlights_post(svc: Services, user: User, params: dict[str, str]) -> Response:
    if not user.is_premium:
        return premium_feature("Highlights")
    try:
        new = parse_highlight(params, zone(user.time_zone))
    except HighlightError as exc:
        return post_error("invalid highlight", str(exc))
    with svc.db.write() as conn:
        created = highlights.add(
            conn,
            user_id=user.id,
            date=new.date.isoformat(),
            description=new.description,
            source=new.source,
            now_ms=svc.clock_ms(),
        )
    return json_response({**feed_item(created, user.time_zone), "source": created.source})


@router.api_route("/anapi/highlights_feed", methods=["GET", "POST"])
async def anapi_highlights_feed(request: Request) -> Response:
    return await serve_feed(request, highlights_feed)


@router.post("/anapi/highlights_post")
async def anapi_highlights_post(request: Request) -> Response:
    return await serve_post(request, highlights_post)


# --- /api/v1: the same highlights, for pages and scripts that manage them -----------------------


def _limit(text: str | None) -> int:
    if text is None or not text.strip():
        return FEED_LIMIT
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= LIST_LIMIT_MAX:
        raise ValueError(f"limit must be a whole number from 1 to {LIST_LIMIT_MAX} (got {value!r})")
    return int(value)


@router.get("/api/v1/highlights")
async def list_highlights(request: Request) -> Response:
    """Newest first, with their source labels; the plan does not matter: it is the user's own data."""

    def work(svc: Services, user: User) -> list[dict[str, Any]]:
        try:
            limit = _limit(request.query_params.get("limit"))
        except ValueError as exc:
            raise ApiError(400, "invalid request", str(exc)) from None
        with svc.db.read() as conn:
            found = highlights.newest(conn, user.id, limit)
        return [{**feed_item(h, user.time_zone), "source": h.source} for h in found]

    return await call(request, work)


@router.delete("/api/v1/highlights/{highlight_id}")
async def delete_highlight(request: Request, highlight_id: int) -> Response:
    def work(svc: Services, user: User) -> dict[str, int]:
        with svc.db.write() as conn:
            if not highlights.delete_highlight(conn, user.id, highlight_id):
                raise ApiError(404, "not found", f"no highlight {highlight_id} for this user")
        return {"deleted": highlight_id}

    return await call(request, work)
