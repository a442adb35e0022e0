"""Events published by the catalogue service.

Course events tell the state of one course of the university's offer (every consumer keeps the latest,
comparing ``changed_at``/``version``). Basket events tell that a student submitted (or took back) the list
of courses they want to follow: ``agreements`` drafts table A of the learning agreement from it.

EWP identifiers are built by the catalogue once, here, so that every service speaks of a course the way
the EWP gateway serves it: ``los_id`` = ``CR/<course id>``, ``loi_id`` = ``CRI/<uuid of course + term>``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "BasketCheckNote",
    "BasketCourse",
    "BasketReopened",
    "BasketSubmitted",
    "CoursePublished",
    "CourseUpdated",
    "CourseWithdrawn",
    "DeclaredLanguage",
    "OrganisationalUnitCreated",
    "OrganisationalUnitUpdated",
    "loi_id",
    "los_id",
]

#: namespace of the learning opportunity instance ids (one per course and term).
_LOI_NAMESPACE = uuid.UUID("6f1c6f55-2a0b-4d0e-9a57-4f4bb1f0e6a1")


def los_id(course_id: UUID) -> str:
    """The EWP learning opportunity specification id of a course."""
    return f"CR/{course_id}"


def loi_id(course_id: UUID, term_code: str) -> str:
    """The EWP learning opportunity instance id of a course given in one term (stable, 40 chars)."""
    return f"CRI/{uuid.uuid5(_LOI_NAMESPACE, f'{course_id}/{term_code}')}"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    #: added in catalogue issue 3 (optional: older events lack them)
    languages: list[str] = Field(default_factory=list, description="Languages of instruction (ISO 639-1)")
    open_to_exchange: bool | None = None
    programme_codes: list[str] = Field(default_factory=list)
    version: int | None = Field(default=None, description="Grows with every change of the course")


class CoursePublished(_CourseEvent):
    """A course became visible to exchange students."""

    event_type: ClassVar[str] = "catalogue.course.published.v1"


class CourseUpdated(_CourseEvent):
    """A published course changed."""

    event_type: ClassVar[str] = "catalogue.course.updated.v1"


class CourseWithdrawn(_CourseEvent):
    """A published course is no longer offered to exchange students."""

    event_type: ClassVar[str] = "catalogue.course.withdrawn.v1"


class _OrganisationalUnitEvent(EventPayload):
    producer: ClassVar[str] = "catalogue"

    organisational_unit_id: UUID
    code: str = Field(max_length=64)
    name: dict[str, str] = Field(description="Names by language code (fr, en, ...)")
    abbreviation: str | None = None
    kind: str = Field(examples=["faculty", "department", "institute", "school", "service", "other"])
    parent_code: str | None = None
    city: str | None = Field(default=None, description="City of the unit's campus (where students study)")
    hidden: bool = Field(default=False, description="Hidden units are not shown to partners or students")
    changed_by: str
    changed_at: datetime
    version: int


class OrganisationalUnitCreated(_OrganisationalUnitEvent):
    """A faculty, department or other unit of the university was added to the catalogue."""

    event_type: ClassVar[str] = "catalogue.organisational_unit.created.v1"


class OrganisationalUnitUpdated(_OrganisationalUnitEvent):
    """An organisational unit changed (name, parent, city, hidden...)."""

    event_type: ClassVar[str] = "catalogue.organisational_unit.updated.v1"


class BasketCourse(_Part):
    """One course of a submitted basket: what table A of a learning agreement needs."""

    course_id: UUID
    los_id: str = Field(description="EWP LOS id, CR/<course id>")
    loi_id: str = Field(description="EWP LOI id of the course in this term")
    code: str = Field(max_length=64, description="the course's code (EWP los-code)")
    title: dict[str, str] = Field(description="Titles by language code")
    ects: float = Field(gt=0)
    term_code: str = Field(description="the term the student follows the course in")
    academic_term_ewp_id: str | None = Field(default=None, examples=["2026/2027-1/2"])
    academic_year_id: str | None = Field(default=None, examples=["2026/2027"])
    organisational_unit_code: str | None = None
    isced_code: str | None = None
    eqf_level: int | None = None
    languages: list[str] = Field(default_factory=list, description="Languages of instruction")


class DeclaredLanguage(_Part):
    language: str = Field(examples=["fr"])
    cefr_level: str = Field(pattern=r"^[ABC][12]$", examples=["B2"])


class BasketCheckNote(_Part):
    """A check that did not pass but does not block submission (a warning), as shown to the student."""

    rule: str = Field(examples=["ects_bounds", "timetable_clash", "faculty_share"])
    message: str
    course_ids: list[UUID] = Field(default_factory=list)


class BasketSubmitted(EventPayload):
    """A student submitted their basket: the first draft of learning agreement table A.

    ``submission`` grows each time the same basket is submitted again (after a reopening); a consumer keeps
    the highest one.
    """

    event_type: ClassVar[str] = "catalogue.basket.submitted.v1"
    producer: ClassVar[str] = "catalogue"

    basket_id: UUID
    submission: int = Field(ge=1)
    student_subject: str = Field(description="the student's subject (sub claim) at the receiving university")
    student_email: str | None = None
    student_name: str | None = None
    mobility_id: UUID | None = Field(default=None, description="the agreements mobility the student named")
    academic_year_id: str | None = Field(default=None, examples=["2026/2027"])
    term_codes: list[str]
    declared_languages: list[DeclaredLanguage] = Field(default_factory=list)
    courses: list[BasketCourse] = Field(min_length=1)
    total_ects: float
    warnings: list[BasketCheckNote] = Field(default_factory=list)
    submitted_at: datetime


class BasketReopened(EventPayload):
    """A student took back a submitted basket to change it; the previous submission no longer stands."""

    event_type: ClassVar[str] = "catalogue.basket.reopened.v1"
    producer: ClassVar[str] = "catalogue"

    basket_id: UUID
    submission: int = Field(ge=1, description="the submission that no longer stands")
    student_subject: str
    mobility_id: UUID | None = None
    reopened_at: datetime
