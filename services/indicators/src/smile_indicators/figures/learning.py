"""Learning agreement turnaround and the share handled through EWP; ECTS planned and obtained."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.mobility import learning_agreement_fact
from smile_indicators.facts.records import transcript_fact
from smile_indicators.figures.filters import DIMENSIONS
from smile_indicators.figures.framework import Indicator, Measure, Record
from smile_indicators.figures.population import dimensions_of, load_dimensions, mobility_records
from smile_indicators.figures.stats import percentile, ratio

__all__ = ["ECTS", "LA_TURNAROUND"]

ALL = tuple(DIMENSIONS)
EWP_TARGET = 0.95


async def _la_records(session: AsyncSession, tenant: str) -> list[Record]:
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    query = sa.select(learning_agreement_fact).where(learning_agreement_fact.c.tenant == tenant)
    out = []
    for la in (await session.execute(query)).all():
        days = None
        if la.approved_at is not None and la.first_proposed_at is not None:
            days = (la.approved_at - la.first_proposed_at).total_seconds() / 86400
        basis = la.approved_at or la.first_proposed_at
        out.append(
            {
                **dimensions_of(mobilities.get(la.mobility_id)),
                "kind": la.kind,
                "channel": la.source,
                "status": la.status,
                "approved": la.approved_at is not None,
                "rejected": la.approved_at is None and la.rejected_at is not None,
                "days": days,
                "date": basis.date() if basis else None,
            }
        )
    return out


def _summarise_la(records: list[Record]) -> dict[str, Any]:
    approved = [r for r in records if r["approved"]]
    days = [r["days"] for r in approved if r["days"] is not None]
    through_ewp = sum(1 for r in approved if r["channel"] == "ewp")
    return {
        "versions": len(records),
        "approved": len(approved),
        "rejected": sum(1 for r in records if r["rejected"]),
        "pending": sum(1 for r in records if r["status"] == "proposed"),
        "median_days": percentile(days, 50),
        "p90_days": percentile(days, 90),
        "approved_through_ewp": through_ewp,
        "ewp_share": ratio(through_ewp, len(approved)),
    }


LA_TURNAROUND = Indicator(
    slug="learning-agreement-turnaround",
    operation="LearningAgreementTurnaround",
    title="Learning agreement turnaround",
    description="Time from a learning agreement version's first proposal to its full approval (all three "
    "signatures), median and 90th percentile, and the share of approved versions handled through EWP "
    f"(the European Commission's target is {EWP_TARGET:.0%}).",
    date_basis="approval (first proposal for versions not approved)",
    filters=ALL,
    measures=(
        Measure("versions", "count", "Learning agreement versions proposed"),
        Measure("approved", "count", "Versions fully approved"),
        Measure("rejected", "count", "Versions rejected by a party and not approved since"),
        Measure("pending", "count", "Versions awaiting signatures"),
        Measure("median_days", "days", "Median days from first proposal to approval"),
        Measure("p90_days", "days", "90th percentile of the days from first proposal to approval"),
        Measure("approved_through_ewp", "count", "Approved versions exchanged through EWP"),
        Measure("ewp_share", "rate", "approved_through_ewp / approved"),
    ),
    records=_la_records,
    summarise=_summarise_la,
    extra_breakdowns={
        "kind": "`first_version` or `changes` (changes during the mobility).",
        "channel": "`ewp` (the sending side uses EWP) or `local`.",
    },
    targets={"ewp_share": EWP_TARGET},
)


async def _planned_by_mobility(session: AsyncSession, tenant: str) -> dict[UUID, float]:
    """ECTS of table A of each mobility's latest approved learning agreement version."""
    query = (
        sa.select(
            learning_agreement_fact.c.mobility_id,
            learning_agreement_fact.c.version,
            learning_agreement_fact.c.ects_studied,
        )
        .where(learning_agreement_fact.c.tenant == tenant, learning_agreement_fact.c.approved_at.is_not(None))
        .order_by(learning_agreement_fact.c.mobility_id, learning_agreement_fact.c.version)
    )
    planned: dict[UUID, float] = {}
    for mobility_id, _, ects in (await session.execute(query)).all():
        planned[mobility_id] = ects or 0.0
    return planned


async def _ects_records(session: AsyncSession, tenant: str) -> list[Record]:
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    planned = await _planned_by_mobility(session, tenant)
    obtained: dict[UUID, list[Any]] = defaultdict(list)
    query = sa.select(transcript_fact).where(transcript_fact.c.tenant == tenant)
    for transcript in (await session.execute(query)).all():
        obtained[transcript.mobility_id].append(transcript)
    out = []
    for mobility_id in sorted(set(planned) | set(obtained), key=str):
        mobility = mobilities.get(mobility_id)
        transcripts = obtained.get(mobility_id, [])
        out.append(
            {
                **dimensions_of(mobility),
                "date": mobility["departure"] if mobility else None,
                "planned": planned.get(mobility_id),
                "has_transcript": bool(transcripts),
                "attempted": sum(t.ects_attempted for t in transcripts),
                "obtained": sum(t.ects_obtained for t in transcripts),
                "components": sum(t.components for t in transcripts),
                "passed": sum(t.components_passed for t in transcripts),
            }
        )
    return out


def _summarise_ects(records: list[Record]) -> dict[str, Any]:
    with_la = [r for r in records if r["planned"] is not None]
    with_tor = [r for r in records if r["has_transcript"]]
    both = [r for r in with_tor if r["planned"] is not None]
    attempted = sum(r["attempted"] for r in with_tor)
    obtained = sum(r["obtained"] for r in with_tor)
    return {
        "mobilities_with_la": len(with_la),
        "mobilities_with_transcript": len(with_tor),
        "ects_planned": round(sum(r["planned"] for r in with_la), 2),
        "ects_attempted": round(attempted, 2),
        "ects_obtained": round(obtained, 2),
        "credit_success_rate": ratio(obtained, attempted),
        "achievement_rate": ratio(sum(r["obtained"] for r in both), sum(r["planned"] for r in both)),
        "component_pass_rate": ratio(sum(r["passed"] for r in with_tor), sum(r["components"] for r in with_tor)),
    }


ECTS = Indicator(
    slug="ects",
    operation="Ects",
    title="ECTS planned and obtained, success rates",
    description="ECTS credits planned in the approved learning agreements (table A) against those attempted "
    "and obtained on the transcripts of records.",
    date_basis="end of the mobility (actual departure, else planned)",
    filters=ALL,
    measures=(
        Measure("mobilities_with_la", "count", "Mobilities with an approved learning agreement"),
        Measure("mobilities_with_transcript", "count", "Mobilities with a transcript of records"),
        Measure("ects_planned", "ects", "ECTS of table A in the latest approved version"),
        Measure("ects_attempted", "ects", "ECTS attempted on the transcripts (latest versions)"),
        Measure("ects_obtained", "ects", "ECTS obtained on the transcripts (latest versions)"),
        Measure("credit_success_rate", "rate", "ects_obtained / ects_attempted"),
        Measure("achievement_rate", "rate", "ECTS obtained / ECTS planned, over mobilities having both"),
        Measure("component_pass_rate", "rate", "Components passed / components on the transcripts"),
    ),
    records=_ects_records,
    summarise=_summarise_ects,
)
