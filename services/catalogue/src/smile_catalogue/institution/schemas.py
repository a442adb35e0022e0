from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smile_catalogue.courses.schemas import IscedCode
from smile_catalogue.institution.models import OrganisationalUnitKind
from smile_catalogue.types import Code, Contact, MultilingualName, Name, Url

RuleSeverity = Literal["error", "warning", "off"]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[Name] = Field(default_factory=list, max_length=4)
    postal_code: str | None = Field(default=None, max_length=16)
    locality: Name | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class InstitutionWrite(BaseModel):
    """What a university says about itself (EWP Institutions API)."""

    model_config = ConfigDict(extra="forbid")

    name: MultilingualName = Field(min_length=1, examples=[{"fr": "Université de Caen Normandie"}])
    abbreviation: str | None = Field(default=None, max_length=64)
    erasmus_code: str | None = Field(default=None, max_length=32, examples=["F  CAEN01"])
    country: str | None = Field(default="FR", pattern=r"^[A-Z]{2}$")
    city: Name | None = None
    website_url: Url | None = None
    logo_url: Url | None = None
    factsheet_url: Url | None = None
    catalogue_url: Url | None = None
    street_address: Address = Field(default_factory=Address)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class InstitutionRead(InstitutionWrite):
    model_config = ConfigDict(from_attributes=True)

    hei_id: str
    updated_at: datetime
    version: int


class BasketPolicy(BaseModel):
    """The university's rules for students' baskets and how strict each one is.

    `error` blocks the submission, `warning` is shown and travels with the submission, `off` is not checked.
    """

    model_config = ConfigDict(extra="forbid")

    min_ects_per_term: float = Field(default=20, ge=0, le=60)
    max_ects_per_term: float = Field(default=35, gt=0, le=90)
    #: least share of credits a student must take in one faculty (their host faculty when they have one)
    min_share_in_main_faculty: float = Field(default=0.5, ge=0, le=1)
    ects_bounds: RuleSeverity = "error"
    timetable_clash: RuleSeverity = "error"
    capacity: RuleSeverity = "error"
    language_level: RuleSeverity = "warning"
    faculty_share: RuleSeverity = "warning"
    term_availability: RuleSeverity = "error"
    #: courses whose description states prerequisites: the student is asked to check them
    prerequisites: RuleSeverity = "warning"

    @model_validator(mode="after")
    def _bounds(self) -> BasketPolicy:
        if self.min_ects_per_term > self.max_ects_per_term:
            raise ValueError("min_ects_per_term is above max_ects_per_term")
        return self


class UnitWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: MultilingualName = Field(min_length=1, examples=[{"fr": "Faculté de droit", "en": "Faculty of Law"}])
    abbreviation: str | None = Field(default=None, max_length=64)
    kind: OrganisationalUnitKind = OrganisationalUnitKind.FACULTY
    parent_code: Code | None = None
    city: Name | None = Field(default=None, examples=["Caen"])
    website_url: Url | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    hidden: bool = Field(default=False, description="hidden units are shown neither to students nor partners")


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: dict[str, str]
    abbreviation: str | None
    kind: str
    parent_code: str | None = None
    city: str | None
    website_url: str | None
    contacts: list[Contact]
    hidden: bool
    updated_at: datetime
    version: int


class AcademicYearWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: MultilingualName = Field(default_factory=dict)
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _dates(self) -> AcademicYearWrite:
        if self.end_date <= self.start_date:
            raise ValueError("the year ends before it starts")
        return self


class AcademicYearRead(AcademicYearWrite):
    model_config = ConfigDict(from_attributes=True)

    code: str
    ewp_id: str


class TermWrite(BaseModel):
    """A term (semester, trimester) of an academic year; semester 1 of 2 is EWP term ``2026/2027-1/2``."""

    model_config = ConfigDict(extra="forbid")

    academic_year_code: str = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
    ordinal: int = Field(ge=1, le=4, examples=[1])
    terms_in_year: int = Field(default=2, ge=1, le=4)
    name: MultilingualName = Field(min_length=1, examples=[{"fr": "Semestre 1", "en": "Semester 1"}])
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _consistent(self) -> TermWrite:
        if self.end_date <= self.start_date:
            raise ValueError("the term ends before it starts")
        if self.ordinal > self.terms_in_year:
            raise ValueError(f"term {self.ordinal} of a year of {self.terms_in_year} terms")
        return self


class TermRead(TermWrite):
    code: str
    academic_year_id: str = Field(description="EWP academic year id, 2026/2027")
    ewp_id: str = Field(description="EWP academic term id, 2026/2027-1/2")


class ProgrammeWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: MultilingualName = Field(min_length=1, examples=[{"fr": "Licence de droit", "en": "Bachelor of Law"}])
    organisational_unit_code: Code | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    isced_code: IscedCode | None = None


class ProgrammeRead(ProgrammeWrite):
    model_config = ConfigDict(from_attributes=True)

    code: str
    updated_at: datetime
    version: int


def academic_year_code_ok(code: str) -> bool:
    first, _, second = code.partition("-")
    return first.isdigit() and second.isdigit() and int(second) - int(first) in (0, 1)


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
