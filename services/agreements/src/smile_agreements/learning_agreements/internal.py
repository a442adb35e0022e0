"""LA figures for the EWP gateway (Outgoing Mobility LA CNR ``stats``: ``las-incoming-stats-response``)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.deps import Machine
from smile_agreements.mobilities.models import Mobility
from smile_common.db import SessionDep
from smile_common.errors import problem_responses

router = APIRouter(prefix="/internal/ewp", tags=["internal"])


class LaYearStats(BaseModel):
    receiving_academic_year_id: str
    total: int
    some_version_approved: int
    latest_version_approved: int
    latest_version_rejected: int
    latest_version_awaiting: int


class LaStats(BaseModel):
    items: list[LaYearStats]


@router.get("/la-stats", operation_id="internalLaStats", response_model=LaStats, responses=problem_responses(401, 403))
async def la_stats(session: SessionDep, principal: Machine) -> LaStats:
    """Per receiving academic year, the tenant's incoming learning agreements that partners master in EWP:
    how many, how many had a version approved, and the state of their latest version (superseded
    versions left aside)."""
    query = (
        sa.select(Mobility.academic_year, LaVersion.learning_agreement_id, LaVersion.number, LaVersion.status)
        .join(LearningAgreement, LearningAgreement.id == LaVersion.learning_agreement_id)
        .join(Mobility, Mobility.id == LearningAgreement.mobility_id)
        .where(LearningAgreement.tenant == principal.tenant, LearningAgreement.source == "ewp")
        .where(LaVersion.status != "superseded")
        .order_by(LaVersion.learning_agreement_id, LaVersion.number)
    )
    per_la: dict[tuple[str, object], list[str]] = defaultdict(list)
    for year, la_id, _, status in (await session.execute(query)).all():
        per_la[(year, la_id)].append(status)
    years: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (year, _), statuses in per_la.items():
        counts = years[year]
        latest = statuses[-1]
        counts[0] += 1
        counts[1] += "approved" in statuses
        counts[2] += latest == "approved"
        counts[3] += latest == "rejected"
        counts[4] += latest in ("proposed", "draft")
    return LaStats(
        items=[
            LaYearStats(
                receiving_academic_year_id=year,
                total=c[0],
                some_version_approved=c[1],
                latest_version_approved=c[2],
                latest_version_rejected=c[3],
                latest_version_awaiting=c[4],
            )
            for year, c in sorted(years.items())
        ]
    )
