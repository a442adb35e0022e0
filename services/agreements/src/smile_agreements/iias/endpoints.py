"""The international relations office's IIA API: draft, share, amend, approve, terminate, delete, compare,
quotas, history."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from smile_agreements.iias import approvals, service
from smile_agreements.iias.compare import Comparison, compare
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.core import load
from smile_agreements.iias.ewpxml import render_iia, render_response
from smile_agreements.iias.iiahash import hash_iia
from smile_agreements.iias.importer import import_iias as import_iias_file
from smile_agreements.iias.quotas import ConditionQuota, quotas_for
from smile_agreements.iias.reading import approval_read, iia_read, list_item
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import (
    ApprovalRead,
    ApproveRequest,
    HashRead,
    HistoryLine,
    HistoryRead,
    IiaCreate,
    IiaPage,
    IiaRead,
    IiaUpdate,
    PartnerApprovalRecord,
    ShareRequest,
    TerminateRequest,
    VersionRead,
)
from smile_agreements.partners.importer import summary
from smile_agreements.partners.schemas import ImportReport
from smile_common.db import SessionDep
from smile_common.errors import NotFound, Problem, problem_responses
from smile_common.events.payloads.agreements import IiaStatus
from smile_common.security import Principal, Role, require_roles

router = APIRouter(prefix="/iias", tags=["iias"])

Office = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.COORDINATOR, Role.ADMIN, Role.REFERENT, Role.REGISTRAR, Role.ANALYST)),
]
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
_SHEETS = (
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
_READ = problem_responses(401, 403, 404)


@router.post(
    "", operation_id="createIia", status_code=status.HTTP_201_CREATED, response_model=IiaRead, responses=_WRITE
)
async def create_iia(data: IiaCreate, session: SessionDep, principal: Office) -> IiaRead:
    """Create SMILE's copy of an IIA (a draft unless ``share`` is true). ``partners[0]`` is your university
    with your agreement number in ``iia_code``; the partner must be known (partner list or EWP registry)."""
    loaded = await service.create_iia(session, principal.tenant, principal.subject, data)
    return await iia_read(session, loaded)


@router.get("", operation_id="listIias", response_model=IiaPage, responses=problem_responses(400, 401, 403))
async def list_iias(
    session: SessionDep,
    principal: Reader,
    status_: Annotated[list[IiaStatus] | None, Query(alias="status")] = None,
    partner_hei_id: str | None = None,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$")] = None,
    q: Annotated[str | None, Query(max_length=100, description="agreement number or partner")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IiaPage:
    """IIAs ordered by agreement number, filtered by status, partner, academic year covered or text."""
    repo = IiaRepository(session)
    rows = await repo.list_page(
        principal.tenant,
        statuses=[s.value for s in status_] if status_ else None,
        partner_hei_id=partner_hei_id.lower() if partner_hei_id else None,
        academic_year=academic_year,
        text=q,
        after=_decode(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    conditions = await repo.conditions_of(principal.tenant, [r.id for r in page])
    items = [list_item(r, conditions[r.id]) for r in page]
    return IiaPage(items=items, next_cursor=_encode(page[-1].code, page[-1].id) if len(rows) > limit else None)


@router.post(
    "/import",
    operation_id="importIias",
    response_model=ImportReport,
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_iias(
    request: Request,
    session: SessionDep,
    principal: Office,
    dry_run: Annotated[bool, Query(description="check every row and change nothing")] = False,
    share: Annotated[bool, Query(description="share the new IIAs with the partners at once")] = False,
    filename: str | None = None,
) -> ImportReport:
    """Import IIAs from a CSV or XLSX export (EWP Dashboard or another tool): one row per cooperation
    condition, grouped by agreement number (columns in docs/iias.md). Each IIA is created, amended (same
    agreement number) or refused; the report gives the outcome of each row and why."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _SHEETS:
        raise Problem("Send text/csv or an XLSX workbook.", status=415, slug="unsupported-media-type")
    body = await request.body()
    async with session.begin_nested() as everything:
        lines = await import_iias_file(
            session, principal.tenant, principal.subject, body, filename, content_type, share=share
        )
        if dry_run:
            await everything.rollback()
    return summary(dry_run, lines)


