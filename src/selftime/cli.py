"""The `selftime` command: serve, migrate, users, keys, categorize, schedules, demo, export, and the feature groups."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from selftime.commands import agent as agent_commands
from selftime.commands import alerts as alerts_commands
from selftime.commands import export as export_commands
from selftime.commands import focus as focus_commands
from selftime.commands import highlights as highlights_commands
from selftime.commands import import_data as import_commands
from selftime.commands import oauth_apps as oauth_apps_commands
from selftime.commands import offline as offline_commands
from selftime.commands import summary as summary_commands
from selftime.commands.base import (
    ROW_ID_COMMAND,
    DatabaseUrl,
    Email,
    RowId,
    State,
    err,
    fail,
    now_ms,
    open_db,
    out,
    user_or_fail,
)
from selftime.config import settings_from_env

app = typer.Typer(help="Selftime: a self-hosted, RescueTime-compatible time tracker.", no_args_is_help=True)
users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys (shown once, stored hashed).", no_args_is_help=True)
schedules_app = typer.Typer(help="Manage schedules (time filters for reports).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(schedules_app, name="schedules")
app.add_typer(alerts_commands.app, name="alerts")
app.add_typer(highlights_commands.app, name="highlights")
app.add_typer(focus_commands.app, name="focus")
app.add_typer(offline_commands.app, name="offline")
app.add_typer(summary_commands.app, name="summary")
app.add_typer(oauth_apps_commands.app, name="oauth-apps")
app.add_typer(agent_commands.app, name="agent")
app.add_typer(import_commands.app, name="import")
app.command("export")(export_commands.export)


@app.callback()
def root(ctx: typer.Context, database_url: DatabaseUrl = None) -> None:
    try:
        settings = settings_from_env()
    except ValueError as exc:  # a malformed SELFTIME_* variable: say which, not a traceback
        raise fail(str(exc)) from None
    ctx.obj = State(settings.with_overrides(database_url=database_url))


@app.command()
def migrate(ctx: typer.Context, database_url: DatabaseUrl = None) -> None:
    """Apply pending database migrations."""
    db = open_db(ctx, database_url)
    from selftime.db.migrate import current_revision

    out.print(f"database at revision {current_revision(db.engine)}")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8080,
    database_url: DatabaseUrl = None,
    demo: Annotated[bool, typer.Option(help="Create/refresh the demo account and print its API key.")] = False,
    workers: Annotated[int, typer.Option(help="Server processes; more use more cores for ingest.", min=1)] = 1,
    signup: Annotated[
        bool | None,
        typer.Option(
            "--signup/--no-signup",
            help="Let anyone create an account at /signup (default: on, or SELFTIME_OPEN_SIGNUP).",
        ),
    ] = None,
) -> None:
    """Run the server (applies pending migrations first)."""
    import uvicorn

    from selftime.app import create_app, settle_collector

    db = open_db(ctx, database_url)
    if signup is not None:
        ctx.obj.settings = ctx.obj.settings.with_overrides(open_signup=signup)
        os.environ["SELFTIME_OPEN_SIGNUP"] = "1" if signup else "0"
    if demo:
        from selftime.demo import DEMO_PASSWORD, ensure_demo

        email, key = ensure_demo(db, now_ms())
        out.print(f"demo account: {email}  password: {DEMO_PASSWORD}  (log in at http://{host}:{port}/login)")
        out.print(f"demo API key: {key}")
        import datetime as dt

        week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()
        out.print(
            f"try: curl 'http://{host}:{port}/anapi/data?key={key}&perspective=rank&restrict_kind=overview"
            f"&restrict_begin={week_ago}&format=csv'",
            highlight=False,
        )
    out.print(f"Selftime listening on http://{host}:{port}  (database: {db.engine.url.render_as_string()})")
    if workers > 1:
        # Each process builds its own app from the environment (see selftime.asgi).
        db.dispose()
        os.environ["SELFTIME_DATABASE_URL"] = ctx.obj.settings.resolved_database_url
        uvicorn.run("selftime.asgi:app", factory=True, host=host, port=port, workers=workers, log_level="info")
    else:
        app = create_app(ctx.obj.settings, db=db, close_db_on_shutdown=True)
        settle_collector()
        uvicorn.run(app, host=host, port=port, log_level="info")


@app.command()
def demo(ctx: typer.Context) -> None:
    """Create the demo account with several weeks of generated activity; prints a fresh API key."""
    from selftime.demo import ensure_demo

    email, key = ensure_demo(open_db(ctx), now_ms())
    out.print(f"demo account: {email}")
    print(key)


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    email: Email,
    time_zone: Annotated[str, typer.Option("--time-zone", help="IANA zone, e.g. Europe/Berlin.")] = "UTC",
    plan: Annotated[str, typer.Option(help="premium or lite.")] = "premium",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an account."""
    from selftime.domain.email import normalize_email
    from selftime.domain.zone import validate_zone
    from selftime.passwords import hash_password
    from selftime.store import users

    plan = plan.strip().lower()
    if plan not in users.PLANS:
        raise fail(f"plan must be one of {', '.join(users.PLANS)}")
    try:
        validate_zone(time_zone)
        email = normalize_email(email)
    except ValueError as exc:
        raise fail(str(exc)) from None
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    db = open_db(ctx)
    with db.write() as conn:
        if users.by_email(conn, email):
            raise fail(f"user {email!r} already exists")
        user = users.create(conn, email=email, password_hash=hashed, time_zone=time_zone, plan=plan, now_ms=now_ms())
    out.print(f"created user {user.email} (id {user.id}, {user.plan}, {user.time_zone})")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List accounts."""
    from selftime.store import users

    with open_db(ctx).read() as conn:
        rows = users.all_users(conn)
    table = Table("id", "email", "plan", "time zone")
    for u in rows:
        table.add_row(str(u.id), u.email, u.plan, u.time_zone)
    out.print(table)


@users_app.command("set-plan")
def users_set_plan(
    ctx: typer.Context, email: Email, plan: Annotated[str, typer.Argument(help="premium or lite.")]
) -> None:
    """Switch an account between premium and lite."""
    from selftime.store import users

    plan = plan.strip().lower()
    if plan not in users.PLANS:
        raise fail(f"plan must be one of {', '.join(users.PLANS)}")
    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        users.set_plan(conn, user.id, plan)
    out.print(f"{user.email} is now on {plan}")


@users_app.command("set-password")
def users_set_password(
    ctx: typer.Context,
    email: Email,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password; the account's web sessions end (its API keys keep working)."""
    from selftime.passwords import hash_password
    from selftime.store import users

    password = (
        sys.stdin.readline().rstrip("\r\n")
        if password_stdin
        else typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    )
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        users.set_password(conn, user.id, password_hash)
    out.print(f"new password set for {user.email}; its web sessions have ended")


