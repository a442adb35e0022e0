from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator


def _ascii_digits(value: str) -> str:
    # the pattern's \d also matches other scripts' digits (Arabic-Indic, Devanagari…)
    if not value.replace("/", "").isascii():
        raise ValueError("only the digits 0-9")
    return value


def _consecutive_years(value: str) -> str:
    first, second = value.split("/")
    if int(second) != int(first) + 1:
        raise ValueError("an academic year spans two consecutive years, e.g. 2024/2025")
    return value


AcademicYear = Annotated[
    str, StringConstraints(pattern=r"^\d{4}/\d{4}$"), AfterValidator(_ascii_digits), AfterValidator(_consecutive_years)
]
Isced = Annotated[str, StringConstraints(pattern=r"^\d{2,4}$"), AfterValidator(_ascii_digits)]


class GradeBandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=16)
    count: int | None = Field(default=None, ge=0)
    percentage: Decimal | None = Field(default=None, ge=0, le=100)


class GradeTableUpload(BaseModel):
    """A finished grade distribution table (a partner's, or one of ours computed elsewhere): passing grades
    best first, with counts, or with percentages when only those were published."""

    model_config = ConfigDict(extra="forbid")

    hei_id: str = Field(min_length=3, max_length=255, description="SCHAC code of the university the table describes")
    isced_code: Isced
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    academic_years: list[AcademicYear] = Field(min_length=1)
    scale_id: str | None = Field(default=None, description="one of GET /grading-scales, if the grades follow one")
    grades: list[GradeBandIn] = Field(min_length=1, max_length=200)
    total: int | None = Field(default=None, ge=0, description="number of passing grades, when counts are not given")

    @model_validator(mode="after")
    def _counts_or_percentages(self) -> GradeTableUpload:
        with_count = [g.count is not None for g in self.grades]
        with_share = [g.percentage is not None for g in self.grades]
        if not (all(with_count) or all(with_share)):
            raise ValueError("give every grade a count, or every grade a percentage")
        labels = [g.label.casefold() for g in self.grades]
        if len(set(labels)) != len(labels):
            raise ValueError("a grade appears twice")
        return self


class GradeBandRead(BaseModel):
    label: str
    count: int | None
    percentage: Decimal = Field(description="share of all passing grades")
    cumulative_percentage: Decimal = Field(description="from the best grade down to this one")


class GradeTableRead(BaseModel):
    id: uuid.UUID
    hei_id: str
    isced_code: str
    eqf_level: int | None
    academic_years: list[str]
    scale_id: str | None
    grades: list[GradeBandRead]
    total: int | None
    small: bool = Field(description="fewer passing grades than the minimum for a meaningful table")
    warning: str | None
    source: str
    created_by: str
    created_at: datetime
    superseded_at: datetime | None


class HistoricalGrade(BaseModel):
    """One anonymous final grade of a past year (e.g. from a Pégase jury report)."""

    model_config = ConfigDict(extra="forbid")

    course_code: str = Field(min_length=1, max_length=64)
    academic_year: AcademicYear
    grade: str = Field(min_length=1, max_length=16)
    isced_code: Isced | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)


class GradeTableCompute(BaseModel):
    """Build our tables from past results: per ISCED code (at each number of digits asked) and EQF level."""

    model_config = ConfigDict(extra="forbid")

    academic_years: list[AcademicYear] = Field(min_length=1, max_length=10)
    isced_digits: list[Literal[2, 3, 4]] = Field(default_factory=lambda: [4, 3, 2])  # type: ignore[arg-type]
    scale_id: str = "fr-0-20"
    #: sis: read the SIS's history; history: the grades given below
    source: Literal["sis", "history"] = "sis"
    history: list[HistoricalGrade] = Field(default_factory=list, max_length=200_000)

    @model_validator(mode="after")
    def _distinct(self) -> GradeTableCompute:
        if not self.isced_digits:
            raise ValueError("give at least one number of ISCED digits (2, 3 or 4)")
        self.academic_years = sorted(set(self.academic_years))
        return self


class GradeTableComputed(BaseModel):
    tables: list[GradeTableRead]
    grades_used: int
    grades_without_isced: int = Field(description="results skipped: their course has no ISCED code")
    failing_grades: int = Field(description="counted out: tables describe passing grades")
    grades_not_on_scale: int = Field(
        default=0,
        description="SIS grades left out: on another scale (e.g. out of 100), or a decision without a grade",
    )


class ConversionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Literal["to-local", "from-local"] = Field(
        description="to-local: a partner's grade into ours; from-local: one of our grades into the partner's"
    )
    partner_hei_id: str | None = None
    grade: str | None = Field(default=None, max_length=16)
    isced_code: Isced | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    scale_id: str | None = Field(default=None, description="the grade's scale, when known (pass-fail is refused)")
    result_id: uuid.UUID | None = Field(
        default=None, description="convert a recorded result into its student's home grades (from-local)"
    )

    @model_validator(mode="after")
    def _enough(self) -> ConversionRequest:
        if self.result_id is None and (self.grade is None or self.isced_code is None or self.partner_hei_id is None):
            raise ValueError("give result_id, or grade, isced_code and partner_hei_id")
        return self


class ConversionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    direction: str
    grade: str
    converted_grade: str
    range_best: str
    range_worst: str
    grade_range: list[str]
    source_hei_id: str
    target_hei_id: str
    source_table_id: uuid.UUID
    target_table_id: uuid.UUID
    isced_requested: str
    isced_used: str = Field(description="the ISCED code of the tables used (after falling back to fewer digits)")
    eqf_level: int | None
    rule: str
    source_band: dict[str, str]
    warnings: list[str]
    result_id: uuid.UUID | None
    requested_by: str
    created_at: datetime