@router.get("/quotas", operation_id="listIiaQuotas", response_model=list[ConditionQuota], responses=_READ)
async def list_quotas(
    session: SessionDep,
    principal: Reader,
    academic_year: Annotated[str, Query(pattern=r"^\d{4}/\d{4}$")],
    over_quota_only: bool = False,
) -> list[ConditionQuota]:
    """Incoming and outgoing cooperation conditions in force in ``academic_year``: mobilities planned
    against nominations received (incoming ones), with those over quota flagged."""
    repo = IiaRepository(session)
    iias = await repo.list_page(
        principal.tenant,
        statuses=None,
        partner_hei_id=None,
        academic_year=academic_year,
        text=None,
        after=None,
        limit=10000,
    )
    conditions = await repo.conditions_of(principal.tenant, [i.id for i in iias])
    quotas = await quotas_for(session, principal.tenant, iias, conditions, academic_year=academic_year)
    return [q for q in quotas if q.over_quota or not over_quota_only]


@router.get("/{iia_id}", operation_id="getIia", response_model=IiaRead, responses=_READ)
async def get_iia(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> IiaRead:
    """An IIA: our copy (v7 fields), status, approvals (and whether each still holds), the partner's copy."""
    return await iia_read(session, await load(session, principal.tenant, iia_id))


@router.put("/{iia_id}", operation_id="updateIia", response_model=IiaRead, responses=_WRITE)
async def update_iia(iia_id: uuid.UUID, data: IiaUpdate, session: SessionDep, principal: Office) -> IiaRead:
    """Amend the IIA: a new version. Approvals of the previous text stop holding when the hash changes."""
    loaded = await service.update_iia(session, principal.tenant, principal.subject, iia_id, data)
    return await iia_read(session, loaded)


@router.post("/{iia_id}/share", operation_id="shareIia", response_model=IiaRead, responses=_WRITE)
async def share_iia(iia_id: uuid.UUID, data: ShareRequest, session: SessionDep, principal: Office) -> IiaRead:
    """Make the draft visible to the partner (EWP: it appears in our IIAs API and a CNR is sent)."""
    loaded = await service.share_iia(session, principal.tenant, principal.subject, iia_id, data.version)
    return await iia_read(session, loaded)


@router.post("/{iia_id}/approve", operation_id="approveIia", response_model=IiaRead, responses=_WRITE)
async def approve_iia(iia_id: uuid.UUID, data: ApproveRequest, session: SessionDep, principal: Office) -> IiaRead:
    """Approve the partner's copy exactly as shown (``partner_iia_hash``), or our copy for a partner
    outside EWP. 409 when either copy changed since, or when they differ in hashed fields; 422 when
    the copy holds values 'not yet defined'. A snapshot of what was approved is kept."""
    loaded, _ = await approvals.approve_iia(session, principal.tenant, principal.subject, iia_id, data)
    return await iia_read(session, loaded)


@router.post(
    "/{iia_id}/partner-approval", operation_id="recordPartnerApproval", response_model=IiaRead, responses=_WRITE
)
async def record_partner_approval(
    iia_id: uuid.UUID, data: PartnerApprovalRecord, session: SessionDep, principal: Office
) -> IiaRead:
    """For a partner outside EWP: record that it approved (signed) our copy at ``version``."""
    loaded, _ = await approvals.record_partner_approval(session, principal.tenant, principal.subject, iia_id, data)
    return await iia_read(session, loaded)


@router.post("/{iia_id}/terminate", operation_id="terminateIia", response_model=IiaRead, responses=_WRITE)
async def terminate_iia(iia_id: uuid.UUID, data: TerminateRequest, session: SessionDep, principal: Office) -> IiaRead:
    """Terminate a mutually approved IIA, as a whole (no exchange took place) or after an academic year."""
    loaded = await service.terminate_iia(session, principal.tenant, principal.subject, iia_id, data)
    return await iia_read(session, loaded)


@router.delete(
    "/{iia_id}",
    operation_id="deleteIia",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_WRITE,
)
async def delete_iia(
    iia_id: uuid.UUID, session: SessionDep, principal: Office, version: Annotated[int, Query(ge=1)]
) -> Response:
    """Delete an IIA that was never mutually approved; it disappears from EWP, its id is never reused."""
    await service.delete_iia(session, principal.tenant, principal.subject, iia_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{iia_id}/comparison", operation_id="compareIia", response_model=Comparison, responses=_READ)
async def compare_iia(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> Comparison:
    """Our copy against the partner's, field by field, with whether each difference affects the hash."""
    loaded = await load(session, principal.tenant, iia_id)
    copy = loaded.copy
    if copy is None or copy.content is None:
        raise NotFound("SMILE holds no readable copy of this IIA from the partner.")
    return compare(loaded.content, IiaContent.model_validate(copy.content))


@router.get("/{iia_id}/quotas", operation_id="getIiaQuotas", response_model=list[ConditionQuota], responses=_READ)
async def get_quotas(
    iia_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$")] = None,
) -> list[ConditionQuota]:
    """For each condition and academic year: mobilities planned, nominations received, over quota or not."""
    loaded = await load(session, principal.tenant, iia_id)
    conditions = {loaded.iia.id: loaded.conditions}
    return await quotas_for(session, principal.tenant, [loaded.iia], conditions, academic_year=academic_year)


@router.get("/{iia_id}/hash", operation_id="getIiaHash", response_model=HashRead, responses=_READ)
async def get_hash(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> HashRead:
    """How our copy's ``iia-hash`` is made (the v7 ``text-to-hash`` string), to check it with a partner."""
    loaded = await load(session, principal.tenant, iia_id)
    element, _ = render_iia(loaded.content)
    result = hash_iia(element)
    return HashRead(
        iia_hash=result.iia_hash, text_to_hash=result.text_to_hash, valid_for_approval=result.valid_for_approval
    )


@router.get(
    "/{iia_id}/ewp-xml",
    operation_id="getIiaEwpXml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, **_READ},
)
async def get_ewp_xml(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> Response:
    """Our copy as an EWP IIAs v7 ``get`` response, exactly as partners read it."""
    loaded = await load(session, principal.tenant, iia_id)
    return Response(render_response([loaded.content]), media_type="application/xml")


@router.get("/{iia_id}/approvals", operation_id="listIiaApprovals", response_model=list[ApprovalRead], responses=_READ)
async def list_approvals(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[ApprovalRead]:
    """Every approval with the snapshot of exactly what was approved (content and XML) and its hash."""
    loaded = await load(session, principal.tenant, iia_id)
    rows = await IiaRepository(session).approvals(principal.tenant, iia_id)
    return [approval_read(a, loaded) for a in rows]


@router.get("/{iia_id}/history", operation_id="getIiaHistory", response_model=HistoryRead, responses=_READ)
async def get_history(iia_id: uuid.UUID, session: SessionDep, principal: Reader) -> HistoryRead:
    """Every version of our copy, and who did what when."""
    await load(session, principal.tenant, iia_id)
    repo = IiaRepository(session)
    versions = [
        VersionRead.model_validate(v, from_attributes=True) for v in await repo.versions(principal.tenant, iia_id)
    ]
    lines = [HistoryLine.model_validate(h, from_attributes=True) for h in await repo.history(principal.tenant, iia_id)]
    return HistoryRead(versions=versions, events=lines)


def _encode(code: str, iia_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{iia_id}|{code}".encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ident, _, code = raw.partition("|")
        return code, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
