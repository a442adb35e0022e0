from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from smile_common.audit import Audited
from smile_records.db import Base


class GradeTable(Audited, Base):
    """The grade distribution table of one reference group of one university (ours or a partner's).

    A new table for the same group supersedes the previous one, which is kept: conversions name the
    table they used."""

    __tablename__ = "grade_table"
    __table_args__ = (sa.Index("ix_grade_table_group", "tenant", "hei_id", "isced_code", "eqf_level"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    hei_id: Mapped[str] = mapped_column(sa.String(255))
    #: ISCED-F code of the reference group, 2, 3 or 4 digits
    isced_code: Mapped[str] = mapped_column(sa.String(4))
    #: EQF level (cycle) of the group; None = every level
    eqf_level: Mapped[int | None]
    academic_years: Mapped[list[str]]
    scale_id: Mapped[str | None] = mapped_column(sa.String(32))
    #: [{label, count (None when published as percentages), percentage}] best first
    bands: Mapped[list[dict[str, Any]]]
    total: Mapped[int | None]
    small: Mapped[bool]
    #: sis (computed from the SIS's results), history (computed from uploaded results), upload (a finished table)
    source: Mapped[str] = mapped_column(sa.String(16))
    created_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]

    __audit_type__ = "grade_table"


class GradeConversion(Base):
    """One converted grade and everything that produced it, for audit."""

    __tablename__ = "grade_conversion"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255), index=True)
    #: to-local (a partner's grade into ours) or from-local (ours into the partner's)
    direction: Mapped[str] = mapped_column(sa.String(16))
    grade: Mapped[str] = mapped_column(sa.String(16))
    converted_grade: Mapped[str] = mapped_column(sa.String(16))
    range_best: Mapped[str] = mapped_column(sa.String(16))
    range_worst: Mapped[str] = mapped_column(sa.String(16))
    grade_range: Mapped[list[str]]
    source_hei_id: Mapped[str] = mapped_column(sa.String(255))
    target_hei_id: Mapped[str] = mapped_column(sa.String(255))
    source_table_id: Mapped[uuid.UUID]
    target_table_id: Mapped[uuid.UUID]
    isced_requested: Mapped[str] = mapped_column(sa.String(4))
    isced_used: Mapped[str] = mapped_column(sa.String(4))
    eqf_level: Mapped[int | None]
    rule: Mapped[str] = mapped_column(sa.String(64))
    #: the source grade's band and its midpoint, as exact fractions ("100/3") and rounded decimals
    source_band: Mapped[dict[str, Any]]
    warnings: Mapped[list[str]]
    result_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
