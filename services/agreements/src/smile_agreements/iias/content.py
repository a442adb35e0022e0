"""The content of one copy of an IIA, field for field as EWP IIAs v7 describes it.

A copy has two ``partners`` (the copy's owner first), ``in_effect``, ``cooperation_conditions`` of four
kinds and an optional PDF. SMILE's own copy and a partner's copy share this model, so that they can be
compared, hashed and rendered the same way. The rules of the v7 schema are checked here (four-digit
ISCED codes, CEFR levels, academic years that exist and are in order, numbers that are positive, the
fields each kind of condition may have); rules about our own data (known partner, overlaps) are checked
where our copy is written.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator, model_validator

from smile_common.events.payloads.agreements import CooperationType

__all__ = [
    "STUDENT_TYPES",
    "TYPE_ELEMENTS",
    "AcademicYearId",
    "Contact",
    "CooperationCondition",
    "CooperationType",
    "IiaContent",
    "IiaPartner",
    "LanguageSkill",
    "SubjectArea",
    "academic_year_start",
    "years_between",
]

#: the XML element of each kind, in the order the v7 schema requires them.
TYPE_ELEMENTS: dict[CooperationType, str] = {
    CooperationType.STUDENT_STUDIES: "student-studies-mobility-spec",
    CooperationType.STUDENT_TRAINEESHIP: "student-traineeship-mobility-spec",
    CooperationType.STAFF_TEACHER: "staff-teacher-mobility-spec",
    CooperationType.STAFF_TRAINING: "staff-training-mobility-spec",
}
STUDENT_TYPES = frozenset({CooperationType.STUDENT_STUDIES, CooperationType.STUDENT_TRAINEESHIP})
#: kinds for which v7 requires at least one recommended language skill.
LANGUAGE_REQUIRED = frozenset({CooperationType.STUDENT_STUDIES, CooperationType.STAFF_TEACHER})

_YEAR = re.compile(r"^(\d{4})/(\d{4})$")

HeiId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-z0-9][a-z0-9.-]*$")]
#: EWP surrogate ids: 1 to 64 printable ASCII characters.
EwpIdentifier = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,64}$")]
IscedCode = Annotated[
    str, StringConstraints(pattern=r"^\d{4}$"), Field(description="ISCED-F 2013 code, exactly 4 digits")
]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")]
Email = Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^.@\s]+\..+$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[0-9]{1,15}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


#: a positive number with at most two decimals, written as a JSON number
PositiveAmount = Annotated[
    Decimal, Field(gt=0, max_digits=8, decimal_places=2), PlainSerializer(_number, when_used="json")
]


def academic_year_start(value: str) -> int:
    match = _YEAR.match(value)
    if match is None:
        raise ValueError(f"'{value}' is not an academic year such as 2026/2027")
    return int(match.group(1))


def _check_year(value: str) -> str:
    match = _YEAR.match(value)
    if match is None:
        raise ValueError(f"'{value}' is not an academic year such as 2026/2027 (or 2026/2026 in the south)")
    first, second = int(match.group(1)), int(match.group(2))
    if second not in (first, first + 1):
        raise ValueError(f"'{value}' is not an academic year: the second year must be the first or the next one")
    return value


AcademicYearId = Annotated[str, Field(examples=["2026/2027"])]


def years_between(first: str, last: str) -> list[str]:
    """Every academic year from ``first`` to ``last`` in the scheme of ``first`` (north or south)."""
    start, end = academic_year_start(first), academic_year_start(last)
    southern = first[5:] == first[:4]
    return [f"{y}/{y if southern else y + 1}" for y in range(start, end + 1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Model):
    """A person or an office (EWP ``c:Contact``), as shown to partners."""

    name: Text | None = Field(default=None, examples=["Bureau des relations internationales"])
    given_names: Text | None = None
    family_name: Text | None = None
    emails: list[Email] = Field(default_factory=list, max_length=10)
    phones: list[E164] = Field(default_factory=list, max_length=10, examples=[["+33231566500"]])
    role_description: Text | None = None

    @model_validator(mode="after")
    def _named(self) -> Contact:
        if not (self.name or self.given_names or self.family_name):
            raise ValueError("a contact needs a name, or given names / family name")
        return self

    @property
    def display_name(self) -> str:
        return self.name or " ".join(p for p in (self.given_names, self.family_name) if p)


class SubjectArea(_Model):
    isced_f_code: IscedCode
    isced_clarification: Annotated[str, StringConstraints(max_length=4000)] | None = None
    #: v7 ``@v6-value``: the pre-v7 code of an IIA approved under v6 and untouched since (then it
    #: cannot be approved again until the four-digit code is confirmed).
    v6_value: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")] | None = None


class LanguageSkill(_Model):
    language: LanguageCode = Field(examples=["fr"])
    cefr_level: Cefr | None = None
    subject_area: SubjectArea | None = None
    #: v7 ``@not-yet-defined``: migrated from v6 without a confirmed value.
    not_yet_defined: bool = False


class CooperationCondition(_Model):
    """One unidirectional cooperation condition (EWP ``*-mobility-spec``)."""

    #: SMILE's id of the condition in its own copy (nominations point to it); absent in partners' copies.
    id: uuid.UUID | None = None
    type: CooperationType
    sending_hei_id: HeiId
    sending_ounit_id: EwpIdentifier | None = None
    sending_contacts: list[Contact] = Field(default_factory=list, max_length=20)
    receiving_hei_id: HeiId
    receiving_ounit_id: EwpIdentifier | None = None
    receiving_contacts: list[Contact] = Field(default_factory=list, max_length=20)
    receiving_first_academic_year_id: AcademicYearId
    receiving_last_academic_year_id: AcademicYearId
    #: maximum number of people sent each academic year (``None`` only when not yet defined)
    mobilities_per_year: int | None = Field(default=None, ge=1, le=100000)
    mobilities_per_year_not_yet_defined: bool = False
    recommended_language_skills: list[LanguageSkill] = Field(default_factory=list, max_length=20)
    subject_areas: list[SubjectArea] = Field(default_factory=list, max_length=50)
    other_info_terms: Annotated[str, StringConstraints(max_length=20000)] | None = None
    total_months_per_year: PositiveAmount | None = None
    blended: bool | None = None
    eqf_levels: list[Annotated[int, Field(ge=1, le=8)]] = Field(default_factory=list, max_length=8)
    total_days_per_year: PositiveAmount | None = None

    _years = field_validator("receiving_first_academic_year_id", "receiving_last_academic_year_id")(_check_year)

    @field_validator("sending_hei_id", "receiving_hei_id", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self) -> CooperationCondition:
        self._check_years()
        self._check_kind_fields()
        if self.mobilities_per_year is None and not self.mobilities_per_year_not_yet_defined:
            raise ValueError("mobilities_per_year is required (a whole number of at least 1)")
        if self.type in LANGUAGE_REQUIRED and not self.recommended_language_skills:
            raise ValueError(f"a {self.type.value} condition needs at least one recommended language skill")
        if self.sending_hei_id == self.receiving_hei_id:
            raise ValueError("the sending and receiving institutions must differ")
        if len(set(self.eqf_levels)) != len(self.eqf_levels):
            raise ValueError("an EQF level is listed twice")
        return self

    def _check_years(self) -> None:
        first = academic_year_start(self.receiving_first_academic_year_id)
        last = academic_year_start(self.receiving_last_academic_year_id)
        if last < first:
            raise ValueError(
                f"the last academic year {self.receiving_last_academic_year_id} precedes the first "
                f"{self.receiving_first_academic_year_id}"
            )

    def _check_kind_fields(self) -> None:
        student = self.type in STUDENT_TYPES
        if student and self.total_days_per_year is not None:
            raise ValueError("total_days_per_year is for staff conditions; students have total_months_per_year")
        if not student and (self.total_months_per_year is not None or self.blended is not None or self.eqf_levels):
            raise ValueError("staff conditions have no total_months_per_year, blended or eqf_levels")

    @property
    def is_student(self) -> bool:
        return self.type in STUDENT_TYPES

    @property
    def years(self) -> list[str]:
        return years_between(self.receiving_first_academic_year_id, self.receiving_last_academic_year_id)

    @property
    def not_yet_defined(self) -> bool:
        """Holds values migrated from v6 that v7 forbids approving."""
        return (
            self.mobilities_per_year_not_yet_defined
            or any(
                s.not_yet_defined or (s.subject_area and s.subject_area.v6_value)
                for s in self.recommended_language_skills
            )
            or any(a.v6_value for a in self.subject_areas)
        )


class IiaPartner(_Model):
    """One of the two partners of a copy (EWP ``partner``)."""

    hei_id: HeiId
    ounit_id: EwpIdentifier | None = None
    iia_id: EwpIdentifier | None = None
    iia_code: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    signing_contact: Contact | None = None
    signing_date: date | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)

    @field_validator("hei_id", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class IiaContent(_Model):
    """A whole copy: ``partners[0]`` is the institution whose copy this is."""

    partners: Annotated[list[IiaPartner], Field(min_length=2, max_length=2)]
    in_effect: bool = False
    terminated_as_a_whole: bool = False
    cooperation_conditions: list[CooperationCondition] = Field(min_length=1, max_length=200)
    pdf_file: str | None = None

    @model_validator(mode="after")
    def _conditions_between_the_partners(self) -> IiaContent:
        heis = {self.partners[0].hei_id, self.partners[1].hei_id}
        if len(heis) != 2:
            raise ValueError("the two partners of an IIA must be different institutions")
        for number, condition in enumerate(self.cooperation_conditions, start=1):
            if {condition.sending_hei_id, condition.receiving_hei_id} != heis:
                raise ValueError(f"cooperation condition {number} must be between {' and '.join(sorted(heis))}")
        return self

    @property
    def owner(self) -> IiaPartner:
        return self.partners[0]

    @property
    def other(self) -> IiaPartner:
        return self.partners[1]

    @property
    def not_yet_defined(self) -> bool:
        return any(c.not_yet_defined for c in self.cooperation_conditions)

    def in_schema_order(self) -> IiaContent:
        """The conditions grouped by kind in the order the v7 schema requires (stable within a kind)."""
        order = list(TYPE_ELEMENTS)
        ordered = sorted(self.cooperation_conditions, key=lambda c: order.index(c.type))
        return self.model_copy(update={"cooperation_conditions": ordered})