@users_app.command("set-time-zone")
def users_set_time_zone(
    ctx: typer.Context,
    email: Email,
    time_zone: Annotated[str, typer.Argument(help="IANA zone, e.g. America/New_York.")],
) -> None:
    """Change an account's time zone (reports follow it at once)."""
    from selftime.domain.zone import validate_zone
    from selftime.store import users

    try:
        validate_zone(time_zone)
    except ValueError as exc:
        raise fail(str(exc)) from None
    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        users.set_time_zone(conn, user.id, time_zone)
    out.print(f"{user.email} is now in {time_zone}")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    email: Email,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "default",
) -> None:
    """Create a key; it is printed once, alone, as the last line."""
    from selftime.store import keys

    name = name.strip()
    if not 1 <= len(name) <= keys.MAX_NAME:
        raise fail(f"a key's name is 1 to {keys.MAX_NAME} characters (got {len(name)})")
    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        key, text = keys.create(conn, user_id=user.id, name=name, now_ms=now_ms())
    err.print(f"key {key.id} ({key.name}) for {user.email}; it will not be shown again:")
    print(text)


@keys_app.command("list")
def keys_list(ctx: typer.Context, email: Email) -> None:
    """List a user's keys (prefix only)."""
    import datetime as dt

    from selftime.store import keys

    def when(ms: int | None) -> str:
        return "-" if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.read() as conn:
        rows = keys.list_for_user(conn, user.id)
    table = Table("id", "name", "prefix", "created", "last used", "revoked")
    for k in rows:
        table.add_row(str(k.id), k.name, k.prefix + "…", when(k.created_ms), when(k.last_used_ms), when(k.revoked_ms))
    out.print(table)


