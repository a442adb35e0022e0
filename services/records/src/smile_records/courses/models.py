from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_records.db import Base


class Course(Base):
    """A course of the university's catalogue (the latest state the catalogue announced)."""

    __tablename__ = "course"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    course_id: Mapped[uuid.UUID]
    title: Mapped[dict[str, str]]
    ects: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    eqf_level: Mapped[int | None]
    term_codes: Mapped[list[str]]
    languages: Mapped[list[str]]
    organisational_unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    as_of: Mapped[datetime]
