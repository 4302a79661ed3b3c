"""/anapi/highlights_feed and /anapi/highlights_post."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
