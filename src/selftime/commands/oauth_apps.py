"""`selftime oauth-apps`: register the OAuth2 applications that may ask users for access."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Register OAuth2 applications (client id and secret; secrets stored hashed).", no_args_is_help=True
)
