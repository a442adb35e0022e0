"""Support needs of a mobility: declared by the student, read by the disability office (and the student)."""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import data_protection
from smile_agreements.mobilities import access
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.support.models import SupportNeed
from smile_agreements.support.schemas import SupportNeedIn, SupportNeedRead, SupportNeedSummary
from smile_common.audit import record_read
from smile_common.db import SessionDep, utcnow
from smile_common.errors import Conflict, Forbidden, NotFound, problem_responses
from smile_common.security import Principal, Role, require_roles

router = APIRouter(tags=["support needs"])
#: who may reach these endpoints at all; each one then checks the student is the mobility's own
Concerned = Annotated[
    Principal,
    Depends(require_roles(Role.STUDENT, Role.DISABILITY_OFFICER, Role.COORDINATOR, Role.REFERENT, Role.ADMIN)),
]
Office = Annotated[Principal, Depends(require_roles(Role.DISABILITY_OFFICER))]
_CLOSED = ("rejected", "cancelled")
_READ_FIELDS = ["categories", "description"]


def _person(mobility: Mobility) -> str | None:
    return mobility.student_esi or mobility.student_email


async def _mobility(session: AsyncSession, principal: Principal, mobility_id: uuid.UUID) -> Mobility:
    """The mobility, if ``principal`` is its student or the disability office; other staff get a 403."""
    mobility = await MobilityRepository(session).get(principal.tenant, mobility_id)
    if mobility is None:
        raise NotFound(f"No mobility {mobility_id}.")
    if Role.DISABILITY_OFFICER in principal.roles or access.is_own(principal, mobility):
        return mobility
    if access.can_see(principal, mobility):
        raise Forbidden("Support needs are health data: only the student and the disability office read them.")
    raise NotFound(f"No mobility {mobility_id}.")


async def _need(session: AsyncSession, mobility: Mobility, *, lock: bool = False) -> SupportNeed | None:
    query = sa.select(SupportNeed).where(SupportNeed.tenant == mobility.tenant, SupportNeed.mobility_id == mobility.id)
    return (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()


async def _log_read(session: AsyncSession, principal: Principal, need: SupportNeed, mobility: Mobility) -> None:
    if access.is_own(principal, mobility):
        return  # a student reading what they wrote is not a disclosure
    await record_read(
        session, data_protection.audit, tenant=need.tenant, object_type="support_need", object_id=need.id,
        person=_person(mobility), fields=_READ_FIELDS,
    )  # fmt: skip


@router.put(
    "/mobilities/{mobility_id}/support-needs",
    operation_id="putSupportNeeds",
    response_model=SupportNeedRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def put_support_needs(
    mobility_id: uuid.UUID, data: SupportNeedIn, session: SessionDep, principal: Concerned
) -> SupportNeedRead:
    """Declare or change the support the student needs (exam arrangements, accessible housing...). Only the
    student and the disability office; other staff get a 403 and never see the content. A rejected or
    cancelled nomination is a 409."""
    mobility = await _mobility(session, principal, mobility_id)
    if mobility.status in _CLOSED:
        raise Conflict(f"The nomination was {mobility.status}.", slug="mobility-closed")
    need, now = await _need(session, mobility, lock=True), utcnow()
    if need is None:
        need = SupportNeed(
            id=uuid.uuid4(), tenant=mobility.tenant, mobility_id=mobility.id, declared_by=principal.subject,
            declared_at=now, version=1,
        )  # fmt: skip
        session.add(need)
    else:
        need.version += 1
    need.about(_person(mobility))
    need.categories = [c.value for c in data.categories]
    need.description = data.description
    need.updated_by, need.updated_at = principal.subject, now
    await session.flush()
    return SupportNeedRead.model_validate(need)


@router.get(
    "/mobilities/{mobility_id}/support-needs",
    operation_id="getSupportNeeds",
    response_model=SupportNeedRead,
    responses=problem_responses(401, 403, 404),
)
async def get_support_needs(mobility_id: uuid.UUID, session: SessionDep, principal: Concerned) -> SupportNeedRead:
    """The support needs declared for a mobility (404 if none). Every read by the disability office is
    recorded in the audit trail."""
    mobility = await _mobility(session, principal, mobility_id)
    need = await _need(session, mobility)
    if need is None:
        raise NotFound("No support needs were declared for this mobility.")
    await _log_read(session, principal, need, mobility)
    return SupportNeedRead.model_validate(need)


@router.delete(
    "/mobilities/{mobility_id}/support-needs",
    operation_id="deleteSupportNeeds",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
async def delete_support_needs(mobility_id: uuid.UUID, session: SessionDep, principal: Concerned) -> Response:
    """Withdraw the declaration: it is erased (the audit trail keeps that it existed, not what it said)."""
    mobility = await _mobility(session, principal, mobility_id)
    need = await _need(session, mobility, lock=True)
    if need is None:
        raise NotFound("No support needs were declared for this mobility.")
    need.about(_person(mobility))
    await session.delete(need)
    await session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/support-needs",
    operation_id="listSupportNeeds",
    response_model=list[SupportNeedSummary],
    responses=problem_responses(401, 403, 422),
)
async def list_support_needs(
    session: SessionDep,
    principal: Office,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$", examples=["2026/2027"])] = None,
) -> list[SupportNeedSummary]:
    """The disability office's list: every declared need of your university with its student, by arrival.
    Each need listed is a read recorded in the audit trail."""
    query = (
        sa.select(SupportNeed, Mobility)
        .join(Mobility, Mobility.id == SupportNeed.mobility_id)
        .where(SupportNeed.tenant == principal.tenant, Mobility.tenant == principal.tenant)
        .order_by(Mobility.planned_arrival_date, Mobility.student_family_name)
    )
    if academic_year:
        query = query.where(Mobility.academic_year == academic_year)
    out = []
    for need, mobility in (await session.execute(query)).all():
        await _log_read(session, principal, need, mobility)
        out.append(
            SupportNeedSummary.model_validate(
                {
                    **SupportNeedRead.model_validate(need).model_dump(),
                    "student_given_names": mobility.student_given_names,
                    "student_family_name": mobility.student_family_name,
                    "student_email": mobility.student_email,
                    "sending_hei_id": mobility.sending_hei_id,
                    "receiving_ounit_code": mobility.receiving_ounit_code,
                    "academic_year": mobility.academic_year,
                    "planned_arrival_date": mobility.planned_arrival_date,
                    "status": mobility.status,
                }
            )
        )
    return out
