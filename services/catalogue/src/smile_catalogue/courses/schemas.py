from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from smile_catalogue.courses.models import CourseStatus
from smile_catalogue.types import Code, Contact, LanguageCode, MultilingualText, Name, Url
from smile_catalogue.vocab import isced_problem
from smile_common.events.payloads.catalogue import los_id

CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TeachingMethod = Literal[
    "lecture", "tutorial", "practical", "seminar", "project", "fieldwork", "online", "blended", "internship"
]
AssessmentMethod = Literal[
    "written_exam", "oral_exam", "continuous", "project", "report", "presentation", "practical", "portfolio"
]


def _isced(value: str) -> str:
    problem = isced_problem(value)
    if problem:
        raise ValueError(problem)
    return value


IscedCode = Annotated[str, AfterValidator(_isced)]
Ects = Annotated[Decimal, Field(gt=0, le=60, decimal_places=2, examples=[5])]


class LanguageOfInstruction(BaseModel):
    """A language the course is taught in, and the CEFR level a student needs in it (none: no requirement)."""

    model_config = ConfigDict(extra="forbid")

    language: LanguageCode = Field(examples=["fr"])
    cefr_level: CefrLevel | None = Field(default=None, examples=["B2"])


class Hours(BaseModel):
    """Hours of the course for one student: in class (lecture, tutorial, practical) and on their own."""

    model_config = ConfigDict(extra="forbid")

    lecture: int = Field(default=0, ge=0, le=1000)
    tutorial: int = Field(default=0, ge=0, le=1000)
    practical: int = Field(default=0, ge=0, le=1000)
    independent: int = Field(default=0, ge=0, le=2000)


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: AssessmentMethod
    weight: int | None = Field(default=None, ge=0, le=100, description="share of the final mark, in %")
    description: MultilingualText = Field(default_factory=dict)


class ScheduleSlot(BaseModel):
    """A weekly meeting of the course; ``weeks`` are ISO week numbers (empty: every week of the term)."""

    model_config = ConfigDict(extra="forbid")

    day: Day
    start: time = Field(examples=["08:30"])
    end: time = Field(examples=["10:30"])
    weeks: list[Annotated[int, Field(ge=1, le=53)]] = Field(default_factory=list, max_length=53)
    term_code: Code | None = Field(default=None, description="the term of this slot, if the course has several")
    kind: TeachingMethod | None = None
    location: Name | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleSlot:
        if self.end <= self.start:
            raise ValueError(f"the slot ends ({self.end:%H:%M}) before it starts ({self.start:%H:%M})")
        self.weeks = sorted(set(self.weeks))
        return self


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("the same code is given twice")
    return values


def _unique_languages(values: list[LanguageOfInstruction]) -> list[LanguageOfInstruction]:
    if len({v.language for v in values}) != len(values):
        raise ValueError("the same language is given twice")
    return values


def _weights(values: list[Assessment]) -> list[Assessment]:
    weights = [a.weight for a in values if a.weight is not None]
    if len(weights) == len(values) and values and sum(weights) != 100:
        raise ValueError(f"the weights of the assessment add up to {sum(weights)}%, not 100%")
    if sum(weights) > 100:
        raise ValueError(f"the weights of the assessment add up to {sum(weights)}%, more than 100%")
    return values


Codes = Annotated[list[Code], AfterValidator(_unique)]


class _CourseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: MultilingualText = Field(default_factory=dict)
    learning_outcomes: MultilingualText = Field(default_factory=dict)
    prerequisites: MultilingualText = Field(default_factory=dict)
    organisational_unit_code: Code | None = Field(default=None, examples=["DROIT"])
    isced_code: IscedCode | None = Field(default=None, examples=["0421"])
    eqf_level: int | None = Field(default=None, ge=1, le=8, examples=[6])
    languages: Annotated[list[LanguageOfInstruction], AfterValidator(_unique_languages)] = Field(
        default_factory=list, max_length=6
    )
    term_codes: Codes = Field(default_factory=list, max_length=12, examples=[["2026-S1"]])
    programme_codes: Codes = Field(default_factory=list, max_length=50)
    hours: Hours = Field(default_factory=Hours)
    teaching_methods: list[TeachingMethod] = Field(default_factory=list, max_length=9)
    assessment: Annotated[list[Assessment], AfterValidator(_weights)] = Field(default_factory=list, max_length=10)
    schedule: list[ScheduleSlot] = Field(default_factory=list, max_length=30)
    capacity: int | None = Field(default=None, ge=0, le=10000, description="places for exchange students")
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    syllabus_url: Url | None = None
    open_to_exchange: bool = True

    @field_validator("teaching_methods")
    @classmethod
    def _distinct_methods(cls, values: list[str]) -> list[str]:
        return sorted(set(values))


