"""Reads for the EWP gateway (role ``service``, the university in ``X-Smile-Tenant``).

Unknown ids are left out of the answers (EWP's rule), never a 404; hidden units and unpublished courses
never leave the catalogue.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.factsheet.models import Factsheet
from smile_catalogue.institution.models import Institution, OrganisationalUnit
from smile_catalogue.internal import views
from smile_catalogue.refs import load_refs
from smile_common.db import SessionDep
from smile_common.errors import NotFound, Problem, problem_responses
from smile_common.security import Principal, Role, require_roles

router = APIRouter(prefix="/internal/ewp", tags=["internal"])

Service = Annotated[Principal, Depends(require_roles(Role.SERVICE))]
Ids = Annotated[list[str], Query(max_length=1000)]
_ERRORS = problem_responses(400, 401, 403, 404)


class BadParameters(Problem):
    status, slug, title = 400, "bad-parameters", "The parameters of this read are not valid"


@router.get("/institution", operation_id="internalInstitution", responses=_ERRORS)
async def internal_institution(session: SessionDep, principal: Service) -> dict[str, Any]:
    """The university for the EWP Institutions API (404 when it has not been described yet)."""
    row = await session.get(Institution, principal.tenant)
    if row is None:
        raise NotFound(f"{principal.tenant} is not described in this catalogue (PUT /institution).")
    return views.institution(row, await load_refs(session, principal.tenant))


@router.get("/ounits", operation_id="internalOunits", responses=_ERRORS)
async def internal_ounits(
    session: SessionDep,
    principal: Service,
    ounit_id: Ids = [],  # noqa: B006
    ounit_code: Ids = [],  # noqa: B006
) -> dict[str, Any]:
    """Visible units by id or by code (not both); without either, every visible unit."""
    if ounit_id and ounit_code:
        raise BadParameters("Give ounit_id or ounit_code, not both.")
    refs = await load_refs(session, principal.tenant)
    rows = await session.execute(sa.select(OrganisationalUnit).where(OrganisationalUnit.tenant == principal.tenant))
    extra = {
        u.code: {"abbreviation": u.abbreviation, "website_url": u.website_url, "contacts": u.contacts, "city": u.city}
        for u in rows.scalars()
    }
    units = [u for u in refs.units.values() if not u.hidden]
    if ounit_id:
        units = [u for u in units if str(u.id) in set(ounit_id)]
    if ounit_code:
        units = [u for u in units if u.code in set(ounit_code)]
    return {"items": [views.ounit(u, refs, extra[u.code]) for u in sorted(units, key=lambda u: u.code)]}


@router.get("/courses", operation_id="internalCourses", responses=_ERRORS)
async def internal_courses(
    session: SessionDep,
    principal: Service,
    los_id: Ids = [],  # noqa: B006
    los_code: Ids = [],  # noqa: B006
    lois_before: Annotated[date | None, Query(description="only instances starting before this date")] = None,
    lois_after: Annotated[date | None, Query(description="only instances ending after this date")] = None,
) -> dict[str, Any]:
    """Published courses by EWP id (``CR/<id>``) or by code (not both), with one instance per term."""
    if los_id and los_code:
        raise BadParameters("Give los_id or los_code, not both.")
    if not los_id and not los_code:
        raise BadParameters("Give los_id or los_code.")
    query = sa.select(Course).where(Course.tenant == principal.tenant, Course.status == CourseStatus.PUBLISHED.value)
    if los_id:
        ids = [_course_id(value) for value in los_id]
        query = query.where(Course.id.in_([i for i in ids if i is not None]))
    else:
        query = query.where(Course.code.in_(los_code))
    refs = await load_refs(session, principal.tenant)
    rows = (await session.execute(query.order_by(Course.code))).scalars()
    return {"items": [views.course(row, refs, before=lois_before, after=lois_after) for row in rows]}


def _course_id(value: str) -> uuid.UUID | None:
    if not value.startswith("CR/"):
        return None
    try:
        return uuid.UUID(value[3:])
    except ValueError:
        return None


@router.get("/course-ids", operation_id="internalCourseIds", responses=_ERRORS)
async def internal_course_ids(
    session: SessionDep,
    principal: Service,
    modified_since: Annotated[datetime | None, Query(description="ISO 8601 date-time with an offset")] = None,
) -> dict[str, Any]:
    """Course replication: the ids of every published course, or of those changed since a moment.

    With ``modified_since``, withdrawn courses changed since then are listed too, so that a replica learns
    they are gone (the Courses read then leaves them out).
    """
    query = sa.select(Course.id).where(Course.tenant == principal.tenant)
    if modified_since is not None:
        if modified_since.tzinfo is None:
            raise BadParameters("modified_since needs a time zone offset, e.g. 2026-11-29T10:00:00+01:00.")
        statuses = [CourseStatus.PUBLISHED.value, CourseStatus.WITHDRAWN.value]
        query = query.where(Course.updated_at > modified_since, Course.status.in_(statuses))
    else:
        query = query.where(Course.status == CourseStatus.PUBLISHED.value)
    ids = (await session.execute(query.order_by(Course.code))).scalars()
    return {"los_ids": [f"CR/{course_id}" for course_id in ids]}


@router.get("/factsheet", operation_id="internalFactsheet", responses=_ERRORS)
async def internal_factsheet(session: SessionDep, principal: Service) -> dict[str, Any]:
    """The factsheet in the EWP Factsheet API's terms, plus term deadlines, language and document
    requirements (404 when the university has none)."""
    row = await session.get(Factsheet, principal.tenant)
    if row is None:
        raise NotFound(f"{principal.tenant} has no factsheet yet.", slug="no-factsheet")
    return {"hei_id": principal.tenant, **views.factsheet(row.content)}
