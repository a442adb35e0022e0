from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smile_records.enrolments.models import EnrolmentState


class EnrolmentAttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    outcome: str = Field(description="done, retrying or failed")
    step: str | None
    error: str | None


class EnrolmentRead(BaseModel):
    """The SIS synchronisation of a mobility and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    mobility_id: uuid.UUID
    student_id: uuid.UUID
    state: EnrolmentState = Field(
        description="waiting (learning agreement not approved), pending (to do, or retrying after "
        "last_error), done, failed (a person must act: see last_error), cancelled"
    )
    step: str | None = Field(description="learner, administrative or courses: where the last attempt stopped")
    sis_kind: str | None
    period_code: str | None
    programme_path: str | None
    sis_enrolment_id: str | None
    wanted_courses: list[str] = Field(description="table A of the learning agreement in force")
    enrolled_courses: list[str] = Field(description="what the SIS holds after the last success")
    la_version: int | None
    attempts: int
    last_error: str | None
    last_error_retryable: bool | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    completed_at: datetime | None
    note: str | None
    updated_at: datetime


class EnrolmentDetail(EnrolmentRead):
    history: list[EnrolmentAttemptRead] = Field(default_factory=list, description="latest attempts first")


class EnrolmentPage(BaseModel):
    items: list[EnrolmentRead]
    next_cursor: str | None = None
