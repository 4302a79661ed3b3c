"""CSRF tokens: one random token per session, in every form, compared in constant time."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from starlette.requests import Request


class CsrfError(Exception):
    """A form without the session's token: the page answers 403 and changes nothing."""


def token(request: Request) -> str:
    found = request.session.get("csrf")
    if not isinstance(found, str):
        found = secrets.token_urlsafe(32)
        request.session["csrf"] = found
    return found


def verify(request: Request, form: Mapping[str, object]) -> None:
    sent, expected = form.get("csrf_token"), request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfError("the form has expired or did not come from this site; reload the page and try again")
