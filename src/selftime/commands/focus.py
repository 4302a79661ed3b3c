"""`selftime focus`: Start and end focus sessions (premium)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from selftime.commands.base import MAX_LIMIT, fail, now_ms, open_db, out, user_or_fail

if TYPE_CHECKING:
    from selftime.store.users import User

app = typer.Typer(help="Start and end focus sessions (premium).", no_args_is_help=True)

Email = Annotated[str, typer.Argument(help="The account's email.")]


def _premium_or_fail(user: User) -> None:
    if not user.is_premium:
        raise fail(f"{user.email} is on the lite plan and focus sessions are a premium feature (see `users set-plan`)")


@app.command("start")
def start(
    ctx: typer.Context,
    email: Email,
    minutes: Annotated[
        int,
        typer.Option(
            "--minutes",
            help="Length in minutes: a multiple of 5 up to 1440, or -1 until the end of the user's local day.",
        ),
    ],
) -> None:
    """Start a focus session; an active one ends first (as `replaced`). Prints the new session's id last."""
    from selftime.compat.feeds import local_datetime
    from selftime.domain.focus import DurationError, check_minutes
    from selftime.store import focus as sessions

    try:
        check_minutes(minutes)
    except DurationError as exc:
        raise fail(str(exc)) from None
    db = open_db(ctx)
    user = user_or_fail(db, email)
    _premium_or_fail(user)
    with db.write() as conn:
        session, replaced = sessions.start(conn, user.id, minutes=minutes, time_zone=user.time_zone, now_ms=now_ms())
    if replaced is not None:
        out.print(f"ended focus session {replaced.id} (replaced)", highlight=False)
    out.print(
        f"focus session for {user.email} until {local_datetime(session.ends_ms, user.time_zone)}; "
        "devices learn of it at their next sync",
        highlight=False,
    )
    print(session.id)


@app.command("end")
def end(ctx: typer.Context, email: Email) -> None:
    """End the active focus session now."""
    from selftime.compat.feeds import local_datetime
    from selftime.store import focus as sessions

    db = open_db(ctx)
    user = user_or_fail(db, email)
    _premium_or_fail(user)
    with db.write() as conn:
        ended = sessions.end(conn, user.id, now_ms=now_ms())
    if ended is None or ended.ended_ms is None:
        raise fail(f"{user.email} has no active focus session")
    out.print(
        f"ended focus session {ended.id} of {user.email} at {local_datetime(ended.ended_ms, user.time_zone)}",
        highlight=False,
    )


@app.command("status")
def status(
    ctx: typer.Context,
    email: Email,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_LIMIT, help="Show at most this many recent sessions, newest first.")
    ] = 10,
) -> None:
    """Show the active focus session, if any, and the recent ones (started, planned end, ended, why)."""
    from selftime.api.context import Services
    from selftime.api.focus import catch_up, shown_minutes
    from selftime.compat.feeds import local_datetime
    from selftime.domain.focus import planned_minutes
    from selftime.store import focus as sessions

    db = open_db(ctx)
    user = user_or_fail(db, email)
    # Expired sessions get their end recorded here too, as any reader does.
    catch_up(Services(settings=ctx.obj.settings, db=db, clock_ms=now_ms), user)
    now = now_ms()
    with db.read() as conn:
        found = sessions.recent(conn, user.id, limit)
    active = next((s for s in found[:1] if s.active_at(now)), None)

    def when(ms: int | None) -> str:
        return "-" if ms is None else local_datetime(ms, user.time_zone)

    if active is None:
        out.print(f"{user.email} has no active focus session", highlight=False)
    else:
        left = planned_minutes(now, active.ends_ms)
        out.print(f"active: focus session {active.id} until {when(active.ends_ms)} ({left} min left)", highlight=False)
    table = Table("id", "started", "minutes", "planned end", "ended", "reason")
    for s in found:
        minutes = f"{shown_minutes(s)} (-1)" if s.duration_minutes == -1 else str(s.duration_minutes)
        table.add_row(
            str(s.id), when(s.started_ms), minutes, when(s.ends_ms), when(s.ended_ms), s.end_reason or "active"
        )
    out.print(table)
