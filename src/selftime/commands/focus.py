"""`selftime focus`: Start and end focus sessions (premium)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Start and end focus sessions (premium).", no_args_is_help=True)
