"""What SMILE exchanges with a student information system, in SMILE's own words.

Every adapter (Pégase, Apogée/files, in-memory) translates these models to and from its SIS; callers
(the catalogue's import, the records service's synchronisation) never see a SIS-specific payload.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdministrativeEnrolmentReceipt",
    "AdministrativeEnrolmentRequest",
    "CourseEnrolmentReceipt",
    "CourseEnrolmentRequest",
    "CourseOffer",
    "GradeRecord",
    "LearnerData",
    "LearnerQuery",
    "OfferedCourse",
    "OfferedProgramme",
    "OrganisationalUnit",
    "Period",
    "ResultOutcome",
    "SisLearner",
    "SisResult",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- course offer -------------------------------------------------------------------------------------


class Period(_Model):
    """An academic period of the SIS (Pégase "période de mise en œuvre", Apogée academic year)."""

    code: str = Field(examples=["PER-2026"])
    label: str = ""
    academic_year: int | None = Field(default=None, description="Start year: 2026 for 2026/2027")
    start_date: date | None = None
    end_date: date | None = None
    active: bool = True
    sis_id: str | None = Field(default=None, description="The SIS's technical id (Pégase UUID)")


class OrganisationalUnit(_Model):
    """A faculty, department or other structure that offers programmes (Pégase structure, Apogée composante)."""

    code: str
    title: dict[str, str] = Field(default_factory=dict, description="Names by language code")
    parent_code: str | None = None


class OfferedProgramme(_Model):
    """A programme (Pégase formation, Apogée étape/VET) of the period."""

    code: str
    title: dict[str, str] = Field(default_factory=dict, description="Titles by language code")
    path: str | None = Field(default=None, description="Pégase code chemin, or Apogée COD_ETP-COD_VRS_VET")
    organisational_unit_code: str | None = None
    eqf_level: int | None = None
    ects: Decimal | None = None
    sis_id: str | None = None


class OfferedCourse(_Model):
    """A course (Pégase objet de formation, Apogée ELP) that can be followed in the period."""

    code: str = Field(examples=["DRT-EU-101"])
    title: dict[str, str] = Field(default_factory=dict, description="Titles by language code (fr, en, ...)")
    description: dict[str, str] = Field(default_factory=dict)
    ects: Decimal | None = None
    programme_codes: list[str] = Field(default_factory=list, description="Programmes the course belongs to")
    path: str | None = Field(default=None, description="Position in the (first) programme tree (Pégase code chemin)")
    organisational_unit_code: str | None = None
    isced_code: str | None = Field(default=None, pattern=r"^\d{2,4}$")
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    term_code: str | None = Field(default=None, description="Semester or term the course is taught in")
    languages: list[str] = Field(default_factory=list, description="Languages of instruction (ISO 639-1)")
    hours: Decimal | None = Field(default=None, description="Teaching hours (Apogée NBR_VOL_ELP)")
    capacity: int | None = None
    mandatory: bool | None = None
    open_to_choice: bool = Field(default=True, description="Whether students may choose it (Pégase CHC)")
    sis_id: str | None = None


class CourseOffer(_Model):
    """The course offer of one period, as the SIS publishes it."""

    period: Period
    organisational_units: list[OrganisationalUnit] = Field(default_factory=list)
    programmes: list[OfferedProgramme] = Field(default_factory=list)
    courses: list[OfferedCourse] = Field(default_factory=list)
    source: str = Field(description="Which adapter read it: pegase, files, memory")
    read_at: datetime


# --- learners -----------------------------------------------------------------------------------------


class LearnerQuery(_Model):
    """How to find a learner: by SIS code, by INE, or by name and birth date."""

    code: str | None = None
    ine: str | None = None
    family_name: str | None = None
    given_names: str | None = None
    birth_date: date | None = None


class LearnerData(_Model):
    """What SMILE knows of an incoming student, to find them in the SIS or create them."""

    reference: str = Field(description="SMILE's id of the student; the key of idempotent file exports")
    family_name: str
    given_names: str
    birth_date: date | None = None
    sex: Literal["F", "M"] | None = None
    nationality: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    email: str
    phone: str | None = None
    ine: str | None = None
    esi: str | None = None
    home_institution: str | None = Field(default=None, description="SCHAC code of the sending university")
    code: str | None = Field(default=None, description="The SIS learner code, once known")


class SisLearner(_Model):
    """A learner as the SIS knows them."""

    code: str | None = Field(description="Learner number (Pégase codeApprenant, Apogée COD_ETU)")
    sis_id: str | None = Field(default=None, description="Technical id (Pégase identity UUID)")
    family_name: str
    given_names: str
    birth_date: date | None = None
    ine: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict, description="Other SIS ids (identifiantApprenantPegase)")
    created: bool = Field(default=False, description="True when this call created the learner")
    pending: bool = Field(default=False, description="True when the SIS will create the learner from an import file")


# --- enrolments ---------------------------------------------------------------------------------------


class AdministrativeEnrolmentRequest(_Model):
    """Enrol a learner administratively in a programme for a period, under the exchange regime."""

    reference: str = Field(description="SMILE's id of the enrolment (idempotency key)")
    learner: SisLearner
    learner_reference: str | None = Field(default=None, description="SMILE's id of the student")
    period_code: str
    programme_path: str = Field(description="Where the learner is enrolled (Pégase chemin / cible, Apogée étape)")
    regime_code: str = Field(description="The university's régime d'inscription code for exchange students")
    exchange_programme_code: str = Field(description="Programme d'échange code, e.g. the university's ERASMUS code")
    country_code: str = Field(
        description="Country of the home institution, in the SIS's own codes (see EnrolmentPolicy)"
    )
    start_date: date | None = None
    end_date: date | None = None


class AdministrativeEnrolmentReceipt(_Model):
    sis_enrolment_id: str
    status: str = Field(description="The SIS's status of the enrolment (valide, exported, …)")
    already_existed: bool = False


class CourseEnrolmentRequest(_Model):
    """The complete set of courses a learner follows in a period: the SIS is brought in step with it."""

    reference: str
    learner: SisLearner
    learner_reference: str | None = None
    period_code: str
    programme_path: str
    course_codes: list[str] = Field(description="Course codes (or code chemins) of learning agreement table A")


class CourseEnrolmentReceipt(_Model):
    enrolled: list[str] = Field(description="The courses the learner follows after the call")
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


# --- results ------------------------------------------------------------------------------------------


class ResultOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"


class SisResult(_Model):
    """A published final result of one course of a learner."""

    course_code: str
    course_title: str | None = None
    path: str | None = None
    period_code: str
    grade: Decimal | None = Field(default=None, description="Numeric grade on the SIS scale (None for pass/fail)")
    scale_max: Decimal | None = Field(default=None, description="Top of the scale (Pégase barème, 20 in France)")
    grade_label: str | None = Field(default=None, description="Non-numeric grade or result label (ADM, P, …)")
    outcome: ResultOutcome = ResultOutcome.UNKNOWN
    credits: Decimal | None = None
    result_date: date | None = None
    session: int | None = None


class GradeRecord(_Model):
    """One historical final grade, for grade distribution tables (no learner identity)."""

    course_code: str
    period_code: str
    academic_year: int | None = None
    grade: Decimal | None = None
    scale_max: Decimal | None = None
    grade_label: str | None = None
    passed: bool
    isced_code: str | None = None
    eqf_level: int | None = None
