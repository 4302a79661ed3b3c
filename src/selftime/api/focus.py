"""Focus sessions: /anapi/start_focustime, end_focustime and their feeds."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
