"""JSON shapes of our own /api/v1, kept apart from the tables."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    source_type: Literal["computers", "mobile"] = "computers"


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # Text, read as RFC 3339 by domain.ingest: pydantic's datetime also takes Unix times.
    start: str = Field(max_length=64, examples=["2026-11-29T09:00:00Z"])
    end: str = Field(max_length=64, examples=["2026-11-29T09:03:10Z"])
    application: str | None = None
    title: str | None = None
    url: str | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    device: DeviceIn
    batch_id: str = Field(min_length=1, max_length=255)
    spans: list[SpanIn]


class FocusBlockOut(BaseModel):
    applications: list[str] = Field(description="activity names of applications, lower case")
    sites: list[str] = Field(description="host names without www.; a device blocks their subdomains too")


class FocusSessionCommand(BaseModel):
    """Block distractions until ends_at: sent with every sync while a focus session is active."""

    type: Literal["focus_session"] = "focus_session"
    id: int
    started_at: str = Field(examples=["2026-11-30T12:00:00.000Z"])
    ends_at: str = Field(examples=["2026-11-30T12:30:00.000Z"])
    block: FocusBlockOut


class BatchOut(BaseModel):
    accepted: int
    duplicate: bool
    recorded_seconds: float
    sync_interval_seconds: int
    batch_id: str
    # State, not events: no focus_session command means no session, so stop blocking.
    commands: list[FocusSessionCommand] = Field(default_factory=list)


class CommandsOut(BaseModel):
    """What a device should do now, between syncs: the same state as a batch's answer carries."""

    commands: list[FocusSessionCommand] = Field(default_factory=list)
    poll_seconds: int = Field(description="how long to wait before asking again")


class CategorizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    activity: str = Field(min_length=1, max_length=255)
    category: str | None = Field(default=None, description="sub-category name; null resets to the default")
    top_category: str | None = Field(default=None, description="disambiguates sub-category names")
    productivity: int | None = Field(default=None, ge=-2, le=2)
    reset: bool = False


class ActivityOut(BaseModel):
    id: int
    name: str
    category: str
    top_category: str
    productivity: int
    overridden: bool


class CategoryOut(BaseModel):
    id: int
    name: str
    top_category: str
    productivity: int


class ScheduleRangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: str = Field(examples=["mon-fri"])
    start: str = Field(alias="from", examples=["09:00"])
    end: str = Field(alias="to", examples=["17:00"])


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255)
    ranges: list[ScheduleRangeIn] = Field(min_length=1, max_length=50)


class ScheduleOut(BaseModel):
    id: int
    name: str
    ranges: list[dict[str, str]]
