"""RescueTime's bytes: row headers, number types, the JSON envelope, CSV and the error bodies."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from fractions import Fraction

import orjson
from starlette.responses import Response

from selftime.analytics import Report
from selftime.compat.rounding import round_ratio

try:
    if os.environ.get("SELFTIME_PURE_PYTHON") == "1":  # to time the Python path (docs/performance.md)
        raise ImportError("SELFTIME_PURE_PYTHON=1")
    from selftime.compat import _rows  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler): orjson writes every body
    _rows = None

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


# RescueTime is a Rails app, and Rails writes &, <, > and the two JavaScript line separators (U+2028,
# U+2029) in JSON strings as \u escapes: real bodies read "Editing \u0026 IDEs". orjson writes them
# as they are. None of them can occur outside a string in JSON, and UTF-8 forms the separators' bytes
# for nothing else, so a replace on the bytes is exact.
_ESCAPED_BYTES = ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e"))
_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))
_SEPARATOR = re.compile(rb"\xe2\x80[\xa8\xa9]")  # their UTF-8


def json_bytes(value: object) -> bytes:
    """Compact UTF-8 JSON as RescueTime writes it (shortest float repr, escapes as Rails)."""
    body = orjson.dumps(value)
    for raw, escaped in _ESCAPED_BYTES:
        if raw in body:
            body = body.replace(raw, escaped)
    if _has_separator(body):
        for raw, escaped in _SEPARATORS:
            body = body.replace(raw, escaped)
    return body


def _has_separator(body: bytes) -> bool:
    """Whether U+2028 or U+2029 is in the body: never in an ASCII body, which is found at memory
    speed; otherwise one regex pass (a week of documents with accented titles: ~0.2 ms)."""
    return not body.isascii() and _SEPARATOR.search(body) is not None


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
    # One loop per perspective: a test per row of which one it is cost a third of this for a week of
    # documents (thousands of rows).
    if interval:
        return [[r[0], (r[1] + 500) // 1000, 1, *r[2:]] for r in report.rows]
    return [[i, (r[1] + 500) // 1000, 1, *r[2:]] for i, r in enumerate(report.rows, start=1)]


def json_body(perspective: str, report: Report) -> bytes:
    if _rows is not None and report.shape != "efficiency":
        # The rows array written in C (see _rows.c), the same bytes json_bytes writes, into
        # the envelope's own bytes: a week of documents is thousands of rows.
        head = json_bytes({"notes": NOTES, "row_headers": headers(perspective, report.shape), "rows": []})
        return head[: -len(b"[]}")] + _rows.rows_json(report.rows, perspective == "interval") + b"}"
    envelope = {
        "notes": NOTES,
        "row_headers": headers(perspective, report.shape),
        "rows": rows(perspective, report),
    }
    return json_bytes(envelope)


def csv_body(perspective: str, report: Report) -> bytes:
    if _rows is not None and report.shape != "efficiency":
        # The rows in C (see _rows.c), the same bytes as the csv module's; no header holds a
        # character that would be quoted.
        head = ",".join(headers(perspective, report.shape)) + "\n"
        return head.encode() + _rows.rows_csv(report.rows, perspective == "interval")
    lines: list[Sequence[object]] = [headers(perspective, report.shape), *rows(perspective, report)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(lines)
    text = buffer.getvalue()
    if "\r" in text:
        # The csv module quotes a field for the characters of its line terminator only, so with LF a
        # lone CR (a window title can hold one) went out bare and broke the line for every reader.
        text = "".join(_csv_line(line) for line in lines)
    return text.encode("utf-8")


def _csv_line(line: Sequence[object]) -> str:
    """One line quoted for CR and LF alike, ended by LF."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(line)
    return buffer.getvalue()[:-2] + "\n"


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
    body = json_bytes({"error": f"# {kind}", "messages": message})
    return Response(body, status_code=status, headers={"content-type": JSON_TYPE})
