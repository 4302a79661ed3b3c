"""`selftime alerts`: Define alerts and see which triggered."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from selftime.commands.base import MAX_LIMIT, ROW_ID_COMMAND, RowId, err, fail, open_db, out, user_or_fail

app = typer.Typer(help="Define alerts and see which triggered.", no_args_is_help=True)

TARGET_HELP = (
    "What to count: productive (levels 1 and 2), distracting (-1 and -2), level:N (N in -2..2), "
    "'category:Software Development', 'sub-category:Editing & IDEs' or activity:NAME "
    "(an application in any case, or a site such as github.com)."
)
Email = Annotated[str, typer.Argument(help="The account's email.")]


def _services(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from selftime.api.context import Services

    db = open_db(ctx)
    return Services(settings=ctx.obj.settings, db=db)


def _when(ms: int, time_zone: str) -> str:
    """Local wall clock to the minute, e.g. `2026-11-30 17:30`."""
    from selftime.compat.feeds import local_datetime

    return local_datetime(ms, time_zone)[:16].replace("T", " ")


@app.command("create")
def create(
    ctx: typer.Context,
    email: Email,
    on: Annotated[str, typer.Option("--on", help=TARGET_HELP)],
    more_than: Annotated[
        float | None, typer.Option("--more-than", help="Trigger when a local day holds more than this many hours.")
    ] = None,
    less_than: Annotated[
        float | None, typer.Option("--less-than", help="Trigger when a day ends with less than this many hours.")
    ] = None,
) -> None:
    """Define an alert (more or less than H hours per local day on a target); prints its id last."""
    from selftime.api.alerts import define, taxonomy
    from selftime.domain.alerts import AlertError, parse_spec

    if (more_than is None) == (less_than is None):
        raise fail("give exactly one of --more-than H or --less-than H")
    svc = _services(ctx)
    user = user_or_fail(svc.db, email)
    comparison, hours = ("more", more_than) if more_than is not None else ("less", less_than)
    assert hours is not None
    try:
        alert = define(svc, user, comparison, hours, lambda conn: parse_spec(on, taxonomy(conn)))
    except AlertError as exc:
        raise fail(str(exc)) from None
    err.print(f"alert {alert.id} for {user.email}: {alert.description}", highlight=False)
    if not user.is_premium:
        err.print(f"note: {user.email} is on the lite plan; alerts trigger on premium only", highlight=False)
    print(alert.id)


@app.command("list")
def list_alerts(ctx: typer.Context, email: Email) -> None:
    """List a user's alerts."""
    from selftime.store import alerts

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.read() as conn:
        rows = alerts.for_user(conn, user.id)
    if not rows:
        out.print(f"{user.email} has no alerts")
        return
    table = Table("id", "alert", "--on", "created")
    for a in rows:
        table.add_row(str(a.id), a.description, a.target.spec, _when(a.created_ms, user.time_zone))
    out.print(table, highlight=False)


@app.command("delete", context_settings=ROW_ID_COMMAND)
def delete(ctx: typer.Context, email: Email, alert_id: RowId) -> None:
    """Delete an alert and what it triggered."""
    from selftime.store import alerts

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        if not alerts.delete_alert(conn, user.id, alert_id):
            raise fail(f"{user.email} has no alert {alert_id}")
    out.print(f"deleted alert {alert_id}")


@app.command("triggered")
def triggered(
    ctx: typer.Context,
    email: Email,
    alert_id: Annotated[
        int | None, typer.Option("--alert", min=1, max=2**63 - 1, help="Only this alert's triggers.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many, newest first.")] = 50,
) -> None:
    """List what a user's alerts triggered, newest first (judging days that ended first)."""
    from selftime.api.alerts import catch_up
    from selftime.domain.zone import date_of_day_number
    from selftime.store import alerts

    svc = _services(ctx)
    user = user_or_fail(svc.db, email)
    catch_up(svc, user)
    with svc.db.read() as conn:
        # A mistyped id must not read as "nothing triggered".
        if alert_id is not None and alerts.one(conn, user.id, alert_id) is None:
            raise fail(f"{user.email} has no alert {alert_id}")
        rows = alerts.triggers(conn, user.id, alert_id=alert_id, limit=limit)
    if not rows:
        out.print("nothing triggered")
        return
    table = Table("id", "alert", "day", "at", "description")
    for t in rows:
        table.add_row(
            str(t.id),
            str(t.alert_id),
            date_of_day_number(t.day).isoformat(),
            _when(t.created_ms, user.time_zone),
            t.description,
        )
    out.print(table, highlight=False)
