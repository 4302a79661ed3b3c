"""What every `selftime` command shares: the consoles, the settings, the database, the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console

from selftime.config import Settings
from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade

# soft_wrap: keys and URLs must stay on one line to be copied.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="SELFTIME_DATABASE_URL",
        help="SQLAlchemy URL; default: SQLite in the data dir.",
    ),
]


@dataclass
class State:
    settings: Settings


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def open_db(ctx: typer.Context, database_url: str | None = None) -> Database:
    settings: Settings = ctx.obj.settings.with_overrides(database_url=database_url)
    ctx.obj.settings = settings
    engine = build_engine(settings.resolved_database_url)
    # Pooled connections must be closed before the process (or a test) moves on.
    ctx.call_on_close(engine.dispose)
    upgrade(engine)
    return Database(engine)


def now_ms() -> int:
    from selftime.api.context import system_clock_ms

    return system_clock_ms()


def user_or_fail(db: Database, email: str):  # type: ignore[no-untyped-def]
    from selftime.store import users

    with db.read() as conn:
        user = users.by_email(conn, email)
    if user is None:
        raise fail(f"no user {email!r}")
    return user
