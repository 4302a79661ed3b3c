"""Every OAuth2 route: /oauth/authorize, /oauth/token, /oauth/authorized_applications, /api/oauth/*."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
