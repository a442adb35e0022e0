"""The IIA directory the nominations read in-process (``smile_agreements.mobilities.iia_port``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import CooperationType
from smile_agreements.iias.models import Iia, IiaCondition
from smile_agreements.mobilities.iia_port import ConditionView, LanguageSkill, register_directory

__all__ = ["IiaConditions"]


class IiaConditions:
    """Student-studies conditions of the tenant's IIAs (deleted ones excluded). ``approved`` means the
    IIA is in effect (mutually approved at least once) and not terminated as a whole."""

    async def student_conditions(
        self,
        session: AsyncSession,
        tenant: str,
        *,
        iia_id: uuid.UUID | None = None,
        ewp_iia_id: str | None = None,
        partner_hei_id: str | None = None,
    ) -> list[ConditionView]:
        query = (
            sa.select(Iia, IiaCondition)
            .join(IiaCondition, IiaCondition.iia_id == Iia.id)
            .where(
                Iia.tenant == tenant,
                Iia.state != "deleted",
                IiaCondition.type == CooperationType.STUDENT_STUDIES.value,
            )
            .order_by(Iia.code, IiaCondition.position)
        )
        if iia_id is not None:
            query = query.where(Iia.id == iia_id)
        if partner_hei_id is not None:
            query = query.where(Iia.partner_hei_id == partner_hei_id.lower())
        if ewp_iia_id is not None:
            ours = _uuid(ewp_iia_id)
            match = Iia.partner_iia_id == ewp_iia_id
            query = query.where(sa.or_(Iia.id == ours, match) if ours is not None else match)
        rows = (await session.execute(query)).all()
        return [_view(iia, condition) for iia, condition in rows]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return parsed if str(parsed) == value else None


def _view(iia: Iia, condition: IiaCondition) -> ConditionView:
    skills = tuple(
        LanguageSkill(
            language=s["language"],
            cefr_level=s.get("cefr_level"),
            isced_code=(s.get("subject_area") or {}).get("isced_f_code"),
        )
        for s in condition.language_skills
    )
    return ConditionView(
        iia_id=iia.id,
        condition_id=condition.id,
        partner_hei_id=iia.partner_hei_id,
        sending_hei_id=condition.sending_hei_id,
        receiving_hei_id=condition.receiving_hei_id,
        first_academic_year=condition.first_academic_year,
        last_academic_year=condition.last_academic_year,
        ewp_iia_id=str(iia.id),
        receiving_ounit_id=condition.receiving_ounit_id,
        mobilities_per_year=None if condition.mobilities_per_year_not_yet_defined else condition.mobilities_per_year,
        eqf_levels=tuple(condition.eqf_levels),
        isced_codes=tuple(a["isced_f_code"] for a in condition.subject_areas),
        languages=skills,
        approved=iia.in_effect and not iia.terminated_as_a_whole,
    )


register_directory(IiaConditions())
