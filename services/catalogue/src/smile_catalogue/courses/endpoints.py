from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from smile_catalogue.courses import service
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate, CourseRead, CourseUpdate
from smile_catalogue.http_cache import cached_response, json_bytes, not_modified
from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
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
    """Create a course as a draft, invisible to the public until it is published.

    Its unit, terms and programmes must exist (422 `unknown-reference` otherwise).
    """
    course = await service.create_course(session, principal, data)
    return CourseRead.model_validate(course)


@router.get(
    "/{course_id}",
    operation_id="getCourse",
    response_model=CourseRead,
    responses={304: {"description": "Not modified (If-None-Match)"}, **problem_responses(401, 404)},
)
async def get_course(
    course_id: uuid.UUID, request: Request, session: SessionDep, principal: OptionalPrincipal
) -> Response:
    """A course: anyone may read a published course; staff of its university also see drafts.

    The answer carries an `ETag` (the course's version): send it in `If-None-Match` to get a 304.
    """
    repo = CourseRepository(session)
    course = None
    staff = principal is not None and principal.is_staff
    if staff and principal is not None:
        course = await repo.get(principal.tenant, course_id)
    if course is None:
        staff = False
        course = await repo.get_published(None, course_id)
    if course is None:
        raise NotFound(f"No course {course_id}.")
    etag = f'"{course.id}.{course.version}.{"s" if staff else "p"}"'
    public = course.status == "published"
    if not_modified(request, etag):
        return cached_response(None, etag, public=public)
    body = json_bytes(CourseRead.model_validate(course).model_dump(mode="json"))
    return cached_response(body, etag, public=public)


@router.patch("/{course_id}", operation_id="updateCourse", response_model=CourseRead, responses=_EDITOR_ERRORS)
async def update_course(course_id: uuid.UUID, data: CourseUpdate, session: SessionDep, principal: Editor) -> CourseRead:
    """Change a course; a published course announces the change (``catalogue.course.updated.v1``).

    A change that leaves every field as it was creates no new version and no event.
    """
    return CourseRead.model_validate(await service.update_course(session, principal, course_id, data))


@router.delete(
    "/{course_id}",
    operation_id="deleteCourse",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_EDITOR_ERRORS,
)
async def delete_course(course_id: uuid.UUID, session: SessionDep, principal: Editor) -> Response:
    """Delete a draft. A course that was ever published is withdrawn instead (409)."""
    await service.delete_course(session, principal, course_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{course_id}/publish", operation_id="publishCourse", response_model=CourseRead, responses=_EDITOR_ERRORS)
async def publish_course(course_id: uuid.UUID, session: SessionDep, principal: Editor) -> CourseRead:
    """Make the course visible to exchange students (``catalogue.course.published.v1``)."""
    return CourseRead.model_validate(await service.publish_course(session, principal, course_id))


@router.post(
    "/{course_id}/withdraw", operation_id="withdrawCourse", response_model=CourseRead, responses=_EDITOR_ERRORS
)
async def withdraw_course(course_id: uuid.UUID, session: SessionDep, principal: Editor) -> CourseRead:
    """Stop offering a published course (``catalogue.course.withdrawn.v1``); it can be published again."""
    return CourseRead.model_validate(await service.withdraw_course(session, principal, course_id))
