"""`selftime import`: bring in history recorded elsewhere."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import history recorded by other trackers.", no_args_is_help=True)