class CourseCreate(_CourseFields):
    """A course as an editor first enters it (it starts as a draft)."""

    code: Code = Field(examples=["DRT-EU-301"])
    title: MultilingualText = Field(min_length=1, examples=[{"fr": "Droit européen", "en": "European law"}])
    ects: Ects


class CourseUpdate(BaseModel):
    """Fields to change; those left out keep their value (the code never changes)."""

    model_config = ConfigDict(extra="forbid")

    title: MultilingualText | None = Field(default=None, min_length=1)
    description: MultilingualText | None = None
    learning_outcomes: MultilingualText | None = None
    prerequisites: MultilingualText | None = None
    ects: Ects | None = None
    organisational_unit_code: Code | None = None
    isced_code: IscedCode | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    languages: Annotated[list[LanguageOfInstruction], AfterValidator(_unique_languages)] | None = Field(
        default=None, max_length=6
    )
    term_codes: Codes | None = Field(default=None, max_length=12)
    programme_codes: Codes | None = Field(default=None, max_length=50)
    hours: Hours | None = None
    teaching_methods: list[TeachingMethod] | None = Field(default=None, max_length=9)
    assessment: Annotated[list[Assessment], AfterValidator(_weights)] | None = Field(default=None, max_length=10)
    schedule: list[ScheduleSlot] | None = Field(default=None, max_length=30)
    capacity: int | None = Field(default=None, ge=0, le=10000)
    contacts: list[Contact] | None = Field(default=None, max_length=10)
    syllabus_url: Url | None = None
    open_to_exchange: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> CourseUpdate:
        for name in self.model_fields_set - NULLABLE_FIELDS:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep its value")
        return self


#: the fields a course may leave empty (null)
NULLABLE_FIELDS = frozenset({"organisational_unit_code", "isced_code", "eqf_level", "capacity", "syllabus_url"})


def stored_values(data: BaseModel, *, exclude_unset: bool = False) -> dict[str, Any]:
    """A create/update schema as the course's column values (times as ``HH:MM``, no ``None`` lists)."""
    values = data.model_dump(mode="json", exclude_unset=exclude_unset)
    if "ects" in values and values["ects"] is not None:
        values["ects"] = Decimal(str(values["ects"]))
    for slot in values.get("schedule") or ():
        slot["start"], slot["end"] = slot["start"][:5], slot["end"][:5]
    return values


#: the fields of a course that are models (or lists of models): :func:`course_values` makes them dicts
MODEL_FIELDS = ("languages", "hours", "assessment", "schedule", "contacts")


def course_values(data: CourseCreate) -> dict[str, Any]:
    """What :func:`stored_values` gives for a new course, made from the validated model's attributes (in
    half the time: a large import makes one per course; tested equal)."""
    values = dict(data.__dict__)
    values["languages"] = [dict(entry.__dict__) for entry in data.languages]
    values["hours"] = dict(data.hours.__dict__)
    values["assessment"] = [dict(entry.__dict__) for entry in data.assessment]
    values["schedule"] = [
        {**slot.__dict__, "start": slot.start.isoformat()[:5], "end": slot.end.isoformat()[:5]}
        for slot in data.schedule
    ]
    values["contacts"] = [dict(contact.__dict__) for contact in data.contacts]
    return values


class CourseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    code: str
    title: dict[str, str]
    description: dict[str, str]
    learning_outcomes: dict[str, str]
    prerequisites: dict[str, str]
    ects: Decimal
    organisational_unit_code: str | None
    isced_code: str | None
    eqf_level: int | None
    languages: list[LanguageOfInstruction]
    term_codes: list[str]
    programme_codes: list[str]
    hours: Hours
    teaching_methods: list[str]
    assessment: list[Assessment]
    schedule: list[ScheduleSlot]
    capacity: int | None
    contacts: list[Contact]
    syllabus_url: str | None
    open_to_exchange: bool
    status: CourseStatus
    status_changed_by: str
    status_changed_at: datetime
    updated_at: datetime
    updated_by: str
    source: str
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def los_id(self) -> str:
        """The course's id in EWP (learning opportunity specification)."""
        return los_id(self.id)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def engagement_hours(self) -> int:
        """Total hours of work for a student (in class and on their own)."""
        h = self.hours
        return h.lecture + h.tutorial + h.practical + h.independent
