from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class TranscriptVersionRead(BaseModel):
    version: int
    issued_at: datetime
    issued_by: str
    correction_reason: str | None


class TranscriptRead(BaseModel):
    id: uuid.UUID
    mobility_id: uuid.UUID
    student_id: uuid.UUID
    sending_hei_id: str
    omobility_id: str | None
    current_version: int
    issued_at: datetime
    ects_attempted: Decimal
    ects_obtained: Decimal
    warnings: list[str] = Field(
        description="no-esi, no-grade-table:<isced>, no-isced:<course>: what the partner will miss in this version"
    )
    versions: list[TranscriptVersionRead]


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    correction_reason: str = Field(
        min_length=3, max_length=2000, examples=["Grade of DRT-EU-101 corrected by the jury"]
    )


class GradeFrequency(BaseModel):
    label: str
    percentage: str


class IscedTable(BaseModel):
    isced_code: str
    frequencies: list[GradeFrequency]


class EwpTor(BaseModel):
    """A transcript as the EWP gateway serves it (Incoming Mobility ToRs)."""

    omobility_id: str
    sending_hei_id: str
    receiving_academic_year_id: str | None
    modified_at: datetime
    elmo_xml: str | None = Field(default=None, description="the ELMO v2 document (absent with ids_only)")
    grade_conversion_table: list[IscedTable] | None = None


class EwpTorPage(BaseModel):
    items: list[EwpTor]
