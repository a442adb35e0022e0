from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_agreements.db import Base
from smile_common.audit import Audited

#: statuses in which a nomination still counts (quota, duplicates)
ACTIVE_STATUSES = ("nominated", "accepted", "live", "completed")


class Mobility(Audited, Base):
    """One incoming student mobility, from the partner's nomination to the student's departure."""

    __audit_masked__ = frozenset({"comment"})

    __tablename__ = "mobility"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "sending_hei_id", "omobility_id"),
        sa.Index("ix_mobility_tenant_student_key_academic_year", "tenant", "student_key", "academic_year"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    source: Mapped[str] = mapped_column(sa.String(16))
    omobility_id: Mapped[str | None] = mapped_column(sa.String(64))
    proposal_id: Mapped[str | None] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    programme: Mapped[str] = mapped_column(sa.String(64))

    student_given_names: Mapped[str] = mapped_column(sa.String(255))
    student_family_name: Mapped[str] = mapped_column(sa.String(255))
    student_email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    student_birth_date: Mapped[date | None]
    student_citizenship: Mapped[str | None] = mapped_column(sa.String(2))
    student_gender: Mapped[int | None]
    student_esi: Mapped[str | None] = mapped_column(sa.String(255))
    #: the student's login (token ``sub``) once known; the student may also be matched by email
    student_subject: Mapped[str | None] = mapped_column(sa.String(255))
    #: ESI, else email, else names + birth date: what "the same student" means for duplicates
    student_key: Mapped[str] = mapped_column(sa.String(400))
    language_skills: Mapped[list[dict[str, Any]]]
    student_language: Mapped[str] = mapped_column(sa.String(2), default="en")

    sending_hei_id: Mapped[str] = mapped_column(sa.String(255))
    sending_ounit_id: Mapped[str | None] = mapped_column(sa.String(255))
    receiving_ounit_code: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: the receiving unit's EWP ounit id as the partner gave it (the office maps it to a unit code)
    receiving_ounit_id: Mapped[str | None] = mapped_column(sa.String(255))
    iia_id: Mapped[uuid.UUID | None]
    cooperation_condition_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    ewp_iia_id: Mapped[str | None] = mapped_column(sa.String(255))

    academic_year: Mapped[str] = mapped_column(sa.String(9))
    academic_term: Mapped[str | None] = mapped_column(sa.String(16))
    planned_arrival_date: Mapped[date | None]
    planned_departure_date: Mapped[date | None]
    actual_arrival_date: Mapped[date | None]
    actual_departure_date: Mapped[date | None]
    eqf_level: Mapped[int | None]
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    activity_attributes: Mapped[str | None] = mapped_column(sa.String(32))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: when the partner's EWP copy we hold was read (older copies arriving late are ignored)
    source_as_of: Mapped[datetime | None]

    created_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status_changed_by: Mapped[str] = mapped_column(sa.String(255))
    status_changed_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    def audit_person(self) -> str | None:
        return self.student_esi or self.student_email
