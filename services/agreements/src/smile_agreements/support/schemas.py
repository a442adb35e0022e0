from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SupportCategory(StrEnum):
    EXAM_ARRANGEMENTS = "exam_arrangements"
    ACCESSIBLE_HOUSING = "accessible_housing"
    ACCESSIBLE_TEACHING = "accessible_teaching"
    MOBILITY_ASSISTANCE = "mobility_assistance"
    HEALTH_CARE = "health_care"
    OTHER = "other"


class SupportNeedIn(BaseModel):
    """What the student asks for; the description is read by the disability office only."""

    model_config = ConfigDict(extra="forbid")

    categories: list[SupportCategory] = Field(min_length=1, max_length=len(SupportCategory))
    description: str = Field(min_length=1, max_length=4000, examples=["Extra time (a third) at written exams"])


class SupportNeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    mobility_id: uuid.UUID
    categories: list[SupportCategory]
    description: str
    declared_by: str
    declared_at: datetime
    updated_by: str
    updated_at: datetime
    version: int


class SupportNeedSummary(SupportNeedRead):
    """A declared need with the student it is about (the disability office's list)."""

    student_given_names: str
    student_family_name: str
    student_email: str | None
    sending_hei_id: str
    receiving_ounit_code: str | None
    academic_year: str
    planned_arrival_date: date | None
    status: str
