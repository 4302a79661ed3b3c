"""Fixtures of the API tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from selftime.app import create_app
from selftime.config import Settings
from selftime.db.engine import Database
from tests.conftest import Clock


@pytest.fixture
def plain(settings: Settings, db: Database, clock: Clock) -> Iterator[TestClient]:
    """A second server process on the same database, without the cache: the truth."""
    off = dataclasses.replace(settings, report_cache_mb=0)
    with TestClient(create_app(off, db=db, clock_ms=clock)) as other:
        yield other
