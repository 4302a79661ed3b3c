"""What every `selftime` command shares: the consoles, the settings, the database, the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

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


# The account a command acts on (every argument and option carries help: `--help` is the manual).
Email = Annotated[str, typer.Argument(help="The account's email.", show_default=False)]

# A row id as the database can hold it: a larger number would fail in the driver, not say "no such".
RowId = Annotated[
    int, typer.Argument(min=1, max=2**63 - 1, show_default=False, help="The id, as the `list` command shows it.")
]
# For commands that take a RowId: Click reads "-1" as an unknown option ("No such option: -1"),
# which hides that the id is what is wrong; passed on as an argument, RowId says so.
ROW_ID_COMMAND: dict[str, object] = {"ignore_unknown_options": True}
# A list's --limit: past 2**63 SQLite's driver overflows; no terminal shows a million rows anyway.
MAX_LIMIT = 1_000_000


@dataclass
class State:
    settings: Settings


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def open_db(ctx: typer.Context, database_url: str | None = None) -> Database:
    settings: Settings = ctx.obj.settings.with_overrides(database_url=database_url)
    ctx.obj.settings = settings
    url = settings.resolved_database_url
    try:
        engine = build_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise fail(
            f"cannot use the database URL {_shown(url)!r}: {exc} (use sqlite:///PATH or postgresql://…)"
        ) from None
    # Pooled connections must be closed before the process (or a test) moves on.
    ctx.call_on_close(engine.dispose)
    try:
        upgrade(engine)
    except (OperationalError, InterfaceError) as exc:
        # One line: the driver's message may run over several (psycopg adds "Is the server running…").
        reason = " ".join(str(exc.orig or exc).split())
        raise fail(f"cannot reach the database at {_shown(url)}: {reason}") from None
    return Database(engine)


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def now_ms() -> int:
    from selftime.api.context import system_clock_ms

    return system_clock_ms()


def user_or_fail(db: Database, email: str):  # type: ignore[no-untyped-def]
    from selftime.store import users

    with db.read() as conn:
        user = users.by_email(conn, email.strip())
    if user is None:
        raise fail(f"no user {email.strip()!r}")
    return user
