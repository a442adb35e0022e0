"""Course editing and publication. Every state change and its event are written in one transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate, CourseUpdate
from smile_catalogue.db import outbox
from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_common.security import Principal


class CourseCodeTaken(Conflict):
    slug, title = "course-code-taken", "A course with this code already exists"


class InvalidCourseTransition(Conflict):
    slug, title = "invalid-course-transition", "The course cannot move to this status"


async def create_course(session: AsyncSession, principal: Principal, data: CourseCreate) -> Course:
    repo = CourseRepository(session)
    if await repo.code_taken(principal.tenant, data.code):
        raise CourseCodeTaken(f"The code {data.code} is already used by another course of {principal.tenant}.")
    now = utcnow()
    course = Course(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        code=data.code,
        title=dict(data.title),
        description=dict(data.description),
        ects=data.ects,
        organisational_unit_code=data.organisational_unit_code,
        isced_code=data.isced_code,
        eqf_level=data.eqf_level,
        term_codes=list(data.term_codes),
        status=CourseStatus.DRAFT.value,
        status_changed_by=principal.subject,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repo.add(course)
    await session.flush()
    return course


async def get_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, *, for_update: bool = False
) -> Course:
    course = await CourseRepository(session).get(principal.tenant, course_id, for_update=for_update)
    if course is None:
        raise NotFound(f"No course {course_id}.")
    return course


async def update_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, data: CourseUpdate
) -> Course:
    course = await get_course(session, principal, course_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(course, field, value)
    if not changes:
        return course
    course.updated_at = utcnow()
    course.version += 1
    await session.flush()
    if course.status == CourseStatus.PUBLISHED.value:
        await outbox.record(
            session, _payload(CourseUpdated, course, principal), tenant=course.tenant, subject=str(course.id)
        )
    return course


async def publish_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> Course:
    course = await get_course(session, principal, course_id, for_update=True)
    if course.status == CourseStatus.PUBLISHED.value:
        return course  # publishing twice is harmless and emits nothing
    await _move(course, CourseStatus.PUBLISHED, principal)
    await session.flush()
    await outbox.record(
        session, _payload(CoursePublished, course, principal), tenant=course.tenant, subject=str(course.id)
    )
    return course


async def withdraw_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> Course:
    course = await get_course(session, principal, course_id, for_update=True)
    if course.status == CourseStatus.WITHDRAWN.value:
        return course
    if course.status != CourseStatus.PUBLISHED.value:
        raise InvalidCourseTransition("Only a published course can be withdrawn; a draft can simply be edited.")
    await _move(course, CourseStatus.WITHDRAWN, principal)
    await session.flush()
    await outbox.record(
        session, _payload(CourseWithdrawn, course, principal), tenant=course.tenant, subject=str(course.id)
    )
    return course


async def _move(course: Course, status: CourseStatus, principal: Principal) -> None:
    now = utcnow()
    course.status = status.value
    course.status_changed_by = principal.subject
    course.status_changed_at = now
    course.updated_at = now
    course.version += 1


def _payload(
    event: type[CoursePublished] | type[CourseUpdated] | type[CourseWithdrawn], course: Course, principal: Principal
) -> CoursePublished | CourseUpdated | CourseWithdrawn:
    return event(
        course_id=course.id,
        code=course.code,
        title=dict(course.title),
        ects=float(course.ects),
        organisational_unit_code=course.organisational_unit_code,
        isced_code=course.isced_code,
        eqf_level=course.eqf_level,
        term_codes=list(course.term_codes),
        changed_by=principal.subject,
        changed_at=course.updated_at,
    )
