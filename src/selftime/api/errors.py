"""Error answers of our own /api/v1: a status and `{"error": "# kind", "messages": "sentence"}`."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.responses import Response

from selftime.compat.render import post_error


class ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message

    def response(self) -> Response:
        return post_error(self.kind, self.message, self.status)


def describe_validation(exc: ValidationError) -> str:
    """Pydantic's errors as one sentence, each located like `spans[3].end`."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ""
        for item in err["loc"]:
            loc += f"[{item}]" if isinstance(item, int) else (f".{item}" if loc else str(item))
        message = err["msg"]
        if err["type"] == "string_pattern_mismatch" and err["loc"][-1:] in (("start",), ("end",)):
            message = f"{str(err['input'])[:40]!r} is not an RFC 3339 date-time with an offset (2026-11-29T09:00:00Z)"
        parts.append(f"{loc or 'body'}: {message}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def unauthorized() -> ApiError:
    return ApiError(401, "key not found", "a valid API key is required (key parameter or Authorization: Bearer)")
