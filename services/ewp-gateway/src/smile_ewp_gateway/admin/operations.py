"""Operating the gateway: notification queues, registry status and refresh, partners' APIs, keys, resync."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit import record
from smile_common.db import SessionDep
from smile_common.errors import Conflict, NotFound, Problem, ServiceUnavailable, problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_common.service import runtime_of
from smile_ewp_gateway.apis.factsheet import build_factsheet
from smile_ewp_gateway.context import Gateway, gateway_of
from smile_ewp_gateway.db import InboundChange, OutboundCall, SyncState, data_protection
from smile_ewp_gateway.identity.keystore import KeyKind
from smile_ewp_gateway.notifications.resync import RESYNCED_APIS, resync_partner
from smile_ewp_gateway.owners import OwnerError
from smile_ewp_gateway.partners.client import PartnerCallError
from smile_ewp_gateway.registry.catalogue import Catalogue
from smile_ewp_gateway.registry.service import RegistryUnavailable

router = APIRouter(tags=["EWP operations"])
Staff = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class InboundRead(BaseModel):
    id: int
    partner_hei_id: str
    api: str
    entity_id: str
    source: str
    status: str
    received_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    done_at: datetime | None


class OutboundRead(BaseModel):
    id: int
    partner_hei_id: str
    api: str
    entity_id: str
    status: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    expires_at: datetime
    last_status: int | None
    last_error: str | None
    finished_at: datetime | None


class QueuePage(BaseModel):
    counts: dict[str, int]
    items: list[dict[str, Any]]


Status = Literal["pending", "done", "sent", "failed", "expired"]


@router.get(
    "/notifications/inbound",
    operation_id="listInboundNotifications",
    response_model=QueuePage,
    responses=problem_responses(401, 403, 422),
)
async def inbound(
    session: SessionDep,
    principal: Staff,
    status: Status | None = None,
    partner_hei_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QueuePage:
    """Partners' changes SMILE was told about (CNRs, resyncs) and whether fetching them succeeded."""
    return await _queue_page(session, InboundChange, InboundRead, principal.tenant, status, partner_hei_id, limit)


