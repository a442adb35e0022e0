"""The roster as the API answers it."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from smile_indicators.roster.service import Roster

__all__ = ["CrisisRoster", "PresentStudent", "RosterCount"]


class PresentStudent(BaseModel):
    family_name: str | None
    given_names: str | None
    email: str | None
    citizenship: str | None
    origin_country: str | None = Field(description="Country of the sending institution")
    sending_institution: str | None
    sending_institution_name: str | None
    faculty: str | None
    organisational_unit: str | None
    city: str | None = Field(description="City of study (campus of the receiving unit)")
    arrival_on: date | None
    departure_on: date | None
    presence: Literal["confirmed", "expected"] = Field(
        description="`confirmed`: the arrival was recorded; `expected`: only planned dates put the student here"
    )
    mobility_status: str
    academic_year: str | None
    mobility_id: str


class RosterCount(BaseModel):
    key: str | None
    students: int


class CrisisRoster(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    filters: dict[str, Any]
    total: int
    confirmed: int
    expected: int
    undated: int = Field(description="Accepted mobilities with no dates at all: nobody knows where they are")
    by_country: list[RosterCount]
    by_city: list[RosterCount]
    by_faculty: list[RosterCount]
    students: list[PresentStudent]

    @classmethod
    def of(cls, roster: Roster) -> CrisisRoster:
        confirmed = sum(1 for s in roster.students if s["presence"] == "confirmed")
        return cls(
            date_from=roster.query.date_from,
            date_to=roster.query.date_to,
            filters=roster.query.as_dict(),
            total=len(roster.students),
            confirmed=confirmed,
            expected=len(roster.students) - confirmed,
            undated=roster.undated,
            by_country=[RosterCount(**c) for c in roster.counts("origin_country")],
            by_city=[RosterCount(**c) for c in roster.counts("city")],
            by_faculty=[RosterCount(**c) for c in roster.counts("faculty")],
            students=[PresentStudent(**s) for s in roster.students],
        )