@keys_app.command("revoke", context_settings=ROW_ID_COMMAND)
def keys_revoke(ctx: typer.Context, email: Email, key_id: RowId) -> None:
    """Revoke a key; it stops working at once."""
    from selftime.store import keys

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        if not keys.revoke(conn, user_id=user.id, key_id=key_id, now_ms=now_ms()):
            raise fail(f"{user.email} has no active key {key_id}")
    out.print(f"revoked key {key_id}")


@app.command("categorize")
def categorize_cmd(
    ctx: typer.Context,
    email: Email,
    activity: Annotated[
        str, typer.Argument(help="The activity: an application (any case) or a site, e.g. github.com.")
    ],
    category: Annotated[str | None, typer.Option(help="Sub-category name, e.g. 'Editing & IDEs'.")] = None,
    top: Annotated[str | None, typer.Option(help="Top-level category, where a sub-category name repeats.")] = None,
    productivity: Annotated[int | None, typer.Option(help="-2..2, overriding the category's.")] = None,
    reset: Annotated[bool, typer.Option(help="Back to the shipped default.")] = False,
) -> None:
    """Re-categorize an activity for one user; applies to all history at once."""
    from selftime.categorize import CategorizeError, categorize

    db = open_db(ctx)
    user = user_or_fail(db, email)
    try:
        with db.write() as conn:
            info = categorize(
                conn,
                user_id=user.id,
                activity=activity,
                category=category,
                top=top,
                productivity=productivity,
                reset=reset,
            )
    except CategorizeError as exc:
        raise fail(str(exc)) from None
    out.print(f"{info.name}: {info.top} / {info.sub}, productivity {info.productivity}", highlight=False)


@schedules_app.command("create")
def schedules_create(
    ctx: typer.Context,
    email: Email,
    name: Annotated[str, typer.Argument(help="What to call it, e.g. 'Work hours'.")],
    days: Annotated[str, typer.Option(help="e.g. mon-fri, sat,sun, all.")] = "mon-fri",
    start: Annotated[str, typer.Option("--from", help="Local start, HH:MM on a quarter hour.")] = "09:00",
    end: Annotated[str, typer.Option("--to", help="Local end, HH:MM (24:00 for midnight).")] = "17:00",
) -> None:
    """Create a schedule; prints its id (use it as restrict_schedule_id)."""
    from selftime.domain.schedule_spec import parse_range
    from selftime.store import schedules

    name = name.strip()
    if not 1 <= len(name) <= schedules.MAX_NAME:
        raise fail(f"a schedule's name is 1 to {schedules.MAX_NAME} characters (got {len(name)})")
    try:
        spec = parse_range(days, start, end)
    except ValueError as exc:
        raise fail(str(exc)) from None
    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        created = schedules.create(conn, user_id=user.id, name=name, ranges=[spec], now_ms=now_ms())
    err.print(f"schedule {name!r} created")
    print(created.id)


@schedules_app.command("list")
def schedules_list(ctx: typer.Context, email: Email) -> None:
    """List a user's schedules."""
    from selftime.domain.schedule_spec import DAY_NAMES
    from selftime.store import schedules

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.read() as conn:
        rows = schedules.list_for_user(conn, user.id)
    table = Table("id", "name", "ranges")
    for s in rows:
        spans = "; ".join(
            ",".join(DAY_NAMES[d] for d in range(7) if r.weekdays & (1 << d))
            + f" {r.from_minute // 60:02d}:{r.from_minute % 60:02d}-{r.to_minute // 60:02d}:{r.to_minute % 60:02d}"
            for r in s.ranges
        )
        table.add_row(str(s.id), s.name, spans)
    out.print(table)


@schedules_app.command("delete", context_settings=ROW_ID_COMMAND)
def schedules_delete(ctx: typer.Context, email: Email, schedule_id: RowId) -> None:
    """Delete a schedule."""
    from selftime.store import schedules

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.write() as conn:
        if not schedules.delete_schedule(conn, user.id, schedule_id):
            raise fail(f"{user.email} has no schedule {schedule_id}")
    out.print(f"deleted schedule {schedule_id}")


def main() -> None:
    app()


if __name__ == "__main__":  # python -m selftime.cli, as the autostart entries may run it
    main()
