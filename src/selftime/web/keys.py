"""/anapi/manage: the user's API keys — list (a prefix only), create (shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from selftime.api.context import services
from selftime.compat.feeds import local_datetime
from selftime.store import keys
from selftime.store.users import User
from selftime.web import csrf
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect

router = APIRouter(include_in_schema=False)


def _rows(svc, user: User) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with svc.db.read() as conn:
        found = keys.list_for_user(conn, user.id)

    def when(ms: int | None) -> str | None:
        return None if ms is None else local_datetime(ms, user.time_zone)[:16].replace("T", " ")

    return [
        {
            "id": k.id,
            "name": k.name,
            "prefix": k.prefix,
            "created": when(k.created_ms),
            "last_used": when(k.last_used_ms),
            "revoked": when(k.revoked_ms),
        }
        for k in sorted(found, key=lambda k: (k.revoked_ms is not None, -k.created_ms))
    ]


async def _show(request: Request, user: User, status: int = 200, **context: object) -> Response:
    rows = await run_in_threadpool(_rows, services(request), user)
    return page(request, "manage.html", user=user, status=status, title="API keys", keys=rows, **context)


@router.get("/anapi/manage")
async def manage(request: Request) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return login_redirect(request)
    return await _show(request, user)


@router.post("/anapi/manage/keys")
async def create_key(request: Request) -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form)
    name = form.get("name", "").strip()
    if not 1 <= len(name) <= 255:
        return await _show(
            request, user, status=400, notices=[("error", "Give the key a name (1 to 255 characters).", "name")]
        )

    def create() -> str:
        with svc.db.write() as conn:
            _key, text = keys.create(conn, user_id=user.id, name=name, now_ms=svc.clock_ms())
        return text

    text = await run_in_threadpool(create)
    return await _show(request, user, new_key=text, new_key_name=name)


@router.post("/anapi/manage/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: int) -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is None:
        return login_redirect(request)
    csrf.verify(request, {k: v for k, v in (await request.form()).items() if isinstance(v, str)})

    def revoke() -> bool:
        with svc.db.write() as conn:
            return keys.revoke(conn, user_id=user.id, key_id=key_id, now_ms=svc.clock_ms())

    if not await run_in_threadpool(revoke):
        return await _show(request, user, status=404, notices=[("error", "There is no such active key.")])
    return await _show(request, user, notices=[("ok", "The key is revoked; it stopped working at once.")])
