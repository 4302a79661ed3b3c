"""Account pages: log in and out, sign up (when the operator allows it), password and time zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from selftime.api.context import Services, services
from selftime.domain.email import normalize_email
from selftime.domain.zone import known_zones, validate_zone
from selftime.passwords import MIN_LENGTH, hash_password, verify_password
from selftime.store import users
from selftime.store.users import User
from selftime.web import csrf, throttle
from selftime.web.render import error_page, page
from selftime.web.session import current_user, login_redirect, safe_next, sign_in, sign_out

router = APIRouter(include_in_schema=False)


def zones() -> list[str]:
    return sorted(known_zones())


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    csrf.verify(request, fields)
    return fields


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/")
async def home(request: Request) -> Response:
    user = await run_in_threadpool(current_user, services(request), request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return page(request, "home.html", user=user, title="Welcome")


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    svc = services(request)
    user = await run_in_threadpool(current_user, svc, request)
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(
        request,
        "login.html",
        user=None,
        title="Log in",
        next=safe_next(next),
        email="",
        signup=svc.settings.open_signup,
    )


@router.post("/login")
async def login(request: Request) -> Response:
    svc = services(request)
    fields = await _form(request)
    email, password = fields.get("email", "").strip(), fields.get("password", "")
    target = safe_next(fields.get("next"))

    def attempt() -> tuple[User | None, throttle.Verdict]:
        verdict = throttle.check(svc, email, _client(request))
        if not verdict.allowed:
            return None, verdict
        with svc.db.read() as conn:
            found = users.by_email(conn, email) if email else None
        # Verify against a real hash even for unknown addresses, so timing does not tell which exist.
        stored = found.password_hash if found else _DUMMY_HASH
        if verify_password(stored, password) and found is not None:
            throttle.succeeded(svc, email)
            return found, verdict
        throttle.failed(svc, email, _client(request))
        return None, verdict

    user, verdict = await run_in_threadpool(attempt)
    context: dict[str, Any] = {"title": "Log in", "next": target, "email": email, "signup": svc.settings.open_signup}
    if not verdict.allowed:
        minutes = -(-verdict.retry_after_seconds // 60)
        message = f"Too many failed logins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        response = page(request, "login.html", user=None, status=429, notices=[("error", message)], **context)
        response.headers["Retry-After"] = str(verdict.retry_after_seconds)
        return response
    if user is None:
        notices = [("error", "Wrong e-mail address or password.")]
        return page(request, "login.html", user=None, status=400, notices=notices, **context)
    await run_in_threadpool(sign_in, svc, request, user)
    return RedirectResponse(target, status_code=303)


_DUMMY_HASH = hash_password("not-a-real-password-0000")


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    await run_in_threadpool(sign_out, services(request), request)
    return RedirectResponse("/login", status_code=303)


def _signup_problems(fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, message) for each rule broken: the page ties each message to its field."""
    problems = []
    try:
        normalize_email(fields.get("email", ""))
    except ValueError as exc:
        problems.append(("email", f"Enter a valid e-mail address: {exc}."))
    password = fields.get("password", "")
    if len(password) < MIN_LENGTH:
        problems.append(("password", f"The password must be at least {MIN_LENGTH} characters."))
    elif password != fields.get("confirm", ""):
        problems.append(("confirm", "The two passwords differ."))
    try:
        validate_zone(fields.get("time_zone", ""))
    except ValueError:
        problems.append(("time_zone", "Choose a time zone from the list."))
    return problems


@router.get("/signup")
async def signup_form(request: Request) -> Response:
    svc = services(request)
    if not svc.settings.open_signup:
        return _signup_closed(request)
    return page(request, "signup.html", user=None, title="Sign up", zones=zones(), fields={"time_zone": "UTC"})


def _signup_closed(request: Request) -> Response:
    message = "Sign-up is closed on this server: ask its operator for an account."
    return error_page(request, user=None, title="Sign-up is closed", message=message, status=404)


