"""/anapi/alerts_feed and /api/v1/alerts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
