"""Who is signed in to the web pages: a signed, HttpOnly, SameSite=Lax cookie (Starlette's
SessionMiddleware) holding the user id, the e-mail address and the user's auth epoch, which a password
change moves on. The address is checked too because SQLite may give a deleted account's id to the next
new account: a session left behind in another browser must not open it."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Match

from selftime.api.context import Services
from selftime.store import users
from selftime.store.users import User


def current_user(svc: Services, request: Request) -> User | None:
    """The signed-in user, or None (also when the account is gone or its password changed since)."""
    uid, epoch = request.session.get("uid"), request.session.get("epoch")
    if not isinstance(uid, int) or not isinstance(epoch, int):
        return None
    with svc.db.read() as conn:
        user = users.by_id(conn, uid)
    if user is None or user.auth_epoch != epoch or user.email != request.session.get("email"):
        return None
    return user


def sign_in(request: Request, user: User) -> None:
    # A fresh session (and CSRF token) at every sign-in: nothing set before it carries over.
    request.session.clear()
    request.session.update(
        {"uid": user.id, "email": user.email, "epoch": user.auth_epoch, "csrf": secrets.token_urlsafe(32)}
    )


def sign_out(request: Request) -> None:
    request.session.clear()


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, coming back to this very URL afterwards; after a form's POST, to the page
    the form is on: a login only answers with a GET, and most form URLs (/alerts/3/delete) have none."""
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        target = _page_of(request)
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _page_of(request: Request) -> str:
    """The nearest page (a path that answers GET) at or above the request's path; "/" at worst."""
    routes = request.app.router.routes
    path = request.url.path.rstrip("/")
    while path:
        scope = {**request.scope, "path": path, "method": "GET"}
        if any(route.matches(scope)[0] is Match.FULL for route in routes):
            return path
        path = path.rsplit("/", 1)[0]
    return "/"


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send a user anywhere after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
