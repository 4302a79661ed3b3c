"""`selftime highlights`: Add, list and delete daily highlights (premium)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from selftime.commands.base import (
    MAX_LIMIT,
    ROW_ID_COMMAND,
    Email,
    RowId,
    err,
    fail,
    now_ms,
    open_db,
    out,
    user_or_fail,
)

app = typer.Typer(help="Add, list and delete daily highlights (premium).", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
    text: Annotated[str, typer.Argument(help="What was done, 1 to 255 characters.")],
    date: Annotated[
        str | None, typer.Option(help="The day it is about, YYYY-MM-DD; default: today in the user's zone.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="A short label that groups highlights (64 characters).")] = None,
) -> None:
    """Add a highlight for a day; prints its id last."""
    from selftime.domain.highlights import HighlightError, parse_highlight
    from selftime.domain.zone import from_ms, today_in, zone
    from selftime.store import highlights

    db = open_db(ctx)
    user = user_or_fail(db, email)
    if not user.is_premium:
        raise fail(f"{user.email} is on the lite plan and highlights are a premium feature (see `users set-plan`)")
    tz = zone(user.time_zone)
    now = now_ms()
    params = {
        "highlight_date": date if date is not None else today_in(tz, from_ms(now)).isoformat(),
        "description": text,
        "source": source or "",
    }
    try:
        new = parse_highlight(params, tz)
    except HighlightError as exc:
        raise fail(str(exc)) from None
    with db.write() as conn:
        created = highlights.add(
            conn,
            user_id=user.id,
            date=new.date.isoformat(),
            description=new.description,
            source=new.source,
            now_ms=now,
        )
    err.print(f"highlight for {created.date} added for {user.email}", highlight=False)
    print(created.id)


@app.command("list")
def list_(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Show at most this many, newest first.")] = 100,
) -> None:
    """List a user's highlights, newest first."""
    from selftime.compat.feeds import local_datetime
    from selftime.store import highlights

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.read() as conn:
        found = highlights.newest(conn, user.id, limit)
    table = Table("id", "date", "description", "source", "entered")
    for h in found:
        table.add_row(str(h.id), h.date, h.description, h.source or "-", local_datetime(h.created_ms, user.time_zone))
    out.print(table)


@app.command("delete", context_settings=ROW_ID_COMMAND)
def delete(ctx: typer.Context, email: Email, highlight_id: RowId) -> None:
    """Delete one of a user's highlights."""
    from selftime.store import highlights

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        if not highlights.delete_highlight(conn, user.id, highlight_id):
            raise fail(f"{user.email} has no highlight {highlight_id}")
    out.print(f"deleted highlight {highlight_id}")
