"""`uvicorn --factory selftime.asgi:app`: the app configured from the environment (migrations applied)."""

from __future__ import annotations

from fastapi import FastAPI

from selftime.app import create_app, settle_collector
from selftime.config import settings_from_env
from selftime.db.engine import Database, build_engine
from selftime.db.migrate import upgrade


def app() -> FastAPI:
    settings = settings_from_env()
    db = Database(build_engine(settings.resolved_database_url))
    upgrade(db.engine)
    app = create_app(settings, db=db, close_db_on_shutdown=True)
    settle_collector()
    return app
