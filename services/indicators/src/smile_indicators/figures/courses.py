"""The course offer open to exchange students, from the catalogue's events."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.catalogue import course_fact
from smile_indicators.figures.framework import Indicator, Measure, Record
from smile_indicators.figures.population import load_dimensions

__all__ = ["COURSE_OFFER"]


async def _records(session: AsyncSession, tenant: str) -> list[Record]:
    # a course given by a department counts under its faculty, as mobilities and the courses dataset do
    dims = await load_dimensions(session, tenant)
    query = sa.select(course_fact).where(course_fact.c.tenant == tenant)
    return [
        {
            "faculty": dims.faculty_of(row.organisational_unit_code),
            "isced": row.isced_code,
            "eqf": row.eqf_level,
            "term": list(row.term_codes or []),
            "date": row.first_published_at.date() if row.first_published_at else None,
            "status": row.status,
            "ects": row.ects,
        }
        for row in (await session.execute(query)).all()
    ]


def _summarise(records: list[Record]) -> dict[str, object]:
    published = [r for r in records if r["status"] == "published"]
    return {
        "courses_published": len(published),
        "ects_offered": round(sum(r["ects"] for r in published), 2),
        "courses_withdrawn": sum(1 for r in records if r["status"] == "withdrawn"),
    }


COURSE_OFFER = Indicator(
    slug="course-offer",
    operation="CourseOffer",
    title="Course offer for exchange students",
    description="Courses currently published for exchange students, the ECTS credits they add up to, and "
    "courses withdrawn since their publication.",
    date_basis="first publication of the course",
    filters=("faculty", "isced", "eqf", "term"),
    measures=(
        Measure("courses_published", "count", "Courses currently published"),
        Measure("ects_offered", "ects", "Sum of the ECTS credits of the published courses"),
        Measure("courses_withdrawn", "count", "Courses published once and withdrawn since"),
    ),
    records=_records,
    summarise=_summarise,
)


async def known_values(session: AsyncSession, tenant: str) -> dict[str, set[str]]:
    dims = await load_dimensions(session, tenant)
    query = sa.select(course_fact.c.organisational_unit_code).where(course_fact.c.tenant == tenant).distinct()
    return {"faculty": {dims.faculty_of(code) or "" for code in (await session.scalars(query)).all() if code}}
