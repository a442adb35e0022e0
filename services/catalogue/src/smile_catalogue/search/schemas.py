"""The search answer as documented in OpenAPI (the endpoint writes the same shape directly)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from smile_catalogue.courses.schemas import LanguageOfInstruction


class CourseSummary(BaseModel):
    id: uuid.UUID
    los_id: str = Field(description="the course's EWP id")
    code: str
    title: dict[str, str]
    summary: dict[str, str] = Field(description="start of the description, by language")
    ects: float
    eqf_level: int | None
    isced_code: str | None
    organisational_unit_code: str | None
    languages: list[LanguageOfInstruction]
    term_codes: list[str]
    programme_codes: list[str]
    days: list[str] = Field(description="days of the week the course meets")
    capacity: int | None
    open_to_exchange: bool
    status: str
    syllabus_url: str | None


class FacetEntry(BaseModel):
    value: str
    label: str
    count: int
    parent: str | None = Field(default=None, description="units only: the parent unit's code")


class CourseSearchPage(BaseModel):
    items: list[CourseSummary]
    next_cursor: str | None = Field(description="give it as `cursor` to get the next page; null on the last")
    total: int | None = Field(default=None, description="number of matching courses (first page only)")
    facets: dict[str, list[FacetEntry]] | None = Field(
        default=None,
        description=(
            "counts by term, language, cefr, eqf, isced, unit, programme, day and ects (first page, unless "
            "`facets=false`); a facet the search filters on is counted as if its own filter were not set"
        ),
    )
