"""`selftime offline`: Record offline time (premium)."""

from __future__ import annotations

from typing import Annotated

import typer

from selftime.commands.base import fail, now_ms, open_db, out, user_or_fail

app = typer.Typer(help="Record offline time (premium).", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
    start: Annotated[
        str, typer.Option(help="Local start in the user's zone, 'YYYY-MM-DD HH:MM[:SS]', or a Unix timestamp.")
    ],
    activity: Annotated[str, typer.Option(help="What it was, e.g. Meeting (1 to 255 characters).")],
    end: Annotated[str | None, typer.Option(help="Local end, same forms as --start.")] = None,
    minutes: Annotated[int | None, typer.Option(help="Length in whole minutes, instead of --end.")] = None,
    details: Annotated[str | None, typer.Option(help="Details, shown as the document (255 characters).")] = None,
) -> None:
    """Record up to 4 hours of offline time that has already happened."""
    from selftime.api.context import Services
    from selftime.api.offline import record_offline
    from selftime.compat.feeds import local_datetime
    from selftime.domain.offline import OfflineError, parse_offline
    from selftime.domain.zone import zone

    if (end is None) == (minutes is None):
        raise fail("give either --end or --minutes")
    db = open_db(ctx)
    user = user_or_fail(db, email)
    if not user.is_premium:
        raise fail(f"{user.email} is on the lite plan and offline time is a premium feature (see `users set-plan`)")
    settings = ctx.obj.settings
    now = now_ms()
    params = {
        "start_time": start,
        "end_time": end or "",
        "duration": "" if minutes is None else str(minutes),
        "activity_name": activity,
        "activity_details": details or "",
    }
    try:
        entry = parse_offline(
            params, zone(user.time_zone), now_ms=now, future_tolerance_ms=settings.future_tolerance_seconds * 1000
        )
    except OfflineError as exc:
        raise fail(str(exc)) from None
    result = record_offline(Services(settings=settings, db=db), user, entry, now)
    total, recorded = (entry.end_ms - entry.start_ms) // 1000, result.recorded_ms // 1000
    when = f"{local_datetime(entry.start_ms, user.time_zone)} to {local_datetime(entry.end_ms, user.time_zone)}"
    # Less than the block where earlier offline time already covered part of it.
    out.print(f"{user.email}: {entry.activity!r} {when}, {recorded} of {total} seconds recorded", highlight=False)
