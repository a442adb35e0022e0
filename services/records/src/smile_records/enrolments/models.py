from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class EnrolmentState(StrEnum):
    #: mobility accepted, learning agreement not approved yet
    WAITING = "waiting"
    #: to be synchronised (first time, after an LA change, or retrying after a failure)
    PENDING = "pending"
    DONE = "done"
    #: a person must act: the SIS refused, or retries ran out (``last_error`` says why)
    FAILED = "failed"
    CANCELLED = "cancelled"


class Enrolment(Audited, Base):
    """The SIS synchronisation of one mobility: learner, administrative enrolment, course enrolments."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "mobility_id"),
        sa.Index("ix_enrolment_due", "state", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    mobility_id: Mapped[uuid.UUID]
    student_id: Mapped[uuid.UUID] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(sa.String(16))
    #: the step being done or that failed: learner, administrative, courses
    step: Mapped[str | None] = mapped_column(sa.String(16))
    sis_kind: Mapped[str | None] = mapped_column(sa.String(16))
    period_code: Mapped[str | None] = mapped_column(sa.String(64))
    programme_path: Mapped[str | None] = mapped_column(sa.String(500))
    sis_enrolment_id: Mapped[str | None] = mapped_column(sa.String(500))
    #: course codes of table A to be enrolled in, and those the SIS holds after the last success
    wanted_courses: Mapped[list[str]] = mapped_column(default=list)
    enrolled_courses: Mapped[list[str]] = mapped_column(default=list)
    la_version: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_error_retryable: Mapped[bool | None]
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __audit_type__ = "enrolment"
    __audit_ignore__ = frozenset({"updated_at", "created_at", "lease_until"})


class EnrolmentAttempt(Base):
    """One synchronisation attempt, kept so that staff can see what happened and when."""

    __tablename__ = "enrolment_attempt"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(sa.String(16))
    step: Mapped[str | None] = mapped_column(sa.String(16))
    error: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)
