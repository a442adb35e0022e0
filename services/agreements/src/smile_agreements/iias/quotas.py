"""Quotas: for each cooperation condition and academic year, the mobilities planned by the IIA against
the nominations received (nominated, accepted, live or completed; rejected and cancelled ones do not
count). Nominations are read in-process from the mobilities context of this service."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import years_between
from smile_agreements.iias.models import Iia, IiaCondition
from smile_agreements.mobilities.counts import nominations_per_condition

__all__ = ["ConditionQuota", "nominations_by_condition", "quotas_for"]


class ConditionQuota(BaseModel):
    iia_id: uuid.UUID
    iia_code: str
    partner_hei_id: str
    cooperation_condition_id: uuid.UUID
    type: str
    direction: str
    sending_hei_id: str
    receiving_hei_id: str
    receiving_ounit_id: str | None
    academic_year: str
    #: ``mobilities_per_year`` of the condition (None when not yet defined)
    planned: int | None
    #: nominations received for this condition and year (incoming conditions only)
    nominations: int | None
    remaining: int | None
    over_quota: bool


async def nominations_by_condition(
    session: AsyncSession, tenant: str, conditions: Sequence[IiaCondition]
) -> dict[tuple[uuid.UUID, str], int]:
    """Nominations per (condition, academic year) over each condition's whole span."""
    by_year: dict[str, list[uuid.UUID]] = defaultdict(list)
    for condition in conditions:
        for year in years_between(condition.first_academic_year, condition.last_academic_year):
            by_year[year].append(condition.id)
    counts: dict[tuple[uuid.UUID, str], int] = {}
    for year, ids in by_year.items():
        for condition_id, count in (await nominations_per_condition(session, tenant, ids, year)).items():
            counts[(condition_id, year)] = count
    return counts


async def quotas_for(
    session: AsyncSession,
    tenant: str,
    iias: Sequence[Iia],
    conditions: dict[uuid.UUID, list[IiaCondition]],
    *,
    academic_year: str | None = None,
) -> list[ConditionQuota]:
    rows = [c for iia in iias for c in conditions.get(iia.id, [])]
    counts = await nominations_by_condition(session, tenant, [c for c in rows if c.receiving_hei_id == tenant])
    by_id = {iia.id: iia for iia in iias}
    out: list[ConditionQuota] = []
    for condition in rows:
        iia = by_id[condition.iia_id]
        incoming = condition.receiving_hei_id == tenant
        for year in years_between(condition.first_academic_year, condition.last_academic_year):
            if academic_year is not None and year != academic_year:
                continue
            received = counts.get((condition.id, year), 0) if incoming else None
            planned = None if condition.mobilities_per_year_not_yet_defined else condition.mobilities_per_year
            remaining = planned - received if planned is not None and received is not None else None
            out.append(
                ConditionQuota(
                    iia_id=iia.id,
                    iia_code=iia.code,
                    partner_hei_id=iia.partner_hei_id,
                    cooperation_condition_id=condition.id,
                    type=condition.type,
                    direction="incoming" if incoming else "outgoing",
                    sending_hei_id=condition.sending_hei_id,
                    receiving_hei_id=condition.receiving_hei_id,
                    receiving_ounit_id=condition.receiving_ounit_id,
                    academic_year=year,
                    planned=planned,
                    nominations=received,
                    remaining=remaining,
                    over_quota=remaining is not None and remaining < 0,
                )
            )
    return out
