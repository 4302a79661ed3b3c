"""Who is signed in to the web pages: a signed, HttpOnly, SameSite=Lax cookie (Starlette's
SessionMiddleware) holding the user id, the e-mail address, the user's auth epoch (a password change
moves it on) and a random session token recorded in the database (store.web_sessions).

The token is what makes logging out end the session: the signed cookie alone would stay valid for its
whole life wherever a copy of it went, whatever the browser forgot. The address is checked too because
SQLite may give a deleted account's id to the next new account: a session left behind in another
browser must not open it."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Match

from selftime.api.context import Services
from selftime.store import users, web_sessions
from selftime.store.users import User

SESSION_DAYS = 14
SESSION_MS = SESSION_DAYS * 24 * 3600 * 1000
# A session used again is extended (as the cookie is, at every answer), but written at most hourly:
# it ends between 14 days less an hour and 14 days after its last use.
_EXTEND_AFTER_MS = 3600 * 1000


def current_user(svc: Services, request: Request) -> User | None:
    """The signed-in user, or None (also when the session was ended by logging out, the account is
    gone or its password changed since)."""
    uid, epoch, token = request.session.get("uid"), request.session.get("epoch"), request.session.get("sid")
    if not isinstance(uid, int) or not isinstance(epoch, int) or not isinstance(token, str):
        return None
    now = svc.clock_ms()
    with svc.db.read() as conn:
        session = web_sessions.find(conn, token, now)
        user = users.by_id(conn, uid)
    if session is None or session.user_id != uid:
        return None
    if user is None or user.auth_epoch != epoch or user.email != request.session.get("email"):
        return None
    if session.expires_ms - now < SESSION_MS - _EXTEND_AFTER_MS:
        with svc.db.write() as conn:
            web_sessions.extend(conn, token, now + SESSION_MS)
    return user


def sign_in(svc: Services, request: Request, user: User) -> None:
    """A fresh session (new token, new CSRF token) at every sign-in: nothing set before it carries
    over, and the session this browser had before ends on the server too. Blocking: run in a thread."""
    token, now = secrets.token_urlsafe(32), svc.clock_ms()
    with svc.db.write() as conn:
        _end(conn, request)
        web_sessions.start(conn, user.id, token, now_ms=now, expires_ms=now + SESSION_MS)
    request.session.clear()
    request.session.update(
        {
            "uid": user.id,
            "email": user.email,
            "epoch": user.auth_epoch,
            "sid": token,
            "csrf": secrets.token_urlsafe(32),
        }
    )


def sign_out(svc: Services, request: Request) -> None:
    """End this browser's session on the server, not only in the browser. Blocking: run in a thread."""
    with svc.db.write() as conn:
        _end(conn, request)
    request.session.clear()


def _end(conn: Connection, request: Request) -> None:
    token = request.session.get("sid")
    if isinstance(token, str):
        web_sessions.end(conn, token)


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
