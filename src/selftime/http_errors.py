"""What a request gets when no route answers it, or when the database cannot be reached: on the APIs
their error object, on the web pages an error page, instead of FastAPI's `{"detail": …}` and a bare
500 in plain text."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from sqlalchemy import exc as db_errors
from starlette.exceptions import HTTPException
from starlette.responses import Response

from selftime.compat.render import post_error
from selftime.web.render import error_page

log = logging.getLogger("selftime.http")

# Paths whose callers are programs: they get the API error object.
API_PREFIXES = ("/api/", "/anapi/", "/oauth/token")
RETRY_SECONDS = 5
_KINDS = {404: "not found", 405: "method not allowed"}


# RescueTime's key management page sits under /anapi/, and so does ours: a page, with pages' errors.
PAGES_UNDER_API = "/anapi/manage"


def is_api(path: str) -> bool:
    if path == PAGES_UNDER_API or path.startswith(PAGES_UNDER_API + "/"):
        return False
    return path.startswith(API_PREFIXES)


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        kind = _KINDS.get(exc.status_code, "error")
        if exc.status_code == 404:
            message = f"there is nothing at {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed at {request.url.path}"
            allowed = {name.lower(): value for name, value in (exc.headers or {}).items()}.get("allow")
            if allowed:
                message += f"; use {allowed}"
        else:
            message = str(exc.detail)
        if is_api(request.url.path):
            response = post_error(kind, message, exc.status_code)
        else:
            response = error_page(
                request,
                user=None,
                title=kind.capitalize(),
                message=message[0].upper() + message[1:] + ".",
                status=exc.status_code,
            )
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(db_errors.OperationalError)
    @app.exception_handler(db_errors.InterfaceError)
    @app.exception_handler(db_errors.TimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # Nothing was written (every write is one transaction); the caller may simply try again.
        # One line: SQLAlchemy's text adds a second, a link to its docs.
        log.error(
            "database unavailable for %s %s: %s", request.method, request.url.path, exc.args[0] if exc.args else exc
        )
        if _full(exc):
            message = "the database's disk is full; nothing was changed, try again once there is room"
        elif _busy(exc):
            message = "the database is busy with other writes; nothing was changed, try again shortly"
        else:
            message = "the database cannot be reached just now; nothing was changed, try again shortly"
        if is_api(request.url.path):
            response = post_error("unavailable", message, 503)
        else:
            response = error_page(
                request, user=None, title="Unavailable", message=message.capitalize() + ".", status=503
            )
        response.headers["retry-after"] = str(RETRY_SECONDS)
        return response


# A write that lost to another (PostgreSQL's serialization failure, deadlock, lock timeout) or
# SQLite's writer lock held past the busy timeout: the database is there, only busy.
_BUSY_STATES = frozenset({"40001", "40P01", "55P03"})


def _full(exc: Exception) -> bool:
    """SQLite's "database or disk is full", or PostgreSQL's disk_full (53100)."""
    cause = getattr(exc, "orig", None)
    return getattr(cause, "sqlstate", None) == "53100" or "disk is full" in str(cause)


def _busy(exc: Exception) -> bool:
    cause = getattr(exc, "orig", None)
    return getattr(cause, "sqlstate", None) in _BUSY_STATES or "database is locked" in str(cause)
