"""`selftime alerts`: Define alerts and see which triggered."""

from __future__ import annotations

import typer

app = typer.Typer(help="Define alerts and see which triggered.", no_args_is_help=True)
