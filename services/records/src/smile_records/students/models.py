from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class Student(Audited, Base):
    """An incoming student: identity, home university, ESI, INE, contact, SIS learner number."""

    __tablename__ = "student"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "esi_key"),
        sa.UniqueConstraint("tenant", "ine"),
        sa.Index("ix_student_identity", "tenant", "identity_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    family_name: Mapped[str] = mapped_column(sa.String(200))
    given_names: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[date | None]
    #: ISO 5218: 0 unknown, 1 male, 2 female, 9 not applicable
    gender: Mapped[int | None]
    citizenship: Mapped[str | None] = mapped_column(sa.String(2))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    home_institution: Mapped[str] = mapped_column(sa.String(255))
    #: v1.0 form only
    esi: Mapped[str | None] = mapped_column(sa.String(255))
    #: casefolded ESI: two ESIs differing only by case are the same student
    esi_key: Mapped[str | None] = mapped_column(sa.String(255))
    #: when the nomination carried an ESI that breaks a rule: the rule and the value, for the registrar
    esi_problem: Mapped[dict[str, Any] | None]
    ine: Mapped[str | None] = mapped_column(sa.String(11))
    #: folded names + birth date + home university: how students without an ESI are recognised
    identity_key: Mapped[str] = mapped_column(sa.String(600))
    sis_learner_code: Mapped[str | None] = mapped_column(sa.String(64))
    sis_learner_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __audit_type__ = "student"

    def audit_person(self) -> str | None:
        return self.esi or self.email

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class Mobility(Base):
    """Records' view of an incoming mobility (from the agreements service's events)."""

    __tablename__ = "mobility"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    student_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    omobility_id: Mapped[str | None] = mapped_column(sa.String(64))
    sending_hei_id: Mapped[str | None] = mapped_column(sa.String(255))
    sending_ounit_id: Mapped[str | None] = mapped_column(sa.String(255))
    receiving_ounit_code: Mapped[str | None] = mapped_column(sa.String(64))
    academic_year: Mapped[str | None] = mapped_column(sa.String(9))
    academic_term: Mapped[str | None] = mapped_column(sa.String(20))
    programme: Mapped[str | None] = mapped_column(sa.String(64))
    planned_arrival_date: Mapped[date | None]
    planned_departure_date: Mapped[date | None]
    actual_arrival_date: Mapped[date | None]
    actual_departure_date: Mapped[date | None]
    eqf_level: Mapped[int | None]
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    #: accepted, live, completed, cancelled; ``unknown`` while only the learning agreement is known
    status: Mapped[str] = mapped_column(sa.String(16))
    status_as_of: Mapped[datetime | None]
    la_version: Mapped[int | None]
    la_as_of: Mapped[datetime | None]
    #: table A in force: [{code, title, credits, term, course_id}]
    la_components: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def end_date(self) -> date | None:
        return self.actual_departure_date or self.planned_departure_date

    @property
    def start_date(self) -> date | None:
        return self.actual_arrival_date or self.planned_arrival_date
