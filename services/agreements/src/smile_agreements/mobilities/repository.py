from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities.models import ACTIVE_STATUSES, Mobility


class MobilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant: str, mobility_id: uuid.UUID, *, for_update: bool = False) -> Mobility | None:
        query = sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.id == mobility_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_omobility(
        self, tenant: str, sending_hei_id: str, omobility_id: str, *, for_update: bool = False
    ) -> Mobility | None:
        query = sa.select(Mobility).where(
            Mobility.tenant == tenant, Mobility.sending_hei_id == sending_hei_id, Mobility.omobility_id == omobility_id
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_omobility_ids(self, tenant: str, omobility_ids: list[str]) -> list[Mobility]:
        query = sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.omobility_id.in_(omobility_ids))
        return list((await self.session.execute(query)).scalars())

    async def active_for_student(self, tenant: str, student_key: str, academic_year: str) -> list[Mobility]:
        query = sa.select(Mobility).where(
            Mobility.tenant == tenant,
            Mobility.student_key == student_key,
            Mobility.academic_year == academic_year,
            Mobility.status.in_(ACTIVE_STATUSES),
        )
        return list((await self.session.execute(query)).scalars())

    async def list_page(
        self, visible: sa.ColumnElement[bool], *, filters: list[Any], after: tuple[str, uuid.UUID] | None, limit: int
    ) -> list[Mobility]:
        query = sa.select(Mobility).where(visible, *filters)
        if after is not None:
            name, ident = after
            query = query.where(
                sa.or_(
                    Mobility.student_family_name > name,
                    sa.and_(Mobility.student_family_name == name, Mobility.id > ident),
                )
            )
        query = query.order_by(Mobility.student_family_name, Mobility.id).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def count_per_condition(
        self, tenant: str, condition_ids: list[uuid.UUID], academic_year: str
    ) -> dict[uuid.UUID, int]:
        query = (
            sa.select(Mobility.cooperation_condition_id, sa.func.count())
            .where(
                Mobility.tenant == tenant,
                Mobility.cooperation_condition_id.in_(condition_ids),
                Mobility.academic_year == academic_year,
                Mobility.status.in_(ACTIVE_STATUSES),
            )
            .group_by(Mobility.cooperation_condition_id)
        )
        rows = (await self.session.execute(query)).all()
        return {cid: int(n) for cid, n in rows if cid is not None}

    def add(self, mobility: Mobility) -> None:
        self.session.add(mobility)
