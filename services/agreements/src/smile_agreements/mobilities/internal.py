"""Reads for the EWP gateway (service role): what SMILE serves in EWP Incoming Mobilities v2."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from smile_agreements.mobilities.deps import Machine
from smile_agreements.mobilities.repository import MobilityRepository
from smile_common.db import SessionDep
from smile_common.errors import problem_responses

router = APIRouter(prefix="/internal", tags=["internal"])


class ImobilityRead(BaseModel):
    omobility_id: str
    sending_hei_id: str
    status: str
    actual_arrival_date: date | None
    actual_departure_date: date | None


class ImobilityPage(BaseModel):
    items: list[ImobilityRead]


@router.get(
    "/imobilities",
    operation_id="internalGetImobilities",
    response_model=ImobilityPage,
    responses=problem_responses(401, 403, 422),
)
async def get_imobilities(
    session: SessionDep,
    principal: Machine,
    omobility_id: Annotated[list[str], Query(min_length=1, max_length=1000)],
    sending_hei_id: str | None = None,
) -> ImobilityPage:
    """Actual arrival and departure dates of the tenant's incoming mobilities, by the sender's omobility
    ids (unknown ids are left out). With ``sending_hei_id``, only that partner's mobilities (EWP: a caller
    sees the mobilities it sends)."""
    rows = await MobilityRepository(session).by_omobility_ids(principal.tenant, omobility_id)
    if sending_hei_id:
        rows = [m for m in rows if m.sending_hei_id == sending_hei_id.lower()]
    return ImobilityPage(
        items=[
            ImobilityRead(
                omobility_id=m.omobility_id or "",
                sending_hei_id=m.sending_hei_id,
                status=m.status,
                actual_arrival_date=m.actual_arrival_date,
                actual_departure_date=m.actual_departure_date,
            )
            for m in rows
        ]
    )
