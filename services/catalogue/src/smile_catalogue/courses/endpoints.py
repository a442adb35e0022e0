from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from smile_catalogue.courses import service
from smile_catalogue.courses.models import CourseStatus
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate, CoursePage, CourseRead, CourseUpdate
from smile_common.db import SessionDep
from smile_common.errors import NotFound, Problem, problem_responses
from smile_common.security import OptionalPrincipal, Principal, Role, require_roles

router = APIRouter(prefix="/courses", tags=["courses"])

Editor = Annotated[Principal, Depends(require_roles(Role.CATALOGUE_EDITOR, Role.COORDINATOR, Role.ADMIN))]
_EDITOR_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


@router.post(
    "",
    operation_id="createCourse",
    status_code=status.HTTP_201_CREATED,
    response_model=CourseRead,
    responses=_EDITOR_ERRORS,
)
async def create_course(data: CourseCreate, session: SessionDep, principal: Editor) -> CourseRead:
    """Create a course as a draft, invisible to the public until it is published."""
    course = await service.create_course(session, principal, data)
    return CourseRead.model_validate(course)


@router.get("/{course_id}", operation_id="getCourse", response_model=CourseRead, responses=problem_responses(401, 404))
async def get_course(course_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal) -> CourseRead:
    """A course: anyone may read a published course; staff of its university also see drafts."""
    repo = CourseRepository(session)
    course = None
    if principal is not None and principal.is_staff:
        course = await repo.get(principal.tenant, course_id)
    if course is None:
        course = await repo.get_published(course_id)
    if course is None:
        raise NotFound(f"No course {course_id}.")
    return CourseRead.model_validate(course)


@router.get("", operation_id="listCourses", response_model=CoursePage, responses=problem_responses(400, 401))
async def list_courses(
    session: SessionDep,
    principal: OptionalPrincipal,
    hei: Annotated[str | None, Query(description="SCHAC code of the university (public reads)")] = None,
    cursor: Annotated[str | None, Query(description="the next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CoursePage:
    """Courses of a university ordered by code: published ones for the public, every status for its staff."""
    staff = principal is not None and principal.is_staff and hei in (None, principal.tenant)
    tenant = principal.tenant if staff and principal is not None else hei
    if not tenant:
        raise Problem("Give the university's SCHAC code in 'hei'.", status=400, slug="missing-hei")
    statuses = [s.value for s in CourseStatus] if staff else [CourseStatus.PUBLISHED.value]
    after = _decode_cursor(cursor)
    rows = await CourseRepository(session).list_page(
        tenant.lower(), statuses=statuses, after_code=after, limit=limit + 1
    )
    items = [CourseRead.model_validate(c) for c in rows[:limit]]
    next_cursor = _encode_cursor(items[-1].code) if len(rows) > limit else None
    return CoursePage(items=items, next_cursor=next_cursor)


@router.patch("/{course_id}", operation_id="updateCourse", response_model=CourseRead, responses=_EDITOR_ERRORS)
async def update_course(course_id: uuid.UUID, data: CourseUpdate, session: SessionDep, principal: Editor) -> CourseRead:
    """Change a course; a published course announces the change (``catalogue.course.updated.v1``)."""
    return CourseRead.model_validate(await service.update_course(session, principal, course_id, data))


@router.post("/{course_id}/publish", operation_id="publishCourse", response_model=CourseRead, responses=_EDITOR_ERRORS)
async def publish_course(course_id: uuid.UUID, session: SessionDep, principal: Editor) -> CourseRead:
    """Make the course visible to exchange students (``catalogue.course.published.v1``)."""
    return CourseRead.model_validate(await service.publish_course(session, principal, course_id))


@router.post(
    "/{course_id}/withdraw", operation_id="withdrawCourse", response_model=CourseRead, responses=_EDITOR_ERRORS
)
async def withdraw_course(course_id: uuid.UUID, session: SessionDep, principal: Editor) -> CourseRead:
    """Stop offering a published course (``catalogue.course.withdrawn.v1``)."""
    return CourseRead.model_validate(await service.withdraw_course(session, principal, course_id))


def _encode_cursor(code: str) -> str:
    return base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
