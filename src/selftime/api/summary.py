"""/anapi/daily_summary_feed: the Daily Summary Feed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
