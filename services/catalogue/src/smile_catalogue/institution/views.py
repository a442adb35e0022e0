"""Reference data as JSON-ready dicts (the shape of the *Read schemas), for public and internal reads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.institution.models import AcademicYear, Institution, OrganisationalUnit
from smile_catalogue.institution.schemas import InstitutionRead, UnitRead
from smile_catalogue.refs import TermRef


def institution_view(institution: Institution) -> dict[str, Any]:
    values = {
        name: getattr(institution, name)
        for name in InstitutionRead.model_fields
        if name not in {"hei_id"} and hasattr(institution, name)
    }
    return InstitutionRead.model_validate({**values, "hei_id": institution.tenant}).model_dump(mode="json")


async def unit_views(session: AsyncSession, tenant: str) -> list[dict[str, Any]]:
    """Every unit of the university, each parent before its children, then by code."""
    units = list(
        (await session.execute(sa.select(OrganisationalUnit).where(OrganisationalUnit.tenant == tenant))).scalars()
    )
    by_id = {u.id: u for u in units}
    children: dict[Any, list[OrganisationalUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in by_id else None, []).append(unit)
    ordered: list[dict[str, Any]] = []

    def walk(parent: Any, parent_code: str | None) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: u.code):
            view = UnitRead.model_validate(unit).model_dump(mode="json")
            view["parent_code"] = parent_code
            ordered.append(view)
            walk(unit.id, unit.code)

    walk(None, None)
    return ordered


async def year_views(session: AsyncSession, tenant: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        sa.select(AcademicYear).where(AcademicYear.tenant == tenant).order_by(AcademicYear.start_date)
    )
    return [
        {
            "code": y.code,
            "ewp_id": y.code.replace("-", "/"),
            "name": y.name,
            "start_date": y.start_date.isoformat(),
            "end_date": y.end_date.isoformat(),
        }
        for y in rows.scalars()
    ]


def term_view(term: TermRef) -> dict[str, Any]:
    return {
        "code": term.code,
        "academic_year_code": term.academic_year_code,
        "academic_year_id": term.academic_year_id,
        "ewp_id": term.ewp_id,
        "ordinal": term.ordinal,
        "terms_in_year": term.terms_in_year,
        "name": term.name,
        "start_date": term.start_date.isoformat(),
        "end_date": term.end_date.isoformat(),
    }
