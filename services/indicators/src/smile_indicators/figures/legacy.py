"""``/catalogue/figures``: the first figure the service served, kept for existing callers."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_indicators.facts.catalogue import course_fact
from smile_indicators.figures.access import Reader

__all__ = ["router"]

router = APIRouter(prefix="/catalogue", tags=["figures"])


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
    """How many courses the university currently offers to exchange students (see also `/figures/course-offer`)."""
    query = sa.select(sa.func.count()).where(
        course_fact.c.tenant == principal.tenant, course_fact.c.status == "published"
    )
    return CourseOfferFigures(tenant=principal.tenant, courses_published=int(await session.scalar(query) or 0))
