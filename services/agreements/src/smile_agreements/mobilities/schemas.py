from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from smile_common.events.payloads.mobility import MobilitySource, MobilityStatus

AcademicYear = Annotated[str, StringConstraints(pattern=r"^\d{4}/\d{4}$")]
AcademicTerm = Annotated[str, StringConstraints(pattern=r"^\d{4}/\d{4}-[1-9]/[1-9]$")]
Esi = Annotated[str, StringConstraints(pattern=r"^urn:schac:personalUniqueCode:int:esi:[A-Za-z0-9.\-]+:.+$")]
HeiId = Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=r"^[a-z0-9.\-]+$", to_lower=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=4000, strip_whitespace=True)]
Email = Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
_YEAR = re.compile(r"^(\d{4})/(\d{4})")


class LanguageSkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str = Field(pattern=r"^[a-z]{2}$", examples=["fr"])
    cefr_level: Cefr | None = None


class StudentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_names: Name
    family_name: Name
    email: Email | None = None
    birth_date: date | None = None
    citizenship: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["NO"])
    gender: Literal[0, 1, 2, 9] | None = None
    esi: Esi | None = Field(default=None, examples=["urn:schac:personalUniqueCode:int:esi:uio.no:1234567890"])
    preferred_language: Literal["fr", "en"] = "en"


class NominationCreate(BaseModel):
    """A nomination entered by hand (or one CSV row) for a partner outside EWP."""

    model_config = ConfigDict(extra="forbid")

    student: StudentIn
    sending_hei_id: HeiId = Field(examples=["uio.no"])
    sending_ounit_id: str | None = Field(default=None, max_length=255)
    receiving_ounit_code: str | None = Field(default=None, max_length=64, examples=["ECO"])
    iia_id: uuid.UUID | None = None
    cooperation_condition_id: uuid.UUID | None = None
    programme: str = Field(default="erasmus", pattern=r"^[a-z0-9_\-]{1,64}$")
    academic_year: AcademicYear = Field(examples=["2026/2027"])
    academic_term: AcademicTerm | None = Field(default=None, examples=["2026/2027-1/2"])
    planned_arrival_date: date | None = None
    planned_departure_date: date | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    isced_code: str | None = Field(default=None, pattern=r"^\d{2,4}$")
    language_skills: list[LanguageSkillIn] = Field(default_factory=list, max_length=10)
    comment: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _coherent(self) -> NominationCreate:
        first, second = (int(x) for x in self.academic_year.split("/"))
        if second not in (first, first + 1):
            raise ValueError("academic_year must be two consecutive years, e.g. 2026/2027")
        if self.academic_term and not self.academic_term.startswith(self.academic_year):
            raise ValueError("academic_term must belong to academic_year")
        number, total = (int(x) for x in self.academic_term.split("-")[1].split("/")) if self.academic_term else (1, 1)
        if number > total:
            raise ValueError("academic_term: the term number cannot exceed the number of terms")
        arrive, leave = self.planned_arrival_date, self.planned_departure_date
        if arrive and leave and leave <= arrive:
            raise ValueError("planned_departure_date must come after planned_arrival_date")
        return self


class MobilityUpdate(BaseModel):
    """Fields the office may correct; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    receiving_ounit_code: str | None = Field(default=None, max_length=64)
    planned_arrival_date: date | None = None
    planned_departure_date: date | None = None
    student_email: Email | None = None
    student_esi: Esi | None = None
    student_subject: str | None = Field(default=None, max_length=255)
    comment: str | None = Field(default=None, max_length=4000)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the proposal the coordinator looked at; a nomination changed since then answers 409
    proposal_id: str | None = None


class Rejection(Decision):
    reason: Reason


class Cancellation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class DateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date


class StudentRead(BaseModel):
    given_names: str
    family_name: str
    email: str | None
    birth_date: date | None
    citizenship: str | None
    gender: int | None
    esi: str | None


class MobilityRead(BaseModel):
    id: uuid.UUID
    source: MobilitySource
    status: MobilityStatus
    omobility_id: str | None
    proposal_id: str | None
    rejection_reason: str | None
    cancellation_reason: str | None
    programme: str
    student: StudentRead
    language_skills: list[dict[str, Any]]
    sending_hei_id: str
    sending_ounit_id: str | None
    receiving_ounit_code: str | None
    iia_id: uuid.UUID | None
    cooperation_condition_id: uuid.UUID | None
    ewp_iia_id: str | None
    academic_year: str
    academic_term: str | None
    planned_arrival_date: date | None
    planned_departure_date: date | None
    actual_arrival_date: date | None
    actual_departure_date: date | None
    eqf_level: int | None
    isced_code: str | None
    comment: str | None
    created_at: datetime
    status_changed_by: str
    status_changed_at: datetime
    version: int


class MobilityPage(BaseModel):
    items: list[MobilityRead]
    next_cursor: str | None = None


class CheckResult(BaseModel):
    """One check shown to the coordinator; ``failed`` and ``warning`` do not block a decision."""

    code: str
    status: Literal["ok", "warning", "failed", "unknown"]
    message: str


class CheckReport(BaseModel):
    mobility_id: uuid.UUID
    checks: list[CheckResult]


class ImportRowError(BaseModel):
    row: int
    errors: list[str]


class ImportReport(BaseModel):
    created: int
    dry_run: bool
    mobility_ids: list[uuid.UUID]
