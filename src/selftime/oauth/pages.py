"""The pages of the OAuth2 flow: the consent page (/oauth/authorize) and the connected apps
(/oauth/authorized_applications), server-rendered like the other account pages."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2.rfc6749 import errors
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from selftime.api.context import Services, services
from selftime.compat.feeds import local_datetime
from selftime.oauth import scopes as scope_table
from selftime.oauth import server
from selftime.store import oauth as store
from selftime.store.users import User
from selftime.web import csrf
from selftime.web.render import error_page, page
from selftime.web.session import current_user, login_redirect

router = APIRouter(include_in_schema=False)


def _validate(svc: Services, items: list[tuple[str, str]]) -> tuple[list[str], OAuthRequest]:
    oauth = server.build(svc, svc.clock_ms())
    scopes, info = oauth.validate_authorization_request(server.authorize_uri(items))
    return scopes, info["request"]


def _refused(request: Request, user: User | None, exc: errors.FatalClientError) -> Response:
    """An unknown client or a redirect URI it did not register: say so here, never redirect there
    (RFC 6749 §4.1.2.1), or this page would send people and codes anywhere a link says."""
    if isinstance(exc, errors.InvalidClientIdError | errors.MissingClientIdError):
        message = "This link does not name an application registered on this server (client_id)."
    elif isinstance(exc, errors.MismatchingRedirectURIError | errors.InvalidRedirectURIError):
        message = "The redirect URI in this link is not one the application registered, so it cannot be used."
    elif isinstance(exc, errors.MissingRedirectURIError):
        message = "This application registered several redirect URIs; the link must name one (redirect_uri)."
    else:
        message = f"The link is not a valid authorization request: {exc.description}"
    return error_page(request, user=user, title="Cannot connect this application", message=message, status=400)


def _back_to_client(exc: errors.OAuth2Error) -> Response:
    # Client and redirect URI were verified before any such error, so the client may be told.
    return RedirectResponse(exc.in_uri(exc.redirect_uri), status_code=303)


@router.get("/oauth/authorize")
@router.get("/oauth/authorize/")
async def authorize_page(request: Request) -> Response:
    svc = services(request)
    items = server.normalized(request.query_params.multi_items())
    user = await run_in_threadpool(current_user, svc, request)
    # The request is checked before the login: a broken link gets its error page without one.
    try:
        scopes, oauth_request = await run_in_threadpool(_validate, svc, items)
    except errors.FatalClientError as exc:
        return _refused(request, user, exc)
    except errors.OAuth2Error as exc:
        return _back_to_client(exc)
    if user is None:
        return login_redirect(request)
    app: store.App = oauth_request.client
    # Not to be framed, as no page is (security_headers): a framed Allow button can be clicked by a trick.
    return page(
        request,
        "oauth_authorize.html",
        user=user,
        title=f"Connect {app.name}",
        app_name=app.name,
        scopes=scope_table.ordered(scopes),
        redirect_host=urlsplit(oauth_request.redirect_uri).netloc,
        fields=items,
    )


@router.post("/oauth/authorize")
@router.post("/oauth/authorize/")
async def authorize_decision(request: Request) -> Response:
    svc = services(request)
    form = await request.form()
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    fields = dict(pairs)
    items = server.normalized(pairs)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        # The session ended while the page was open: log in, then see the same consent page again.
        target = quote(f"/oauth/authorize?{urlencode(items)}", safe="")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    csrf.verify(request, fields)
    decision = fields.get("decision")
    if decision not in ("allow", "deny"):
        return error_page(
            request, user=user, title="No decision", message="Choose Allow or Deny on the consent page.", status=400
        )

    def decide() -> str:
        # Everything is checked again: the hidden fields came back through the browser.
        scopes, oauth_request = _validate(svc, items)
        if decision == "deny":
            denied = errors.AccessDeniedError(description="The user denied access.", request=oauth_request)
            return str(denied.in_uri(oauth_request.redirect_uri))
        oauth = server.build(svc, svc.clock_ms())
        headers, _body, _status = oauth.create_authorization_response(
            server.authorize_uri(items), scopes=scopes, credentials={"user": user}
        )
        return str(headers["Location"])

    try:
        location = await run_in_threadpool(decide)
    except errors.FatalClientError as exc:
        return _refused(request, user, exc)
    except errors.OAuth2Error as exc:
        return _back_to_client(exc)
    return RedirectResponse(location, status_code=303)


# --- connected apps --------------------------------------------------------------------------------


def _connections(svc: Services, user: User) -> list[store.Connected]:
    with svc.db.read() as conn:
        return store.connections(conn, user.id)


async def _show(request: Request, user: User, status: int = 200, **context: object) -> Response:
    found = await run_in_threadpool(_connections, services(request), user)
    rows = [
        {
            "id": c.app_id,
            "name": c.name,
            "scopes": scope_table.ordered(c.scopes),
            "since": local_datetime(c.since_ms, user.time_zone)[:16].replace("T", " "),
        }
        for c in found
    ]
    return page(
        request,
        "oauth_authorized_applications.html",
        user=user,
        status=status,
        title="Connected apps",
        apps=rows,
        **context,
    )


@router.get("/oauth/authorized_applications")
async def authorized_applications(request: Request) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return login_redirect(request)
    return await _show(request, user)


@router.post("/oauth/authorized_applications/{app_id}/revoke")
async def revoke(request: Request, app_id: int) -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    csrf.verify(request, {k: v for k, v in (await request.form()).items() if isinstance(v, str)})

    def work() -> str | None:
        name = next((c.name for c in _connections(svc, user) if c.app_id == app_id), None)
        with svc.db.write() as conn:
            revoked = store.revoke_connection(conn, user_id=user.id, app_id=app_id, now_ms=svc.clock_ms())
        return name if revoked else None

    name = await run_in_threadpool(work)
    if name is None:
        return await _show(request, user, status=404, notices=[("error", "That app is not connected to your account.")])
    return await _show(
        request, user, notices=[("ok", f"{name} can no longer read your data; its access ended at once.")]
    )
