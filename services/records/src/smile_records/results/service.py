"""Results: entered by the registrar or read from the SIS, only for courses of the mobility's table A."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.events.payloads.records import ResultRecorded
from smile_records.db import outbox
from smile_records.grading.scales import GradeError, scale_of
from smile_records.results.models import Result
from smile_records.students.models import Mobility


class CourseNotEnrolled(Conflict):
    slug, title = "course-not-enrolled", "The student is not enrolled in this course"


class GradeOutOfScale(Problem):
    status, slug, title = 422, "grade-out-of-scale", "The grade does not fit its grading scale"


@dataclass(frozen=True)
class ResultFacts:
    course_code: str
    grade: str
    grading_scale: str
    result_date: date
    source: str
    credits: Decimal | None = None
    course_title: str | None = None
    session: int | None = None


async def mobility_of(session: AsyncSession, tenant: str, mobility_id: uuid.UUID) -> Mobility:
    mobility = (
        await session.execute(sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.id == mobility_id))
    ).scalar_one_or_none()
    if mobility is None or mobility.student_id is None:
        raise NotFound(f"No accepted mobility {mobility_id}.")
    return mobility


def component(mobility: Mobility, course_code: str) -> dict[str, str] | None:
    return next((c for c in mobility.la_components if c.get("code") == course_code), None)


async def results_of(session: AsyncSession, tenant: str, mobility_id: uuid.UUID) -> list[Result]:
    query = sa.select(Result).where(Result.tenant == tenant, Result.mobility_id == mobility_id)
    return list((await session.execute(query.order_by(Result.course_code))).scalars())


async def record(session: AsyncSession, mobility: Mobility, facts: ResultFacts, actor: str) -> Result | None:
    """Store the result (``records.result.recorded.v1``); None when nothing changed."""
    item = component(mobility, facts.course_code)
    if item is None:
        raise CourseNotEnrolled(
            f"{facts.course_code} is not in the learning agreement of mobility {mobility.id}.",
            course_code=facts.course_code,
        )
    try:
        parsed = scale_of(facts.grading_scale).parse(facts.grade)
    except GradeError as exc:
        raise GradeOutOfScale(str(exc), grade=facts.grade, grading_scale=facts.grading_scale) from exc
    credits = (facts.credits or Decimal(str(item.get("credits") or "0"))).quantize(Decimal("0.01"))
    query = sa.select(Result).where(
        Result.tenant == mobility.tenant, Result.mobility_id == mobility.id, Result.course_code == facts.course_code
    )
    result = (await session.execute(query.with_for_update())).scalar_one_or_none()
    values = {
        "course_title": facts.course_title or str(item.get("title") or facts.course_code),
        "credits": credits,
        "grading_scale": facts.grading_scale,
        "grade": parsed.text,
        "grade_value": parsed.value,
        "passed": parsed.passed,
        "result_date": facts.result_date,
        "source": facts.source,
        "session": facts.session,
    }
    now = utcnow()
    if result is None:
        assert mobility.student_id is not None
        result = Result(
            id=uuid.uuid4(),
            tenant=mobility.tenant,
            student_id=mobility.student_id,
            mobility_id=mobility.id,
            course_code=facts.course_code,
            recorded_by=actor,
            recorded_at=now,
            version=1,
            **values,
        )
        session.add(result)
    elif all(_same(getattr(result, k), v) for k, v in values.items()):
        return None
    else:
        for key, value in values.items():
            setattr(result, key, value)
        result.recorded_by, result.recorded_at = actor, now
        result.version += 1
    await session.flush()
    await outbox.record(session, _event(result), tenant=mobility.tenant, subject=str(mobility.id))
    return result


def _same(current: object, new: object) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return current is not None and new is not None and Decimal(str(current)) == Decimal(str(new))
    return current == new


def _event(result: Result) -> ResultRecorded:
    return ResultRecorded(
        result_id=result.id,
        student_id=result.student_id,
        mobility_id=result.mobility_id,
        course_code=result.course_code,
        grade=result.grade,
        grading_scale=result.grading_scale,
        passed=result.passed,
        credits=result.credits,
        result_date=result.result_date,
        source=result.source,  # type: ignore[arg-type]
        recorded_at=result.recorded_at,
    )
