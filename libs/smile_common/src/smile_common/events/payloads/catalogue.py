"""Events published by the catalogue service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from smile_common.events.envelope import EventPayload

__all__ = ["CoursePublished", "CourseUpdated", "CourseWithdrawn"]


class _CourseEvent(EventPayload):
    producer: ClassVar[str] = "catalogue"

    course_id: UUID
    code: str = Field(max_length=64)
    title: dict[str, str] = Field(description="Titles by language code (fr, en, ...)")
    ects: float
    organisational_unit_code: str | None = None
    isced_code: str | None = Field(default=None, pattern=r"^\d{2,4}$")
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    term_codes: list[str] = Field(default_factory=list)
    changed_by: str
    changed_at: datetime


class CoursePublished(_CourseEvent):
    """A course became visible to exchange students."""

    event_type: ClassVar[str] = "catalogue.course.published.v1"


class CourseUpdated(_CourseEvent):
    """A published course changed."""

    event_type: ClassVar[str] = "catalogue.course.updated.v1"


class CourseWithdrawn(_CourseEvent):
    """A published course is no longer offered to exchange students."""

    event_type: ClassVar[str] = "catalogue.course.withdrawn.v1"
