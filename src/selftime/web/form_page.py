"""How a feature page works: a loader of its lists, a template, a form action, and the premium rule.

A post checks the session, the CSRF token and the plan, runs the action (→ a notice) and sends the
browser back to the page (303), the notice kept in the session for that one showing: rendered in
answer to the POST, the page would post again on a reload, and add a second highlight or alert. An
action refuses with `Refused(status, message, field)`, which changes nothing and renders the page with
the message (tied to the field at fault, as forms.html's `invalid` does) and the form as it was sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from selftime.api.context import Services, services
from selftime.compat.feeds import local_datetime
from selftime.store.users import User
from selftime.web import csrf
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect

RECENT = 20

PageLoader = Callable[[Services, User], dict[str, Any]]
Action = Callable[[Services, User, dict[str, str]], str]
Deletion = Callable[[Services, User, int], str]


def when(ms: int | None, time_zone: str) -> str:
    """UTC ms → the user's wall clock, to the minute."""
    return "" if ms is None else local_datetime(ms, time_zone)[:16].replace("T", " ")


def _form_dict(raw: Any) -> dict[str, str]:
    return {k: v for k, v in raw.items() if isinstance(v, str)}


class Refused(Exception):
    """A form refused: (status, message), and the id of the field at fault when one is."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field

    @property
    def notice(self) -> tuple[str, ...]:
        # (kind, text, field): base.html gives the message the id the field's aria-describedby names.
        return ("error", str(self), self.field) if self.field else ("error", str(self))


async def show(
    request: Request,
    user: User,
    name: str,
    load: PageLoader,
    *,
    title: str,
    status: int = 200,
    **context: Any,
) -> Response:
    lists = await run_in_threadpool(load, services(request), user)
    return page(request, f"{name}.html", user=user, status=status, title=title, **lists, **context)


_NOTICE = "notice"  # the session's key for the notice of the post just made


async def get(request: Request, name: str, load: PageLoader, title: str) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return login_redirect(request)
    notice = request.session.pop(_NOTICE, None)
    notices = [("ok", notice)] if isinstance(notice, str) else []
    return await show(request, user, name, load, title=title, notices=notices)


async def post(
    request: Request,
    name: str,
    load: PageLoader,
    title: str,
    act: Action,
    *,
    premium: str | None,
) -> Response:
    """Check the session, the CSRF token and the plan, run `act` (→ the notice), back to the page."""
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    form = _form_dict(await request.form())
    csrf.verify(request, form)
    try:
        if premium is not None and not user.is_premium:
            raise Refused(403, f"{premium} are a premium feature: nothing changed.")
        message = await run_in_threadpool(act, svc, user, form)
    except Refused as exc:
        return await show(request, user, name, load, title=title, status=exc.status, notices=[exc.notice], form=form)
    request.session[_NOTICE] = message
    return RedirectResponse(f"/{name}", status_code=303)


def add_list_page(
    router: APIRouter, name: str, title: str, load: PageLoader, create: Action, delete: Deletion, *, premium: str | None
) -> None:
    """The routes of a page that lists things: GET /{name} shows, POST /{name} creates (a premium
    feature when `premium` names it), POST /{name}/{id}/delete deletes. Deleting is never refused for
    the plan: it is the user's own data, also after a move to Lite."""

    async def show_page(request: Request) -> Response:
        return await get(request, name, load, title)

    async def create_item(request: Request) -> Response:
        return await post(request, name, load, title, create, premium=premium)

    async def delete_item(request: Request, item_id: int) -> Response:
        def act(svc: Services, user: User, _form: dict[str, str]) -> str:
            return delete(svc, user, item_id)

        return await post(request, name, load, title, act, premium=None)

    router.add_api_route(f"/{name}", show_page, methods=["GET"])
    router.add_api_route(f"/{name}", create_item, methods=["POST"])
    router.add_api_route(f"/{name}/{{item_id}}/delete", delete_item, methods=["POST"])
