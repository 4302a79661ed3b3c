"""`selftime oauth-apps`: register the OAuth2 applications that may ask users for access."""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated
from urllib.parse import urlsplit

import typer

from selftime.commands.base import err, fail, now_ms, open_db

app = typer.Typer(
    help="Register OAuth2 applications (client id and secret; secrets stored hashed).", no_args_is_help=True
)

MAX_URI_LENGTH = 2000


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI cannot be registered, or None.

    Codes travel to it in the query string, so it must be https; plain http only reaches the
    user's own machine (localhost, 127.0.0.0/8, ::1), for apps in development and native apps
    (RFC 8252 §7.3). No fragment (RFC 6749 §3.1.2), no user information, no whitespace (URIs are stored one per line
    and compared exactly)."""
    if not uri or len(uri) > MAX_URI_LENGTH:
        return f"must be 1 to {MAX_URI_LENGTH} characters"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return "is not a valid URI"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an absolute http(s) URI with a host, such as https://app.example/callback"
    if "#" in uri:
        return "must not have a fragment (#…)"
    if "@" in parts.netloc:
        # https://user:pw@a.example/cb: the consent page would show "user:pw@a.example" as where
        # the user is sent, the classic way to make one site read as another.
        return "must not carry a user name or password (user@host)"
    if parts.scheme == "http" and not _loopback(host):
        return "must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The name users see on the consent page (1 to 255 characters).")],
    redirect_uri: Annotated[
        list[str],
        typer.Option(
            "--redirect-uri",
            help="Where users are sent back with the code; matched exactly. Repeat for several.",
        ),
    ],
) -> None:
    """Register an app; prints {"client_id", "client_secret"} as JSON (the secret is shown only once)."""
    from selftime.store import oauth

    name = name.strip()
    if not 1 <= len(name) <= 255:
        raise fail("--name must be 1 to 255 characters")
    uris = list(dict.fromkeys(redirect_uri))  # the same URI twice is one URI
    if not uris:
        raise fail("give at least one --redirect-uri")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise fail(f"--redirect-uri {uri!r} {problem}")
    db = open_db(ctx)
    with db.write() as conn:
        created, secret = oauth.create_app(conn, name=name, redirect_uris=uris, now_ms=now_ms())
    err.print(f"registered {created.name!r}; the secret is shown only this once", highlight=False)
    print(json.dumps({"client_id": created.client_id, "client_secret": secret}))


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the registered apps as JSON: client id, name, redirect URIs, created, connected users."""
    from selftime.compat.feeds import local_datetime
    from selftime.store import oauth

    db = open_db(ctx)
    with db.read() as conn:
        found = oauth.list_apps(conn)
    listed = [
        {
            "client_id": a.client_id,
            "name": a.name,
            "redirect_uris": list(a.redirect_uris),
            "created": local_datetime(a.created_ms, "UTC"),
            "connected_users": connected,
        }
        for a, connected in found
    ]
    print(json.dumps(listed, indent=2, ensure_ascii=False))


@app.command("delete")
def delete(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(help="The app's client id (see `oauth-apps list`).")],
) -> None:
    """Delete an app: its codes and tokens go with it, so every connection to it ends at once."""
    from selftime.store import oauth

    db = open_db(ctx)
    with db.write() as conn:
        if not oauth.delete_app(conn, client_id):
            raise fail(f"no app with client id {client_id!r}")
    err.print(f"deleted app {client_id}", highlight=False)
