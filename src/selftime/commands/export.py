"""`selftime export EMAIL --format json|csv --out PATH`: all of a user's data, as /settings offers it.

Register with `app.command("export")(export_commands.export)` in cli.py."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from selftime.commands.base import fail, now_ms, open_db, out, user_or_fail


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
    written = 0
    try:
        # Streamed as the downloads are: a year of history never sits in memory whole.
        with db.read() as conn, out_path.open("wb") as target:
            chunks = data_export.json_chunks if format is Format.json else data_export.zip_chunks
            for chunk in chunks(conn, user.id, now_ms()):
                written += target.write(chunk)
    except OSError as exc:
        raise fail(f"cannot write {out_path}: {exc.strerror or exc}") from None
    out.print(f"wrote {written:,} bytes of {user.email}'s data to {out_path}", highlight=False)
