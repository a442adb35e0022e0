"""The one interface of every student information system adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    CourseOffer,
    GradeRecord,
    LearnerData,
    LearnerQuery,
    Period,
    SisLearner,
    SisResult,
)

__all__ = ["StudentInformationSystem"]


@runtime_checkable
class StudentInformationSystem(Protocol):
    """What SMILE asks of a SIS. Every method raises :class:`smile_sis.errors.SisError` subclasses:
    :class:`~smile_sis.errors.SisUnavailable` (retry later) or a non-retryable one.

    Writes are idempotent: calling them twice with the same request leaves the SIS as one call would.
    """

    #: ``pegase``, ``files`` or ``memory``
    kind: str

    async def list_periods(self) -> Sequence[Period]:
        """The periods of the SIS, newest first."""
        ...

    async def read_course_offer(self, period_code: str) -> CourseOffer:
        """Programmes and courses that can be followed in ``period_code``."""
        ...

    async def find_learner(self, query: LearnerQuery) -> SisLearner | None:
        """The learner matching ``query`` (code, then INE, then name + birth date), or ``None``."""
        ...

    async def ensure_learner(self, learner: LearnerData) -> SisLearner:
        """Find the learner, or create them; ``created``/``pending`` say what happened."""
        ...

    async def enrol_administratively(self, request: AdministrativeEnrolmentRequest) -> AdministrativeEnrolmentReceipt:
        """Administrative enrolment (inscription administrative) under the exchange regime."""
        ...

    async def enrol_in_courses(self, request: CourseEnrolmentRequest) -> CourseEnrolmentReceipt:
        """Bring the learner's course enrolments (inscriptions pédagogiques) in step with the request."""
        ...

    async def read_results(self, learner: SisLearner, period_code: str, programme_path: str) -> Sequence[SisResult]:
        """The learner's published final results in the period."""
        ...

    async def read_grade_history(self, period_codes: Sequence[str]) -> Sequence[GradeRecord]:
        """Anonymous final grades of past periods, for grade distribution tables."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
