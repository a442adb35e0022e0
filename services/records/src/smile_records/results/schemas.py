from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ResultInput(BaseModel):
    """A result as the registrar enters it."""

    model_config = ConfigDict(extra="forbid")

    grade: str = Field(min_length=1, max_length=16, examples=["14.5", "B", "P"])
    grading_scale: str = Field(default="fr-0-20", description="fr-0-20, ects, pass-fail, …")
    credits: Decimal | None = Field(default=None, gt=0, le=60, description="defaults to the learning agreement's")
    result_date: date
    course_title: str | None = Field(default=None, max_length=500)


class ResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    mobility_id: uuid.UUID
    student_id: uuid.UUID
    course_code: str
    course_title: str
    credits: Decimal
    grading_scale: str
    grade: str
    passed: bool
    result_date: date
    source: str = Field(description="sis or registrar")
    session: int | None
    recorded_by: str
    recorded_at: datetime
    version: int


class SkippedResult(BaseModel):
    course_code: str
    reason: str


class ResultImport(BaseModel):
    """What reading the SIS changed."""

    recorded: list[ResultRead] = Field(description="new or changed results")
    unchanged: int
    skipped: list[SkippedResult] = Field(description="SIS results not taken, and why")
