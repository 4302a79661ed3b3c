"""Who is signed in to the web pages: a signed, HttpOnly, SameSite=Lax cookie (Starlette's
SessionMiddleware) holding the user id, the e-mail address and the user's auth epoch, which a password
change moves on. The address is checked too because SQLite may give a deleted account's id to the next
new account: a session left behind in another browser must not open it."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

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
    """To the login page, coming back to this very URL afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send a user anywhere after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
