"""Events published by the records service (issue 6): students and ESI, SIS enrolment, results,
transcripts of records and quality surveys.

``student_id`` is records' id of the student; ``mobility_id`` is the agreements service's id of the
mobility; ``omobility_id`` the sending institution's EWP id when the mobility came through EWP.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from smile_common.events.envelope import EventPayload

__all__ = [
    "EnrolmentCompleted",
    "EnrolmentFailed",
    "EsiAssigned",
    "ResultRecorded",
    "StudentRegistered",
    "SurveyCompleted",
    "TranscriptComponent",
    "TranscriptIssued",
]


class _RecordsEvent(EventPayload):
    producer: ClassVar[str] = "records"


class StudentRegistered(_RecordsEvent):
    """An incoming student exists in records (created from an accepted mobility)."""

    event_type: ClassVar[str] = "records.student.registered.v1"

    student_id: UUID
    mobility_id: UUID | None = None
    sending_hei_id: str
    #: the ESI in its v1.0 form, when the sending university gave one
    esi: str | None = None
    #: ISO 3166-1 alpha-2
    citizenship: str | None = None
    registered_at: datetime


class EsiAssigned(_RecordsEvent):
    """The student's European Student Identifier was set or changed (always the v1.0 form)."""

    event_type: ClassVar[str] = "records.esi.assigned.v1"

    student_id: UUID
    mobility_id: UUID | None = None
    esi: str = Field(max_length=255)
    previous_esi: str | None = None
    #: where it came from: the nomination, the registrar, or the student
    source: Literal["nomination", "registrar", "student"]
    assigned_at: datetime


class EnrolmentCompleted(_RecordsEvent):
    """The SIS holds the student's administrative enrolment and the courses of table A (first time, or
    again after the learning agreement changed). The same ``enrolment_id`` after a failure = resolved."""

    event_type: ClassVar[str] = "records.enrolment.completed.v1"

    enrolment_id: UUID
    student_id: UUID
    mobility_id: UUID
    sis: str = Field(description="pegase, files or memory")
    sis_learner_code: str | None = None
    period_code: str
    programme_path: str
    course_codes: list[str]
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    learning_agreement_version: int | None = None
    attempts: int
    completed_at: datetime


class EnrolmentFailed(_RecordsEvent):
    """A synchronisation attempt failed; ``will_retry`` says whether records tries again by itself."""

    event_type: ClassVar[str] = "records.enrolment.failed.v1"

    enrolment_id: UUID
    student_id: UUID
    mobility_id: UUID
    sis: str
    step: Literal["learner", "administrative", "courses"]
    error: str
    retryable: bool
    will_retry: bool
    attempts: int
    next_attempt_at: datetime | None = None
    failed_at: datetime


class ResultRecorded(_RecordsEvent):
    """A result of one course of a student was recorded or changed (from the SIS or by the registrar)."""

    event_type: ClassVar[str] = "records.result.recorded.v1"

    result_id: UUID
    student_id: UUID
    mobility_id: UUID
    course_code: str
    #: the grade as written on the local scale ("14.5", "A", "P")
    grade: str | None = None
    grading_scale: str
    passed: bool
    credits: Decimal
    result_date: date
    source: Literal["sis", "registrar"]
    recorded_at: datetime


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TranscriptComponent(_Part):
    course_code: str
    title: str
    credits: Decimal
    grade: str | None = None
    passed: bool


class TranscriptIssued(_RecordsEvent):
    """A transcript of records was issued (``version`` 1) or corrected and re-issued (``version`` > 1).
    The gateway sends the ToR CNR to the sending university, which then reads it through EWP."""

    event_type: ClassVar[str] = "records.transcript.issued.v1"

    transcript_id: UUID
    version: int = Field(ge=1)
    mobility_id: UUID
    omobility_id: str | None = None
    student_id: UUID
    sending_hei_id: str
    receiving_hei_id: str
    #: ``2026/2027``
    receiving_academic_year_id: str | None = None
    components: list[TranscriptComponent]
    ects_attempted: Decimal
    ects_obtained: Decimal
    correction_reason: str | None = None
    issued_by: str
    issued_at: datetime


class SurveyCompleted(_RecordsEvent):
    """A student answered a quality survey. For an anonymous questionnaire the event names neither the
    student nor the mobility, only the sending university and the academic year."""

    event_type: ClassVar[str] = "records.survey.completed.v1"

    response_id: UUID
    questionnaire_id: UUID
    anonymous: bool
    mobility_id: UUID | None = None
    sending_hei_id: str | None = None
    academic_year: str | None = None
    #: the answer to the questionnaire's overall-satisfaction question, if it has one
    overall_satisfaction: int | None = None
    satisfaction_scale_max: int | None = None
    completed_at: datetime
