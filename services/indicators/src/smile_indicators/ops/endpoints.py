"""``/ingestion``: the event log seen from the operator's side."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.log import event_log

__all__ = ["router"]

router = APIRouter(tags=["operations"])

Operator = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.ANALYST))]


class EventTypeCount(BaseModel):
    type: str
    events: int
    projected: bool = Field(description="False: the indicators do not use this type (kept in the log, counted)")
    last_occurred_at: datetime


class Ingestion(BaseModel):
    events: int = Field(description="Events received for your university (each once)")
    ignored: int = Field(description="Events of types the indicators do not use")
    types: list[EventTypeCount]
    last_recorded_at: datetime | None


@router.get(
    "/ingestion",
    operation_id="getIngestion",
    response_model=Ingestion,
    responses=problem_responses(401, 403),
)
async def ingestion(session: SessionDep, principal: Operator) -> Ingestion:
    """Events received by the indicators for your university, by type, and those it ignores."""
    query = (
        sa.select(event_log.c.event_type, sa.func.count(), sa.func.max(event_log.c.occurred_at))
        .where(event_log.c.tenant == principal.tenant)
        .group_by(event_log.c.event_type)
        .order_by(event_log.c.event_type)
    )
    known = set(PROJECTOR.event_types)
    types = [
        EventTypeCount(type=name, events=count, projected=name in known, last_occurred_at=last)
        for name, count, last in (await session.execute(query)).all()
    ]
    last = await session.scalar(
        sa.select(sa.func.max(event_log.c.recorded_at)).where(event_log.c.tenant == principal.tenant)
    )
    return Ingestion(
        events=sum(t.events for t in types),
        ignored=sum(t.events for t in types if not t.projected),
        types=types,
        last_recorded_at=last,
    )
