"""/anapi/offline_time_post."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
