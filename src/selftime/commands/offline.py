"""`selftime offline`: Record offline time (premium)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Record offline time (premium).", no_args_is_help=True)
