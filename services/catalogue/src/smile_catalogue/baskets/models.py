from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base, Code
from smile_common.audit import Audited


class BasketStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class Basket(Audited, Base):
    __tablename__ = "basket"
    __table_args__ = (sa.Index("ix_basket_tenant_student", "tenant", "student_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    student_subject: Mapped[str] = mapped_column(sa.String(255))
    student_email: Mapped[str | None] = mapped_column(sa.String(320))
    student_name: Mapped[str | None] = mapped_column(sa.String(255))
    mobility_id: Mapped[uuid.UUID | None]
    #: the terms of the student's stay
    term_codes: Mapped[list[str]]
    #: [{"language": "fr", "cefr_level": "B1"}]
    declared_languages: Mapped[list[dict[str, Any]]]
    #: the faculty the student is attached to (the faculty-share rule measures credits against it)
    host_unit_code: Mapped[str | None] = mapped_column(Code)
    status: Mapped[str] = mapped_column(sa.String(16), default=BasketStatus.OPEN.value)
    submission: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    def audit_person(self) -> str | None:
        return self.student_email


class BasketItem(Base):
    __tablename__ = "basket_item"
    __table_args__ = (sa.Index("ix_basket_item_course_id", "course_id"),)

    basket_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("basket.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    #: the term the student follows the course in (a course may be given in several)
    term_code: Mapped[str] = mapped_column(Code)
    added_at: Mapped[datetime]
