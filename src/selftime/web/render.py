"""Server-rendered pages: one Jinja2 environment (autoescaped), every page on templates/base.html."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from selftime.store.users import User
from selftime.web import csrf

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def page(request: Request, name: str, *, user: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `name` with the signed-in user (or None) and the session's CSRF token."""
    return templates.TemplateResponse(
        request,
        name,
        {"user": user, "csrf_token": csrf.token(request), **context},
        status_code=status,
    )


def error_page(request: Request, *, user: User | None, title: str, message: str, status: int) -> HTMLResponse:
    return page(request, "error.html", user=user, status=status, title=title, message=message)
