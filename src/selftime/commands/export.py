"""`selftime export EMAIL --format json|csv --out PATH`: all of a user's data, as /settings offers it.

Register with `app.command("export")(export_commands.export)` in cli.py."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from selftime.commands.base import now_ms, open_db, out, user_or_fail


class Format(enum.StrEnum):
    json = "json"
    csv = "csv"


def export(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write (replaced if it exists).")],
    format: Annotated[
        Format, typer.Option("--format", help="json: one document; csv: a zip of one CSV per table.")
    ] = Format.json,
) -> None:
    """Write every row of a user's data (no password or key digests) to a file."""
    from selftime import export as data_export

    db = open_db(ctx)
    user = user_or_fail(db, email)
    with db.read() as conn:
        build = data_export.as_json if format is Format.json else data_export.as_zip
        body = build(conn, user.id, now_ms())
    out_path.write_bytes(body)
    out.print(f"wrote {len(body):,} bytes of {user.email}'s data to {out_path}", highlight=False)
