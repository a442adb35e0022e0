"""Partners' copies of IIAs received through EWP: list, read, match to one of our IIAs, or adopt."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from smile_agreements.iias.endpoints import Office, Reader
from smile_agreements.iias.partner_copies import adopt_copy, match_copy
from smile_agreements.iias.reading import copy_read, iia_read
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import AdoptRequest, IiaRead, MatchRequest, PartnerCopyRead
from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses

router = APIRouter(prefix="/partner-copies", tags=["iias"])
_WRITE = problem_responses(401, 403, 404, 409, 422)


@router.get(
    "", operation_id="listPartnerCopies", response_model=list[PartnerCopyRead], responses=problem_responses(401, 403)
)
async def list_partner_copies(
    session: SessionDep,
    principal: Reader,
    unmatched: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PartnerCopyRead]:
    """Partners' copies, newest first; ``unmatched`` lists those not yet linked to one of our IIAs."""
    rows = await IiaRepository(session).partner_copies(
        principal.tenant, unmatched=unmatched, limit=limit, offset=offset
    )
    return [copy_read(c) for c in rows]


@router.get(
    "/{copy_id}",
    operation_id="getPartnerCopy",
    response_model=PartnerCopyRead,
    responses=problem_responses(401, 403, 404),
)
async def get_partner_copy(copy_id: uuid.UUID, session: SessionDep, principal: Reader) -> PartnerCopyRead:
    """A partner's copy as received, and as SMILE reads it (``content``, or ``problems`` if unreadable)."""
    copy = await IiaRepository(session).partner_copy_by_id(principal.tenant, copy_id)
    if copy is None:
        raise NotFound(f"No partner copy {copy_id}.")
    return copy_read(copy)


@router.post("/{copy_id}/match", operation_id="matchPartnerCopy", response_model=IiaRead, responses=_WRITE)
async def match_partner_copy(copy_id: uuid.UUID, data: MatchRequest, session: SessionDep, principal: Office) -> IiaRead:
    """Link the partner's copy to our IIA: ours then names the partner's id (a new version)."""
    loaded = await match_copy(session, principal.tenant, principal.subject, copy_id, data.iia_id)
    return await iia_read(session, loaded)


@router.post(
    "/{copy_id}/adopt",
    operation_id="adoptPartnerCopy",
    status_code=status.HTTP_201_CREATED,
    response_model=IiaRead,
    responses=_WRITE,
)
async def adopt_partner_copy(copy_id: uuid.UUID, data: AdoptRequest, session: SessionDep, principal: Office) -> IiaRead:
    """Create our copy (a draft) from the partner's: same conditions, mapped to the partner's id."""
    loaded = await adopt_copy(session, principal.tenant, principal.subject, copy_id, data)
    return await iia_read(session, loaded)
