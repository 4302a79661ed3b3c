"""`selftime highlights`: Add, list and delete daily highlights (premium)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Add, list and delete daily highlights (premium).", no_args_is_help=True)
