"""`selftime agent`: the desktop tracker (login, run, status, pause, resume, install-autostart)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The desktop agent: records what you do and syncs it to a Selftime server.", no_args_is_help=True
)
