from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from smile_catalogue.factsheet.schemas import FactsheetContent, FactsheetRead
from smile_catalogue.factsheet.service import factsheet_view, put_factsheet
from smile_catalogue.http_cache import reader, revision_cached
from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import OptionalPrincipal, Principal, Role, require_roles

router = APIRouter(prefix="/factsheet", tags=["factsheet"])

Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]


@router.get(
    "",
    operation_id="getFactsheet",
    response_model=FactsheetRead,
    responses={304: {"description": "Not modified (If-None-Match)"}, **problem_responses(400, 401, 404)},
)
async def get_factsheet(
    request: Request,
    session: SessionDep,
    principal: OptionalPrincipal,
    hei: Annotated[str | None, Query(description="SCHAC code of the university")] = None,
) -> Response:
    """The university's factsheet for incoming students: deadlines, requirements, housing, visa, insurance,
    accessibility, the academic calendar and contacts."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        return await factsheet_view(session, tenant)

    return await revision_cached(request, session, tenant, staff, build)


@router.put(
    "",
    operation_id="putFactsheet",
    response_model=FactsheetRead,
    responses=problem_responses(400, 401, 403, 422),
)
async def replace_factsheet(data: FactsheetContent, session: SessionDep, principal: Coordinator) -> Any:
    """Replace the factsheet (coordinator or admin). Term deadlines must name existing terms."""
    await put_factsheet(session, principal, data)
    return await factsheet_view(session, principal.tenant)
