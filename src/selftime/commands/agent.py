"""`selftime agent`: the desktop tracker (login, run, status, pause, resume, install-autostart)."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from selftime.commands.base import fail, out

app = typer.Typer(
    help="The desktop agent: records what you do and syncs it to a Selftime server.", no_args_is_help=True
)


# Longer is `pause` without --minutes; an end past year 9999 could not even be shown by `status`.
MAX_PAUSE_MINUTES = 366 * 24 * 60


def _data_dir(ctx: typer.Context) -> Path:
    return Path(ctx.obj.settings.data_dir)


def _when(ms: int, now_ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000).astimezone()
    ago = max(0, (now_ms - ms) // 1000)
    if ago < 120:
        rel = f"{ago} s ago"
    elif ago < 7200:
        rel = f"{ago // 60} min ago"
    elif ago < 172800:
        rel = f"{ago // 3600} h ago"
    else:
        rel = f"{ago // 86400} days ago"
    return f"{moment:%Y-%m-%d %H:%M:%S} ({rel})"


@app.command()
def login(
    ctx: typer.Context,
    server: Annotated[str, typer.Option(help="The Selftime server's URL, e.g. https://time.example.com.")],
    key: Annotated[str | None, typer.Option(help="An API key (asked for when not given).")] = None,
) -> None:
    """Check a key against the server and keep both (agent.json in the data dir, mode 0600)."""
    from selftime.agent.settings import ConfigError, new_config, save_config
    from selftime.agent.sync import KeyCheckError, check_key

    if key is None:
        key = typer.prompt("API key", hide_input=True)
    data_dir = _data_dir(ctx)
    try:
        config = new_config(server, key, data_dir)
        if not config.key:
            raise ConfigError("the key is empty")
        check_key(config.server, config.key)
    except (ConfigError, KeyCheckError) as exc:
        raise fail(str(exc)) from None
    path = save_config(data_dir, config)
    out.print(f"logged in to {config.server} as device {config.device_name!r} ({config.device_id})", highlight=False)
    out.print(f"saved in {path}; start recording with `selftime agent run`", highlight=False)


@app.command()
def run(
    ctx: typer.Context,
    aw_port: Annotated[
        int, typer.Option(help="Serve ActivityWatch's REST API for its watchers on 127.0.0.1:PORT; 0: off.")
    ] = 5600,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every sync and more.")] = False,
    sync_interval: Annotated[
        float | None, typer.Option(help="Seconds between syncs, instead of the server's.", hidden=True)
    ] = None,
    idle_seconds: Annotated[float, typer.Option(help="Idle threshold (RescueTime: 300).", hidden=True)] = 300,
    batch_size: Annotated[int, typer.Option(help="Spans per batch sent.", hidden=True)] = 1000,
    retry_seconds: Annotated[float, typer.Option(help="First retry delay after a failed sync.", hidden=True)] = 5,
) -> None:
    """Record in the foreground until Ctrl-C or SIGTERM (then sync what is queued, and exit)."""
    from selftime.agent.runner import RunOptions
    from selftime.agent.runner import run as run_agent
    from selftime.agent.settings import ConfigError, Tuning

    if not 0 <= aw_port <= 65535:
        raise fail("--aw-port must be 0..65535")
    if idle_seconds <= 0 or batch_size < 1 or retry_seconds <= 0 or (sync_interval is not None and sync_interval <= 0):
        raise fail("--idle-seconds, --batch-size, --retry-seconds and --sync-interval must be positive")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if not verbose:  # httpx logs every request at INFO
        logging.getLogger("httpx").setLevel(logging.WARNING)
    tuning = Tuning(
        idle_threshold_ms=int(idle_seconds * 1000),
        batch_spans=batch_size,
        sync_override_seconds=sync_interval,
        retry_min_seconds=retry_seconds,
    )
    try:
        code = run_agent(_data_dir(ctx), RunOptions(aw_port=aw_port, tuning=tuning))
    except ConfigError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def status(ctx: typer.Context) -> None:
    """Last sync, queue length, last error, paused state."""
    from selftime.agent.queue import LocalQueue
    from selftime.agent.runner import FOREVER, PAUSED_KEY, paused_until
    from selftime.agent.settings import ConfigError, load_config, queue_path
    from selftime.agent.sync import wall_ms

    data_dir = _data_dir(ctx)
    now = wall_ms()
    try:
        config = load_config(data_dir)
        out.print(f"server:     {config.server} (device {config.device_name!r}, {config.device_id})", highlight=False)
    except ConfigError as exc:
        out.print(f"server:     {exc}", highlight=False)
    queue = LocalQueue(queue_path(data_dir))
    try:
        alive = _int(queue.get("agent_alive_ms"))
        if alive is not None and now - alive < 15_000:
            out.print("agent:      running")
        else:
            out.print("agent:      not running" + (f" (last seen {_when(alive, now)})" if alive else ""))
        until = paused_until(queue, now)
        if until is None:
            out.print("recording:  on")
        elif queue.get(PAUSED_KEY) == FOREVER:
            out.print("recording:  paused until `selftime agent resume`")
        else:
            try:
                shown = f"{dt.datetime.fromtimestamp(until / 1000).astimezone():%Y-%m-%d %H:%M}"
            except (OverflowError, OSError, ValueError):  # written by an older agent that took any length
                shown = "further than the calendar goes: `selftime agent resume` ends it"
            out.print(f"recording:  paused until {shown}")
        out.print(f"queue:      {queue.pending_count()} span(s) waiting to be sent")
        last_sync = _int(queue.get("last_sync_ms"))
        out.print(f"last sync:  {_when(last_sync, now) if last_sync else 'never'}")
        error, error_at = queue.get("last_error"), _int(queue.get("last_error_ms"))
        if error:
            at = f" at {_when(error_at, now)}" if error_at else ""
            old = " (before the last sync)" if error_at and last_sync and error_at < last_sync else ""
            out.print(f"last error: {error}{at}{old}", highlight=False)
        refused = queue.refused_count()
        if refused:
            out.print(f"set aside:  {refused} span(s) refused by the server, kept in {queue.path} (table refused)")
    finally:
        queue.close()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@app.command()
def pause(
    ctx: typer.Context,
    minutes: Annotated[float | None, typer.Option(help="For this long; without it, until `resume`.")] = None,
) -> None:
    """Stop recording, for a while or until `selftime agent resume` (a running agent sees it within a second)."""
    from selftime.agent.queue import LocalQueue
    from selftime.agent.runner import FOREVER, PAUSED_KEY
    from selftime.agent.settings import queue_path
    from selftime.agent.sync import wall_ms

    if minutes is not None and not 0 < minutes <= MAX_PAUSE_MINUTES:  # also refuses nan and inf
        raise fail(f"--minutes must be more than 0 and at most {MAX_PAUSE_MINUTES} (a year); without it: until resumed")
    queue = LocalQueue(queue_path(_data_dir(ctx)))
    try:
        if minutes is None:
            queue.set(PAUSED_KEY, FOREVER)
            out.print("recording paused until `selftime agent resume`")
        else:
            until = wall_ms() + int(minutes * 60_000)
            queue.set(PAUSED_KEY, str(until))
            out.print(f"recording paused until {dt.datetime.fromtimestamp(until / 1000).astimezone():%H:%M:%S}")
    finally:
        queue.close()


@app.command()
def resume(ctx: typer.Context) -> None:
    """Record again after `pause`."""
    from selftime.agent.queue import LocalQueue
    from selftime.agent.runner import PAUSED_KEY
    from selftime.agent.settings import queue_path

    queue = LocalQueue(queue_path(_data_dir(ctx)))
    try:
        was = queue.get(PAUSED_KEY)
        queue.set(PAUSED_KEY, None)
    finally:
        queue.close()
    out.print("recording resumed" if was else "recording was not paused")


def _autostart():  # type: ignore[no-untyped-def]
    import importlib
    import importlib.util

    if importlib.util.find_spec("selftime.agent.autostart") is None:
        raise fail("this build cannot install autostart entries (selftime.agent.autostart is missing)")
    return importlib.import_module("selftime.agent.autostart")


@app.command("install-autostart")
def install_autostart() -> None:
    """Start the agent at login: a systemd user unit (Linux), a LaunchAgent (macOS), a Startup entry (Windows)."""
    autostart = _autostart()
    try:
        path = autostart.install()
    except ValueError as exc:  # an unsupported system
        raise fail(str(exc)) from None
    out.print(autostart.instructions(path) if hasattr(autostart, "instructions") else f"wrote {path}", highlight=False)


@app.command("uninstall-autostart")
def uninstall_autostart() -> None:
    """Remove what install-autostart wrote."""
    autostart = _autostart()
    try:
        path = autostart.uninstall()
    except ValueError as exc:
        raise fail(str(exc)) from None
    if path is None:
        out.print("no autostart entry was installed")
    elif hasattr(autostart, "instructions"):
        out.print(autostart.instructions(path, removed=True), highlight=False)
    else:
        out.print(f"removed {path}", highlight=False)
