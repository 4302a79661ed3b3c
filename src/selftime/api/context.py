"""What every request handler needs: settings, the database and the clock, held on app.state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from selftime.catalog_cache import CatalogCache
from selftime.config import Settings
from selftime.db.engine import Database
from selftime.report_cache import ReportCache
from selftime.report_refresh import Refresher


def system_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Services:
    settings: Settings
    db: Database
    clock_ms: Callable[[], int] = system_clock_ms
    catalogs: CatalogCache = field(default_factory=CatalogCache)
    reports: ReportCache = field(default_factory=lambda: ReportCache(0))
    refresher: Refresher | None = None  # server processes only: see report_refresh


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


class BadBody(ValueError):
    """A JSON body that cannot be read as parameters; the message says why."""


async def request_params(request: Request) -> dict[str, str]:
    """Query string, then a form or JSON body; the body wins where both name a parameter.

    A JSON body that does not parse, is not an object, or gives a parameter an array, an object or
    text with a lone surrogate raises BadBody: read as no parameters it would earn a misleading "x is
    required", a nested value would be stored as Python's repr of it, and a lone surrogate cannot
    be encoded at all."""
    params = dict(request.query_params)
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    elif content_type == "application/json":
        raw = await request.body()
        if not raw.strip():
            return params
        try:
            body = load_json(raw)
        except ValueError:
            raise BadBody("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise BadBody("the JSON body must be an object of parameters")
        for name, value in body.items():
            if isinstance(value, list | dict):
                kind = "array" if isinstance(value, list) else "object"
                raise BadBody(f"{name} must be a string or a number, not a JSON {kind}")
            if isinstance(value, str) and not encodable(value):
                # A lone "\ud800" escape is valid JSON but no text: it failed (500) wherever the
                # value met the database or a hash (key, restrict_thing, activity_name).
                raise BadBody(f"{name} is not valid Unicode text (it holds a lone surrogate escape)")
        params.update({k: _text(v) for k, v in body.items() if v is not None})
    return params


def load_json(raw: bytes | str) -> Any:
    """json.loads, but a body nested deeper than Python's recursion limit is a ValueError like any other
    malformed body: json.loads raises RecursionError for it, which answered 500."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
