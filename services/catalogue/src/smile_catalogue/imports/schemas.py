"""The import API's documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smile_catalogue.types import Code


class TermOptions(BaseModel):
    """How the SIS's semesters become SMILE terms (see docs/catalogue.md)."""

    model_config = ConfigDict(extra="forbid")

    autumn_term: Code | None = Field(default=None, description="term of odd semesters (S1, S3, S5…)")
    spring_term: Code | None = Field(default=None, description="term of even semesters (S2, S4, S6…)")
    term_map: dict[str, Code] = Field(default_factory=dict, description="SIS semester code -> SMILE term code")


class SisImportRequest(TermOptions):
    """Read the course offer of one SIS period (Pégase période, Apogée year) and import it."""

    period: str = Field(min_length=1, max_length=64, examples=["PER-2026"])
    publish: bool = Field(default=False, description="publish the courses the import creates")
    allow_partial: bool = Field(default=False, description="apply the valid rows even if others are rejected")
    dry_run: bool = Field(default=False, description="check and report only")


class ImportJobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source: str = Field(description="csv, json, apogee or sis")
    options: dict[str, Any]
    filename: str | None
    size_bytes: int
    status: Literal["queued", "running", "succeeded", "rejected", "failed"]
    phase: str | None = Field(description="reading, checking, writing, done")
    total_rows: int
    processed_rows: int
    summary: dict[str, Any] = Field(
        description="created, updated, unchanged, rejected course counts; the same per kind of reference data"
    )
    error: str | None = Field(description="why a failed import could not be read")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(
        description="how many times a worker has taken the job: more than 1 means a worker stopped while running "
        "it (crash, out of memory, node lost) and another one took it over, from the start"
    )
    lease_expires_at: datetime | None = Field(
        description="while the job runs: until when it belongs to its worker, which renews this while it works"
    )


class ImportRow(BaseModel):
    kind: str = Field(description="course, organisational_units, academic_years, terms or programmes")
    line: int = Field(description="line of the file (CSV), position in its list (JSON)")
    code: str | None
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    course_id: uuid.UUID | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list, description="loc, msg, type of each reason")


class ImportReport(BaseModel):
    job: ImportJobRead
    rows: list[ImportRow] = Field(description="every row except unchanged courses")
