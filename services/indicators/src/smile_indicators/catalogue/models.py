from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_indicators.db import Base


class CourseFact(Base):
    """The latest known state of one course, as told by the catalogue's events."""

    __tablename__ = "course_fact"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    ects: Mapped[float]
    organisational_unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    isced_code: Mapped[str | None] = mapped_column(sa.String(4))
    #: time of the event that set this state; older events arriving late do not overwrite it.
    as_of: Mapped[datetime]
