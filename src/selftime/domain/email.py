"""What passes for an account's e-mail address: the CLI, the sign-up page and the API take the same."""

from __future__ import annotations

import re

MAX_EMAIL = 254  # RFC 5321's longest path, less its angle brackets
# A domain of labels: letters, digits and inner hyphens, or any non-ASCII (an IDN as typed). One label
# is allowed: a server on a LAN may well have mail for `ada@intranet`.
_LABEL = re.compile(r"(?:[A-Za-z0-9]|[^\x00-\x7f])(?:[A-Za-z0-9-]|[^\x00-\x7f])*(?<!-)")


def normalize_email(text: str) -> str:
    """The address as stored and looked up (trimmed, lower case); ValueError says what is wrong."""
    email = text.strip().lower()
    if not email:
        raise ValueError("an e-mail address is required")
    if len(email) > MAX_EMAIL:
        raise ValueError(f"an e-mail address is at most {MAX_EMAIL} characters")
    if any(c.isspace() or ord(c) < 32 for c in email):
        raise ValueError(f"{text.strip()!r} is not an e-mail address (it holds a space or a control character)")
    local, at, domain = email.rpartition("@")
    if not at or not local or "@" in local or not 1 <= len(local) <= 64:
        raise ValueError(f"{text.strip()!r} is not an e-mail address (expected name@example.com)")
    if not all(_LABEL.fullmatch(label) for label in domain.split(".")):
        raise ValueError(f"{text.strip()!r} is not an e-mail address (the part after @ is not a domain)")
    return email