@router.post("/signup")
async def signup(request: Request) -> Response:
    svc = services(request)
    if not svc.settings.open_signup:
        return _signup_closed(request)
    fields = await _form(request)
    shown = {"email": fields.get("email", ""), "time_zone": fields.get("time_zone", "UTC")}
    context: dict[str, Any] = {"user": None, "title": "Sign up", "zones": zones(), "fields": shown}

    def admit() -> throttle.Verdict:
        verdict = throttle.signup_check(svc, _client(request))
        if verdict.allowed:
            throttle.signup_attempted(svc, _client(request))
        return verdict

    verdict = await run_in_threadpool(admit)
    if not verdict.allowed:
        response = page(
            request, "signup.html", status=429, notices=[("error", throttle.too_many_signups(verdict))], **context
        )
        response.headers["Retry-After"] = str(verdict.retry_after_seconds)
        return response
    problems = _signup_problems(fields)

    def create() -> User | None:
        password_hash = hash_password(fields["password"])
        try:
            with svc.db.write() as conn:
                return users.create(
                    conn,
                    email=normalize_email(fields["email"]),
                    password_hash=password_hash,
                    time_zone=fields["time_zone"],
                    plan=svc.settings.signup_plan,
                    now_ms=svc.clock_ms(),
                )
        except IntegrityError:
            return None

    user = None if problems else await run_in_threadpool(create)
    if user is None:
        problems = problems or [("email", "There is already an account with this e-mail address: log in instead.")]
        notices = [("error", text, field) for field, text in problems]
        return page(request, "signup.html", status=400, notices=notices, **context)
    await run_in_threadpool(sign_in, svc, request, user)
    return RedirectResponse("/", status_code=303)


async def _signed_in(request: Request) -> tuple[Services, User | None]:
    svc = services(request)
    return svc, await run_in_threadpool(current_user, svc, request)


@router.get("/account")
async def account(request: Request) -> Response:
    _svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    return page(request, "account.html", user=user, title="Account", zones=zones())


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    fields = await _form(request)
    new = fields.get("new_password", "")
    problems = []
    right = await run_in_threadpool(
        throttle.recheck_password,
        svc,
        user.email,
        _client(request),
        user.password_hash,
        fields.get("current_password", ""),
    )
    if isinstance(right, throttle.Verdict):
        response = page(
            request,
            "account.html",
            user=user,
            status=429,
            title="Account",
            zones=zones(),
            notices=[("error", throttle.too_many(right) + " Nothing changed.")],
        )
        response.headers["Retry-After"] = str(right.retry_after_seconds)
        return response
    if not right:
        problems.append(("current_password", "The current password is wrong."))
    if len(new) < MIN_LENGTH:
        problems.append(("new_password", f"The new password must be at least {MIN_LENGTH} characters."))
    elif new != fields.get("confirm", ""):
        problems.append(("confirm", "The two new passwords differ."))
    if problems:
        return page(
            request,
            "account.html",
            user=user,
            status=400,
            title="Account",
            zones=zones(),
            notices=[("error", text, field) for field, text in problems],
        )

    def save() -> User | None:
        with svc.db.write() as conn:
            users.set_password(conn, user.id, hash_password(new))
            return users.by_id(conn, user.id)

    fresh = await run_in_threadpool(save)
    assert fresh is not None
    # The new password ended every session of the account (store.users.set_password): this one starts again.
    await run_in_threadpool(sign_in, svc, request, fresh)
    return page(
        request,
        "account.html",
        user=fresh,
        title="Account",
        zones=zones(),
        notices=[("ok", "Password changed. Other sessions have been signed out.")],
    )


@router.post("/account/time-zone")
async def change_time_zone(request: Request) -> Response:
    svc, user = await _signed_in(request)
    if user is None:
        return login_redirect(request)
    fields = await _form(request)
    name = fields.get("time_zone", "")
    try:
        validate_zone(name)
    except ValueError as exc:
        return page(
            request,
            "account.html",
            user=user,
            status=400,
            title="Account",
            zones=zones(),
            notices=[("error", str(exc))],
        )

    def save() -> User | None:
        with svc.db.write() as conn:
            users.set_time_zone(conn, user.id, name)
            return users.by_id(conn, user.id)

    fresh = await run_in_threadpool(save)
    return page(
        request,
        "account.html",
        user=fresh,
        title="Account",
        zones=zones(),
        notices=[("ok", f"Time zone set to {name}. Reports now follow it, history included.")],
    )
