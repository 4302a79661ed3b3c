"""The feeds' and POST endpoints' bytes: local date-times, JSON arrays and objects, their errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from selftime.compat.render import JSON_TYPE, json_bytes, post_error
from selftime.domain.zone import from_ms, zone


def local_datetime(ms: int, time_zone: str) -> str:
    """UTC ms → the user's wall clock with milliseconds and offset: `2020-07-08T04:17:06.000+05:00`."""
    moment = from_ms(ms).astimezone(zone(time_zone))
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def json_response(value: Any, status: int = 200) -> Response:
    return Response(json_bytes(value), status_code=status, headers={"content-type": JSON_TYPE})


def post_key_not_found() -> Response:
    """A POST endpoint's answer to a missing, unknown or revoked key: the docs' 400 for any error."""
    return post_error("key not found", "key not found")


def premium_feature(what: str) -> Response:
    return post_error("premium feature", f"{what} is a premium feature.")


# The feeds' objects, keys in the docs' order.


def alert_definition(alert_id: int, description: str, hours: float) -> dict[str, Any]:
    return {"id": alert_id, "description": description, "amount": hours}


def alert_trigger(trigger_id: int, alert_id: int, description: str, created_ms: int, time_zone: str) -> dict[str, Any]:
    return {
        "id": trigger_id,
        "alert_id": alert_id,
        "description": description,
        "created_at": local_datetime(created_ms, time_zone),
    }


def highlight(highlight_id: int, description: str, date: str, created_ms: int, time_zone: str) -> dict[str, Any]:
    return {
        "id": highlight_id,
        "description": description,
        "date": date,
        "created_at": local_datetime(created_ms, time_zone),
    }


def focus_started(started_ms: int, minutes: int, time_zone: str) -> dict[str, Any]:
    """The id is the start as a Unix timestamp in seconds, a float keeping the milliseconds."""
    return {"id": started_ms / 1000, "duration": minutes, "created_at": local_datetime(started_ms, time_zone)}


def focus_ended(ended_ms: int, time_zone: str) -> dict[str, Any]:
    return {"id": ended_ms / 1000, "created_at": local_datetime(ended_ms, time_zone)}
