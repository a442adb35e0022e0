from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.models import Course, CourseStatus


class CourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant: str, course_id: uuid.UUID, *, for_update: bool = False) -> Course | None:
        query = sa.select(Course).where(Course.tenant == tenant, Course.id == course_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_published(self, tenant: str | None, course_id: uuid.UUID) -> Course | None:
        query = sa.select(Course).where(Course.id == course_id, Course.status == CourseStatus.PUBLISHED.value)
        if tenant is not None:
            query = query.where(Course.tenant == tenant)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def code_taken(self, tenant: str, code: str) -> bool:
        query = sa.select(sa.func.count()).where(Course.tenant == tenant, sa.func.lower(Course.code) == code.lower())
        return bool(await self.session.scalar(query))

    async def by_ids(self, tenant: str, ids: Sequence[uuid.UUID]) -> list[Course]:
        if not ids:
            return []
        query = sa.select(Course).where(Course.tenant == tenant, Course.id.in_(ids))
        return list((await self.session.execute(query)).scalars())

    async def in_units(self, tenant: str, unit_codes: Sequence[str]) -> list[Course]:
        query = sa.select(Course).where(Course.tenant == tenant, Course.organisational_unit_code.in_(unit_codes))
        return list((await self.session.execute(query)).scalars())

    def add(self, course: Course) -> None:
        self.session.add(course)

    async def delete(self, course: Course) -> None:
        await self.session.delete(course)
