from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

INE_PATTERN = r"^[0-9A-Z]{11}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class StudentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    family_name: str
    given_names: str
    birth_date: date | None
    gender: int | None = Field(description="ISO 5218: 0 unknown, 1 male, 2 female, 9 not applicable")
    citizenship: str | None
    email: str | None
    phone: str | None
    home_institution: str = Field(description="SCHAC code of the sending university")
    esi: str | None = Field(description="European Student Identifier, v1.0 form")
    esi_problem: dict[str, Any] | None = Field(
        description="The ESI the nomination carried when it broke a rule (rule, value, message)"
    )
    ine: str | None
    sis_learner_code: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class StudentPage(BaseModel):
    items: list[StudentRead]
    next_cursor: str | None = None


class StudentUpdate(BaseModel):
    """What the registrar may set or correct; fields left out keep their value, ``null`` clears."""

    model_config = ConfigDict(extra="forbid")

    esi: str | None = Field(default=None, examples=["urn:schac:personalUniqueCode:int:esi:uni-koeln.de:7654321"])
    ine: str | None = Field(default=None, description="French national student number (11 characters)")
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("ine")
    @classmethod
    def _ine(cls, value: str | None) -> str | None:
        if value is None:
            return None
        upper = value.strip().upper()
        if not re.match(INE_PATTERN, upper):
            raise ValueError("an INE is 11 letters and digits")
        return upper


class DuplicatePair(BaseModel):
    reason: str = Field(description="same-identity: same names, birth date and home university")
    students: list[StudentRead]
