"""Diploma supplements: the registrar's statement about the degree plus what records knows."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound
from smile_common.security import Principal
from smile_records.courses.handlers import courses_by_code
from smile_records.diplomas.models import DiplomaSupplement
from smile_records.diplomas.schemas import DiplomaSupplementRequest
from smile_records.grading.scales import scale_of
from smile_records.results.models import Result
from smile_records.settings import RecordsSettings
from smile_records.students.models import Student
from smile_records.transcripts.content import our_table, table_content


class NoResults(Conflict):
    slug, title = "results-missing", "The student has no result to list"


async def issue(
    session: AsyncSession,
    settings: RecordsSettings,
    principal: Principal,
    student_id: uuid.UUID,
    data: DiplomaSupplementRequest,
) -> DiplomaSupplement:
    student = (
        await session.execute(sa.select(Student).where(Student.tenant == principal.tenant, Student.id == student_id))
    ).scalar_one_or_none()
    if student is None:
        raise NotFound(f"No student {student_id}.")
    query = sa.select(Result).where(Result.tenant == principal.tenant, Result.student_id == student_id)
    if data.mobility_ids:
        query = query.where(Result.mobility_id.in_(data.mobility_ids))
    results = list((await session.execute(query.order_by(Result.result_date, Result.course_code))).scalars())
    if not results:
        raise NoResults("A diploma supplement lists the holder's results: record them first.")
    courses = await courses_by_code(session, principal.tenant, [r.course_code for r in results])
    tables = []
    for isced in sorted({c.isced_code for c in courses.values() if c.isced_code} | {data.qualification.isced_code}):
        table = await our_table(session, principal.tenant, isced, data.level.eqf_level)
        if table is not None:
            tables.append(table_content(isced, table))
    content: dict[str, Any] = {
        "issuer": {"hei_id": principal.tenant, **settings.institution(principal.tenant).model_dump()},
        "holder": {
            "family_name": student.family_name,
            "given_names": student.given_names,
            "birth_date": student.birth_date.isoformat() if student.birth_date else None,
            "esi": student.esi,
            "ine": student.ine,
            "student_number": student.sis_learner_code,
        },
        "request": data.model_dump(mode="json"),
        "courses": [
            {
                "course_code": r.course_code,
                "title": dict(courses[r.course_code].title) if r.course_code in courses else {"fr": r.course_title},
                "credits": str(r.credits),
                "grade": r.grade,
                "grading_scale": r.grading_scale,
                "passed": r.passed,
                "result_date": r.result_date.isoformat(),
            }
            for r in results
        ],
        "scale_names": {r.grading_scale: scale_of(r.grading_scale).name for r in results},
        "tables": tables,
        "ects_obtained": str(sum((r.credits for r in results if r.passed), Decimal(0))),
    }
    supplement = DiplomaSupplement(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        student_id=student.id,
        content=content,
        issued_by=principal.subject,
        issued_at=utcnow(),
    )
    session.add(supplement)
    await session.flush()
    return supplement
