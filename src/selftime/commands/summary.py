"""`selftime summary`: See a user's Daily Summary Feed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table

from selftime.commands.base import Email, now_ms, open_db, out, user_or_fail

app = typer.Typer(help="See a user's Daily Summary Feed (the last 14 finished days).", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    email: Email,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the feed exactly as /anapi/daily_summary_feed answers it.")
    ] = False,
) -> None:
    """Show the user's daily summaries, newest first; computes (and keeps) any that are due, like the API."""
    import orjson

    from selftime.api.context import Services
    from selftime.api.summary import feed_payloads
    from selftime.compat.summary import feed_body

    db = open_db(ctx)
    user = user_or_fail(db, email)
    svc = Services(settings=ctx.obj.settings, db=db, clock_ms=now_ms)
    stored = feed_payloads(svc, user)
    if as_json:
        print(feed_body(text for _, text in stored).decode("utf-8"))
        return
    if not stored:
        out.print(f"{user.email} has no summaries: no logged time in the 14 days before today ({user.time_zone})")
        return
    # Borderless, so a row of the longest durations (`12h 12m`) fits an 80-column terminal.
    table = Table(title=f"{user.email} ({user.time_zone})", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for heading in ("date", "pulse", "total", "v.prod", "prod", "neutral", "distr", "v.distr"):
        table.add_column(heading, no_wrap=True)
    for _, text in stored:
        obj = orjson.loads(text)
        table.add_row(
            obj["date"],
            str(obj["productivity_pulse"]),
            obj["total_duration_formatted"],
            *(
                obj[f"{stem}_duration_formatted"]
                for stem in ("very_productive", "productive", "neutral", "distracting", "very_distracting")
            ),
        )
    out.print(table)
