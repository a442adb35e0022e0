"""The factsheet: what an incoming student and a partner need to know before applying (EWP Factsheet)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from smile_catalogue.courses.schemas import CefrLevel, IscedCode
from smile_catalogue.types import Code, Contact, Email, LanguageCode, MultilingualName, MultilingualText, Name, Url

#: EWP writes a yearly date as ``--MM-DD``
MonthDay = Annotated[str, StringConstraints(pattern=r"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{1,14}$")]


class Information(BaseModel):
    """Where to ask: an email, a phone number (E.164, e.g. +33231566052) and web pages."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    phone: E164 | None = Field(default=None, examples=["+33231566052"])
    urls: list[Url] = Field(default_factory=list, max_length=5)


class Calendar(BaseModel):
    """Yearly deadlines for partners' nominations and students' applications, per half of the year."""

    model_config = ConfigDict(extra="forbid")

    nominations_autumn: MonthDay | None = Field(default=None, examples=["--05-15"])
    nominations_spring: MonthDay | None = Field(default=None, examples=["--10-15"])
    applications_autumn: MonthDay | None = Field(default=None, examples=["--06-01"])
    applications_spring: MonthDay | None = Field(default=None, examples=["--11-01"])


class TermDeadline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term_code: Code
    nomination_deadline: date | None = None
    application_deadline: date | None = None


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    details: Annotated[str, StringConstraints(max_length=2000)] | None = None
    urls: list[Url] = Field(default_factory=list, max_length=5)


class LanguageRequirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: LanguageCode
    cefr_level: CefrLevel
    isced_code: IscedCode | None = Field(default=None, description="only for courses of this field")
    details: MultilingualText = Field(default_factory=dict)


class RequiredDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["transcript"])
    name: MultilingualName = Field(min_length=1)
    details: MultilingualText = Field(default_factory=dict)


class Accessibility(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["infrastructure", "service"]
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    info: Information = Field(default_factory=Information)


class AdditionalInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Name = Field(examples=["Recognition process"])
    info: Information = Field(default_factory=Information)


class FactsheetContent(BaseModel):
    """Everything the factsheet says. Terms and their dates come from the academic calendar (``/terms``)."""

    model_config = ConfigDict(extra="forbid")

    calendar: Calendar = Field(default_factory=Calendar)
    term_deadlines: list[TermDeadline] = Field(default_factory=list, max_length=20)
    decision_weeks_limit: int | None = Field(default=None, ge=0, le=52, description="weeks to decide on a nomination")
    tor_weeks_limit: int | None = Field(default=None, ge=0, le=52, description="weeks to issue the transcript")
    application_info: Information = Field(default_factory=Information)
    housing_info: Information = Field(default_factory=Information)
    visa_info: Information = Field(default_factory=Information)
    insurance_info: Information = Field(default_factory=Information)
    additional_requirements: list[Requirement] = Field(default_factory=list, max_length=30)
    language_requirements: list[LanguageRequirement] = Field(default_factory=list, max_length=30)
    required_documents: list[RequiredDocument] = Field(default_factory=list, max_length=30)
    accessibility: list[Accessibility] = Field(default_factory=list, max_length=30)
    additional_info: list[AdditionalInfo] = Field(default_factory=list, max_length=30)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class FactsheetRead(FactsheetContent):
    hei_id: str
    terms: list[dict[str, object]] = Field(description="the academic calendar: terms with their dates")
    updated_at: datetime
    version: int
