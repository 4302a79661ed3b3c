"""/settings: time zone, week start, the plan, the data export and deleting the account."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from selftime import export
from selftime.api.context import Services, services
from selftime.domain.zone import known_zones, validate_zone
from selftime.store import account_data, users
from selftime.store.users import User
from selftime.web import csrf, throttle
from selftime.web.render import page
from selftime.web.session import current_user, login_redirect, sign_out

router = APIRouter(include_in_schema=False)

WEEK_STARTS = ((0, "Sunday"), (1, "Monday"))


async def _signed_in(request: Request) -> tuple[Services, User | None]:
    svc = services(request)
    return svc, await run_in_threadpool(current_user, svc, request)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    csrf.verify(request, fields)
    return fields


def _counts(svc: Services, user: User) -> list[tuple[str, int]]:
    """How many rows the export (and the deletion) covers, per table with any."""
    with svc.db.read() as conn:
        found = [(t.name, account_data.count(conn, t, user.id)) for t in account_data.owned_tables()]
    return [(name, n) for name, n in found if n and name != "users"]


async def _settings(
    request: Request, svc: Services, user: User, *, status: int = 200, notices: Sequence[tuple[str, ...]] | None = None
) -> Response:
    counts = await run_in_threadpool(_counts, svc, user)
    context: dict[str, Any] = {
        "zones": sorted(known_zones()),
        "week_starts": WEEK_STARTS,
        "counts": counts,
        "total_rows": sum(n for _, n in counts),
    }
    return page(request, "settings.html", user=user, status=status, title="Settings", notices=notices, **context)


@router.get("/settings")
async def settings(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    return await _settings(request, svc, user)


@router.post("/settings/time-zone")
async def set_time_zone(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    name = (await _form(request)).get("time_zone", "")
    try:
        validate_zone(name)
    except ValueError as exc:
        return await _settings(request, svc, user, status=400, notices=[("error", str(exc))])

    def save() -> User | None:
        with svc.db.write() as conn:
            users.set_time_zone(conn, user.id, name)
            return users.by_id(conn, user.id)

    fresh = await run_in_threadpool(save)
    assert fresh is not None
    notice = f"Time zone set to {name}. Reports now follow it, history included."
    return await _settings(request, svc, fresh, notices=[("ok", notice)])


@router.post("/settings/week-start")
async def set_week_start(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    chosen = (await _form(request)).get("week_start", "")
    labels = {str(n): label for n, label in WEEK_STARTS}
    if chosen not in labels:
        return await _settings(
            request, svc, user, status=400, notices=[("error", "The week starts on Sunday or Monday.")]
        )

    def save() -> User | None:
        with svc.db.write() as conn:
            users.set_week_start(conn, user.id, int(chosen))
            return users.by_id(conn, user.id)

    fresh = await run_in_threadpool(save)
    assert fresh is not None
    return await _settings(request, svc, fresh, notices=[("ok", f"Weeks now start on {labels[chosen]}.")])


def _download(request: Request, svc: Services, user: User, kind: str) -> Response:
    """Streamed from one read transaction: a year of data is sent as it is read, never held whole."""
    now = svc.clock_ms()
    chunks = export.json_chunks if kind == "json" else export.zip_chunks

    def body() -> Iterator[bytes]:
        with svc.db.read() as conn:
            yield from chunks(conn, user.id, now)

    headers = {"Content-Disposition": _attachment(export.file_name(user.email, now, kind)), "Cache-Control": "no-store"}
    media_type = "application/json" if kind == "json" else "application/zip"
    return StreamingResponse(body(), media_type=media_type, headers=headers)


def _attachment(name: str) -> str:
    """A header holds Latin-1 only (Starlette refused 日本@… with a 500): a name with other letters
    is sent as RFC 6266's UTF-8 filename*, with an ASCII filename for clients that do not read it."""
    if name.isascii():
        return f'attachment; filename="{name}"'
    plain = "".join(ch if ch.isascii() else "_" for ch in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/settings/export.json")
async def export_json(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    return _download(request, svc, user, "json")


@router.get("/settings/export.zip")
async def export_zip(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    return _download(request, svc, user, "zip")


@router.post("/settings/delete")
async def delete_account(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    fields = await _form(request)
    problems = []
    if fields.get("confirm") != "yes":
        problems.append(("delete_confirm", "Tick the box to confirm that everything is to be deleted."))
    client = request.client.host if request.client else "unknown"
    right = await run_in_threadpool(
        throttle.recheck_password, svc, user.email, client, user.password_hash, fields.get("password", "")
    )
    if isinstance(right, throttle.Verdict):
        notices = [("error", throttle.too_many(right) + " Nothing was deleted.")]
        response = await _settings(request, svc, user, status=429, notices=notices)
        response.headers["Retry-After"] = str(right.retry_after_seconds)
        return response
    if not right:
        problems.append(("delete_password", "The password is wrong."))
    if problems:
        # Each refusal tied to its field (base.html, forms.html's `invalid`), then what it means.
        refused: list[tuple[str, ...]] = [("error", text, field) for field, text in problems]
        return await _settings(request, svc, user, status=400, notices=[*refused, ("error", "Nothing was deleted.")])

    def remove() -> None:
        with svc.db.write() as conn:
            account_data.delete_everything(conn, user.id)

    await run_in_threadpool(remove)
    # Caches key on (id, creation time), so nothing cached can reach a later account with this id;
    # dropping what this process holds frees the memory at once.
    svc.catalogs.forget(user.id)
    svc.reports.forget(user.id)
    await run_in_threadpool(sign_out, svc, request)
    return page(request, "settings.html", user=None, title="Account deleted", deleted_email=user.email)
