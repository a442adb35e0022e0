from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from smile_catalogue.courses.models import CourseStatus

LanguageCodePattern = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
CourseCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000, strip_whitespace=True)]


def _check_languages(value: dict[str, str]) -> dict[str, str]:
    for lang in value:
        if not LanguageCodePattern.match(lang):
            raise ValueError(f"'{lang}' is not a language code such as 'fr' or 'en'")
    return value


class CourseCreate(BaseModel):
    """A course as an editor first enters it (it starts as a draft)."""

    model_config = ConfigDict(extra="forbid")

    code: CourseCode
    title: dict[str, Text] = Field(min_length=1, examples=[{"fr": "Droit européen", "en": "European law"}])
    description: dict[str, Text] = Field(default_factory=dict)
    ects: Decimal = Field(gt=0, le=60, decimal_places=2, examples=[5])
    organisational_unit_code: str | None = Field(default=None, max_length=64)
    isced_code: str | None = Field(default=None, pattern=r"^\d{4}$", examples=["0421"])
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    term_codes: list[str] = Field(default_factory=list, max_length=20)

    _title_langs = field_validator("title", "description")(_check_languages)


class CourseUpdate(BaseModel):
    """Fields to change; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: dict[str, Text] | None = Field(default=None, min_length=1)
    description: dict[str, Text] | None = None
    ects: Decimal | None = Field(default=None, gt=0, le=60, decimal_places=2)
    organisational_unit_code: str | None = Field(default=None, max_length=64)
    isced_code: str | None = Field(default=None, pattern=r"^\d{4}$")
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    term_codes: list[str] | None = Field(default=None, max_length=20)

    @field_validator("title", "description")
    @classmethod
    def _langs(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_languages(value)


class CourseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    code: str
    title: dict[str, str]
    description: dict[str, str]
    ects: Decimal
    organisational_unit_code: str | None
    isced_code: str | None
    eqf_level: int | None
    term_codes: list[str]
    status: CourseStatus
    status_changed_by: str
    status_changed_at: datetime
    version: int


class CoursePage(BaseModel):
    items: list[CourseRead]
    next_cursor: str | None = None
