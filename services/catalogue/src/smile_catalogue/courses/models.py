from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_catalogue.db import Base


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Course(Base):
    __tablename__ = "course"
    __table_args__ = (sa.UniqueConstraint("tenant", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]]
    ects: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    organisational_unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    eqf_level: Mapped[int | None]
    term_codes: Mapped[list[str]]
    status: Mapped[str] = mapped_column(sa.String(16), default=CourseStatus.DRAFT.value)
    status_changed_by: Mapped[str]
    status_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
