"""JSON shapes of our own /api/v1, kept apart from the tables."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    source_type: Literal["computers", "mobile"] = "computers"


# RFC 3339's date-time (section 5.6) with its offset, in ASCII digits, checked by pydantic's compiled
# regex and read by domain.ingest. Not pydantic's datetime: it takes Unix times as well, as numbers
# and as digit strings.
RFC3339 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
Instant = Annotated[str, StringConstraints(pattern=RFC3339, max_length=64)]


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: Instant = Field(examples=["2026-11-29T09:00:00Z"])
    end: Instant = Field(examples=["2026-11-29T09:03:10Z"])
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
    category: str | None = Field(default=None, description="sub-category name; to reset, send reset: true")
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
