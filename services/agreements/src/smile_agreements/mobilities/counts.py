"""Nomination counts for the IIA context (quotas): read in-process, same service, same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities.repository import MobilityRepository

__all__ = ["nominations_per_condition"]


async def nominations_per_condition(
    session: AsyncSession, tenant: str, condition_ids: list[uuid.UUID], academic_year: str
) -> dict[uuid.UUID, int]:
    """Nominations that count against each cooperation condition's ``mobilities_per_year`` in
    ``academic_year`` (``2026/2027``): nominated, accepted, live and completed ones; rejected and
    cancelled ones do not count. Conditions without any nomination are absent (read as 0)."""
    if not condition_ids:
        return {}
    return await MobilityRepository(session).count_per_condition(tenant, condition_ids, academic_year)
