"""Every OAuth2 route: /oauth/authorize, /oauth/token, /oauth/authorized_applications, /api/oauth/*."""

from __future__ import annotations

from fastapi import APIRouter

from selftime.oauth import pages, surfaces, token

router = APIRouter()
router.include_router(pages.router)
router.include_router(token.router)
router.include_router(surfaces.router)
