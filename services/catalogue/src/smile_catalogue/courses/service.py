"""Course editing and publication. Every state change and its event are written in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue import revision
from smile_catalogue.courses import index
from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate, CourseUpdate, course_values, stored_values
from smile_catalogue.db import outbox
from smile_catalogue.refs import Refs, load_refs
from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_common.security import Principal

CourseEvent = CoursePublished | CourseUpdated | CourseWithdrawn


class CourseCodeTaken(Conflict):
    slug, title = "course-code-taken", "A course with this code already exists"


class InvalidCourseTransition(Conflict):
    slug, title = "invalid-course-transition", "The course cannot move to this status"


def editable_values(course: Course) -> dict[str, Any]:
    return {name: getattr(course, name) for name in index.EDITABLE_FIELDS}


async def reindex(session: AsyncSession, courses: list[Course], refs: Refs) -> None:
    """Recompute the search columns and facets of ``courses`` after their fields changed."""
    ancestry = refs.ancestry()
    for course in courses:
        values = editable_values(course)
        for name, value in index.derived_columns(values).items():
            setattr(course, name, value)
        course.facets = index.facet_list(values, ancestry)
    await session.flush()


async def create_course(
    session: AsyncSession, principal: Principal, data: CourseCreate, *, refs: Refs | None = None
) -> Course:
    repo = CourseRepository(session)
    if await repo.code_taken(principal.tenant, data.code):
        raise CourseCodeTaken(f"The code {data.code} is already used by another course of {principal.tenant}.")
    values = course_values(data)
    refs = refs or await load_refs(session, principal.tenant)
    refs.check_course(values)
    now = utcnow()
    course_id = uuid.uuid4()
    course = Course(
        id=course_id,
        tenant=principal.tenant,
        **values,
        status=CourseStatus.DRAFT.value,
        status_changed_by=principal.subject,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        updated_by=principal.subject,
        version=1,
        source="manual",
        fts_rowid=index.fts_rowid(course_id),
        **index.derived_columns(values),
        facets=index.facet_list(values, refs.ancestry()),
    )
    repo.add(course)
    await session.flush()
    await revision.bump(session, principal.tenant)
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
    # the fields given, each in full (a schedule slot's unset keys too), as a create or an import stores them
    changes = {name: value for name, value in stored_values(data).items() if name in data.model_fields_set}
    refs = await load_refs(session, principal.tenant)
    refs.check_course({**editable_values(course), **changes})
    before = course.content_hash
    for field, value in changes.items():
        setattr(course, field, value)
    await reindex(session, [course], refs)
    if course.content_hash == before:
        return course  # nothing visible changed: no new version, no event
    course.updated_at = utcnow()
    course.updated_by = principal.subject
    course.version += 1
    await session.flush()
    await revision.bump(session, principal.tenant)
    if course.status == CourseStatus.PUBLISHED.value:
        await record(session, CourseUpdated, course, principal.subject)
    return course


async def publish_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> Course:
    course = await get_course(session, principal, course_id, for_update=True)
    if course.status == CourseStatus.PUBLISHED.value:
        return course  # publishing twice is harmless and emits nothing
    await _move(session, course, CourseStatus.PUBLISHED, principal)
    await record(session, CoursePublished, course, principal.subject)
    return course


async def withdraw_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> Course:
    course = await get_course(session, principal, course_id, for_update=True)
    if course.status == CourseStatus.WITHDRAWN.value:
        return course
    if course.status != CourseStatus.PUBLISHED.value:
        raise InvalidCourseTransition("Only a published course can be withdrawn; a draft can simply be edited.")
    await _move(session, course, CourseStatus.WITHDRAWN, principal)
    await record(session, CourseWithdrawn, course, principal.subject)
    return course


async def delete_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> None:
    course = await get_course(session, principal, course_id, for_update=True)
    if course.status != CourseStatus.DRAFT.value:
        raise InvalidCourseTransition(
            "Only a draft can be deleted; a published course is withdrawn so that partners and students learn it."
        )
    await CourseRepository(session).delete(course)
    await session.flush()
    await revision.bump(session, principal.tenant)


async def _move(session: AsyncSession, course: Course, status: CourseStatus, principal: Principal) -> None:
    now = utcnow()
    course.status = status.value
    course.status_changed_by = principal.subject
    course.status_changed_at = now
    course.updated_at = now
    course.updated_by = principal.subject
    course.version += 1
    await session.flush()
    await revision.bump(session, principal.tenant)


def payload(event: type[CourseEvent], course: Course, changed_by: str) -> CourseEvent:
    return event(
        course_id=course.id,
        code=course.code,
        title=dict(course.title),
        ects=float(course.ects),
        organisational_unit_code=course.organisational_unit_code,
        isced_code=course.isced_code,
        eqf_level=course.eqf_level,
        term_codes=list(course.term_codes),
        changed_by=changed_by,
        changed_at=course.updated_at,
        languages=[entry["language"] for entry in course.languages],
        open_to_exchange=course.open_to_exchange,
        programme_codes=list(course.programme_codes),
        version=course.version,
    )


async def record(session: AsyncSession, event: type[CourseEvent], course: Course, changed_by: str) -> None:
    await outbox.record(session, payload(event, course, changed_by), tenant=course.tenant, subject=str(course.id))
