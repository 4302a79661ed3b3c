"""Every HTTP path the server answers is documented in README.md or docs/ (a route added without a word
about it fails here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# FastAPI's own helper for the OpenAPI page's "Authorize" button, not a Selftime endpoint.
NOT_OURS = {"/docs/oauth2-redirect"}


def _paths(routes: Iterable[object], prefix: str = "") -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # this FastAPI keeps an included router whole, with its prefix aside
            yield from _paths(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif hasattr(route, "routes") and not hasattr(route, "endpoint"):
            yield from _paths(route.routes, prefix + getattr(route, "path", ""))  # type: ignore[attr-defined]
        else:
            yield prefix + route.path  # type: ignore[attr-defined]


def _normal(text: str) -> str:
    """`{alert_id}` and `{id}` name the same thing; a trailing slash is the same endpoint."""
    return re.sub(r"\{[a-z_]*\}", "{id}", text)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # routes do not depend on the backend
def test_every_route_is_documented(client):  # type: ignore[no-untyped-def]
    docs = _normal("\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]))
    oauth_doc = (ROOT / "docs" / "oauth.md").read_text()
    paths = {_normal(p).rstrip("/") or "/" for p in _paths(client.app.routes)} - NOT_OURS
    assert "/anapi/data" in paths and len(paths) > 50  # the walk found the app's routes
    missing = []
    for path in sorted(paths):
        if path.startswith("/api/oauth/"):
            # oauth.md names them once as /api/oauth/<name>, with each name in its scope table.
            documented = f"`{path.removeprefix('/api/oauth/')}`" in oauth_doc and "/api/oauth/<name>" in oauth_doc
        elif path == "/":
            documented = "| `/` |" in docs
        else:
            documented = f"`{path}`" in docs or f"{path}`" in docs or f" {path}" in docs
        if not documented:
            missing.append(path)
    assert missing == [], "\n".join(missing)
