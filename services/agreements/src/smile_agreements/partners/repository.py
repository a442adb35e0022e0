from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.partners.models import PartnerInstitution


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant: str, partner_id: uuid.UUID, *, for_update: bool = False) -> PartnerInstitution | None:
        query = sa.select(PartnerInstitution).where(
            PartnerInstitution.tenant == tenant, PartnerInstitution.id == partner_id
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_hei(self, tenant: str, hei_id: str, *, for_update: bool = False) -> PartnerInstitution | None:
        query = sa.select(PartnerInstitution).where(
            PartnerInstitution.tenant == tenant, PartnerInstitution.hei_id == hei_id.lower()
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_heis(self, tenant: str, hei_ids: list[str]) -> dict[str, PartnerInstitution]:
        if not hei_ids:
            return {}
        query = sa.select(PartnerInstitution).where(
            PartnerInstitution.tenant == tenant, PartnerInstitution.hei_id.in_(hei_ids)
        )
        return {p.hei_id: p for p in (await self.session.execute(query)).scalars()}

    async def by_erasmus_code(self, tenant: str, code: str) -> PartnerInstitution | None:
        wanted = " ".join(code.upper().split())
        query = sa.select(PartnerInstitution).where(
            PartnerInstitution.tenant == tenant, PartnerInstitution.erasmus_code.is_not(None)
        )
        for row in (await self.session.execute(query)).scalars():
            if row.erasmus_code and " ".join(row.erasmus_code.upper().split()) == wanted:
                return row
        return None

    async def list_page(
        self,
        tenant: str,
        *,
        partners_only: bool,
        text: str | None,
        country: str | None,
        after: str | None,
        limit: int,
    ) -> list[PartnerInstitution]:
        query = sa.select(PartnerInstitution).where(PartnerInstitution.tenant == tenant)
        if partners_only:
            query = query.where(PartnerInstitution.is_partner)
        if text:
            query = query.where(PartnerInstitution.search_text.like(f"%{text.lower()}%"))
        if country:
            query = query.where(PartnerInstitution.country == country.upper())
        if after is not None:
            query = query.where(PartnerInstitution.hei_id > after)
        query = query.order_by(PartnerInstitution.hei_id).limit(limit)
        return list((await self.session.execute(query)).scalars())

    def add(self, partner: PartnerInstitution) -> None:
        self.session.add(partner)
