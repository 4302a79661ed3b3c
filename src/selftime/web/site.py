"""The web pages' plumbing on the app: session cookies, static files, CSRF failures, the page routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from selftime.config import Settings
from selftime.oauth import routes as oauth_routes
from selftime.web import account, dashboard, features, keys, settings_page, time_pages
from selftime.web import categorize as categorize_page
from selftime.web.csrf import CsrfError
from selftime.web.render import error_page
from selftime.web.session import SESSION_DAYS


def mount(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="selftime_session",
        max_age=SESSION_DAYS * 24 * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    for pages in (account, keys, oauth_routes, dashboard, settings_page, categorize_page, features, time_pages):
        app.include_router(pages.router)

    @app.exception_handler(CsrfError)
    async def csrf_failed(request: Request, exc: CsrfError) -> Response:
        return error_page(request, user=None, title="Form expired", message=str(exc), status=403)
