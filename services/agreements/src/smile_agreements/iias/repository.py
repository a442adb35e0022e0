"""Every query of the IIA context; each one is scoped to a tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.models import Iia, IiaApproval, IiaCondition, IiaHistory, IiaVersion, PartnerCopy

VISIBLE_TO_PARTNER = ("shared", "terminated")


class IiaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- our copies -------------------------------------------------------------------------------
    async def get(self, tenant: str, iia_id: uuid.UUID, *, for_update: bool = False) -> Iia | None:
        query = sa.select(Iia).where(Iia.tenant == tenant, Iia.id == iia_id, Iia.state != "deleted")
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_by_ewp_id(self, tenant: str, ewp_iia_id: str) -> Iia | None:
        try:
            iia_id = uuid.UUID(ewp_iia_id)
        except ValueError:
            return None
        if str(iia_id) != ewp_iia_id:
            return None  # EWP ids compare exactly: only the canonical form is ours
        return await self.get(tenant, iia_id)

    async def by_partner_iia_id(self, tenant: str, partner_hei_id: str, partner_iia_id: str) -> Iia | None:
        query = sa.select(Iia).where(
            Iia.tenant == tenant,
            Iia.partner_hei_id == partner_hei_id,
            Iia.partner_iia_id == partner_iia_id,
            Iia.state != "deleted",
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def by_code(self, tenant: str, code: str) -> Iia | None:
        query = sa.select(Iia).where(
            Iia.tenant == tenant, sa.func.lower(Iia.code) == code.lower(), Iia.state != "deleted"
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def code_taken(self, tenant: str, code: str, *, besides: uuid.UUID | None = None) -> bool:
        query = sa.select(sa.func.count()).where(Iia.tenant == tenant, sa.func.lower(Iia.code) == code.lower())
        if besides is not None:
            query = query.where(Iia.id != besides)
        return bool(await self.session.scalar(query))

    async def with_partner(self, tenant: str, partner_hei_id: str) -> list[Iia]:
        query = sa.select(Iia).where(
            Iia.tenant == tenant, Iia.partner_hei_id == partner_hei_id, Iia.state.in_(("draft", "shared"))
        )
        return list((await self.session.execute(query)).scalars())

    async def list_page(
        self,
        tenant: str,
        *,
        statuses: Sequence[str] | None,
        partner_hei_id: str | None,
        academic_year: str | None,
        text: str | None,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> list[Iia]:
        query = sa.select(Iia).where(Iia.tenant == tenant, Iia.state != "deleted")
        if statuses:
            query = query.where(Iia.status.in_(statuses))
        if partner_hei_id:
            query = query.where(Iia.partner_hei_id == partner_hei_id)
        if academic_year:
            covering = sa.select(IiaCondition.iia_id).where(
                IiaCondition.tenant == tenant,
                IiaCondition.first_academic_year <= academic_year,
                IiaCondition.last_academic_year >= academic_year,
            )
            query = query.where(Iia.id.in_(covering))
        if text:
            like = f"%{text.lower()}%"
            query = query.where(
                sa.or_(
                    sa.func.lower(Iia.code).like(like), Iia.partner_hei_id.like(like), Iia.partner_iia_code.like(like)
                )
            )
        if after is not None:
            query = query.where(sa.tuple_(Iia.code, Iia.id) > sa.tuple_(*after))
        query = query.order_by(Iia.code, Iia.id).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def visible_to(
        self,
        tenant: str,
        partner_hei_id: str,
        *,
        iia_ids: Sequence[uuid.UUID] | None = None,
        partner_iia_ids: Sequence[str] | None = None,
        modified_since: datetime | None = None,
        academic_years: Sequence[str] | None = None,
    ) -> list[Iia]:
        """What the partner may fetch through EWP: its IIAs, shared (or terminated), never drafts or deleted."""
        query = sa.select(Iia).where(
            Iia.tenant == tenant, Iia.partner_hei_id == partner_hei_id, Iia.state.in_(VISIBLE_TO_PARTNER)
        )
        if iia_ids is not None:
            query = query.where(Iia.id.in_(iia_ids))
        if partner_iia_ids is not None:
            query = query.where(Iia.partner_iia_id.in_(partner_iia_ids))
        if modified_since is not None:
            query = query.where(Iia.modified_at > modified_since)
        if academic_years:
            overlaps = [
                sa.and_(IiaCondition.first_academic_year <= year, IiaCondition.last_academic_year >= year)
                for year in academic_years
            ]
            covering = sa.select(IiaCondition.iia_id).where(IiaCondition.tenant == tenant, sa.or_(*overlaps))
            query = query.where(Iia.id.in_(covering))
        return list((await self.session.execute(query.order_by(Iia.created_at, Iia.id))).scalars())

    async def visible_revisions(
        self, tenant: str, partner_hei_id: str, iia_ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, int, bool, bool, str | None, str]]:
        """``visible_to`` narrowed to ids, reading only what tells whether the served XML changed (one query)."""
        query = sa.select(
            Iia.id, Iia.version, Iia.in_effect, Iia.terminated_as_a_whole, Iia.pdf_file, Iia.iia_hash
        ).where(
            Iia.tenant == tenant,
            Iia.partner_hei_id == partner_hei_id,
            Iia.state.in_(VISIBLE_TO_PARTNER),
            Iia.id.in_(iia_ids),
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in (await self.session.execute(query)).all()]

    async def visible_by_ids(self, tenant: str, partner_hei_id: str, iia_ids: Sequence[uuid.UUID]) -> list[Iia]:
        if not iia_ids:
            return []
        return await self.visible_to(tenant, partner_hei_id, iia_ids=iia_ids)

    async def stats(self, tenant: str) -> dict[str, int]:
        visible = sa.and_(Iia.tenant == tenant, Iia.state.in_(VISIBLE_TO_PARTNER))
        query = sa.select(
            sa.func.count(),
            sa.func.count().filter(sa.and_(Iia.approved_by_partner, sa.not_(Iia.approved_by_us))),
            sa.func.count().filter(sa.and_(Iia.approved_by_us, sa.not_(Iia.approved_by_partner))),
            sa.func.count().filter(sa.and_(Iia.approved_by_us, Iia.approved_by_partner)),
        ).where(visible)
        row = (await self.session.execute(query)).one()
        return {
            "iia_fetchable": int(row[0]),
            "iia_local_unapproved_partner_approved": int(row[1]),
            "iia_local_approved_partner_unapproved": int(row[2]),
            "iia_both_approved": int(row[3]),
        }

    # --- conditions -------------------------------------------------------------------------------
    async def conditions(self, tenant: str, iia_id: uuid.UUID) -> list[IiaCondition]:
        query = (
            sa.select(IiaCondition)
            .where(IiaCondition.tenant == tenant, IiaCondition.iia_id == iia_id)
            .order_by(IiaCondition.position)
        )
        return list((await self.session.execute(query)).scalars())

    async def conditions_of(self, tenant: str, iia_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[IiaCondition]]:
        out: dict[uuid.UUID, list[IiaCondition]] = {i: [] for i in iia_ids}
        if not iia_ids:
            return out
        query = (
            sa.select(IiaCondition)
            .where(IiaCondition.tenant == tenant, IiaCondition.iia_id.in_(iia_ids))
            .order_by(IiaCondition.position)
        )
        for row in (await self.session.execute(query)).scalars():
            out[row.iia_id].append(row)
        return out

    # --- partners' copies -------------------------------------------------------------------------
    async def partner_copy(self, tenant: str, partner_hei_id: str, partner_iia_id: str) -> PartnerCopy | None:
        query = sa.select(PartnerCopy).where(
            PartnerCopy.tenant == tenant,
            PartnerCopy.partner_hei_id == partner_hei_id,
            PartnerCopy.partner_iia_id == partner_iia_id,
        )
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def partner_copy_by_id(self, tenant: str, copy_id: uuid.UUID) -> PartnerCopy | None:
        query = sa.select(PartnerCopy).where(PartnerCopy.tenant == tenant, PartnerCopy.id == copy_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def copy_of(self, tenant: str, iia_id: uuid.UUID) -> PartnerCopy | None:
        """The partner's copy matched to our IIA (the latest one still served, else the latest one)."""
        query = (
            sa.select(PartnerCopy)
            .where(PartnerCopy.tenant == tenant, PartnerCopy.iia_id == iia_id)
            .order_by(PartnerCopy.deleted_at.is_not(None), PartnerCopy.received_at.desc())
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def partner_copies(self, tenant: str, *, unmatched: bool, limit: int, offset: int) -> list[PartnerCopy]:
        query = sa.select(PartnerCopy).where(PartnerCopy.tenant == tenant)
        if unmatched:
            query = query.where(PartnerCopy.iia_id.is_(None), PartnerCopy.deleted_at.is_(None))
        query = query.order_by(PartnerCopy.received_at.desc(), PartnerCopy.id).limit(limit).offset(offset)
        return list((await self.session.execute(query)).scalars())

    # --- approvals, versions, history -------------------------------------------------------------
    async def approvals(self, tenant: str, iia_id: uuid.UUID) -> list[IiaApproval]:
        query = (
            sa.select(IiaApproval)
            .where(IiaApproval.tenant == tenant, IiaApproval.iia_id == iia_id)
            .order_by(IiaApproval.approved_at, IiaApproval.recorded_at)
        )
        return list((await self.session.execute(query)).scalars())

    async def local_approvals_of_partner_copies(
        self, tenant: str, partner_hei_id: str, partner_iia_ids: Sequence[str]
    ) -> list[IiaApproval]:
        query = (
            sa.select(IiaApproval)
            .join(Iia, Iia.id == IiaApproval.iia_id)
            .where(
                IiaApproval.tenant == tenant,
                IiaApproval.side == "local",
                IiaApproval.target == "partner",
                IiaApproval.partner_iia_id.in_(partner_iia_ids),
                Iia.partner_hei_id == partner_hei_id,
                Iia.state != "deleted",
            )
            .order_by(IiaApproval.approved_at)
        )
        return list((await self.session.execute(query)).scalars())

    async def version_with_hash(self, tenant: str, iia_id: uuid.UUID, iia_hash: str) -> IiaVersion | None:
        query = (
            sa.select(IiaVersion)
            .where(IiaVersion.tenant == tenant, IiaVersion.iia_id == iia_id, IiaVersion.iia_hash == iia_hash)
            .order_by(IiaVersion.version.desc())
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def versions(self, tenant: str, iia_id: uuid.UUID) -> list[IiaVersion]:
        query = (
            sa.select(IiaVersion)
            .where(IiaVersion.tenant == tenant, IiaVersion.iia_id == iia_id)
            .order_by(IiaVersion.version)
        )
        return list((await self.session.execute(query)).scalars())

    async def history(self, tenant: str, iia_id: uuid.UUID) -> list[IiaHistory]:
        query = (
            sa.select(IiaHistory)
            .where(IiaHistory.tenant == tenant, IiaHistory.iia_id == iia_id)
            .order_by(IiaHistory.at, IiaHistory.version)
        )
        return list((await self.session.execute(query)).scalars())
