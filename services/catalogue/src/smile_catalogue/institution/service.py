"""Writing the university's reference data: institution, basket rules, units, years, terms, programmes.

Writes are upserts by code (``PUT``): sending the same data twice changes nothing and emits nothing, which
is what imports need too.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue import revision
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.db import outbox
from smile_catalogue.institution.models import AcademicYear, Institution, OrganisationalUnit, Programme, Term
from smile_catalogue.institution.schemas import (
    AcademicYearWrite,
    BasketPolicy,
    InstitutionWrite,
    ProgrammeWrite,
    TermWrite,
    UnitWrite,
    academic_year_code_ok,
)
from smile_catalogue.refs import UnknownReference, load_refs
from smile_common.db import utcnow
from smile_common.errors import UnprocessableEntity
from smile_common.events.payloads.catalogue import OrganisationalUnitCreated, OrganisationalUnitUpdated
from smile_common.security import Principal

M = TypeVar("M", AcademicYear, Term, Programme)


class InvalidHierarchy(UnprocessableEntity):
    slug, title = "invalid-hierarchy", "A unit cannot be its own ancestor"


async def get_institution(session: AsyncSession, tenant: str) -> Institution | None:
    return await session.get(Institution, tenant)


async def ensure_institution(session: AsyncSession, principal: Principal) -> Institution:
    institution = await session.get(Institution, principal.tenant, with_for_update=True)
    if institution is None:
        institution = Institution(
            tenant=principal.tenant,
            name={"en": principal.tenant},
            street_address={},
            contacts=[],
            basket_policy=BasketPolicy().model_dump(),
            updated_by=principal.subject,
            updated_at=utcnow(),
            version=1,
        )
        session.add(institution)
        await session.flush()
    return institution


async def put_institution(session: AsyncSession, principal: Principal, data: InstitutionWrite) -> Institution:
    institution = await ensure_institution(session, principal)
    values = data.model_dump(mode="json")
    if _apply(institution, values):
        institution.updated_by, institution.updated_at = principal.subject, utcnow()
        institution.version += 1
        await session.flush()
        await revision.bump(session, principal.tenant)
    return institution


async def basket_policy(session: AsyncSession, tenant: str) -> BasketPolicy:
    institution = await session.get(Institution, tenant)
    return BasketPolicy.model_validate(institution.basket_policy) if institution else BasketPolicy()


async def put_basket_policy(session: AsyncSession, principal: Principal, policy: BasketPolicy) -> BasketPolicy:
    institution = await ensure_institution(session, principal)
    if institution.basket_policy != policy.model_dump():
        institution.basket_policy = policy.model_dump()
        institution.updated_by, institution.updated_at = principal.subject, utcnow()
        institution.version += 1
        await session.flush()
        await revision.bump(session, principal.tenant)
    return policy


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


# --- organisational units ----------------------------------------------------------------------------
async def put_unit(
    session: AsyncSession, principal: Principal, code: str, data: UnitWrite
) -> tuple[OrganisationalUnit, bool]:
    """Create or update the unit ``code``; return it and whether it was created."""
    tenant = principal.tenant
    unit = (
        await session.execute(
            sa.select(OrganisationalUnit)
            .where(OrganisationalUnit.tenant == tenant, OrganisationalUnit.code == code)
            .with_for_update()
        )
    ).scalar_one_or_none()
    parent_id = await _parent_id(session, tenant, code, data.parent_code)
    values = data.model_dump(mode="json", exclude={"parent_code"}) | {"parent_id": parent_id}
    now = utcnow()
    created = unit is None
    if unit is None:
        unit = OrganisationalUnit(id=uuid.uuid4(), tenant=tenant, code=code, created_at=now, version=0, **values)
        session.add(unit)
        old_parent: uuid.UUID | None = parent_id
    else:
        old_parent = unit.parent_id
        if not _apply(unit, values):
            return unit, False
    unit.updated_at, unit.updated_by = now, principal.subject
    unit.version += 1
    await session.flush()
    await revision.bump(session, tenant)
    event = OrganisationalUnitCreated if created else OrganisationalUnitUpdated
    await outbox.record(session, _unit_payload(event, unit, data.parent_code), tenant=tenant, subject=str(unit.id))
    if not created and old_parent != parent_id:
        await _reindex_subtree(session, tenant, code)
    return unit, created


async def _parent_id(session: AsyncSession, tenant: str, code: str, parent_code: str | None) -> uuid.UUID | None:
    if parent_code is None:
        return None
    refs = await load_refs(session, tenant)
    parent = refs.units.get(parent_code)
    if parent is None:
        raise UnknownReference(
            f"parent_code: no organisational unit has the code '{parent_code}'",
            errors=[{"loc": ["parent_code"], "msg": f"no organisational unit has the code '{parent_code}'"}],
        )
    if code in refs.ancestry().get(parent_code, []):
        raise InvalidHierarchy(f"'{parent_code}' is '{code}' or one of its sub-units.")
    return parent.id


async def _reindex_subtree(session: AsyncSession, tenant: str, code: str) -> None:
    from smile_catalogue.courses.service import reindex  # courses depend on units, not the other way round

    refs = await load_refs(session, tenant)
    subtree = [unit for unit, chain in refs.ancestry().items() if code in chain]
    courses = await CourseRepository(session).in_units(tenant, subtree)
    if courses:
        await reindex(session, courses, refs)


def _unit_payload(
    event: type[OrganisationalUnitCreated] | type[OrganisationalUnitUpdated],
    unit: OrganisationalUnit,
    parent_code: str | None,
) -> OrganisationalUnitCreated | OrganisationalUnitUpdated:
    return event(
        organisational_unit_id=unit.id,
        code=unit.code,
        name=dict(unit.name),
        abbreviation=unit.abbreviation,
        kind=unit.kind,
        parent_code=parent_code,
        city=unit.city,
        hidden=unit.hidden,
        changed_by=unit.updated_by,
        changed_at=unit.updated_at,
        version=unit.version,
    )


# --- academic years, terms, programmes ---------------------------------------------------------------
async def _by_code(session: AsyncSession, model: type[M], tenant: str, code: str) -> M | None:
    query = sa.select(model).where(model.tenant == tenant, model.code == code).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def put_academic_year(
    session: AsyncSession, principal: Principal, code: str, data: AcademicYearWrite
) -> AcademicYear:
    if not academic_year_code_ok(code):
        raise UnprocessableEntity(f"'{code}' is not an academic year such as 2026-2027.")
    year = await _by_code(session, AcademicYear, principal.tenant, code)
    values = data.model_dump() | {"name": data.name or {"fr": code, "en": code}}
    if year is None:
        year = AcademicYear(id=uuid.uuid4(), tenant=principal.tenant, code=code, updated_at=utcnow(), **values)
        session.add(year)
    elif not _apply(year, values):
        return year
    year.updated_at = utcnow()
    await session.flush()
    await revision.bump(session, principal.tenant)
    return year


async def put_term(session: AsyncSession, principal: Principal, code: str, data: TermWrite) -> Term:
    year = (
        await session.execute(
            sa.select(AcademicYear).where(
                AcademicYear.tenant == principal.tenant, AcademicYear.code == data.academic_year_code
            )
        )
    ).scalar_one_or_none()
    if year is None:
        message = f"no academic year has the code '{data.academic_year_code}'"
        raise UnknownReference(
            f"academic_year_code: {message}", errors=[{"loc": ["academic_year_code"], "msg": message}]
        )
    term = await _by_code(session, Term, principal.tenant, code)
    values = data.model_dump(exclude={"academic_year_code"}) | {"academic_year_id": year.id}
    if term is None:
        term = Term(id=uuid.uuid4(), tenant=principal.tenant, code=code, updated_at=utcnow(), **values)
        session.add(term)
    elif not _apply(term, values):
        return term
    term.updated_at = utcnow()
    await session.flush()
    await revision.bump(session, principal.tenant)
    return term


async def put_programme(session: AsyncSession, principal: Principal, code: str, data: ProgrammeWrite) -> Programme:
    if data.organisational_unit_code is not None:
        refs = await load_refs(session, principal.tenant)
        if data.organisational_unit_code not in refs.units:
            message = f"no organisational unit has the code '{data.organisational_unit_code}'"
            raise UnknownReference(message, errors=[{"loc": ["organisational_unit_code"], "msg": message}])
    programme = await _by_code(session, Programme, principal.tenant, code)
    values = data.model_dump(mode="json")
    if programme is None:
        programme = Programme(id=uuid.uuid4(), tenant=principal.tenant, code=code, version=0, **values)
        session.add(programme)
    elif not _apply(programme, values):
        return programme
    programme.updated_at, programme.updated_by = utcnow(), principal.subject
    programme.version += 1
    await session.flush()
    await revision.bump(session, principal.tenant)
    return programme
