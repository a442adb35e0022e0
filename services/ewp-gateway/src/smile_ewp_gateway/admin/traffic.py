"""The traffic log, searchable: who called whom, which API, status, duration, error; the signed
request and response of archived exchanges (approvals, decisions) for non-repudiation."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from smile_common.audit import record_read
from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_ewp_gateway.db import Traffic, data_protection

router = APIRouter(prefix="/traffic", tags=["traffic log"])
Staff = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]


class TrafficRead(BaseModel):
    id: int
    direction: Literal["in", "out"]
    local_hei_id: str | None
    partner_hei_id: str | None
    api: str
    endpoint: str | None
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None
    request_id: str | None
    key_id: str | None
    signed_response: bool | None
    archived: bool
    started_at: datetime


class Message(BaseModel):
    headers: list[tuple[str, str]]
    #: the body as UTF-8 text when it is text, else None (see ``body_base64``)
    body: str | None
    body_base64: str | None


class TrafficDetail(TrafficRead):
    request: Message
    response: Message


class TrafficPage(BaseModel):
    items: list[TrafficRead]
    #: pass as ``before_id`` to get the next (older) page
    next_before_id: int | None


def _message(headers: list[Any], body: bytes | None) -> Message:
    text = None
    if body is not None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    encoded = base64.b64encode(body).decode("ascii") if body is not None and text is None else None
    return Message(headers=[(str(h[0]), str(h[1])) for h in headers], body=text, body_base64=encoded)


@router.get("", operation_id="listTraffic", response_model=TrafficPage, responses=problem_responses(401, 403, 422))
async def list_traffic(
    session: SessionDep,
    principal: Staff,
    direction: Literal["in", "out"] | None = None,
    partner_hei_id: str | None = None,
    api: str | None = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    errors_only: bool = False,
    archived: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TrafficPage:
    """EWP exchanges of your university, newest first, filtered by direction, partner, API, status or time.
    ``errors_only`` keeps failed exchanges (4xx/5xx or no answer)."""
    query = sa.select(Traffic).where(Traffic.local_hei_id == principal.tenant)
    if direction:
        query = query.where(Traffic.direction == direction)
    if partner_hei_id:
        query = query.where(Traffic.partner_hei_id.contains(partner_hei_id.lower()))
    if api:
        query = query.where(Traffic.api == api)
    if status is not None:
        query = query.where(Traffic.status == status)
    if errors_only:
        query = query.where(sa.or_(Traffic.status.is_(None), Traffic.status >= 400, Traffic.error.is_not(None)))
    if archived is not None:
        query = query.where(Traffic.archived.is_(archived))
    if since is not None:
        query = query.where(Traffic.started_at >= since)
    if until is not None:
        query = query.where(Traffic.started_at < until)
    if before_id is not None:
        query = query.where(Traffic.id < before_id)
    rows = (await session.scalars(query.order_by(Traffic.id.desc()).limit(limit + 1))).all()
    items = [TrafficRead.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return TrafficPage(items=items, next_before_id=items[-1].id if len(rows) > limit else None)


@router.get(
    "/{traffic_id}", operation_id="getTraffic", response_model=TrafficDetail, responses=problem_responses(401, 403, 404)
)
async def get_traffic(traffic_id: int, session: SessionDep, principal: Staff) -> TrafficDetail:
    """One exchange with its headers and bodies (bodies are kept for archived exchanges and small ones).
    The bodies name students: reading them is recorded in the audit trail."""
    row = await session.get(Traffic, traffic_id)
    if row is None or row.local_hei_id != principal.tenant:
        raise NotFound(f"no exchange {traffic_id}")
    what = " ".join(filter(None, (row.api, row.endpoint, "with", row.partner_hei_id)))
    await record_read(
        session, data_protection.audit, tenant=principal.tenant, object_type="ewp_traffic", object_id=row.id,
        fields=["request", "response"], detail=what,
    )  # fmt: skip
    base = TrafficRead.model_validate(row, from_attributes=True)
    return TrafficDetail(
        **base.model_dump(),
        request=_message(row.request_headers, row.request_body),
        response=_message(row.response_headers, row.response_body),
    )
