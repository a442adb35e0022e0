from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from smile_records.grading.schemas import Isced

Texts = dict[str, str]


class Qualification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Texts = Field(examples=[{"fr": "Master Droit européen", "en": "Master's degree in European law"}])
    title_conferred: Texts = Field(default_factory=dict)
    field_of_study: Texts
    isced_code: Isced
    languages: list[str] = Field(default_factory=lambda: ["fr"], description="languages of instruction and examination")


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eqf_level: int = Field(ge=5, le=8)
    name: Texts = Field(examples=[{"fr": "Master (niveau 7 du CEC)", "en": "Master (EQF level 7)"}])
    official_length: Texts = Field(examples=[{"fr": "2 ans, 120 crédits ECTS", "en": "2 years, 120 ECTS credits"}])
    access_requirements: Texts = Field(default_factory=dict)


class DiplomaSupplementRequest(BaseModel):
    """What the registrar states about the degree; the holder, the results and the grading tables come
    from records."""

    model_config = ConfigDict(extra="forbid")

    qualification: Qualification
    level: Level
    mode_of_study: Texts = Field(default_factory=lambda: {"fr": "Temps plein", "en": "Full-time"})
    programme_requirements: Texts = Field(default_factory=dict)
    overall_classification: Texts = Field(default_factory=dict)
    further_study: Texts = Field(default_factory=dict)
    professional_status: Texts = Field(default_factory=dict)
    additional_information: Texts = Field(default_factory=dict)
    awarded_on: date
    mobility_ids: list[uuid.UUID] | None = Field(
        default=None, description="mobilities whose results to list (default: all)"
    )


class DiplomaSupplementRead(BaseModel):
    id: uuid.UUID
    student_id: uuid.UUID
    qualification: Texts
    awarded_on: date
    courses: int
    ects_obtained: str
    issued_by: str
    issued_at: datetime
