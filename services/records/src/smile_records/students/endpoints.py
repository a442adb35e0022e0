from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_records.students import service
from smile_records.students.repository import StudentRepository
from smile_records.students.schemas import DuplicatePair, StudentPage, StudentRead, StudentUpdate
from smile_records.web import Registrar, Staff, decode_cursor, encode_cursor

router = APIRouter(tags=["students"])
StudentRole = Annotated[Principal, Depends(require_roles(Role.STUDENT))]


@router.get(
    "/students", operation_id="listStudents", response_model=StudentPage, responses=problem_responses(400, 401, 403)
)
async def list_students(
    session: SessionDep,
    principal: Staff,
    q: Annotated[str | None, Query(max_length=100, description="part of a name, e-mail or ESI")] = None,
    cursor: Annotated[str | None, Query(description="the next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StudentPage:
    """Incoming students of the university, by family name."""
    after = decode_cursor(cursor, 2)
    rows = await StudentRepository(session).page(
        principal.tenant, after=(after[0], after[1]) if after else None, limit=limit + 1, search=q
    )
    items = [StudentRead.model_validate(s) for s in rows[:limit]]
    next_cursor = encode_cursor(items[-1].family_name, str(items[-1].id)) if len(rows) > limit else None
    return StudentPage(items=items, next_cursor=next_cursor)


@router.get(
    "/students/duplicates",
    operation_id="listDuplicateStudents",
    response_model=list[DuplicatePair],
    responses=problem_responses(401, 403),
)
async def list_duplicates(session: SessionDep, principal: Staff) -> list[DuplicatePair]:
    """Students who look like the same person (same names, birth date and home university, different or
    missing ESIs), for the registrar to check. Students with the same ESI are always merged."""
    rows = await StudentRepository(session).duplicate_identities(principal.tenant)
    groups: dict[str, list[StudentRead]] = {}
    for student in rows:
        groups.setdefault(student.identity_key, []).append(StudentRead.model_validate(student))
    return [DuplicatePair(reason="same-identity", students=group) for group in groups.values()]


@router.get(
    "/me/student",
    operation_id="getMyStudentRecord",
    response_model=StudentRead,
    responses=problem_responses(401, 403, 404),
)
async def get_my_record(session: SessionDep, principal: StudentRole) -> StudentRead:
    """The calling student's own record (matched on the e-mail of their token)."""
    matches = await StudentRepository(session).by_email(principal.tenant, principal.email or "")
    if not matches:
        raise NotFound("No student record for your e-mail address.")
    return StudentRead.model_validate(matches[0])


@router.get(
    "/students/{student_id}",
    operation_id="getStudent",
    response_model=StudentRead,
    responses=problem_responses(401, 403, 404),
)
async def get_student(student_id: uuid.UUID, session: SessionDep, principal: Staff) -> StudentRead:
    """One student."""
    return StudentRead.model_validate(await service.get_student(session, principal.tenant, student_id))


@router.patch(
    "/students/{student_id}",
    operation_id="updateStudent",
    response_model=StudentRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_student(
    student_id: uuid.UUID, data: StudentUpdate, session: SessionDep, principal: Registrar
) -> StudentRead:
    """Set or correct the ESI (any valid form, stored in the v1.0 form; ``records.esi.assigned.v1``), the INE
    or the contact. A malformed ESI is a 422 naming the broken rule; an ESI or INE another student holds, a 409."""
    return StudentRead.model_validate(await service.update_student(session, principal, student_id, data))
