from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_records.students.models import Mobility, Student


class StudentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant: str, student_id: uuid.UUID, *, for_update: bool = False) -> Student | None:
        query = sa.select(Student).where(Student.tenant == tenant, Student.id == student_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_esi_key(self, tenant: str, key: str) -> Student | None:
        query = sa.select(Student).where(Student.tenant == tenant, Student.esi_key == key)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_identity(self, tenant: str, identity_key: str) -> list[Student]:
        query = sa.select(Student).where(Student.tenant == tenant, Student.identity_key == identity_key)
        return list((await self.session.execute(query.order_by(Student.created_at))).scalars())

    async def by_ine(self, tenant: str, ine: str) -> Student | None:
        query = sa.select(Student).where(Student.tenant == tenant, Student.ine == ine)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_email(self, tenant: str, email: str) -> list[Student]:
        query = sa.select(Student).where(Student.tenant == tenant, sa.func.lower(Student.email) == email.lower())
        return list((await self.session.execute(query)).scalars())

    async def page(
        self, tenant: str, *, after: tuple[str, str] | None, limit: int, search: str | None = None
    ) -> list[Student]:
        query = sa.select(Student).where(Student.tenant == tenant)
        if search:
            like = f"%{search.lower()}%"
            query = query.where(
                sa.or_(
                    sa.func.lower(Student.family_name).like(like),
                    sa.func.lower(Student.given_names).like(like),
                    sa.func.lower(Student.email).like(like),
                    sa.func.lower(Student.esi).like(like),
                )
            )
        if after is not None:
            query = query.where(sa.tuple_(Student.family_name, sa.cast(Student.id, sa.String)) > after)
        order = (Student.family_name, sa.cast(Student.id, sa.String))
        return list((await self.session.execute(query.order_by(*order).limit(limit))).scalars())

    async def duplicate_identities(self, tenant: str) -> list[Student]:
        """Students sharing their identity key with another student of the tenant."""
        shared = (
            sa.select(Student.identity_key)
            .where(Student.tenant == tenant)
            .group_by(Student.identity_key)
            .having(sa.func.count() > 1)
        )
        query = sa.select(Student).where(Student.tenant == tenant, Student.identity_key.in_(shared))
        return list((await self.session.execute(query.order_by(Student.identity_key, Student.created_at))).scalars())

    def add(self, student: Student) -> None:
        self.session.add(student)


class MobilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant: str, mobility_id: uuid.UUID, *, for_update: bool = False) -> Mobility | None:
        query = sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.id == mobility_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_student(self, tenant: str, student_id: uuid.UUID) -> list[Mobility]:
        query = sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.student_id == student_id)
        return list((await self.session.execute(query.order_by(Mobility.created_at))).scalars())

    def add(self, mobility: Mobility) -> None:
        self.session.add(mobility)
