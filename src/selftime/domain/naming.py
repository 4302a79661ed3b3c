"""How the service names what it records: lower-case applications, bare domains, titles as documents."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

NO_DETAILS = "No Details"
MAX_NAME = 255


def stored_document(title: str | None) -> str | None:
    """The document a span is stored with. A title reading "No Details" is stored as no document: on
    the wire both are the row "No Details", so reports never have two rows to merge."""
    return None if title is None or title == NO_DETAILS else title


def application_activity(application: str) -> str:
    return application.strip().lower()


@lru_cache(maxsize=65536)
def site_activity(url: str) -> str:
    """The host of `url`, lower case, without a leading `www.`; ValueError when it has none.

    Memoized: agents send the same pages over and over, and URL parsing is most of ingest's per-span cost."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from exc
    if not host:
        raise ValueError("has no host name (expected an absolute URL such as https://example.com/)")
    return strip_www(host.lower().rstrip("."))


def strip_www(name: str) -> str:
    return name[4:] if name.startswith("www.") and len(name) > 4 else name


def thing_key(name: str) -> str:
    """The form in which a requested name is compared with stored names."""
    return strip_www(name.strip().casefold())
