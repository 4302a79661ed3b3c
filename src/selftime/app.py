"""Builds the ASGI app from explicit settings; nothing is created at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Hashable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from selftime import http_errors, maintenance
from selftime.api import alerts, data, focus, highlights, ingest, manage, offline, offline_v1, summary
from selftime.api.context import Services, services, system_clock_ms
from selftime.compat.render import post_error
from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.report_cache import ReportCache
from selftime.report_refresh import Refresher
from selftime.request_guard import RequestGuard
from selftime.security_headers import SecurityHeaders
from selftime.store import users
from selftime.store.users import Account
from selftime.web import site as web
from selftime.web.render import error_page

log = logging.getLogger("selftime")


def settle_collector() -> None:
    """Tune the garbage collector for a long-running server process, once its app is built.

    A report allocates tens of thousands of short-lived tuples, so at the default thresholds a
    request sets off dozens of collections and now and then a full one over every live object
    (caches, modules): that showed as 60-80 ms spikes at the 95th percentile. What exists at startup
    is frozen out of the collector's view, and the youngest generation is collected less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _report_versions(db: Database, accounts: list[Account]) -> dict[Account, Hashable]:
    with db.read() as conn:
        return dict(users.report_versions(conn, [user_id for user_id, _created in accounts]))


def trailing_slash_routes(routers: list[APIRouter], prefix: str) -> APIRouter:
    """Each API route under `prefix`, at its path with a trailing slash, as Rails answers RescueTime's:
    real scripts write `/anapi/data/?…`. Starlette would answer 307 to the path without it: an empty
    body to a client that does not follow redirects, and a POST's body lost by many that do."""
    slashed = APIRouter()
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith(prefix) and http_errors.is_api(route.path):
                methods = sorted(route.methods or ())
                slashed.add_api_route(route.path + "/", route.endpoint, methods=methods, include_in_schema=False)
    return slashed


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock_ms: Callable[[], int] | None = None,
    close_db_on_shutdown: bool = False,
) -> FastAPI:
    """The app on `db` (or one built from the settings). A server that owns its database passes
    close_db_on_shutdown: closing the pool at the end lets SQLite's last connection fold the WAL
    back into the database file. Not by default: a caller that shares `db` (tests, scripts) may
    still have connections of it checked out, which a closed pool would leave to be collected."""
    database = db or Database(build_engine(settings.resolved_database_url))
    svc = Services(
        settings=settings,
        db=database,
        clock_ms=clock_ms or system_clock_ms,
        reports=ReportCache(settings.report_cache_mb * 1024 * 1024),
    )
    if settings.report_cache_mb > 0 and settings.report_refresh_minutes > 0:
        svc.refresher = Refresher(
            lambda account, questions: data.refresh(svc, account, questions),
            svc.clock_ms,
            window_seconds=settings.report_refresh_minutes * 60,
            versions=lambda accounts: _report_versions(database, accounts),
        )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.maintenance_interval_seconds > 0:
            task = asyncio.create_task(maintenance.loop(svc, settings.maintenance_interval_seconds))
        yield
        if svc.refresher is not None:
            await asyncio.to_thread(svc.refresher.close)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if close_db_on_shutdown or db is None:
            # SQLite's last connection checkpoints the WAL into the database file and removes it: a
            # stopped server leaves one file, whole, not hundreds of MB beside it.
            database.dispose()

    app = FastAPI(title="Selftime", version="0.1.0", docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.services = svc
    features = (data, ingest, manage, summary, alerts, highlights, focus, offline, offline_v1)
    routers = [feature.router for feature in features]
    for router in routers:
        app.include_router(router)
    app.include_router(trailing_slash_routes(routers, "/anapi/"))
    web.mount(app, settings)
    http_errors.install(app)
    # Outermost, so that no route and no other middleware sees what it refuses (see request_guard).
    app.add_middleware(RequestGuard)
    # Outside even that, so that its refusals carry the headers too.
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not http_errors.is_api(request.url.path):
            # On the pages only a path can fail (/alerts/abc/delete): no such thing, said as a page.
            message = f"There is nothing at {request.method} {request.url.path}."
            return error_page(request, user=None, title="Not found", message=message, status=404)
        # FastAPI answers 422 with its own shape; ours is 400 with the error object everywhere.
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        return post_error("invalid request", "; ".join(parts) or "invalid request")

    # HEAD too: uptime monitors and load balancers probe with it.
    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    async def healthz(request: Request) -> Response:
        def probe() -> bool:
            try:
                with services(request).db.read() as conn:
                    conn.execute(text("SELECT 1"))
                return True
            except Exception:  # any failure means "not healthy", and the log says why
                log.exception("health probe failed")
                return False

        ok = await run_in_threadpool(probe)
        return JSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)

    return app
