"""Read a mobility's published results from the SIS and record those of its table A courses."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, Problem
from smile_common.service import Runtime
from smile_records.enrolments.models import Enrolment
from smile_records.results.schemas import ResultImport, ResultRead, SkippedResult
from smile_records.results.service import ResultFacts, component, mobility_of, record
from smile_records.sis import sis_for
from smile_records.students.models import Student
from smile_sis import LearnerQuery, ResultOutcome, SisError, SisLearner, SisResult


class NotEnrolledInSis(Conflict):
    slug, title = "not-enrolled-in-sis", "The student is not enrolled in the SIS yet"


class SisUnavailableProblem(Problem):
    status, slug, title = 503, "sis-unavailable", "The SIS did not answer"


class SisRefusedProblem(Problem):
    status, slug, title = 502, "sis-refused", "The SIS refused the request"


def _facts(result: SisResult) -> ResultFacts | str:
    """The result to record, or why it is skipped."""
    if result.outcome is ResultOutcome.UNKNOWN:
        return "no jury decision published yet"
    day = result.result_date or utcnow().date()
    if result.grade is None:
        label = "P" if result.outcome is ResultOutcome.PASSED else "F"
        return ResultFacts(
            result.course_code,
            label,
            "pass-fail",
            day,
            "sis",
            result.credits or None,
            result.course_title,
            result.session,
        )
    if result.scale_max is not None and result.scale_max != Decimal(20):
        return f"grades out of {result.scale_max} are not supported yet (only out of 20)"
    return ResultFacts(
        result.course_code,
        str(result.grade),
        "fr-0-20",
        day,
        "sis",
        result.credits or None,
        result.course_title,
        result.session,
    )


async def _context(runtime: Runtime, tenant: str, mobility_id: uuid.UUID) -> tuple[Enrolment, Student]:
    async with runtime.database.sessionmaker() as session:
        enrolment = (
            await session.execute(
                sa.select(Enrolment).where(Enrolment.tenant == tenant, Enrolment.mobility_id == mobility_id)
            )
        ).scalar_one_or_none()
        if enrolment is None or not enrolment.period_code or not enrolment.programme_path:
            raise NotEnrolledInSis(
                f"Mobility {mobility_id} has no SIS enrolment yet: results cannot be read from the SIS."
            )
        student = await session.get(Student, enrolment.student_id)
        assert student is not None
        return enrolment, student


async def read_sis_results(runtime: Runtime, tenant: str, mobility_id: uuid.UUID) -> list[SisResult]:
    """Call the SIS outside any database transaction (it may take seconds)."""
    enrolment, student = await _context(runtime, tenant, mobility_id)
    sis, _ = sis_for(runtime, tenant)
    try:
        learner: SisLearner | None = SisLearner(
            code=student.sis_learner_code,
            sis_id=student.sis_learner_id,
            family_name=student.family_name,
            given_names=student.given_names,
            ine=student.ine,
        )
        if not student.sis_learner_code:
            learner = await sis.find_learner(
                LearnerQuery(
                    ine=student.ine,
                    family_name=student.family_name,
                    given_names=student.given_names,
                    birth_date=student.birth_date,
                )
            )
        if learner is None or not (learner.code or learner.ine):
            raise NotEnrolledInSis("The SIS does not know the student yet (import its learner file first).")
        assert enrolment.period_code
        assert enrolment.programme_path
        return list(await sis.read_results(learner, enrolment.period_code, enrolment.programme_path))
    except SisError as exc:
        if exc.retryable:
            raise SisUnavailableProblem(str(exc), headers={"Retry-After": "60"}) from exc
        raise SisRefusedProblem(str(exc)) from exc


async def record_sis_results(
    session: AsyncSession, tenant: str, mobility_id: uuid.UUID, results: list[SisResult], actor: str
) -> ResultImport:
    mobility = await mobility_of(session, tenant, mobility_id)
    recorded, skipped, unchanged = [], [], 0
    for result in results:
        if component(mobility, result.course_code) is None:
            continue  # other objects of the programme tree (year, semester): not courses of the agreement
        facts = _facts(result)
        if isinstance(facts, str):
            skipped.append(SkippedResult(course_code=result.course_code, reason=facts))
            continue
        stored = await record(session, mobility, facts, actor)
        if stored is None:
            unchanged += 1
        else:
            recorded.append(ResultRead.model_validate(stored))
    return ResultImport(recorded=recorded, unchanged=unchanged, skipped=skipped)
