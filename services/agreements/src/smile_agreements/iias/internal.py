"""What the EWP gateway needs to serve our IIAs and to pass on what partners send (service role; the
university in ``X-Smile-Tenant``). Unknown ids are left out, filters never answer 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from smile_agreements.iias.approvals import receive_partner_approval
from smile_agreements.iias.core import surround
from smile_agreements.iias.partner_copies import partner_copy_gone, receive_partner_copy
from smile_agreements.iias.reading import ewp_item
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.served import served_iias
from smile_common.db import SessionDep
from smile_common.errors import Problem, problem_responses
from smile_common.events.payloads.ewp import IiaApprovalReceived, IiaDeleted, IiaReceived
from smile_common.security import Principal, Role, require_roles

router = APIRouter(prefix="/internal/ewp", tags=["internal"])
_ERRORS = problem_responses(400, 401, 403, 422)
YearFilter = Annotated[list[str] | None, Query(description="keep IIAs valid in one of these academic years")]


async def _machine(principal: Annotated[Principal, Depends(require_roles(Role.SERVICE))]) -> Principal:
    if principal.tenant in ("", "*"):
        raise Problem("Name the university in the X-Smile-Tenant header.", status=400, slug="missing-tenant")
    return principal


Machine = Annotated[Principal, Depends(_machine)]


class EwpIiaPage(BaseModel):
    items: list[dict[str, Any]]


class ServedIiasQuery(BaseModel):
    partner_hei_id: str = Field(description="the partner institution asking (only its IIAs are answered)")
    iia_ids: list[str] = Field(min_length=1, max_length=1000, description="our IIA ids it asks for")
    known: dict[str, str] = Field(
        default_factory=dict,
        max_length=1000,
        description="revisions the caller already holds, by IIA id: their XML is not sent again",
    )


class ServedIia(BaseModel):
    iia_id: str
    revision: str = Field(description="changes whenever the served XML changes")
    ewp_xml: str | None = Field(description="the v7 <iia> element with its iia-hash; null when 'known' has it")


class ServedIiaPage(BaseModel):
    items: list[ServedIia]


class EwpIiaIndex(BaseModel):
    iia_ids: list[str]


class EwpIiaStats(BaseModel):
    iia_fetchable: int
    iia_local_unapproved_partner_approved: int
    iia_local_approved_partner_unapproved: int
    iia_both_approved: int


class EwpApproval(BaseModel):
    iia_id: str
    iia_hash: str
    approved_at: datetime
    pdf_file_id: str | None = None


class EwpApprovalPage(BaseModel):
    items: list[EwpApproval]


class Recorded(BaseModel):
    recorded: bool


def _ids(values: list[str] | None) -> list[uuid.UUID] | None:
    if values is None:
        return None
    out = []
    for value in values:
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            continue
        if str(parsed) == value:
            out.append(parsed)
    return out


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get("/iias", operation_id="internalGetEwpIias", response_model=EwpIiaPage, responses=_ERRORS)
async def get_iias(
    session: SessionDep,
    principal: Machine,
    partner_hei_id: str,
    iia_id: Annotated[list[str] | None, Query(max_length=1000)] = None,
    partner_iia_id: Annotated[list[str] | None, Query(max_length=1000)] = None,
    modified_since: datetime | None = None,
    receiving_academic_year_id: YearFilter = None,
) -> EwpIiaPage:
    """Our IIAs with ``partner_hei_id`` that it may fetch (shared or terminated; never drafts or deleted
    ones), each with ``iia_hash`` and ``ewp_xml`` (our ``<iia>`` element, whose hash is ``iia_hash``)."""
    repo = IiaRepository(session)
    rows = await repo.visible_to(
        principal.tenant,
        partner_hei_id.lower(),
        iia_ids=_ids(iia_id),
        partner_iia_ids=partner_iia_id,
        modified_since=_aware(modified_since),
        academic_years=receiving_academic_year_id,
    )
    items = []
    for iia in rows:
        loaded = await surround(session, iia)
        items.append(ewp_item(loaded, await repo.approvals(principal.tenant, iia.id)))
    return EwpIiaPage(items=items)


@router.post("/iias/served", operation_id="internalServedEwpIias", response_model=ServedIiaPage, responses=_ERRORS)
async def served_ewp_iias(query: ServedIiasQuery, session: SessionDep, principal: Machine) -> Any:
    """The gateway's read for EWP IIAs ``get``: of the asked IIAs, those ``partner_hei_id`` may fetch, in
    the order asked, each with its ``revision`` and its ``<iia>`` XML, except the revisions the caller says
    it already holds (``known``). A read (nothing changes); POST only because the question can be long."""
    ids = _ids(query.iia_ids) or []
    items = await served_iias(session, principal.tenant, query.partner_hei_id.lower(), ids, query.known)
    return JSONResponse({"items": items})  # already in the documented shape (no second validation)


@router.get("/iias/index", operation_id="internalEwpIiaIndex", response_model=EwpIiaIndex, responses=_ERRORS)
async def index_iias(
    session: SessionDep,
    principal: Machine,
    partner_hei_id: str,
    modified_since: datetime | None = None,
    receiving_academic_year_id: YearFilter = None,
) -> EwpIiaIndex:
    """Ids of exactly the IIAs ``partner_hei_id`` may get (EWP ``index``)."""
    rows = await IiaRepository(session).visible_to(
        principal.tenant,
        partner_hei_id.lower(),
        modified_since=_aware(modified_since),
        academic_years=receiving_academic_year_id,
    )
    return EwpIiaIndex(iia_ids=[str(r.id) for r in rows])


@router.get("/iias/stats", operation_id="internalEwpIiaStats", response_model=EwpIiaStats, responses=_ERRORS)
async def iia_stats(session: SessionDep, principal: Machine) -> EwpIiaStats:
    """The four figures of the EWP IIAs ``stats`` endpoint, over IIAs partners can fetch."""
    return EwpIiaStats.model_validate(await IiaRepository(session).stats(principal.tenant))


@router.get("/iia-approvals", operation_id="internalEwpIiaApprovals", response_model=EwpApprovalPage, responses=_ERRORS)
async def iia_approvals(
    session: SessionDep,
    principal: Machine,
    partner_hei_id: str,
    iia_id: Annotated[list[str], Query(min_length=1, max_length=1000, description="the PARTNER's IIA ids")],
) -> EwpApprovalPage:
    """Our approvals of the partner's copies (EWP IIAs Approval API): for each of its ids we approved, the
    hash of its copy we approved (the latest approval)."""
    rows = await IiaRepository(session).local_approvals_of_partner_copies(
        principal.tenant, partner_hei_id.lower(), iia_id
    )
    latest: dict[str, EwpApproval] = {}
    for approval in rows:
        if approval.partner_iia_id:
            latest[approval.partner_iia_id] = EwpApproval(
                iia_id=approval.partner_iia_id,
                iia_hash=approval.approved_hash,
                approved_at=approval.approved_at,
                pdf_file_id=approval.pdf_file_id,
            )
    return EwpApprovalPage(items=[latest[i] for i in iia_id if i in latest])


@router.post(
    "/iias/partner-copies",
    operation_id="internalRecordPartnerIia",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Recorded,
    responses=_ERRORS,
)
async def record_partner_copy(data: IiaReceived, session: SessionDep, principal: Machine) -> Recorded:
    """The same as the ``ewp.iia.received.v1`` event: the partner's copy as its node serves it now."""
    return Recorded(recorded=await receive_partner_copy(session, principal.tenant, data) is not None)


@router.post(
    "/iias/partner-copies/deleted",
    operation_id="internalRecordPartnerIiaDeleted",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Recorded,
    responses=_ERRORS,
)
async def record_partner_copy_deleted(data: IiaDeleted, session: SessionDep, principal: Machine) -> Recorded:
    """The same as the ``ewp.iia.deleted.v1`` event: the partner no longer serves its copy."""
    return Recorded(recorded=await partner_copy_gone(session, principal.tenant, data))


@router.post(
    "/iias/partner-approvals",
    operation_id="internalRecordPartnerApproval",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Recorded,
    responses=_ERRORS,
)
async def record_partner_approval(data: IiaApprovalReceived, session: SessionDep, principal: Machine) -> Recorded:
    """The same as the ``ewp.iia_approval.received.v1`` event: the partner approved our copy."""
    return Recorded(recorded=await receive_partner_approval(session, principal.tenant, data))
