from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_records.enrolments import service
from smile_records.enrolments.models import Enrolment, EnrolmentState
from smile_records.enrolments.schemas import EnrolmentAttemptRead, EnrolmentDetail, EnrolmentPage, EnrolmentRead
from smile_records.web import Staff, decode_cursor, encode_cursor

router = APIRouter(tags=["enrolments"])


@router.get(
    "/enrolments",
    operation_id="listEnrolments",
    response_model=EnrolmentPage,
    responses=problem_responses(400, 401, 403),
)
async def list_enrolments(
    session: SessionDep,
    principal: Staff,
    state: Annotated[list[EnrolmentState] | None, Query(description="only these states (repeatable)")] = None,
    student_id: Annotated[uuid.UUID | None, Query(description="only this student's mobilities")] = None,
    cursor: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EnrolmentPage:
    """SIS synchronisations, most recently changed first; filter on ``state=failed`` to see what needs a person,
    on ``student_id`` to see where one student stands."""
    query = sa.select(Enrolment).where(Enrolment.tenant == principal.tenant)
    if student_id is not None:
        query = query.where(Enrolment.student_id == student_id)
    if state:
        query = query.where(Enrolment.state.in_([s.value for s in state]))
    after = decode_cursor(cursor, 2)
    if after is not None:
        query = query.where(sa.tuple_(Enrolment.updated_at, sa.cast(Enrolment.id, sa.String)) < (after[0], after[1]))
    query = query.order_by(Enrolment.updated_at.desc(), sa.cast(Enrolment.id, sa.String).desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    items = [EnrolmentRead.model_validate(e) for e in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return EnrolmentPage(items=items, next_cursor=encode_cursor(last.updated_at, str(last.id)) if last else None)


async def _detail(session: SessionDep, enrolment: Enrolment) -> EnrolmentDetail:
    history = await service.attempts_of(session, enrolment.tenant, enrolment.id)
    return EnrolmentDetail(
        **EnrolmentRead.model_validate(enrolment).model_dump(),
        history=[EnrolmentAttemptRead.model_validate(a) for a in history],
    )


@router.get(
    "/enrolments/{enrolment_id}",
    operation_id="getEnrolment",
    response_model=EnrolmentDetail,
    responses=problem_responses(401, 403, 404),
)
async def get_enrolment(enrolment_id: uuid.UUID, session: SessionDep, principal: Staff) -> EnrolmentDetail:
    """One synchronisation with its latest attempts."""
    return await _detail(session, await service.get(session, principal.tenant, enrolment_id))


@router.get(
    "/mobilities/{mobility_id}/enrolment",
    operation_id="getMobilityEnrolment",
    response_model=EnrolmentDetail,
    responses=problem_responses(401, 403, 404),
)
async def get_mobility_enrolment(mobility_id: uuid.UUID, session: SessionDep, principal: Staff) -> EnrolmentDetail:
    """The synchronisation of a mobility (by the agreements service's mobility id)."""
    query = sa.select(Enrolment).where(Enrolment.tenant == principal.tenant, Enrolment.mobility_id == mobility_id)
    enrolment = (await session.execute(query)).scalar_one_or_none()
    if enrolment is None:
        raise NotFound(f"No SIS synchronisation for mobility {mobility_id} (is it accepted?).")
    return await _detail(session, enrolment)


@router.post(
    "/enrolments/{enrolment_id}/retry",
    operation_id="retryEnrolment",
    response_model=EnrolmentRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def retry_enrolment(enrolment_id: uuid.UUID, session: SessionDep, principal: Staff) -> EnrolmentRead:
    """Run a failed (or retrying) synchronisation again now, after fixing its cause."""
    return EnrolmentRead.model_validate(await service.retry(session, principal.tenant, enrolment_id))
