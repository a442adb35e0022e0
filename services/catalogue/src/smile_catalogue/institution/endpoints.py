from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from smile_catalogue.http_cache import reader, revision_cached
from smile_catalogue.institution import service
from smile_catalogue.institution.models import Institution, Programme
from smile_catalogue.institution.schemas import (
    AcademicYearRead,
    AcademicYearWrite,
    BasketPolicy,
    InstitutionRead,
    InstitutionWrite,
    ProgrammeRead,
    ProgrammeWrite,
    TermRead,
    TermWrite,
    UnitRead,
    UnitWrite,
)
from smile_catalogue.institution.views import institution_view, term_view, unit_views, year_views
from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_common.security import OptionalPrincipal, Principal, Role, require_roles

router = APIRouter(tags=["institution"])

Editor = Annotated[Principal, Depends(require_roles(Role.CATALOGUE_EDITOR, Role.COORDINATOR, Role.ADMIN))]
Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Hei = Annotated[str | None, Query(description="SCHAC code of the university (required without a staff token)")]
CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
_READ = {304: {"description": "Not modified (If-None-Match)"}, **problem_responses(400, 401, 404)}
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)


# --- institution and basket rules ---------------------------------------------------------------------
@router.get("/institution", operation_id="getInstitution", response_model=InstitutionRead, responses=_READ)
async def get_institution(
    request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None
) -> Response:
    """The university: names, addresses, websites, contacts."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        institution = await service.get_institution(session, tenant)
        if institution is None:
            raise NotFound(f"No university {tenant} in this catalogue.")
        return institution_view(institution)

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/institution", operation_id="putInstitution", response_model=InstitutionRead, responses=_WRITE)
async def put_institution(data: InstitutionWrite, session: SessionDep, principal: Coordinator) -> Any:
    """Set what the university says about itself (coordinator or admin)."""
    return institution_view(await service.put_institution(session, principal, data))


@router.get("/basket-policy", operation_id="getBasketPolicy", response_model=BasketPolicy, responses=_READ)
async def get_basket_policy(
    request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None
) -> Response:
    """The rules students' baskets are checked against, and how strict each one is."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        return (await service.basket_policy(session, tenant)).model_dump()

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/basket-policy", operation_id="putBasketPolicy", response_model=BasketPolicy, responses=_WRITE)
async def put_basket_policy(data: BasketPolicy, session: SessionDep, principal: Coordinator) -> BasketPolicy:
    """Change the basket rules (coordinator or admin). Submitted baskets are not checked again."""
    return await service.put_basket_policy(session, principal, data)


# --- organisational units ------------------------------------------------------------------------------
@router.get("/units", operation_id="listUnits", response_model=list[UnitRead], responses=_READ)
async def list_units(request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None) -> Response:
    """Faculties, departments and other units, parents first; hidden units only for staff."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        return [u for u in await unit_views(session, tenant) if staff or not u["hidden"]]

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/units/{code}", operation_id="putUnit", response_model=UnitRead, responses=_WRITE)
async def put_unit(code: CodePath, data: UnitWrite, session: SessionDep, principal: Editor) -> Any:
    """Create or change a unit (``catalogue.organisational_unit.created.v1`` / ``updated.v1``).

    Moving a unit under another parent re-files its courses under the new faculty in searches.
    """
    unit, _ = await service.put_unit(session, principal, code, data)
    views = await unit_views(session, principal.tenant)
    return next(v for v in views if v["code"] == unit.code)


# --- academic years and terms --------------------------------------------------------------------------
@router.get("/academic-years", operation_id="listAcademicYears", response_model=list[AcademicYearRead], responses=_READ)
async def list_academic_years(
    request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None
) -> Response:
    """Academic years, oldest first."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        return await year_views(session, tenant)

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/academic-years/{code}", operation_id="putAcademicYear", response_model=AcademicYearRead, responses=_WRITE)
async def put_academic_year(code: CodePath, data: AcademicYearWrite, session: SessionDep, principal: Editor) -> Any:
    """Create or change an academic year, coded like ``2026-2027``."""
    await service.put_academic_year(session, principal, code, data)
    return next(y for y in await year_views(session, principal.tenant) if y["code"] == code)


@router.get("/terms", operation_id="listTerms", response_model=list[TermRead], responses=_READ)
async def list_terms(request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None) -> Response:
    """Terms, in calendar order, with their EWP ids."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        from smile_catalogue.refs import load_refs

        refs = await load_refs(session, tenant)
        return [term_view(t) for t in sorted(refs.terms.values(), key=lambda t: (t.start_date, t.code))]

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/terms/{code}", operation_id="putTerm", response_model=TermRead, responses=_WRITE)
async def put_term(code: CodePath, data: TermWrite, session: SessionDep, principal: Editor) -> Any:
    """Create or change a term of an academic year."""
    from smile_catalogue.refs import load_refs

    await service.put_term(session, principal, code, data)
    return term_view((await load_refs(session, principal.tenant)).terms[code])


# --- programmes ----------------------------------------------------------------------------------------
@router.get("/programmes", operation_id="listProgrammes", response_model=list[ProgrammeRead], responses=_READ)
async def list_programmes(
    request: Request, session: SessionDep, principal: OptionalPrincipal, hei: Hei = None
) -> Response:
    """Degree programmes courses belong to, by code."""
    tenant, staff = reader(principal, hei)

    async def build() -> Any:
        rows = await session.execute(sa.select(Programme).where(Programme.tenant == tenant).order_by(Programme.code))
        return [ProgrammeRead.model_validate(p).model_dump(mode="json") for p in rows.scalars()]

    return await revision_cached(request, session, tenant, staff, build)


@router.put("/programmes/{code}", operation_id="putProgramme", response_model=ProgrammeRead, responses=_WRITE)
async def put_programme(code: CodePath, data: ProgrammeWrite, session: SessionDep, principal: Editor) -> ProgrammeRead:
    """Create or change a programme."""
    return ProgrammeRead.model_validate(await service.put_programme(session, principal, code, data))


__all__ = ["Institution", "router"]
