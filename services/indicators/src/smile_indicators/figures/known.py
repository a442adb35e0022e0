"""The values each dimension takes in a university's read models (filter checks and filter lists)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.agreements import iia_fact
from smile_indicators.facts.records import survey_fact
from smile_indicators.figures.population import load_dimensions, mobility_records

__all__ = ["mobility_values"]


async def mobility_values(session: AsyncSession, tenant: str) -> dict[str, set[str]]:
    dims = await load_dimensions(session, tenant)
    mobilities = (await mobility_records(session, tenant, dims)).values()
    partners = set(dims.partners) | {m["partner"] for m in mobilities if m["partner"]}
    partners |= set(
        (await session.scalars(sa.select(iia_fact.c.partner_hei_id).where(iia_fact.c.tenant == tenant))).all()
    )
    partners |= {
        p
        for p in (
            await session.scalars(sa.select(survey_fact.c.sending_hei_id).where(survey_fact.c.tenant == tenant))
        ).all()
        if p
    }
    countries = {c for c in (dims.country_of(p) for p in partners) if c}
    countries |= {
        c
        for c in (await session.scalars(sa.select(iia_fact.c.partner_country).where(iia_fact.c.tenant == tenant))).all()
        if c
    }
    faculties = {dims.faculty_of(code) for code in dims.units} | {m["faculty"] for m in mobilities}
    return {
        "partner": partners,
        "country": countries,
        "faculty": {f for f in faculties if f},
        "programme": {m["programme"] for m in mobilities if m["programme"]},
        "academic_year": {m["academic_year"] for m in mobilities if m["academic_year"]},
        "term": {m["term"] for m in mobilities if m["term"]},
        "isced": {m["isced"] for m in mobilities if m["isced"]},
        "eqf": {str(m["eqf"]) for m in mobilities if m["eqf"]},
    }
