from __future__ import annotations

import uuid

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

    async def get_published(self, course_id: uuid.UUID) -> Course | None:
        query = sa.select(Course).where(Course.id == course_id, Course.status == CourseStatus.PUBLISHED.value)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def code_taken(self, tenant: str, code: str) -> bool:
        query = sa.select(sa.func.count()).where(Course.tenant == tenant, sa.func.lower(Course.code) == code.lower())
        return bool(await self.session.scalar(query))

    async def list_page(self, tenant: str, *, statuses: list[str], after_code: str | None, limit: int) -> list[Course]:
        query = sa.select(Course).where(Course.tenant == tenant, Course.status.in_(statuses))
        if after_code is not None:
            query = query.where(Course.code > after_code)
        query = query.order_by(Course.code).limit(limit)
        return list((await self.session.execute(query)).scalars())

    def add(self, course: Course) -> None:
        self.session.add(course)
