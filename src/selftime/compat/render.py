"""RescueTime's bytes: row headers, number types, the JSON envelope, CSV and the error bodies."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import orjson
from starlette.responses import Response

from selftime.analytics import Report
from selftime.compat.rounding import round_ratio

NOTES = "data is an array of arrays (rows), column names for rows in row_headers"
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"

KEY_NOT_FOUND = b'{"error":"# key not found","messages":"key not found"}'
QUERY_ERROR_PREFIX = "Error: Likely a badly formatted or missing parameter"
QUERY_ERROR = b'{"error": "# query error","messages": "Error: Likely a badly formatted or missing parameter"}'

_LEAD = ("Time Spent (seconds)", "Number of People")
_TAIL = {
    "overview": ("Category",),
    "category": ("Category",),
    "activity": ("Activity", "Category", "Productivity"),
    "productivity": ("Productivity",),
    "document": ("Activity", "Document", "Category", "Productivity"),
    "efficiency": ("Efficiency (-2:2)", "Efficiency (percent)"),
}


def headers(perspective: str, shape: str) -> list[str]:
    first = "Date" if perspective == "interval" else "Rank"
    return [first, *_LEAD, *_TAIL[shape]]


def _mean_cells(mean: Fraction) -> tuple[float, float]:
    """The mean level (-2..2) and the same as a percentage, (mean + 2) * 25, on integers (see
    rounding): an interval report of efficiency by 5 minutes has a row for every bucket of the week."""
    n, d = mean.numerator, mean.denominator
    return round_ratio(n, d, 2), round_ratio(25 * n + 50 * d, d, 2)


def rows(perspective: str, report: Report) -> list[list[object]]:
    interval = perspective == "interval"
    if report.shape == "efficiency":
        return [
            [r[0] if interval else i, (r[1] + 500) // 1000, 1, *_mean_cells(r[2])]
            for i, r in enumerate(report.rows, start=1)
        ]
    return [[r[0] if interval else i, (r[1] + 500) // 1000, 1, *r[2:]] for i, r in enumerate(report.rows, start=1)]


def json_body(perspective: str, report: Report) -> bytes:
    envelope = {
        "notes": NOTES,
        "row_headers": headers(perspective, report.shape),
        "rows": rows(perspective, report),
    }
    # orjson writes the same bytes as RescueTime (compact, UTF-8, shortest float repr) ~10x faster.
    return orjson.dumps(envelope)


def csv_body(perspective: str, report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers(perspective, report.shape))
    writer.writerows(rows(perspective, report))
    return buffer.getvalue().encode("utf-8")


def data_body(perspective: str, report: Report, fmt: str) -> tuple[bytes, str]:
    """(body, content type)."""
    if fmt == "csv":
        return csv_body(perspective, report), CSV_TYPE
    return json_body(perspective, report), JSON_TYPE


def key_not_found() -> Response:
    return Response(KEY_NOT_FOUND, status_code=200, headers={"content-type": JSON_TYPE})


def query_error() -> Response:
    return Response(QUERY_ERROR, status_code=200, headers={"content-type": JSON_TYPE})


def post_error(kind: str, message: str, status: int = 400) -> Response:
    body = json.dumps({"error": f"# {kind}", "messages": message}, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status_code=status, headers={"content-type": JSON_TYPE})
