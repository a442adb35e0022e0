from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_indicators.catalogue.handlers import published_count

router = APIRouter(prefix="/catalogue", tags=["catalogue"])

Reader = Annotated[Principal, Depends(require_roles(Role.ANALYST, Role.COORDINATOR, Role.ADMIN))]


class CourseOfferFigures(BaseModel):
    tenant: str
    courses_published: int


@router.get(
    "/figures",
    operation_id="getCourseOfferFigures",
    response_model=CourseOfferFigures,
    responses=problem_responses(401, 403),
)
async def course_offer_figures(session: SessionDep, principal: Reader) -> CourseOfferFigures:
    """How many courses the university currently offers to exchange students."""
    return CourseOfferFigures(
        tenant=principal.tenant, courses_published=await published_count(session, principal.tenant)
    )
