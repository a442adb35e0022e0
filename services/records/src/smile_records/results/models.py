from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class Result(Audited, Base):
    """The final result of one course a student followed during a mobility."""

    __tablename__ = "result"
    __table_args__ = (sa.UniqueConstraint("tenant", "mobility_id", "course_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    student_id: Mapped[uuid.UUID] = mapped_column(index=True)
    mobility_id: Mapped[uuid.UUID] = mapped_column(index=True)
    course_code: Mapped[str] = mapped_column(sa.String(64))
    course_title: Mapped[str] = mapped_column(sa.String(500))
    #: ECTS credits of the course
    credits: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    grading_scale: Mapped[str] = mapped_column(sa.String(32))
    #: as written on the scale: "14.5", "B", "P"
    grade: Mapped[str] = mapped_column(sa.String(16))
    grade_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 3))
    passed: Mapped[bool]
    result_date: Mapped[date]
    #: sis or registrar
    source: Mapped[str] = mapped_column(sa.String(16))
    session: Mapped[int | None]
    recorded_by: Mapped[str] = mapped_column(sa.String(255))
    recorded_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __audit_type__ = "result"