@router.get(
    "/notifications/outbound",
    operation_id="listOutboundNotifications",
    response_model=QueuePage,
    responses=problem_responses(401, 403, 422),
)
async def outbound(
    session: SessionDep,
    principal: Staff,
    status: Status | None = None,
    partner_hei_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QueuePage:
    """SMILE's CNRs and decisions to partners: pending (with retries), sent, failed (refused) or expired."""
    return await _queue_page(session, OutboundCall, OutboundRead, principal.tenant, status, partner_hei_id, limit)


async def _queue_page(
    session: AsyncSession,
    model: type[InboundChange] | type[OutboundCall],
    read: type[BaseModel],
    tenant: str,
    status: str | None,
    partner_hei_id: str | None,
    limit: int,
) -> QueuePage:
    """A queue's counts by status (for the partner asked, if any) and its newest rows (of the status asked)."""
    where = [model.local_hei_id == tenant]
    if partner_hei_id:
        where.append(model.partner_hei_id == partner_hei_id.lower())
    counts = await session.execute(sa.select(model.status, sa.func.count()).where(*where).group_by(model.status))
    if status:
        where.append(model.status == status)
    rows = (await session.scalars(sa.select(model).where(*where).order_by(model.id.desc()).limit(limit))).all()
    return QueuePage(
        counts={s: int(c) for s, c in counts.all()},
        items=[read.model_validate(r, from_attributes=True).model_dump() for r in rows],
    )


@router.post(
    "/notifications/outbound/{call_id}/retry",
    operation_id="retryOutboundNotification",
    response_model=OutboundRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def retry(call_id: int, session: SessionDep, principal: Staff, request: Request) -> OutboundRead:
    """Send a failed or expired notification or decision again (after the partner fixed its side)."""
    row = await session.get(OutboundCall, call_id)
    if row is None or row.local_hei_id != principal.tenant:
        raise NotFound(f"no outbound notification {call_id}")
    if row.status not in ("failed", "expired"):
        raise Conflict(f"notification {call_id} is {row.status}; only failed or expired ones can be retried")
    now = datetime.now(UTC)
    gateway = gateway_of(runtime_of(request))
    before = row.status
    row.status, row.next_attempt_at, row.attempts, row.finished_at = "pending", now, 0, None
    row.expires_at = now + (row.expires_at - row.created_at)
    await record(
        session, data_protection.audit, tenant=principal.tenant, action="retried", object_type="outbound_call",
        object_id=row.id, changes={"status": {"before": before, "after": "pending"}},
        detail=f"{row.api} to {row.partner_hei_id}",
    )  # fmt: skip
    await session.flush()
    gateway.wake_outbound()
    return OutboundRead.model_validate(row, from_attributes=True)


@router.get("/registry", operation_id="getRegistryStatus", responses=problem_responses(401, 403))
async def registry_status(principal: Staff, request: Request) -> dict[str, Any]:
    """The registry catalogue SMILE uses: where from, when last confirmed, last error, size."""
    return await gateway_of(runtime_of(request)).registry.status()


@router.post("/registry/refresh", operation_id="refreshRegistry", responses=problem_responses(401, 403))
async def registry_refresh(principal: Admin, request: Request) -> dict[str, str]:
    """Fetch the registry catalogue now (conditionally), e.g. after registering a manifest or a key."""
    outcome = await gateway_of(runtime_of(request)).registry.refresh()
    return {"status": outcome.status, "detail": outcome.detail}


class FactsheetReadiness(BaseModel):
    #: partners get the factsheet (every part the EWP schema requires is filled in)
    served: bool
    #: what the catalogue's factsheet lacks, in its field names (``PUT /catalogue/factsheet``)
    missing: list[str]
    #: optional parts not sent to partners because they are incomplete
    left_out: list[str]
    #: why the catalogue's factsheet could not be read (partners get 503 meanwhile), if it could not
    error: str | None = None


class Readiness(BaseModel):
    hei_id: str
    factsheet: FactsheetReadiness


@router.get(
    "/readiness",
    operation_id="getEwpReadiness",
    response_model=Readiness,
    responses=problem_responses(401, 403, 404),
)
async def readiness(principal: Staff, request: Request) -> Readiness:
    """What partners get from your university's data, and what to fill in before they get all of it. The EWP
    schema requires every part of a factsheet (both calendars, the decision and transcript limits, and an
    e-mail, a phone number and a web page for application, housing, visa and insurance): until the
    catalogue's factsheet has them all, partners get an empty factsheet answer, never an invalid one."""
    gateway = gateway_of(runtime_of(request))
    if gateway.settings.covered(principal.tenant) is None:
        raise NotFound(f"SMILE does not represent {principal.tenant} on the EWP network.")
    try:
        data = await gateway.owners.factsheet(principal.tenant)
    except OwnerError as exc:
        error = f"cannot read the catalogue's factsheet: {exc}"
        return Readiness(
            hei_id=principal.tenant, factsheet=FactsheetReadiness(served=False, missing=[], left_out=[], error=error)
        )
    _root, report = build_factsheet(principal.tenant, data)
    return Readiness(
        hei_id=principal.tenant,
        factsheet=FactsheetReadiness(served=report.complete, missing=report.missing, left_out=report.left_out),
    )


async def _catalogue_to_show(gateway: Gateway) -> tuple[Catalogue, str | None]:
    """The catalogue to show staff: the trusted one, else the last copy SMILE has (with why it is not trusted);
    503 only when SMILE never had one (the registry unreachable since installation)."""
    try:
        return await gateway.registry.catalogue(), None
    except RegistryUnavailable as exc:
        if gateway.registry.current is None:
            raise ServiceUnavailable(f"{exc}; see GET /registry") from exc
        return gateway.registry.current, str(exc)


@router.get("/partners/{hei_id}", operation_id="getEwpPartner", responses=problem_responses(401, 403, 404, 503))
async def partner(hei_id: str, principal: Staff, session: SessionDep, request: Request) -> dict[str, Any]:
    """What the registry says about an institution (names, ids, EWP APIs and versions) and SMILE's sync state.

    When the registry cannot be reached, the last copy SMILE has is shown, with ``registry_warning`` saying why
    it is no longer trusted; 503 when SMILE has never been able to read the registry."""
    gateway = gateway_of(runtime_of(request))
    catalogue, warning = await _catalogue_to_show(gateway)
    institution = catalogue.institutions.get(hei_id.lower())
    if institution is None:
        raise NotFound(f"{hei_id} is not in the EWP registry")
    states = (
        await session.scalars(
            sa.select(SyncState).where(
                SyncState.local_hei_id == principal.tenant, SyncState.partner_hei_id == institution.hei_id
            )
        )
    ).all()
    return {
        "hei_id": institution.hei_id,
        "names": institution.names,
        "other_ids": [{"type": t, "value": v} for t, v in institution.other_ids],
        "apis": catalogue.apis_of(institution.hei_id),
        "sync": [{"api": s.api, "last_success_at": s.last_success_at, "last_error": s.last_error} for s in states],
        "registry_warning": warning,
    }


@router.post(
    "/partners/{hei_id}/resync", operation_id="resyncEwpPartner", responses=problem_responses(401, 403, 404, 502, 503)
)
async def resync(
    hei_id: str,
    principal: Staff,
    request: Request,
    api: Literal["iias", "omobilities", "omobility-las"] = "iias",
    full: bool = True,
) -> dict[str, Any]:
    """Refresh now: ask the partner's ``index`` and fetch everything it lists (or what changed, ``full=false``).

    404 when the registry does not list that institution with that API (nothing is recorded), 503 when SMILE
    cannot trust its copy of the registry, 502 when the partner's node fails."""
    gateway = gateway_of(runtime_of(request))
    partner_hei_id = hei_id.lower()
    try:
        catalogue = await gateway.registry.catalogue()
    except RegistryUnavailable as exc:
        raise ServiceUnavailable(f"{exc}; see GET /registry") from exc
    name, major = RESYNCED_APIS[api][:2]
    if catalogue.api(partner_hei_id, name, major) is None:
        raise NotFound(f"the EWP registry lists no {name} v{major} API for {hei_id}")
    try:
        queued = await resync_partner(gateway, principal.tenant, partner_hei_id, api, full=full)
    except PartnerCallError as exc:
        raise Problem(exc.message, status=502, slug="partner-error", title="The partner did not answer") from exc
    return {"api": api, "queued": queued, "apis": sorted(RESYNCED_APIS)}


@router.get("/keys", operation_id="listEwpKeys", responses=problem_responses(401, 403))
async def keys(principal: Admin, request: Request) -> dict[str, Any]:
    """Your university's EWP key pairs: id, kind, creation, whether the registry lists it and which one signs."""
    gateway = gateway_of(runtime_of(request))
    catalogue = gateway.registry.current
    out = []
    kinds: tuple[KeyKind, ...] = ("client", "server")
    for kind in kinds:
        signing = None
        with contextlib.suppress(LookupError):
            signing = gateway.signing_key(principal.tenant, kind).key_id
        for stored in gateway.keys.keys(principal.tenant, kind):
            registered = None
            if catalogue is not None:
                registered = (
                    catalogue.is_client_key(stored.key_id)
                    if kind == "client"
                    else catalogue.is_server_key(stored.key_id)
                )
            out.append(
                {
                    "key_id": stored.key_id,
                    "kind": kind,
                    "created": stored.created,
                    "registered": registered,
                    "signing": stored.key_id == signing,
                }
            )
    return {"hei_id": principal.tenant, "keys": out}
