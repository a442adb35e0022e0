from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from smile_catalogue.courses.schemas import CefrLevel, Codes, LanguageOfInstruction
from smile_catalogue.types import Code, LanguageCode


class DeclaredLanguage(BaseModel):
    """A language the student speaks and their CEFR level in it."""

    model_config = ConfigDict(extra="forbid")

    language: LanguageCode
    cefr_level: CefrLevel


def _one_level_per_language(values: list[DeclaredLanguage]) -> list[DeclaredLanguage]:
    if len({v.language for v in values}) != len(values):
        raise ValueError("the same language is declared twice")
    return values


Declared = Annotated[list[DeclaredLanguage], AfterValidator(_one_level_per_language)]


class BasketCreate(BaseModel):
    """A new basket: the terms of the stay, the student's languages, and (if known) their host faculty."""

    model_config = ConfigDict(extra="forbid")

    term_codes: Codes = Field(min_length=1, max_length=4, examples=[["2026-S1"]])
    declared_languages: Declared = Field(default_factory=list, max_length=10)
    host_unit_code: Code | None = Field(default=None, description="the faculty the student is attached to")
    mobility_id: uuid.UUID | None = Field(default=None, description="the student's mobility in agreements")


class BasketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term_codes: Codes | None = Field(default=None, min_length=1, max_length=4)
    declared_languages: Declared | None = Field(default=None, max_length=10)
    host_unit_code: Code | None = None
    mobility_id: uuid.UUID | None = None


class BasketItemAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term_code: Code | None = Field(
        default=None, description="the term to follow the course in; needed when it is given in several of yours"
    )


class BasketCheck(BaseModel):
    rule: str = Field(description="term_availability, ects_bounds, timetable_clash, capacity, language_level, ...")
    severity: str = Field(description="ok, warning, error (blocks the submission) or off")
    message: dict[str, str] = Field(description="what to do, in English and French")
    course_ids: list[uuid.UUID]
    details: dict[str, Any] = Field(default_factory=dict)


class BasketCourseView(BaseModel):
    course_id: uuid.UUID
    code: str
    title: dict[str, str]
    ects: float
    term_code: str
    organisational_unit_code: str | None
    languages: list[LanguageOfInstruction]
    schedule: list[dict[str, Any]]
    capacity: int | None
    places_left: int | None
    available: bool


class BasketRead(BaseModel):
    id: uuid.UUID
    status: str
    submission: int
    student_subject: str
    mobility_id: uuid.UUID | None
    term_codes: list[str]
    declared_languages: list[DeclaredLanguage]
    host_unit_code: str | None
    courses: list[BasketCourseView]
    total_ects: float
    ects_per_term: dict[str, float]
    checks: list[BasketCheck]
    submittable: bool = Field(description="no check is an error")
    submitted_at: datetime | None
    updated_at: datetime
    version: int
