"""An in-memory SIS for the demo and the tests.

It behaves like a strict SIS: unknown periods, programmes and courses are refused, writes are
idempotent, only published results are read. Tests can make it fail (:meth:`InMemorySIS.fail_next`)
to exercise retries, and read :attr:`InMemorySIS.calls` to see what was asked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from smile_sis.errors import SisError, SisNotFound, SisRejected
from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    CourseOffer,
    GradeRecord,
    LearnerData,
    LearnerQuery,
    OfferedCourse,
    OfferedProgramme,
    OrganisationalUnit,
    Period,
    SisLearner,
    SisResult,
)

__all__ = ["InMemorySIS"]


def _fold(text: str | None) -> str:
    """Case- and accent-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@dataclass
class _AdminEnrolment:
    id: str
    learner_code: str
    period_code: str
    programme_path: str
    regime_code: str
    exchange_programme_code: str
    country_code: str


@dataclass
class _Failure:
    operation: str | None
    error: SisError
    times: int


@dataclass
class InMemorySIS:
    """A SIS held in memory. ``kind`` is ``memory``."""

    kind: str = "memory"
    periods: dict[str, Period] = field(default_factory=dict)
    units: dict[str, OrganisationalUnit] = field(default_factory=dict)
    programmes: dict[str, dict[str, OfferedProgramme]] = field(default_factory=dict)
    courses: dict[str, dict[str, OfferedCourse]] = field(default_factory=dict)
    learners: dict[str, SisLearner] = field(default_factory=dict)
    admin_enrolments: dict[tuple[str, str, str], _AdminEnrolment] = field(default_factory=dict)
    course_enrolments: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    results: dict[tuple[str, str], dict[str, SisResult]] = field(default_factory=dict)
    history: list[GradeRecord] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _next_code: int = 1

    # --- set-up helpers (demo data, tests) ---------------------------------------------------------
    def add_period(self, period: Period) -> None:
        self.periods[period.code] = period
        self.programmes.setdefault(period.code, {})
        self.courses.setdefault(period.code, {})

    def add_unit(self, unit: OrganisationalUnit) -> None:
        self.units[unit.code] = unit

    def add_programme(self, period_code: str, programme: OfferedProgramme) -> None:
        self._period(period_code)
        self.programmes[period_code][programme.path or programme.code] = programme

    def add_courses(self, period_code: str, courses: Iterable[OfferedCourse]) -> None:
        self._period(period_code)
        for course in courses:
            self.courses[period_code][course.code] = course

    def publish_result(self, learner_code: str, result: SisResult) -> None:
        """The jury publishes a final result (it replaces an earlier one of the same course)."""
        self.results.setdefault((learner_code, result.period_code), {})[result.course_code] = result

    def add_history(self, records: Iterable[GradeRecord]) -> None:
        self.history.extend(records)

    def fail_next(self, error: SisError, *, operation: str | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls (of ``operation``, or of any operation) raise ``error``."""
        self._failures.append(_Failure(operation, error, times))

    # --- the interface -----------------------------------------------------------------------------
    async def list_periods(self) -> Sequence[Period]:
        self._enter("list_periods")
        return sorted(self.periods.values(), key=lambda p: (p.academic_year or 0, p.code), reverse=True)

    async def read_course_offer(self, period_code: str) -> CourseOffer:
        self._enter("read_course_offer")
        period = self._period(period_code)
        return CourseOffer(
            period=period,
            organisational_units=list(self.units.values()),
            programmes=list(self.programmes[period_code].values()),
            courses=sorted(self.courses[period_code].values(), key=lambda c: c.code),
            source=self.kind,
            read_at=datetime.now(UTC),
        )

    async def find_learner(self, query: LearnerQuery) -> SisLearner | None:
        self._enter("find_learner")
        return self._find(query)

    async def ensure_learner(self, learner: LearnerData) -> SisLearner:
        self._enter("ensure_learner")
        query = LearnerQuery(
            code=learner.code,
            ine=learner.ine,
            family_name=learner.family_name,
            given_names=learner.given_names,
            birth_date=learner.birth_date,
        )
        found = self._find(query)
        if found is not None:
            return found.model_copy(update={"created": False})
        code = f"SM{self._next_code:07d}"
        self._next_code += 1
        created = SisLearner(
            code=code,
            sis_id=f"mem-{code}",
            family_name=learner.family_name,
            given_names=learner.given_names,
            birth_date=learner.birth_date,
            ine=learner.ine,
        )
        self.learners[code] = created
        return created.model_copy(update={"created": True})

    async def enrol_administratively(self, request: AdministrativeEnrolmentRequest) -> AdministrativeEnrolmentReceipt:
        self._enter("enrol_administratively")
        code = self._learner_code(request.learner)
        self._period(request.period_code)
        if request.programme_path not in self.programmes[request.period_code]:
            raise SisRejected(f"no programme {request.programme_path} in period {request.period_code}", status=404)
        key = (code, request.period_code, request.programme_path)
        existing = self.admin_enrolments.get(key)
        if existing is not None:
            return AdministrativeEnrolmentReceipt(sis_enrolment_id=existing.id, status="valide", already_existed=True)
        enrolment = _AdminEnrolment(
            id=f"ia-{len(self.admin_enrolments) + 1}",
            learner_code=code,
            period_code=request.period_code,
            programme_path=request.programme_path,
            regime_code=request.regime_code,
            exchange_programme_code=request.exchange_programme_code,
            country_code=request.country_code,
        )
        self.admin_enrolments[key] = enrolment
        return AdministrativeEnrolmentReceipt(sis_enrolment_id=enrolment.id, status="valide")

    async def enrol_in_courses(self, request: CourseEnrolmentRequest) -> CourseEnrolmentReceipt:
        self._enter("enrol_in_courses")
        code = self._learner_code(request.learner)
        if (code, request.period_code, request.programme_path) not in self.admin_enrolments:
            raise SisRejected("course enrolment needs a validated administrative enrolment first", status=409)
        offered = self.courses[request.period_code]
        unknown = [c for c in request.course_codes if c not in offered]
        if unknown:
            raise SisRejected(f"courses not offered in {request.period_code}: {', '.join(unknown)}", status=404)
        before = self.course_enrolments.get((code, request.period_code), [])
        wanted = list(dict.fromkeys(request.course_codes))
        self.course_enrolments[(code, request.period_code)] = wanted
        return CourseEnrolmentReceipt(
            enrolled=wanted,
            added=[c for c in wanted if c not in before],
            removed=[c for c in before if c not in wanted],
        )

    async def read_results(self, learner: SisLearner, period_code: str, programme_path: str) -> Sequence[SisResult]:
        self._enter("read_results")
        code = self._learner_code(learner)
        return list(self.results.get((code, period_code), {}).values())

    async def read_grade_history(self, period_codes: Sequence[str]) -> Sequence[GradeRecord]:
        self._enter("read_grade_history")
        wanted = set(period_codes)
        return [r for r in self.history if r.period_code in wanted]

    async def aclose(self) -> None:
        return None

    # --- internals ---------------------------------------------------------------------------------
    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        for failure in self._failures:
            if failure.times > 0 and failure.operation in (None, operation):
                failure.times -= 1
                if failure.times == 0:
                    self._failures.remove(failure)
                raise failure.error

    def _period(self, code: str) -> Period:
        period = self.periods.get(code)
        if period is None:
            raise SisNotFound(f"no period {code} in the SIS", status=404)
        return period

    def _learner_code(self, learner: SisLearner) -> str:
        if learner.code is None or learner.code not in self.learners:
            raise SisNotFound(f"no learner {learner.code} in the SIS", status=404)
        return learner.code

    def _find(self, query: LearnerQuery) -> SisLearner | None:
        if query.code and query.code in self.learners:
            return self.learners[query.code]
        for learner in self.learners.values():
            if query.ine and learner.ine and learner.ine.upper() == query.ine.upper():
                return learner
        if query.family_name and query.given_names and query.birth_date:
            for learner in self.learners.values():
                if (
                    _fold(learner.family_name) == _fold(query.family_name)
                    and _fold(learner.given_names) == _fold(query.given_names)
                    and learner.birth_date == query.birth_date
                ):
                    return learner
        return None
