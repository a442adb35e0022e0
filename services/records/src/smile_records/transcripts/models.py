from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class Transcript(Audited, Base):
    """The transcript of records of one mobility; its versions hold what was issued each time."""

    __tablename__ = "transcript"
    __table_args__ = (sa.UniqueConstraint("tenant", "mobility_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    mobility_id: Mapped[uuid.UUID]
    student_id: Mapped[uuid.UUID] = mapped_column(index=True)
    sending_hei_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    omobility_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: receiving academic year, ``2026/2027``
    academic_year: Mapped[str | None] = mapped_column(sa.String(9))
    current_version: Mapped[int]
    issued_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __audit_type__ = "transcript"


class TranscriptVersion(Base):
    """One issued version: the content as issued (the PDF is rendered from it) and its ELMO document."""

    __tablename__ = "transcript_version"
    __table_args__ = (sa.UniqueConstraint("transcript_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    transcript_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    elmo_xml: Mapped[str] = mapped_column(sa.Text)
    correction_reason: Mapped[str | None] = mapped_column(sa.Text)
    issued_by: Mapped[str] = mapped_column(sa.String(255))
    issued_at: Mapped[datetime]


class CourseDistribution(Base):
    """How all the students of one course were graded over some years (failures included), for the
    ``resultDistribution`` of the course in ELMO; computed with the grade distribution tables."""

    __tablename__ = "course_distribution"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    course_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    scale_id: Mapped[str] = mapped_column(sa.String(32))
    academic_years: Mapped[list[str]]
    #: [{label, count}] best first, failing grades included
    categories: Mapped[list[dict[str, Any]]]
    computed_at: Mapped[datetime]
